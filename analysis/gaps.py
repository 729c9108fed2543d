"""Gap analysis: where communities most lack public-benefit housing and access to it.

Per community three gaps are combined into one priority:

- **area**: the shortfall of usable area against the standard (Art. 11, 12), as a share of
  the requirement (``shortfall_m2 / required_m2``);
- **coverage**: the share of households beyond the walking distance of the facility kind
  (GB 50180 life circles), ``1 - covered_share``;
- **access**: how far the two-step floating catchment accessibility falls below a target in
  m2 per 100 households (Art. 12's 20 m2 by default), ``1 - min(1, access / target)``.

Each score lies in [0, 1]; the priority is their weighted mean with the weights shown in the
output and adjustable by the caller. Higher means more urgent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from layers.errors import PlannerError

DEFAULT_WEIGHTS: dict[str, float] = {"area": 0.5, "coverage": 0.3, "access": 0.2}
"""Default weights of the three gaps; they are shown with every result."""

DEFAULT_ACCESS_TARGET_PER_100 = 20.0
"""Target accessibility, m2 usable area per 100 households (Art. 12)."""

SCORE_COLUMNS = {"area": "area_score", "coverage": "coverage_score", "access": "access_score"}

GAP_COLUMNS: list[str] = [
    "community_id",
    "name",
    "district_code",
    "street_code",
    "households",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "uncovered_households",
    "accessibility_per_100",
    "area_score",
    "coverage_score",
    "access_score",
    "priority",
    "rank",
]


class GapInputError(PlannerError, ValueError):
    """The inputs of the gap analysis do not fit together; the message says why."""


def check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Return complete, validated weights (missing gaps get weight 0 when any are given).

    Raises
    ------
    GapInputError
        For an unknown gap name, a negative weight or weights that are all zero.
    """
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise GapInputError(
            f"未知的权重 {names};可用 area、coverage、access / "
            f"unknown weights {names}; use area, coverage, access"
        )
    full = {k: float(weights.get(k, 0.0)) for k in DEFAULT_WEIGHTS}
    if any(v < 0 or not np.isfinite(v) for v in full.values()):
        raise GapInputError("权重不能为负数 / weights must not be negative")
    if sum(full.values()) <= 0:
        raise GapInputError("权重之和须大于 0 / the weights must not all be zero")
    return full


def _by_id(frame: pd.DataFrame | None, columns: list[str], what: str) -> pd.DataFrame | None:
    if frame is None:
        return None
    missing = [c for c in ["community_id", *columns] if c not in frame.columns]
    if missing:
        raise GapInputError(
            f"{what}结果缺少字段 {', '.join(missing)} / the {what} table lacks {', '.join(missing)}"
        )
    table = pd.DataFrame(frame)[["community_id", *columns]].copy()
    table["community_id"] = table["community_id"].astype(str)
    if table["community_id"].duplicated().any():
        dup = table.loc[table["community_id"].duplicated(), "community_id"].iloc[0]
        raise GapInputError(f"社区编号重复:{dup} / duplicate community_id: {dup}")
    return table.set_index("community_id")


def area_score(shortfall_m2: pd.Series, required_m2: pd.Series) -> pd.Series:
    """Shortfall as a share of the requirement, in [0, 1] (0 where nothing is required)."""
    req = required_m2.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(req > 0, shortfall_m2.astype(float).clip(lower=0) / req, 0.0)
    return pd.Series(np.clip(share, 0.0, 1.0), index=shortfall_m2.index)


def coverage_score(uncovered: pd.Series, households: pd.Series) -> pd.Series:
    """Share of households beyond walking distance, in [0, 1] (0 for empty communities)."""
    hh = households.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(hh > 0, uncovered.astype(float) / hh, 0.0)
    return pd.Series(np.clip(share, 0.0, 1.0), index=uncovered.index)


def access_score(access_per_100: pd.Series, target_per_100: float) -> pd.Series:
    """How far accessibility falls below ``target_per_100``, in [0, 1]."""
    if target_per_100 <= 0:
        raise GapInputError("可达性目标须大于 0 / the accessibility target must be positive")
    ratio = access_per_100.astype(float).fillna(0.0) / target_per_100
    return 1.0 - ratio.clip(lower=0.0, upper=1.0)


@dataclass
class GapResult:
    """Per-community gaps with their priority, and totals per street and district."""

    communities: pd.DataFrame
    streets: pd.DataFrame
    districts: pd.DataFrame
    weights: dict[str, float] = field(default_factory=dict)
    access_target_per_100: float = DEFAULT_ACCESS_TARGET_PER_100

    def weights_text(self, lang: str = "zh") -> str:
        """The weights as one line, e.g. ``面积缺口 0.5 · 覆盖缺口 0.3 · 可达性 0.2``."""
        names = {
            "zh": {"area": "面积缺口", "coverage": "覆盖缺口", "access": "可达性"},
            "en": {"area": "area gap", "coverage": "coverage gap", "access": "accessibility"},
        }[lang if lang in ("zh", "en") else "zh"]
        return " · ".join(f"{names[k]} {v:g}" for k, v in self.weights.items())


