"""Art. 20 beyond cameras: rental-housing management stations and closed management.

Art. 20: "组建出租房管理站,与警务室合署办公" -- a rental-housing management station (room code
``rental_station``) shares its office with the police room (``police_room``) of the same
station; and "有条件的居民区推行封闭式管理" -- residential areas where conditions allow adopt
closed management (field ``closed_management`` of the communities layer). Which areas "have the
conditions" is not written; the standard set reads it as those under regulated property
management (Art. 18), an assumption it flags. Both rules are targets (``strictness``).
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


def security_check(
    comm: pd.DataFrame,
    communities: pd.DataFrame,
    fac: pd.DataFrame,
    rental_rule: Rule | None,
    closed_rule: Rule | None,
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
    rental_rule, closed_rule : Rule or None
        Rules with ``check`` ``rental_station`` and ``closed_management``.

    Returns
    -------
    DataFrame
        :data:`SECURITY_COLUMNS`; ``rental_ok`` / ``closed_ok`` are NA where a rule does not
        apply (or, for closed management, where the field is empty).
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
    zh, en = [], []
    for r in out.itertuples(index=False):
        z, e = [], []
        if _false(r.rental_ok):
            if not r.rental_station:
                z.append("服务站没有出租房管理站")
                e.append("no rental-housing management station in the station")
            else:
                z.append("出租房管理站未与警务室合署办公")
                e.append("the rental-housing station does not share the police room's office")
        if _false(r.closed_ok):
            z.append("规范化物业管理小区未实行封闭式管理")
            e.append("regulated residential area without closed management")
        zh.append(";".join(z))
        en.append("; ".join(e))
    out["message_zh"] = zh
    out["message_en"] = en
    applies = out["rental_ok"].notna() | out["closed_expected"]
    return out[applies.to_numpy()][SECURITY_COLUMNS].reset_index(drop=True)
