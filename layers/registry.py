"""Art. 14 registry of public-benefit housing: the street registers, the district files.

The street office registers every piece of community public-benefit housing (ownership 权属,
facility number, area, use 用途) and files it with the district civil-affairs and state-assets
departments (Art. 14). The layer ``housing_registry`` holds one row per registered facility;
:func:`register` adds one, :func:`mark_filed` records the filing dates, :func:`waiting` lists
what each level still has to do and :func:`registered_areas` gives the facilities with the
registered areas, which the compliance assessment uses where present.
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


def waiting(registry: pd.DataFrame | None, facilities: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What each level still has to do: ``street`` (housing to register), ``district``
    (registered housing not yet filed with civil affairs and state assets)."""
    registry = empty_registry() if registry is None else registry
    housing = (
        facilities[facilities["kind"].isin(HOUSING_KINDS)] if "kind" in facilities else facilities
    )
    registered = set(registry["facility_id"].astype(str))
    street = housing[~housing["facility_id"].astype(str).isin(registered)]
    district = registry[registry["status"].astype(str) != "filed"]
    return {
        "street": pd.DataFrame(street.drop(columns="geometry", errors="ignore")),
        "district": district.reset_index(drop=True),
    }


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
