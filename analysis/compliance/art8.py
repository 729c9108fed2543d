"""Art. 8 "one committee, one station" (一居一站): stations counted per residents' committee.

Art. 8 of the measures: "社区实行“一居(居委会)一站”的管理体制". A community without a station,
with two stations, or with one station registered for two committees, is flagged (two stations
are not summed silently).
A station serves several committees when its ``community_id`` lists several communities
(``C1,C2`` or ``C1、C2``); its usable area is then split evenly between them (an assumption
noted in the standard set).

Examples
--------
>>> split_ids("C1、C2")
['C1', 'C2']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.compliance.rules import _Rules, rule_applies
from analysis.standards import Rule
from layers.schema import parse_rooms

_SEPARATORS = re.compile(r"[,,、;;]")

ONE_STATION_COLUMNS: list[str] = [
    "community_id",
    "n_stations",
    "station_ids",
    "shared_station_ids",
    "one_station_ok",
]
"""Columns :func:`one_station_check` adds to the per-community table."""


def split_ids(value: object) -> list[str]:
    """Community ids of a ``community_id`` cell: ``"C1,C2"`` -> ``["C1", "C2"]``.

    Commas (also full-width), 、 and semicolons separate ids; an empty cell gives ``[]``.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return []
    return [part.strip() for part in _SEPARATORS.split(str(value)) if part.strip()]


