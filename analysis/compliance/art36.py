"""Art. 36 for villages: which villages it binds, and its "two stations, two rooms".

Art. 36: "启动社区建设的村要以推进“两站”(便民服务站、卫生服务站)、“两室”(图书阅览室、多功能
活动室)、“一广场”(室外活动广场)为重点". The article binds villages that have *started*
community construction (the ``community_started`` field of the communities layer); where the
field is missing or empty the rule's ``assess_when_unknown`` decides, and the result says which
villages were assumed to have started. The two stations and two rooms are room codes of the
village station (``rooms`` field); the square is a facility of its own. :func:`rural_villages`
checks station and square areas and the rooms per village.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.compliance.checks import is_missing
from analysis.compliance.rules import TOL, _Rules, rule_applies
from analysis.standards import Rule
from layers.schema import parse_rooms

STARTED_YES = "yes"
STARTED_NO = "no"
STARTED_ASSUMED = "assumed"

STARTED_LABELS: dict[str, tuple[str, str]] = {
    STARTED_YES: ("已启动", "started"),
    STARTED_NO: ("未启动(第三十六条不适用)", "not started (Art. 36 does not apply)"),
    STARTED_ASSUMED: ("未填写,按已启动评估", "not recorded, assessed as started"),
}


def _truth(value: object) -> bool | None:
    """``True``/``False`` of a yes/no cell (1, "是", "true" ...), ``None`` when empty."""
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "是", "已启动", "t"):
        return True
    if text in ("0", "false", "no", "n", "否", "未启动", "f"):
        return False
    return None


def started_status(communities: pd.DataFrame, rule: Rule) -> np.ndarray:
    """Per row of ``communities``: ``yes``, ``no`` or ``assumed`` (field missing or empty).

    ``assumed`` rows count as started when the rule's ``assess_when_unknown`` is true and as
    not started otherwise (they then read ``no``).
    """
    field = str(rule.param("started_field"))
    assume = bool(rule.param("assess_when_unknown"))
    values = (
        communities[field].tolist() if field in communities.columns else [None] * len(communities)
    )
    out = []
    for v in values:
        truth = _truth(v)
        if truth is None:
            out.append(STARTED_ASSUMED if assume else STARTED_NO)
        else:
            out.append(STARTED_YES if truth else STARTED_NO)
    return np.asarray(out, dtype=object)


def village_rooms(fac: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Per village: the Art. 36 rooms present in its stations and those missing.

    Returns ``community_id, rooms_present, missing_rooms, n_missing_rooms`` for every
    community that has a station of the rule's ``station_kinds``.
    """
    wanted = list(rule.param("rooms"))
    st = fac[fac["kind"].isin(rule.param("station_kinds"))]
    have: dict[str, set[str]] = {}
    for cid, text in zip(st["community_id"], st["rooms"], strict=True):
        have.setdefault(cid, set()).update(parse_rooms(text))
    rows = []
    for cid, rooms in have.items():
        lack = [r for r in wanted if r not in rooms]
        rows.append(
            {
                "community_id": cid,
                "rooms_present": ",".join(r for r in wanted if r in rooms),
                "missing_rooms": ",".join(lack),
                "n_missing_rooms": len(lack),
            }
        )
    return pd.DataFrame(
        rows, columns=["community_id", "rooms_present", "missing_rooms", "n_missing_rooms"]
    )


def _largest(fac: pd.DataFrame, kinds: Sequence[str]) -> pd.Series:
    sel = fac[fac["kind"].isin(kinds)]
    return sel.groupby("community_id")["usable_area_m2"].max()