def gap_analysis(
    compliance: pd.DataFrame,
    coverage: pd.DataFrame | None = None,
    accessibility: pd.DataFrame | None = None,
    *,
    weights: Mapping[str, float] | None = None,
    access_target_per_100: float = DEFAULT_ACCESS_TARGET_PER_100,
) -> GapResult:
    """Combine area shortfall, uncovered households and accessibility into a priority.

    Parameters
    ----------
    compliance : DataFrame
        Per-community compliance (``analysis.compliance``): ``community_id, households,
        required_m2, provided_m2, shortfall_m2`` (``name, district_code, street_code`` kept).
    coverage : DataFrame, optional
        Per-community coverage (``analysis.coverage.community_coverage``): ``community_id,
        households, covered_households``. Without it the coverage gap is not scored.
    accessibility : DataFrame, optional
        Per-community 2SFCA (``analysis.coverage.two_step_fca``): ``community_id,
        accessibility_per_100``. Without it the access gap is not scored.
    weights : mapping, optional
        Weights of ``area``, ``coverage`` and ``access`` (default 0.5 / 0.3 / 0.2). A gap whose
        table is not given gets weight 0.
    access_target_per_100 : float
        Accessibility target in m2 per 100 households (Art. 12: 20).

    Returns
    -------
    GapResult
    """
    w = check_weights(weights)
    if coverage is None:
        w["coverage"] = 0.0
    if accessibility is None:
        w["access"] = 0.0
    if sum(w.values()) <= 0:
        raise GapInputError("所给结果的权重全部为 0 / every gap with a table has weight 0")
    comp = _by_id(
        compliance, ["households", "required_m2", "provided_m2", "shortfall_m2"], "达标评估 "
    )
    keep = [c for c in ("name", "district_code", "street_code") if c in compliance.columns]
    extra = pd.DataFrame(compliance)[["community_id", *keep]].copy()
    extra["community_id"] = extra["community_id"].astype(str)
    table = comp.join(extra.set_index("community_id"))
    for col in ("name", "district_code", "street_code"):
        if col not in table.columns:
            table[col] = None

    cov = _by_id(coverage, ["households", "covered_households"], "覆盖分析 ")
    if cov is not None:
        missing = table.index.difference(cov.index)
        if len(missing):
            raise GapInputError(
                f"覆盖分析缺少社区 {', '.join(map(str, missing[:10]))} / "
                f"the coverage table lacks communities {', '.join(map(str, missing[:10]))}"
            )
        cov = cov.reindex(table.index)
        table["uncovered_households"] = (cov["households"] - cov["covered_households"]).clip(
            lower=0
        )
        table["coverage_score"] = coverage_score(table["uncovered_households"], cov["households"])
    else:
        table["uncovered_households"] = np.nan
        table["coverage_score"] = 0.0

    acc = _by_id(accessibility, ["accessibility_per_100"], "可达性 ")
    if acc is not None:
        table["accessibility_per_100"] = acc["accessibility_per_100"].reindex(table.index)
        table["access_score"] = access_score(table["accessibility_per_100"], access_target_per_100)
    else:
        table["accessibility_per_100"] = np.nan
        table["access_score"] = 0.0

    table["area_score"] = area_score(table["shortfall_m2"], table["required_m2"])
    total = sum(w.values())
    table["priority"] = sum(table[SCORE_COLUMNS[k]] * v for k, v in w.items()) / total
    table = table.reset_index()
    table = table.sort_values(["priority", "shortfall_m2"], ascending=False, kind="mergesort")
    table["rank"] = np.arange(1, len(table) + 1)
    table = table[GAP_COLUMNS].reset_index(drop=True)
    return GapResult(
        communities=table,
        streets=summarize_gaps(table, "street_code"),
        districts=summarize_gaps(table, "district_code"),
        weights=w,
        access_target_per_100=access_target_per_100,
    )


def summarize_gaps(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Totals per ``by`` (``street_code`` or ``district_code``), most urgent first.

    Returns ``by, communities, households, shortfall_m2, communities_short,
    uncovered_households, mean_priority, max_priority``.
    """
    frame = table.copy()
    frame["_short"] = frame["shortfall_m2"] > 0
    grouped = frame.groupby(by, dropna=False).agg(
        communities=("community_id", "size"),
        households=("households", "sum"),
        shortfall_m2=("shortfall_m2", "sum"),
        communities_short=("_short", "sum"),
        uncovered_households=("uncovered_households", lambda s: s.sum(min_count=1)),
        mean_priority=("priority", "mean"),
        max_priority=("priority", "max"),
    )
    return grouped.sort_values("mean_priority", ascending=False).reset_index()
