"""Arts. 18 and 20 beyond cameras: police rooms, rental stations, closed management, property.

Art. 20: "健全完善社区警务室" -- every urban community has a police room (room code
``police_room`` of its station, or a ``police_room`` facility; required); "组建出租房管理站,
与警务室合署办公" -- a rental-housing management station (room code ``rental_station``) shares
its office with the police room of the same station; and "有条件的居民区推行封闭式管理" --
residential areas where conditions allow adopt closed management (field ``closed_management``
of the communities layer). Which areas "have the conditions" is not written; the standard set
reads it as those under regulated property management (Art. 18), an assumption it flags.
Art. 18: areas under basic property management (``management`` ``basic``) set up a community
property service station within the community station (room code ``property_station``; a
target, checked only where the layer has the ``management`` field).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.compliance.art36 import _truth
from analysis.standards import Rule
from layers.schema import parse_rooms

SECURITY_COLUMNS: list[str] = [
    "community_id",
    "name",
    "district",
    "district_code",
    "street_code",
    "management",
    "rental_station",
    "rental_with_police",
    "rental_ok",
    "closed_management",
    "closed_expected",
    "closed_ok",
    "police_room",
    "police_ok",
    "property_station",
    "property_ok",
    "message_zh",
    "message_en",
]
"""Columns of :func:`security_check` (one row per community either rule applies to)."""


def _false(value: object) -> bool:
    """Whether a nullable boolean cell is False (NA is not)."""
    return value is not pd.NA and value is not None and not bool(value)


def _rental(comm: pd.DataFrame, fac: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    room, partner = str(rule.param("room")), str(rule.param("with_room"))
    st = fac[fac["kind"].isin(rule.param("station_kinds"))]
    has, paired = {}, {}
    for cid, text in zip(st["community_id"], st["rooms"], strict=True):
        rooms = set(parse_rooms(text))
        if room in rooms:
            has[cid] = True
            paired[cid] = paired.get(cid, False) or partner in rooms
    applies = comm["kind"].isin(rule.param("applies_to_kinds")).to_numpy()
    ids = comm["community_id"]
    rental = np.array([has.get(c, False) for c in ids], dtype=bool)
    with_police = np.array([paired.get(c, False) for c in ids], dtype=bool)
    return pd.DataFrame(
        {
            "community_id": ids.to_numpy(),
            "rental_applies": applies,
            "rental_station": rental,
            "rental_with_police": with_police,
        }
    )


def _has_room(comm: pd.DataFrame, fac: pd.DataFrame, rule: Rule, kinds: list[str]) -> np.ndarray:
    """Per community: whether one of its stations holds the rule's ``room`` or it has a
    facility of ``kinds``."""
    room = str(rule.param("room"))
    st = fac[fac["kind"].isin(rule.param("station_kinds"))]
    have = {
        c
        for c, text in zip(st["community_id"], st["rooms"], strict=True)
        if room in parse_rooms(text)
    }
    have |= set(fac.loc[fac["kind"].isin(kinds), "community_id"])
    return comm["community_id"].isin(have).to_numpy(bool)


def _flag(ok: np.ndarray, applies: np.ndarray) -> pd.array:
    return pd.array(
        [bool(o) if a else pd.NA for o, a in zip(ok, applies, strict=True)], dtype="boolean"
    )


def police_and_property(
    comm: pd.DataFrame,
    management: np.ndarray,
    fac: pd.DataFrame,
    police_rule: Rule | None,
    property_rule: Rule | None,
) -> pd.DataFrame:
    """Art. 20 police room (required) and Art. 18 property service station (target).

    Returns ``police_room, police_ok, property_station, property_ok`` per community (the
    ``*_ok`` columns NA where the rule does not apply).
    """
    n = len(comm)
    out = pd.DataFrame(index=range(n))
    if police_rule is not None:
        has = _has_room(comm, fac, police_rule, list(police_rule.param("facility_kinds")))
        applies = comm["kind"].isin(police_rule.param("applies_to_kinds")).to_numpy()
        out["police_room"], out["police_ok"] = has, _flag(has, applies)
    else:
        out["police_room"], out["police_ok"] = False, _flag(np.zeros(n), np.zeros(n, bool))
    if property_rule is not None:
        has = _has_room(comm, fac, property_rule, [])
        applies = comm["kind"].isin(property_rule.param("applies_to_kinds")).to_numpy() & np.isin(
            management, list(property_rule.param("management"))
        )
        out["property_station"], out["property_ok"] = has, _flag(has, applies)
    else:
        out["property_station"] = False
        out["property_ok"] = _flag(np.zeros(n), np.zeros(n, bool))
    return out


SECURITY_MESSAGES: dict[str, tuple[str, str]] = {
    "no_police_room": ("没有社区警务室", "no community police room"),
    "no_rental_station": (
        "服务站没有出租房管理站",
        "no rental-housing management station in the station",
    ),
    "rental_apart": (
        "出租房管理站未与警务室合署办公",
        "the rental-housing station does not share the police room's office",
    ),
    "not_closed": (
        "规范化物业管理小区未实行封闭式管理",
        "regulated residential area without closed management",
    ),
    "no_property_station": (
        "基本物业管理住宅区没有社区物业服务站",
        "basic property management without a community property service station",
    ),
}
"""zh/en texts of the failing checks of :func:`security_check`, by code."""


def security_codes(r) -> list[str]:
    """Codes of :data:`SECURITY_MESSAGES` failing in one row of the security table."""
    codes = []
    if _false(getattr(r, "police_ok", pd.NA)):
        codes.append("no_police_room")
    if _false(r.rental_ok):
        codes.append("no_rental_station" if not r.rental_station else "rental_apart")
    if _false(r.closed_ok):
        codes.append("not_closed")
    if _false(getattr(r, "property_ok", pd.NA)):
        codes.append("no_property_station")
    return codes


def security_check(
    comm: pd.DataFrame,
    communities: pd.DataFrame,
    fac: pd.DataFrame,
    rental_rule: Rule | None,
    closed_rule: Rule | None,
    police_rule: Rule | None = None,
    property_rule: Rule | None = None,
) -> pd.DataFrame:
    """Art. 20 rental stations and closed management per community (targets, see module).

    Parameters
    ----------
    comm : DataFrame
        Per-community compliance table (``community_id, name, district, district_code,
        street_code, kind``), in the row order of ``communities``.
    communities : DataFrame
        The communities layer (``management``, ``closed_management``), same row order.
    fac : DataFrame
        Facilities (``kind, community_id, rooms``).
    rental_rule, closed_rule, police_rule, property_rule : Rule or None
        Rules with ``check`` ``rental_station``, ``closed_management``, ``police_room`` and
        ``property_station``.

    Returns
    -------
    DataFrame
        :data:`SECURITY_COLUMNS`; the ``*_ok`` columns are NA where a rule does not apply
        (or, for closed management, where the field is empty).
    """
    n = len(comm)
    management = (
        communities["management"].astype(object).to_numpy()
        if "management" in communities.columns
        else np.full(n, None, dtype=object)
    )
    out = comm[["community_id", "name", "district", "district_code", "street_code"]].copy()
    out["management"] = management
    if rental_rule is not None:
        r = _rental(comm, fac, rental_rule)
        out["rental_station"] = r["rental_station"].to_numpy()
        out["rental_with_police"] = r["rental_with_police"].to_numpy()
        ok = r["rental_station"] & r["rental_with_police"]
        out["rental_ok"] = pd.array(
            [bool(o) if a else pd.NA for o, a in zip(ok, r["rental_applies"], strict=True)],
            dtype="boolean",
        )
    else:
        out["rental_station"] = False
        out["rental_with_police"] = False
        out["rental_ok"] = pd.array([pd.NA] * n, dtype="boolean")
    if closed_rule is not None:
        field = str(closed_rule.param("field"))
        values = communities[field].tolist() if field in communities.columns else [None] * n
        closed = [_truth(v) for v in values]
        expected = np.isin(management, list(closed_rule.param("expected_management")))
        out["closed_management"] = pd.array(
            [pd.NA if c is None else c for c in closed], dtype="boolean"
        )
        out["closed_expected"] = expected
        out["closed_ok"] = pd.array(
            [c if (e and c is not None) else pd.NA for c, e in zip(closed, expected, strict=True)],
            dtype="boolean",
        )
    else:
        out["closed_management"] = pd.array([pd.NA] * n, dtype="boolean")
        out["closed_expected"] = False
        out["closed_ok"] = pd.array([pd.NA] * n, dtype="boolean")
    extra = police_and_property(comm, management, fac, police_rule, property_rule)
    for col in extra.columns:
        out[col] = extra[col].array
    zh, en = [], []
    for r in out.itertuples(index=False):
        codes = security_codes(r)
        zh.append(";".join(SECURITY_MESSAGES[c][0] for c in codes))
        en.append("; ".join(SECURITY_MESSAGES[c][1] for c in codes))
    out["message_zh"] = zh
    out["message_en"] = en
    applies = (
        out["rental_ok"].notna()
        | out["closed_expected"]
        | out["police_ok"].notna()
        | out["property_ok"].notna()
    )
    return out[applies.to_numpy()][SECURITY_COLUMNS].reset_index(drop=True)