def rural_villages(
    comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules, started: np.ndarray
) -> pd.DataFrame:
    """Art. 36 per village that started community construction (``started`` yes/assumed).

    The largest station (>= 300 m2), the largest square (>= 1000 m2) and the "two stations,
    two rooms" of its stations (:func:`village_rooms`).
    """
    columns = [
        "community_id",
        "name",
        "district",
        "district_code",
        "street_code",
        "started",
        "station_m2",
        "station_required_m2",
        "station_shortfall_m2",
        "station_ok",
        "square_m2",
        "square_required_m2",
        "square_shortfall_m2",
        "square_ok",
        "missing_rooms",
        "n_missing_rooms",
        "rooms_ok",
        "compliant",
        "rule_id",
        "article",
    ]
    if rules.rural is None:
        return pd.DataFrame(columns=columns)
    rule = rules.rural
    take = rule_applies(rule, comm["kind"]) & (started != STARTED_NO)
    villages = comm[take][
        ["community_id", "name", "district", "district_code", "street_code"]
    ].copy()
    villages["started"] = started[take]
    min_station = float(rule.param("min_station_m2"))
    min_square = float(rule.param("min_square_m2"))
    station = villages["community_id"].map(_largest(fac, rule.param("station_kinds")))
    square = villages["community_id"].map(_largest(fac, rule.param("square_kinds")))
    villages["station_m2"] = station.fillna(0.0).astype(float).round(2)
    villages["station_required_m2"] = min_station
    villages["station_shortfall_m2"] = np.maximum(min_station - villages["station_m2"], 0).round(2)
    villages["station_ok"] = villages["station_m2"] >= min_station - TOL
    villages["square_m2"] = square.fillna(0.0).astype(float).round(2)
    villages["square_required_m2"] = min_square
    villages["square_shortfall_m2"] = np.maximum(min_square - villages["square_m2"], 0).round(2)
    villages["square_ok"] = villages["square_m2"] >= min_square - TOL
    rooms = village_rooms(fac, rule).set_index("community_id")
    all_rooms = ",".join(rule.param("rooms"))
    villages["missing_rooms"] = (
        villages["community_id"].map(rooms["missing_rooms"]).fillna(all_rooms).astype(object)
    )
    villages["n_missing_rooms"] = [len(parse_rooms(m)) for m in villages["missing_rooms"]]
    villages["rooms_ok"] = villages["n_missing_rooms"] == 0
    villages["compliant"] = villages["station_ok"] & villages["square_ok"] & villages["rooms_ok"]
    villages["rule_id"] = rule.id
    villages["article"] = rule.article
    return villages[columns].reset_index(drop=True)


def rural_into_communities(
    comm: pd.DataFrame, rural: pd.DataFrame, rules: _Rules, started: np.ndarray
) -> pd.DataFrame:
    """Villages not covered by a housing rule get their Art. 36 verdict in the main table.

    The verdict is that of the village table (station, square and rooms together), so the
    per-community table, the village sheet and the issue list agree; the areas are those of
    the station and ``missing_rooms`` the Art. 36 rooms the village lacks. ``scope`` says
    whether a village was assessed as started, assumed started or not started."""
    comm = comm.copy()
    comm["scope"] = ""
    if rules.rural is None:
        return comm
    village = rule_applies(rules.rural, comm["kind"])
    comm.loc[village, "scope"] = [
        {STARTED_NO: "not_started", STARTED_ASSUMED: "assumed_started"}.get(x, "started")
        for x in started[village]
    ]
    idle = village & (started == STARTED_NO) & (comm["status"] == "not_applicable").to_numpy()
    comm.loc[idle, "rule_id"] = rules.rural.id
    comm.loc[idle, "article"] = rules.rural.article
    if rural.empty:
        return comm
    r = rural.set_index("community_id")
    take = (comm["status"] == "not_applicable") & comm["community_id"].isin(r.index)
    ids = comm.loc[take, "community_id"]
    comm.loc[take, "required_m2"] = ids.map(r["station_required_m2"]).to_numpy(float)
    comm.loc[take, "provided_m2"] = ids.map(r["station_m2"]).to_numpy(float)
    comm.loc[take, "shortfall_m2"] = ids.map(r["station_shortfall_m2"]).to_numpy(float)
    ok = ids.map(r["compliant"]).astype(bool).to_numpy()
    comm.loc[take, "status"] = np.where(ok, "compliant", "below")
    comm.loc[take, "missing_rooms"] = ids.map(r["missing_rooms"]).astype(object).to_numpy()
    comm.loc[take, "n_missing_rooms"] = ids.map(r["n_missing_rooms"]).astype(int).to_numpy()
    comm.loc[take, "rule_id"] = rules.rural.id
    comm.loc[take, "article"] = rules.rural.article
    compliant = comm["compliant"].astype(object).to_numpy().copy()
    compliant[take.to_numpy()] = ok
    comm["compliant"] = pd.array(compliant.tolist(), dtype="boolean")
    return comm
