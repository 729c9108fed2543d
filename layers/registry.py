"""Art. 14 registry of public-benefit housing: the street registers, the district files.

The street office registers every piece of community public-benefit housing (ownership 权属,
facility number, area, use 用途) and files it with the district civil-affairs and state-assets
departments (Art. 14). The layer ``housing_registry`` holds one row per registered facility;
:func:`register` adds one, :func:`mark_filed` records the filing dates, :func:`record_transfer`
the hand-over of a new development's housing to the district or county government, which then
owns it (Art. 12 para. 1: "竣工后移交所在区、县(市)政府,产权归区、县(市)政府所有"),
:func:`waiting` lists what each level still has to do and :func:`registered_areas` gives the
facilities with the registered areas, which the compliance assessment uses where present.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from layers.errors import PlannerError

REGISTRY_LAYER = "housing_registry"
REGISTRY_COLUMNS: tuple[str, ...] = (
    "facility_id",
    "community_id",
    "ownership",
    "usable_area_m2",
    "use",
    "registered_by",
    "registered_at",
    "filed_civil_affairs_at",
    "filed_state_assets_at",
    "status",
)
TRANSFER_COLUMNS: tuple[str, ...] = ("transferred_to", "transferred_at")
"""Optional registry columns of the Art. 12 hand-over (added by :func:`record_transfer`; a
registry written before them has none, and nothing was recorded as handed over)."""
HOUSING_KINDS: tuple[str, ...] = ("community_station", "central_station", "public_housing")
"""Facility kinds that are community public-benefit housing and must be registered."""


class RegistryError(PlannerError, ValueError):
    """A registry change that cannot be made; the message says why in zh and en."""


def empty_registry() -> pd.DataFrame:
    """A registry without rows."""
    return pd.DataFrame(
        {c: pd.Series(dtype=float if c == "usable_area_m2" else object) for c in REGISTRY_COLUMNS}
    )


def _iso(value: date | str | None) -> str | None:
    if value is None:
        return None
    try:
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    except ValueError:
        raise RegistryError(
            f"日期格式应为 YYYY-MM-DD:{value!r} / dates are YYYY-MM-DD: {value!r}"
        ) from None


def register(
    registry: pd.DataFrame | None,
    facilities: pd.DataFrame,
    facility_id: str,
    *,
    ownership: str,
    use: str,
    registered_by: str,
    registered_at: date | str,
    usable_area_m2: float | None = None,
) -> pd.DataFrame:
    """The registry with ``facility_id`` registered (area: the facility's unless given)."""
    registry = empty_registry() if registry is None else registry
    match = facilities[facilities["facility_id"].astype(str) == str(facility_id)]
    if match.empty:
        raise RegistryError(f"没有设施 {facility_id} / no facility {facility_id}")
    if (registry["facility_id"].astype(str) == str(facility_id)).any():
        raise RegistryError(f"设施 {facility_id} 已登记 / facility {facility_id} is registered")
    if not str(ownership).strip() or not str(use).strip():
        raise RegistryError("须写明权属和用途 / ownership and use are required (Art. 14)")
    facility = match.iloc[0]
    area = float(facility["usable_area_m2"]) if usable_area_m2 is None else float(usable_area_m2)
    row = {
        "facility_id": str(facility_id),
        "community_id": str(facility["community_id"]),
        "ownership": str(ownership).strip(),
        "usable_area_m2": area,
        "use": str(use).strip(),
        "registered_by": registered_by,
        "registered_at": _iso(registered_at),
        "filed_civil_affairs_at": None,
        "filed_state_assets_at": None,
        "status": "registered",
    }
    added = pd.DataFrame([row], columns=list(REGISTRY_COLUMNS))
    return added if registry.empty else pd.concat([registry, added], ignore_index=True)


def mark_filed(
    registry: pd.DataFrame,
    facility_ids: Sequence[str],
    *,
    civil_affairs_at: date | str | None = None,
    state_assets_at: date | str | None = None,
) -> pd.DataFrame:
    """The registry with filing dates set; a row is ``filed`` once both departments have it."""
    ids = [str(i) for i in facility_ids]
    known = set(registry["facility_id"].astype(str))
    missing = [i for i in ids if i not in known]
    if missing:
        raise RegistryError(
            f"未登记的设施不能备案:{', '.join(missing)} / unregistered facilities cannot be "
            f"filed: {', '.join(missing)}"
        )
    out = registry.copy()
    rows = out["facility_id"].astype(str).isin(ids).to_numpy()
    for column, value in (
        ("filed_civil_affairs_at", civil_affairs_at),
        ("filed_state_assets_at", state_assets_at),
    ):
        out[column] = out[column].astype(object)
        if value is not None:
            out.loc[rows, column] = _iso(value)
    both = out["filed_civil_affairs_at"].notna() & out["filed_state_assets_at"].notna()
    out["status"] = ["filed" if b else "registered" for b in both]
    return out


def record_transfer(
    registry: pd.DataFrame,
    facility_ids: Sequence[str],
    *,
    to_government: str,
    transferred_at: date | str,
) -> pd.DataFrame:
    """The registry with the hand-over of ``facility_ids`` to ``to_government`` recorded.

    Art. 12 para. 1: the developer hands the housing of a new development over to the district
    or county government on completion and the government owns it, so ``ownership`` becomes
    ``to_government`` (e.g. "道里区人民政府") and ``transferred_to`` / ``transferred_at`` say
    to whom and when. Only registered housing can be handed over in the registry.
    """
    ids = [str(i) for i in facility_ids]
    known = set(registry["facility_id"].astype(str))
    missing = [i for i in ids if i not in known]
    if missing:
        raise RegistryError(
            f"未登记的设施不能记录移交:{', '.join(missing)} / unregistered facilities cannot be "
            f"handed over: {', '.join(missing)}"
        )
    receiver = str(to_government).strip()
    if not receiver:
        raise RegistryError(
            "须写明接收移交的区、县(市)政府 / the receiving district or county government is "
            "required (Art. 12)"
        )
    when = _iso(transferred_at)
    out = registry.copy()
    rows = out["facility_id"].astype(str).isin(ids).to_numpy()
    for column, value in (
        ("transferred_to", receiver),
        ("transferred_at", when),
        ("ownership", receiver),
    ):
        out[column] = out[column].astype(object) if column in out.columns else None
        out.loc[rows, column] = value
    return out


def _not_transferred(
    registry: pd.DataFrame, housing: pd.DataFrame, communities: pd.DataFrame, eras: Sequence[str]
) -> pd.DataFrame:
    """Housing of new developments without a recorded hand-over (Art. 12 para. 1)."""
    era = dict(zip(communities["community_id"].astype(str), communities["era"], strict=True))
    new = housing["community_id"].astype(str).map(era).isin(list(eras)).to_numpy()
    done = set()
    if "transferred_at" in registry.columns:
        handed = registry[registry["transferred_at"].notna()]
        done = set(handed["facility_id"].astype(str))
    todo = housing[new & ~housing["facility_id"].astype(str).isin(done).to_numpy()]
    return pd.DataFrame(todo.drop(columns="geometry", errors="ignore")).reset_index(drop=True)


def waiting(
    registry: pd.DataFrame | None,
    facilities: pd.DataFrame,
    communities: pd.DataFrame | None = None,
    *,
    new_eras: Sequence[str] = ("new",),
) -> dict[str, pd.DataFrame]:
    """What each level still has to do: ``street`` (housing to register), ``district``
    (registered housing not yet filed with civil affairs and state assets) and, with
    ``communities`` (``community_id``, ``era``), ``transfer``: housing of new developments
    (``era`` in ``new_eras``) whose hand-over to the government is not recorded (Art. 12)."""
    registry = empty_registry() if registry is None else registry
    housing = (
        facilities[facilities["kind"].isin(HOUSING_KINDS)] if "kind" in facilities else facilities
    )
    registered = set(registry["facility_id"].astype(str))
    street = housing[~housing["facility_id"].astype(str).isin(registered)]
    district = registry[registry["status"].astype(str) != "filed"]
    out = {
        "street": pd.DataFrame(street.drop(columns="geometry", errors="ignore")),
        "district": district.reset_index(drop=True),
    }
    if communities is not None and {"community_id", "era"} <= set(communities.columns):
        out["transfer"] = _not_transferred(registry, housing, communities, new_eras)
    return out


def registered_areas(facilities: pd.DataFrame, registry: pd.DataFrame | None) -> pd.DataFrame:
    """Facilities whose ``usable_area_m2`` is the registered one where a registry row exists."""
    if registry is None or registry.empty:
        return facilities
    rows = registry.assign(facility_id=registry["facility_id"].astype(str))
    rows = rows.drop_duplicates("facility_id", keep="last").set_index("facility_id")
    area = pd.to_numeric(rows["usable_area_m2"], errors="coerce")
    out = facilities.copy()
    ids = out["facility_id"].astype(str)
    found = ids.isin(area.index).to_numpy()
    out.loc[found, "usable_area_m2"] = area.reindex(ids[found]).to_numpy()
    return out
