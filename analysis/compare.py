"""District metrics side by side: one row per metric, one column per district, and ranks.

Planners compare districts to decide where money goes. :func:`district_metrics` turns the
results of the other analyses (compliance, coverage, budgets, boiler rooms, surveillance), each
optional, into one table; a metric whose input is missing is NaN ("no data"), never an error.
Every metric is defined once in :data:`METRICS` with its zh/en label, unit, the article of the
measures it rests on and whether a higher value is better; :func:`rank_metrics` ranks the
districts per metric (rank 1 = best; size metrics such as households are not ranked).

Where districts differ in size the fair comparison is per 100 households (the unit of Art. 12:
20 m2 of community housing per 100 households) or a share.

Definitions (per district, over its communities):

- ``compliance_rate``: compliant / assessed communities (Art. 11, 12).
- ``shortfall_m2``: total usable-area shortfall; ``shortfall_m2_per_100_households`` divides by
  the households of the district x 100.
- ``housing_m2_per_100_households``: provided community housing (the kinds counted by the
  compliance check) per 100 households (Art. 12).
- ``art8_room_completeness``: rooms of the Art. 8 checklist present in the stations of the
  communities the rule applies to, over ``checklist x those communities`` (a community without a
  station has none of its rooms).
- ``covered_households_<d>m``: households of communities within ``d`` m walk of a service
  station (GB 50180-2018 life circles 300/500/1000 m); ``covered_share_<d>m`` over all households.
- ``idle_boiler_rooms`` / ``idle_boiler_area_m2``: idle boiler rooms that Art. 13 allows to be
  handed over free, and their usable area.
- ``star_rated_share``: communities with 1-5 stars / all communities; ``art33_*`` the rewards
  per naming round by payer (Art. 33).
- ``art32_heating_*``: heated area, yearly heating cost and the city / district split (Art. 32).
- ``camera_working_rate``: working / all cameras in the district's communities;
  ``public_space_camera_coverage``: covered share of the public spaces of its *scattered*
  communities (Art. 20): the lower of the covered share of line spaces (by length) and of
  area spaces (by area), since the article asks for every public place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from analysis.compliance import as_code

COVERAGE_DISTANCES_M: tuple[int, ...] = (300, 500, 1000)
"""Life-circle walking distances of GB 50180-2018 (5, 10, 15 minutes) used for coverage."""


@dataclass(frozen=True)
class Metric:
    """Definition of one district metric.

    ``unit`` is one of ``count``, ``households``, ``persons``, ``share`` (0-1, shown as %),
    ``m2``, ``m2_per_100_households``, ``yuan``; ``higher_is_better`` is ``None`` for size
    metrics that are not ranked; ``source`` names the input the metric needs; ``strictness``
    says whether the rule behind it is ``required`` or a ``target`` of the measures ("" for
    descriptive metrics).
    """

    id: str
    label_zh: str
    label_en: str
    unit: str
    article: str
    higher_is_better: bool | None
    source: str
    strictness: str = ""

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` (``zh`` or ``en``)."""
        return self.label_zh if lang == "zh" else self.label_en


def _coverage_metrics() -> list[Metric]:
    out = []
    for d in COVERAGE_DISTANCES_M:
        out.append(
            Metric(
                f"covered_households_{d}m",
                f"{d}米步行范围内户数",
                f"Households within {d} m walk",
                "households",
                "GB 50180-2018",
                None,
                "coverage",
            )
        )
        out.append(
            Metric(
                f"covered_share_{d}m",
                f"{d}米步行覆盖率",
                f"Share within {d} m walk",
                "share",
                "GB 50180-2018",
                True,
                "coverage",
            )
        )
    return out


