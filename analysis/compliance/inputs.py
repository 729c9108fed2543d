"""Row-by-row validation of the compliance inputs (communities, facilities, districts)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.compliance.art8 import split_ids
from analysis.compliance.checks import (
    _check_allowed,
    as_code,
    check_columns,
    check_ids,
    check_numbers,
    problem_row,
    problems_frame,
)
from analysis.compliance.district_classes import resolve_district_classes
from analysis.compliance.rules import _Rules, as_standard
from analysis.standards import StandardSet
from layers.schema import ALL_ROOM_CODES, FACILITY_KINDS, parse_rooms

COMMUNITY_FIELDS = ("community_id", "name", "street_code", "district_code", "kind", "era")
FACILITY_FIELDS = ("facility_id", "kind", "usable_area_m2", "community_id")


def validate_inputs(
    communities: pd.DataFrame,
    facilities: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    standard: StandardSet | str | None = None,
    district_classes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Row-by-row problems that stop the compliance analysis (empty frame when all is well).

    Checks: required columns; missing/duplicate ids; ``district_code`` unknown to the districts
    layer; ``kind``/``era`` outside their vocabularies; ``households`` negative, not a number or
    not whole (an empty count, or no ``households`` column, is no problem: only the rows that
    need it, new developments under Art. 12, are left ``undecided``); ``usable_area_m2`` missing, negative or not a number for every facility
    kind the standard uses; facilities of community-level kinds without a known ``community_id``;
    unknown facility kinds and unknown Art. 8 room codes; invalid district classes.
    """
    std = as_standard(standard)
    rules = _Rules.of(std)
    problems: list[dict] = []
    _, district_problems = resolve_district_classes(districts, district_classes)
    problems += district_problems

    problems += check_columns(communities, "communities", COMMUNITY_FIELDS)
    problems += check_ids(communities, "communities", "community_id")
    problems += _check_allowed(
        communities, "communities", "kind", "community_id", ("urban", "rural")
    )
    problems += _check_allowed(communities, "communities", "era", "community_id", ("old", "new"))
    problems += check_numbers(
        communities, "communities", "households", "community_id", integer=True, allow_missing=True
    )
    if "district_code" in communities.columns and "district_code" in districts.columns:
        known = set(as_code(districts["district_code"]).dropna())
        codes = as_code(communities["district_code"])
        for pos, code in enumerate(codes):
            if code is None or code not in known:
                problems.append(
                    problem_row(
                        "communities",
                        pos + 1,
                        communities["community_id"].iloc[pos]
                        if "community_id" in communities.columns
                        else None,
                        "district_code",
                        code,
                        "missing" if code is None else "unknown_district",
                        "缺少区县代码" if code is None else "区县图层中没有此代码",
                        "district code missing"
                        if code is None
                        else "no such code in the districts layer",
                    )
                )

    problems += check_columns(facilities, "facilities", FACILITY_FIELDS)
    if all(c in facilities.columns for c in FACILITY_FIELDS):
        problems += check_ids(facilities, "facilities", "facility_id")
        problems += _check_allowed(facilities, "facilities", "kind", "facility_id", FACILITY_KINDS)
        kinds = facilities["kind"].astype(object)
        problems += check_numbers(
            facilities,
            "facilities",
            "usable_area_m2",
            "facility_id",
            mask=kinds.isin(rules.area_kinds()),
        )
        known_ids = (
            set(as_code(communities["community_id"]).dropna())
            if "community_id" in communities.columns
            else set()
        )
        fac_comm = as_code(facilities["community_id"])
        needs = kinds.isin(rules.community_kinds()).to_numpy()
        shareable = kinds.isin(rules.shared_kinds()).to_numpy()
        for pos, (cid, need, share) in enumerate(zip(fac_comm, needs, shareable, strict=True)):
            ids = split_ids(cid) if share else [cid]
            if need and (cid is None or any(i not in known_ids for i in ids)):
                problems.append(
                    problem_row(
                        "facilities",
                        pos + 1,
                        facilities["facility_id"].iloc[pos],
                        "community_id",
                        cid,
                        "missing" if cid is None else "unknown_community",
                        "此类设施必须属于一个社区" if cid is None else "社区图层中没有此社区",
                        "this kind of facility must belong to a community"
                        if cid is None
                        else "no such community in the communities layer",
                    )
                )
        station_kinds = [
            *(rules.rooms.param("station_kinds") if rules.rooms is not None else []),
            *(rules.rural.param("station_kinds") if rules.rural is not None else []),
        ]
        if station_kinds and "rooms" in facilities.columns:
            allowed = set(ALL_ROOM_CODES)
            is_station = kinds.isin(station_kinds).to_numpy()
            for pos, (text, station) in enumerate(
                zip(facilities["rooms"].tolist(), is_station, strict=True)
            ):
                bad = [r for r in parse_rooms(text) if r not in allowed] if station else []
                if bad:
                    problems.append(
                        problem_row(
                            "facilities",
                            pos + 1,
                            facilities["facility_id"].iloc[pos],
                            "rooms",
                            text,
                            "unknown_room",
                            f"未知功能用房代码 {', '.join(bad)};可用:{', '.join(ALL_ROOM_CODES)}",
                            f"unknown room code(s) {', '.join(bad)}; "
                            f"known: {', '.join(ALL_ROOM_CODES)}",
                        )
                    )
    return problems_frame(problems)
