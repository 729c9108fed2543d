"""The district metrics: one definition each (label, unit, article, direction), and lookups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from layers.errors import UnknownNameError

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
        "communities_undecided",
        "待核实社区数(数据不足)",
        "Undecided communities (data gaps)",
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
        raise UnknownNameError(
            f"未知指标 {metric_id!r};可选:{', '.join(METRIC_IDS)} / unknown metric {metric_id!r}"
        ) from None


def metric_definitions() -> pd.DataFrame:
    """:data:`METRICS` as a table indexed by ``id``: ``label_zh, label_en, unit, article,
    higher_is_better, source``."""
    return pd.DataFrame([asdict(m) for m in METRICS]).set_index("id")


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
            raise UnknownNameError(f"未知指标 {mid!r} / unknown metric {mid!r}")
    return pd.DataFrame(rows).set_index("id")