METRICS: tuple[Metric, ...] = (
    Metric("communities", "社区/村数", "Communities", "count", "", None, "communities"),
    Metric("households", "户数", "Households", "households", "", None, "communities"),
    Metric("population", "人口", "Population", "persons", "", None, "communities"),
    Metric(
        "compliance_rate",
        "用房面积达标率",
        "Area standard met",
        "share",
        "Art. 11, 12",
        True,
        "compliance",
        "required",
    ),
    Metric(
        "communities_below",
        "未达标社区数",
        "Communities below standard",
        "count",
        "Art. 11, 12",
        None,
        "compliance",
    ),
    Metric(
        "shortfall_m2",
        "用房缺口合计",
        "Total area shortfall",
        "m2",
        "Art. 11, 12",
        None,
        "compliance",
    ),
    Metric(
        "shortfall_m2_per_100_households",
        "每百户用房缺口",
        "Shortfall per 100 households",
        "m2_per_100_households",
        "Art. 12",
        False,
        "compliance",
    ),
    Metric(
        "housing_m2_per_100_households",
        "每百户用房面积",
        "Housing per 100 households",
        "m2_per_100_households",
        "Art. 12",
        True,
        "compliance",
    ),
    Metric(
        "art8_room_completeness",
        "服务站功能用房齐全率",
        "Art. 8 station rooms present",
        "share",
        "Art. 8",
        True,
        "compliance",
        "target",
    ),
    Metric(
        "art8_one_station_breaches",
        "不符合一居一站的社区数",
        "Communities breaking one committee, one station",
        "count",
        "Art. 8",
        False,
        "compliance",
        "required",
    ),
    Metric(
        "art33_two_failed_terms",
        "连续两届未达星级标准的社区数",
        "Communities below the star standard two terms running",
        "count",
        "Art. 33",
        False,
        "compliance",
        "required",
    ),
    *_coverage_metrics(),
    Metric(
        "idle_boiler_rooms",
        "闲置锅炉房数",
        "Idle boiler rooms",
        "count",
        "Art. 13",
        None,
        "boiler_rooms",
    ),
    Metric(
        "idle_boiler_area_m2",
        "闲置锅炉房使用面积",
        "Usable area of idle boiler rooms",
        "m2",
        "Art. 13",
        None,
        "boiler_rooms",
    ),
    Metric(
        "star_rated_share",
        "星级社区占比",
        "Star-rated communities",
        "share",
        "Art. 33",
        True,
        "stars",
    ),
    Metric(
        "art33_reward_yuan",
        "星级奖励合计(每届)",
        "Star rewards per round",
        "yuan",
        "Art. 33",
        None,
        "stars",
    ),
    Metric(
        "art33_district_pays_yuan",
        "星级奖励·区县承担",
        "Star rewards paid by the district",
        "yuan",
        "Art. 33",
        None,
        "stars",
    ),
    Metric(
        "art33_city_pays_yuan",
        "星级奖励·市级承担",
        "Star rewards paid by the city",
        "yuan",
        "Art. 33",
        None,
        "stars",
    ),
    Metric(
        "art32_heating_m2",
        "供热面积",
        "Heated community housing",
        "m2",
        "Art. 32",
        None,
        "heating",
    ),
    Metric(
        "art32_heating_cost_yuan",
        "供热费用(每采暖期)",
        "Heating cost per season",
        "yuan",
        "Art. 32",
        None,
        "heating",
    ),
    Metric(
        "art32_heating_city_yuan",
        "供热费用·市级承担",
        "Heating paid by the city",
        "yuan",
        "Art. 32",
        None,
        "heating",
    ),
    Metric(
        "art32_heating_district_yuan",
        "供热费用·区县承担",
        "Heating paid by the district",
        "yuan",
        "Art. 32",
        None,
        "heating",
    ),
    Metric(
        "camera_working_rate",
        "监控完好率",
        "Cameras in working order",
        "share",
        "Art. 20",
        True,
        "surveillance",
    ),
    Metric(
        "public_space_camera_coverage",
        "散住居民区公共部位监控覆盖率",
        "Camera coverage of public places (scattered areas)",
        "share",
        "Art. 20",
        True,
        "surveillance",
    ),
)
"""Every district metric, in the order of the table."""

METRIC_IDS: tuple[str, ...] = tuple(m.id for m in METRICS)
_BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}

KEY_METRICS: tuple[str, ...] = (
    "households",
    "compliance_rate",
    "shortfall_m2_per_100_households",
    "housing_m2_per_100_households",
    "art8_room_completeness",
    "covered_share_500m",
    "idle_boiler_rooms",
    "star_rated_share",
    "camera_working_rate",
)
"""Metrics shown as cards and charts (the rest are in the full table)."""