def explode_shared(fac: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """One row per (facility, community) for facilities of ``kinds`` listing several ids.

    The usable area of a shared station is split evenly between its communities; column
    ``n_committees`` says how many it serves (1 for every other row).
    """
    out = fac.copy()
    ids = [
        split_ids(c) if k in kinds else [c]
        for c, k in zip(out["community_id"], out["kind"], strict=True)
    ]
    out["n_committees"] = [max(len(i), 1) for i in ids]
    out["community_id"] = [i if i else [None] for i in ids]
    out = out.explode("community_id", ignore_index=True)
    shared = out["n_committees"] > 1
    out.loc[shared, "usable_area_m2"] = (
        out.loc[shared, "usable_area_m2"] / out.loc[shared, "n_committees"]
    )
    out["community_id"] = out["community_id"].astype(object)
    return out


def one_station_check(comm: pd.DataFrame, fac: pd.DataFrame, rule: Rule | None) -> pd.DataFrame:
    """Per community: stations, shared stations and whether Art. 8 "one station" holds.

    Parameters
    ----------
    comm : DataFrame
        Per-community table with ``community_id`` and ``kind``.
    fac : DataFrame
        Facilities after :func:`explode_shared` (``facility_id, kind, community_id,
        n_committees``).
    rule : Rule or None
        The rule with ``check = "one_station"`` (``max_stations``, ``max_committees``,
        ``station_kinds``, ``applies_to_kinds``, optional ``min_stations``: a committee
        with fewer stations fails); ``None`` leaves the check out.

    Returns
    -------
    DataFrame
        :data:`ONE_STATION_COLUMNS`; ``one_station_ok`` is NA where the rule does not apply.
    """
    out = pd.DataFrame({"community_id": comm["community_id"].to_numpy()})
    if rule is None:
        out["n_stations"] = 0
        out["station_ids"] = ""
        out["shared_station_ids"] = ""
        out["one_station_ok"] = pd.array([pd.NA] * len(out), dtype="boolean")
        return out
    st = fac[fac["kind"].isin(rule.param("station_kinds"))]
    ids = st.groupby("community_id")["facility_id"].agg(lambda s: ",".join(sorted(s)))
    count = st.groupby("community_id").size()
    shared_st = st[st["n_committees"] > int(rule.param("max_committees"))]
    shared = shared_st.groupby("community_id")["facility_id"].agg(lambda s: ",".join(sorted(s)))
    out["n_stations"] = out["community_id"].map(count).fillna(0).astype(int)
    out["station_ids"] = _texts(out["community_id"].map(ids))
    out["shared_station_ids"] = _texts(out["community_id"].map(shared))
    applies = comm["kind"].isin(rule.param("applies_to_kinds")).to_numpy()
    least = int(rule.params.get("min_stations", 0))
    ok = (
        (out["n_stations"] >= least)
        & (out["n_stations"] <= int(rule.param("max_stations")))
        & (out["shared_station_ids"] == "")
    )
    out["one_station_ok"] = pd.array(
        [bool(o) if a else pd.NA for o, a in zip(ok, applies, strict=True)], dtype="boolean"
    )
    return out


def _texts(values: pd.Series) -> np.ndarray:
    """Text per row, "" where missing (a map on an empty table gives floats)."""
    return np.array(["" if v is None or v != v else str(v) for v in values], dtype=object)


def one_station_message(n_stations: int, shared: str) -> tuple[str, str]:
    """zh/en text of a community breaking "one committee, one station"."""
    zh, en = [], []
    if n_stations == 0:
        zh.append("没有社区服务工作站(一居一站)")
        en.append("no community service station (one committee, one station)")
    if n_stations > 1:
        zh.append(f"有 {n_stations} 个服务站(一居一站)")
        en.append(f"{n_stations} stations (one committee, one station)")
    if shared:
        zh.append(f"服务站 {shared} 同时服务其他居委会")
        en.append(f"station {shared} also serves another committee")
    return ";".join(zh), "; ".join(en)


def _rooms_text(codes: Iterable[str]) -> str:
    return ",".join(codes)


def station_rooms(
    comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Art. 8: missing rooms per station and per community (union of its stations)."""
    comm = comm.copy()
    columns = [
        "facility_id",
        "name",
        "community_id",
        "community",
        "district_code",
        "district",
        "street_code",
        "rooms",
        "missing_rooms",
        "n_missing_rooms",
        "compliant",
        "rule_id",
        "article",
    ]
    if rules.rooms is None:
        comm["has_station"] = pd.array([pd.NA] * len(comm), dtype="boolean")
        comm["missing_rooms"] = ""
        comm["n_missing_rooms"] = 0
        return comm, pd.DataFrame(columns=columns)
    checklist = list(rules.rooms.param("rooms"))
    st = fac[fac["kind"].isin(rules.rooms.param("station_kinds"))].copy()
    st_rooms = st["rooms"].map(parse_rooms)
    st["missing_rooms"] = st_rooms.map(
        lambda have: _rooms_text(r for r in checklist if r not in have)
    )
    st["n_missing_rooms"] = st_rooms.map(lambda have: sum(r not in have for r in checklist))
    st["compliant"] = st["n_missing_rooms"] == 0
    st["rule_id"] = rules.rooms.id
    st["article"] = rules.rooms.article
    info = comm.set_index("community_id")[["name", "district_code", "district", "street_code"]]
    st = st.join(info.rename(columns={"name": "community"}), on="community_id")
    st = st.rename(columns={"facility_name": "name"})
    stations = st[columns].reset_index(drop=True)

    have: dict[str, set[str]] = {}
    for cid, rooms in zip(st["community_id"], st_rooms, strict=True):
        have.setdefault(cid, set()).update(rooms)
    applies = rule_applies(rules.rooms, comm["kind"])
    missing, n_missing, has_station = [], [], []
    for cid, app in zip(comm["community_id"], applies, strict=True):
        if not app:
            missing.append("")
            n_missing.append(0)
            has_station.append(pd.NA)
            continue
        rooms = have.get(cid)
        has_station.append(rooms is not None)
        lack = [r for r in checklist if r not in (rooms or set())]
        missing.append(_rooms_text(lack))
        n_missing.append(len(lack))
    comm["has_station"] = pd.array(has_station, dtype="boolean")
    comm["missing_rooms"] = missing
    comm["n_missing_rooms"] = np.asarray(n_missing, dtype=int)
    return comm, stations
