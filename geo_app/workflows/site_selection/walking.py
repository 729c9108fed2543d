"""Walks beyond the walking distance: the warning a site-selection result carries.

The covering models and the Art. 13 hub assign a community only to a site within the walking
distance. The p-median minimises the total household-weighted walk with no limit, so its
average walk can lie far beyond the life circle the planner chose (1,817 m on central Harbin's
OSM extract, against 500 m): :func:`walk_check` measures how far, :func:`walk_warning` says it
in the planner's language, on the page, in the CLI and in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WARNING_TEXT: tuple[str, str] = (
    "平均步行 {mean:,.0f} 米,{mean_zh} {limit:,.0f} 米的步行距离(生活圈);{n_beyond}/{n} 个社区"
    "({share:.0%} 的户数)步行超过 {limit:,.0f} 米,最远 {longest:,.0f} 米。{model}只求总步行"
    "最短,不限步行距离:可增加站点数 p,或改用集合覆盖/最大覆盖模型。",
    "The average walk is {mean:,.0f} m, {mean_en} the {limit:,.0f} m walking distance (life "
    "circle); {n_beyond} of {n} communities ({share:.0%} of households) walk more than "
    "{limit:,.0f} m, the longest {longest:,.0f} m. {model_en} minimises the total walk with no "
    "limit on it: add sites (p), or use the set-cover or max-cover model.",
)
"""The warning (zh, en)."""
MODEL_NAMES: dict[str, tuple[str, str]] = {
    "p-median": ("p 中位模型", "The p-median"),
}
"""How the warning names the model (others: "该模型" / "The model")."""


@dataclass(frozen=True)
class WalkCheck:
    """How the walks of a result compare with the walking distance.

    Attributes
    ----------
    limit_m : float
        The walking distance of the run (the life circle).
    mean_m : float
        Household-weighted average walk of the served communities (NaN when none).
    longest_m : float
        The longest walk.
    communities, beyond : int
        Served communities, and those walking more than ``limit_m``.
    beyond_share : float
        Share of the served households walking more than ``limit_m`` (0-1).
    """

    limit_m: float
    mean_m: float
    longest_m: float
    communities: int
    beyond: int
    beyond_share: float

    @property
    def exceeded(self) -> bool:
        """Whether the average walk or any community's walk is beyond the walking distance."""
        return self.beyond > 0 or (np.isfinite(self.mean_m) and self.mean_m > self.limit_m)


def walk_check(assignments: pd.DataFrame, limit_m: float) -> WalkCheck:
    """The :class:`WalkCheck` of an assignment table (``distance_m``, ``households``)."""
    distance = pd.to_numeric(assignments.get("distance_m"), errors="coerce")
    if distance is None or not len(distance):
        return WalkCheck(float(limit_m), float("nan"), float("nan"), 0, 0, 0.0)
    distance = distance.to_numpy(dtype=float)
    households = pd.to_numeric(assignments["households"], errors="coerce").fillna(0).to_numpy()
    weight = np.maximum(households.astype(float), 1e-9)
    over = distance > limit_m + 1e-6
    total = float(weight.sum())
    return WalkCheck(
        limit_m=float(limit_m),
        mean_m=float(np.average(distance, weights=weight)),
        longest_m=float(np.nanmax(distance)),
        communities=int(len(distance)),
        beyond=int(over.sum()),
        beyond_share=float(weight[over].sum() / total) if total else 0.0,
    )


def selection_walk_check(selection) -> WalkCheck:
    """The :class:`WalkCheck` of a :class:`~geo_app.workflows.site_selection.SiteSelection`."""
    limit = float(selection.parameters.get("distance_m") or 500.0)
    return walk_check(pd.DataFrame(selection.assignments), limit)


def walk_warning(selection, lang: str = "zh") -> str | None:
    """The warning of a selection whose walks exceed its walking distance, in ``lang``
    (``"zh"``, ``"en"``, or ``"both"`` for ``zh / en``); None when every walk is within it."""
    check = selection_walk_check(selection)
    if not check.exceeded:
        return None
    zh_model, en_model = MODEL_NAMES.get(selection.model, ("该模型", "The model"))
    above = check.mean_m > check.limit_m
    values = {
        "mean": check.mean_m,
        "limit": check.limit_m,
        "mean_zh": "超出" if above else "未超出",
        "mean_en": "beyond" if above else "within",
        "n_beyond": check.beyond,
        "n": check.communities,
        "share": check.beyond_share,
        "longest": check.longest_m,
        "model": zh_model,
        "model_en": en_model,
    }
    zh, en = (text.format(**values) for text in WARNING_TEXT)
    if lang == "both":
        return f"{zh} / {en}"
    return en if lang == "en" else zh