UNIT_LABELS: dict[str, tuple[str, str]] = {
    "count": ("个", "count"),
    "households": ("户", "households"),
    "persons": ("人", "persons"),
    "share": ("%", "%"),
    "m2": ("平方米", "m2"),
    "m2_per_100_households": ("平方米/百户", "m2 per 100 households"),
    "yuan": ("元", "yuan"),
}


def metric(metric_id: str) -> Metric:
    """The definition of ``metric_id``; ``KeyError`` with the known ids otherwise."""
    try:
        return _BY_ID[metric_id]
    except KeyError:
        raise KeyError(
            f"未知指标 {metric_id!r};可选:{', '.join(METRIC_IDS)} / unknown metric {metric_id!r}"
        ) from None


def metric_definitions() -> pd.DataFrame:
    """:data:`METRICS` as a table indexed by ``id``: ``label_zh, label_en, unit, article,
    higher_is_better, source``."""
    return pd.DataFrame([asdict(m) for m in METRICS]).set_index("id")


# -- per-input computations (each returns {metric id: Series indexed by district code}) ------


def _codes(frame: pd.DataFrame) -> pd.Series:
    return as_code(frame["district_code"]).astype(object)


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _ratio(num: pd.Series, den: pd.Series, scale: float = 1.0) -> pd.Series:
    num, den = num.astype(float), den.astype(float)
    return (num * scale / den.where(den > 0)).astype(float)


def _size_metrics(communities: pd.DataFrame) -> dict[str, pd.Series]:
    t = pd.DataFrame(
        {
            "code": _codes(communities).to_numpy(),
            "households": _num(communities, "households").to_numpy(),
            "population": _num(communities, "population").to_numpy(),
        }
    )
    g = t.groupby("code")
    out = {"communities": g.size().astype(float)}
    for col in ("households", "population"):
        if col in communities.columns:
            out[col] = g[col].sum(min_count=1)
    return out


def _compliance_metrics(table: pd.DataFrame, rooms_per_station: int) -> dict[str, pd.Series]:
    t = pd.DataFrame(
        {
            "code": _codes(table).to_numpy(),
            "assessed": (table["status"].astype(str) != "not_applicable").to_numpy(),
            "compliant": (table["status"].astype(str) == "compliant").to_numpy(),
            "below": (table["status"].astype(str) == "below").to_numpy(),
            "shortfall": _num(table, "shortfall_m2").fillna(0.0).to_numpy(),
            "provided": _num(table, "provided_m2").fillna(0.0).to_numpy(),
            "households": _num(table, "households").fillna(0.0).to_numpy(),
        }
    )
    has_station = (
        table["has_station"] if "has_station" in table.columns else pd.Series(pd.NA, table.index)
    )
    applies = has_station.notna().to_numpy()
    missing = _num(table, "n_missing_rooms").fillna(0.0).to_numpy()
    t["rooms_applicable"] = np.where(applies, float(rooms_per_station), 0.0)
    t["rooms_present"] = np.where(applies, rooms_per_station - missing, 0.0)
    g = t.groupby("code")
    s = g[
        [
            "assessed",
            "compliant",
            "below",
            "shortfall",
            "provided",
            "households",
            "rooms_applicable",
            "rooms_present",
        ]
    ].sum()
    return {
        "compliance_rate": _ratio(s["compliant"], s["assessed"]),
        "communities_below": s["below"].astype(float),
        "shortfall_m2": s["shortfall"].where(s["assessed"] > 0).astype(float),
        "shortfall_m2_per_100_households": _ratio(
            s["shortfall"].where(s["assessed"] > 0), s["households"], 100.0
        ),
        "housing_m2_per_100_households": _ratio(s["provided"], s["households"], 100.0),
        "art8_room_completeness": _ratio(s["rooms_present"], s["rooms_applicable"]),
        "art8_one_station_breaches": _flag_count(table, "one_station_ok", False),
        "art33_two_failed_terms": _flag_count(table, "two_failed_terms", True),
        "_households": s["households"],
    }


def _flag_count(table: pd.DataFrame, column: str, value: bool) -> pd.Series:
    """Per district: rows whose nullable flag ``column`` equals ``value``; NaN for a district
    where the flag is unknown everywhere (e.g. no ratings table)."""
    if column not in table.columns:
        return pd.Series(dtype=float)
    flag = table[column].astype(object)
    known = flag.map(lambda v: v is not None and v is not pd.NA and v == v).to_numpy(bool)
    hit = flag.map(lambda v: v is not None and v is not pd.NA and v == v and v == value)
    t = pd.DataFrame({"code": _codes(table).to_numpy(), "known": known, "hit": hit.to_numpy(bool)})
    s = t.groupby("code")[["known", "hit"]].sum()
    return s["hit"].astype(float).where(s["known"] > 0)


def _coverage_metrics_of(
    coverage: pd.DataFrame, distances: Sequence[float]
) -> dict[str, pd.Series]:
    nearest = _num(coverage, "nearest_m").to_numpy()
    hh = _num(coverage, "households").fillna(0.0).to_numpy()
    t = pd.DataFrame({"code": _codes(coverage).to_numpy(), "households": hh})
    for d in distances:
        with np.errstate(invalid="ignore"):
            t[f"c{d}"] = np.where(nearest <= d, hh, 0.0)
    s = t.groupby("code").sum()
    out = {}
    for d in distances:
        out[f"covered_households_{int(d)}m"] = s[f"c{d}"].astype(float)
        out[f"covered_share_{int(d)}m"] = _ratio(s[f"c{d}"], s["households"])
    return out


def _truthy(values: pd.Series) -> np.ndarray:
    def one(v: object) -> bool:
        if isinstance(v, str):
            return v.strip().lower() in ("true", "1", "yes", "y", "是", "闲置")
        try:
            return bool(v) and not pd.isna(v)
        except (TypeError, ValueError):
            return bool(v)

    return np.array([one(v) for v in values], dtype=bool)


def _boiler_metrics(boilers: pd.DataFrame) -> dict[str, pd.Series]:
    idle = _truthy(boilers["idle"]) if "idle" in boilers.columns else np.ones(len(boilers), bool)
    t = pd.DataFrame(
        {
            "code": _codes(boilers).to_numpy(),
            "n": idle.astype(float),
            "area": np.where(idle, _num(boilers, "usable_area_m2").fillna(0.0).to_numpy(), 0.0),
        }
    )
    s = t.groupby("code").sum()
    return {"idle_boiler_rooms": s["n"], "idle_boiler_area_m2": s["area"]}


def _star_metrics(stars: pd.DataFrame) -> dict[str, pd.Series]:
    rating = _num(stars, "star_rating").fillna(0.0).to_numpy()
    reward = _num(stars, "reward_yuan").fillna(0.0).to_numpy()
    payer = stars["payer"].astype(str).to_numpy() if "payer" in stars.columns else ""
    t = pd.DataFrame(
        {
            "code": _codes(stars).to_numpy(),
            "n": 1.0,
            "rated": (rating > 0).astype(float),
            "reward": reward,
            "district": np.where(payer == "district", reward, 0.0),
            "city": np.where(payer == "city", reward, 0.0),
        }
    )
    s = t.groupby("code").sum()
    return {
        "star_rated_share": _ratio(s["rated"], s["n"]),
        "art33_reward_yuan": s["reward"],
        "art33_district_pays_yuan": s["district"],
        "art33_city_pays_yuan": s["city"],
    }


def _heating_metrics(heating: pd.DataFrame) -> dict[str, pd.Series]:
    t = pd.DataFrame(heating).assign(code=_codes(heating).to_numpy()).groupby("code")
    return {
        "art32_heating_m2": t["heated_m2"].sum().astype(float),
        "art32_heating_cost_yuan": t["cost_yuan"].sum().astype(float),
        "art32_heating_city_yuan": t["city_pays_yuan"].sum().astype(float),
        "art32_heating_district_yuan": t["district_pays_yuan"].sum().astype(float),
    }


def _surveillance_metrics(
    by_community: pd.DataFrame, management: str | None = "scattered"
) -> dict[str, pd.Series]:
    t = pd.DataFrame(
        {
            "code": _codes(by_community).to_numpy(),
            "total": _num(by_community, "cameras_total").fillna(0.0).to_numpy(),
            "working": _num(by_community, "cameras_working").fillna(0.0).to_numpy(),
        }
    )
    s = t.groupby("code").sum()
    out = {"camera_working_rate": _ratio(s["working"], s["total"])}
    if management is not None and "management" in by_community.columns:
        keep = (by_community["management"].astype(str) == management).to_numpy()
    else:
        keep = np.ones(len(by_community), dtype=bool)
    sc = pd.DataFrame(
        {
            "code": t["code"].to_numpy()[keep],
            "length": _num(by_community, "public_length_m").fillna(0.0).to_numpy()[keep],
            "cov_length": _num(by_community, "covered_length_m").fillna(0.0).to_numpy()[keep],
            "area": _num(by_community, "public_area_m2").fillna(0.0).to_numpy()[keep],
            "cov_area": _num(by_community, "covered_area_m2").fillna(0.0).to_numpy()[keep],
        }
    )
    g = sc.groupby("code").sum()
    by_length = _ratio(g["cov_length"], g["length"])
    by_area = _ratio(g["cov_area"], g["area"])
    # Art. 20 asks for every public place: lines and areas each, so the lower share counts
    # (a watched street does not hide an unwatched courtyard)
    both = pd.concat([by_length.where(g["length"] > 0), by_area.where(g["area"] > 0)], axis=1)
    out["public_space_camera_coverage"] = both.min(axis=1, skipna=True)
    return out


# -- the table ---------------------------------------------------------------------------------


def _district_columns(districts: pd.DataFrame | Mapping[str, str]) -> tuple[list[str], list[str]]:
    if isinstance(districts, Mapping):
        codes = [str(c) for c in districts]
        names = [str(districts[c]) for c in districts]
        return codes, names
    codes = [str(c) for c in as_code(districts["district_code"])]
    names = [str(n) for n in districts["name"]] if "name" in districts.columns else list(codes)
    return codes, names


def district_metrics(
    districts: pd.DataFrame | Mapping[str, str],
    *,
    communities: pd.DataFrame | None = None,
    compliance: pd.DataFrame | None = None,
    rooms_per_station: int = 8,
    coverage: pd.DataFrame | None = None,
    coverage_distances: Sequence[float] = COVERAGE_DISTANCES_M,
    boiler_rooms: pd.DataFrame | None = None,
    stars: pd.DataFrame | None = None,
    heating: pd.DataFrame | None = None,
    surveillance: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The metrics of :data:`METRICS` for each district: rows = metric ids, columns = names.

    Parameters
    ----------
    districts : DataFrame or dict
        The districts to compare, in column order: ``district_code, name`` rows or
        ``{code: name}``. Columns are named by ``name``.
    communities : DataFrame, optional
        ``district_code, households, population`` (the communities layer): sizes.
    compliance : DataFrame, optional
        ``ComplianceResult.communities`` (``district_code, status, shortfall_m2, provided_m2,
        households, has_station, n_missing_rooms``): Art. 8, 11, 12 metrics. Without
        ``communities`` it also gives the counts and households.
    rooms_per_station : int
        Length of the Art. 8 room checklist of the standard set.
    coverage : DataFrame, optional
        Per community ``district_code, households, nearest_m`` (walking metres to the nearest
        service station, NaN beyond the search distance), e.g. from
        ``analysis.coverage.community_coverage`` at the largest distance.
    coverage_distances : sequence of float
        Distances of the ``covered_*`` metrics (default 300, 500, 1000 m).
    boiler_rooms : DataFrame, optional
        ``district_code, idle, usable_area_m2`` (the caller places each room in a district).
    stars : DataFrame, optional
        ``StarRewards.by_community`` (``district_code, star_rating, reward_yuan, payer``).
    heating : DataFrame, optional
        ``HeatingCosts.by_district``.
    surveillance : DataFrame, optional
        ``SurveillanceResult.by_community`` (with ``district_code`` and ``management``).

    Returns
    -------
    DataFrame
        Float values, index :data:`METRIC_IDS` (named ``metric``), one column per district; a
        metric whose input is missing (or empty for a district) is NaN. Counts of a district
        with an input but no rows (no boiler rooms) are 0.
    """
    codes, names = _district_columns(districts)
    values: dict[str, pd.Series] = {}
    if compliance is not None and "status" in compliance.columns:
        comp = _compliance_metrics(compliance, rooms_per_station)
        households = comp.pop("_households")
        values.update(comp)
        if communities is None:
            values["communities"] = (
                compliance.assign(_c=_codes(compliance)).groupby("_c").size().astype(float)
            )
            values["households"] = households
    if communities is not None and "district_code" in communities.columns:
        values.update(_size_metrics(communities))
    if coverage is not None and "nearest_m" in coverage.columns:
        values.update(_coverage_metrics_of(coverage, coverage_distances))
    counted = set()
    if boiler_rooms is not None and "district_code" in boiler_rooms.columns:
        values.update(_boiler_metrics(boiler_rooms))
        counted |= {"idle_boiler_rooms", "idle_boiler_area_m2"}
    if stars is not None and "star_rating" in stars.columns:
        values.update(_star_metrics(stars))
    if heating is not None and "heated_m2" in heating.columns:
        values.update(_heating_metrics(heating))
    if surveillance is not None and "cameras_total" in surveillance.columns:
        values.update(_surveillance_metrics(surveillance))

    ids = [m.id for m in METRICS if not m.id.startswith("covered_")]
    cov_ids = [
        f"{p}_{int(d)}m"
        for d in coverage_distances
        for p in ("covered_households", "covered_share")
    ]
    first_cov = METRIC_IDS.index("covered_households_300m")
    ids = ids[:first_cov] + cov_ids + ids[first_cov:]
    table = pd.DataFrame(np.nan, index=pd.Index(ids, name="metric"), columns=names, dtype=float)
    for mid in ids:
        series = values.get(mid)
        if series is None:
            continue
        series = series.copy()
        series.index = series.index.astype(str)
        row = series.reindex(codes).astype(float).to_numpy()
        if mid in counted:
            row = np.nan_to_num(row, nan=0.0)
        table.loc[mid] = row
    return table


def rank_metrics(table: pd.DataFrame, definitions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank of each district per metric (1 = best; ties share the best rank).

    ``higher_is_better`` of :data:`METRICS` (or of ``definitions``, indexed by id) sets the
    direction; metrics where it is ``None`` (sizes, budgets) and NaN values get no rank (NA).
    Returns nullable integers, same shape as ``table``.
    """
    defs = definitions_for(list(table.index)) if definitions is None else definitions
    out = np.full(table.shape, np.nan)
    for i, mid in enumerate(table.index):
        better = defs["higher_is_better"].get(mid) if mid in defs.index else None
        if better is None or pd.isna(better):
            continue
        row = table.loc[mid].astype(float)
        out[i] = row.rank(method="min", ascending=not bool(better), na_option="keep").to_numpy()
    ranks = pd.DataFrame(
        {col: pd.array(out[:, j], dtype="Float64") for j, col in enumerate(table.columns)},
        index=table.index,
    )
    return ranks.astype("Int64")


def definitions_for(ids: Sequence[str]) -> pd.DataFrame:
    """Definitions of ``ids`` (coverage ids of other distances are derived from 300 m)."""
    rows = []
    for mid in ids:
        if mid in _BY_ID:
            rows.append(asdict(_BY_ID[mid]))
            continue
        for prefix, zh, en in (
            ("covered_households_", "{d}米步行范围内户数", "Households within {d} m walk"),
            ("covered_share_", "{d}米步行覆盖率", "Share within {d} m walk"),
        ):
            if mid.startswith(prefix) and mid.endswith("m"):
                d = mid[len(prefix) : -1]
                base = asdict(_BY_ID[f"{prefix}300m"])
                base.update(id=mid, label_zh=zh.format(d=d), label_en=en.format(d=d))
                rows.append(base)
                break
        else:
            raise KeyError(f"未知指标 {mid!r} / unknown metric {mid!r}")
    return pd.DataFrame(rows).set_index("id")
