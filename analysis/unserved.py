"""Why a community is left unserved by a site-selection run, in words a planner can act on.

Every model (set cover, maximal cover, p-median, the Art. 13 hub) leaves some communities
without a site. :func:`explain_unserved` gives each one a reason code and a sentence in Chinese
and English with the numbers behind it: how far the nearest candidate is (by the distance the
model used: the walk along the network, or the straight-line estimate when there is no
network; the straight line too when it is short and the walk is not), that the sites in reach
lie in another street (the same-street rule of Art. 13), that they are too small for the
shortfall or their area went to other communities, or that the ``p`` sites went to communities
with more households.

Pure: arrays in, a table out; the site-selection workflow gathers the facts
(:class:`UnservedFacts`).

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> facts = UnservedFacts(cost=sp.csr_matrix((1, 1)), distance_m=500.0,
...                       nearest_m=np.array([820.0]), nearest_method=np.array(["network"]))
>>> explain_unserved(np.array([0]), ["no_site_in_reach"], facts)["reason_zh"][0]
'最近的候选用房沿步行路网约 820 米,超出步行距离 500 米'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.distances import DEFAULT_DETOUR

NO_CANDIDATE = "no_candidate_in_area"
NO_SITE = "no_site_in_reach"
OTHER_STREET = "other_street"
TOO_SMALL = "no_site_large_enough"
AREA_TAKEN = "area_taken_by_others"
NOT_CHOSEN = "not_covered"
NO_SITE_BY_WALK = "no_site_in_reach/walk"
"""Text variant of :data:`NO_SITE`: near in a straight line, too far on foot."""
NO_SITE_ON_FOOT = "no_site_in_reach/network"
"""Text variant of :data:`NO_SITE`: the walk along the network, as the model measured it."""
NO_SITE_ESTIMATE = "no_site_in_reach/estimate"
"""Text variant of :data:`NO_SITE`: the straight-line estimate the model used (no network)."""
NO_SITE_UNREACHABLE = "no_site_in_reach/unreachable"
"""Text variant of :data:`NO_SITE`: no walk along the network reaches a site at all."""
DETOUR = DEFAULT_DETOUR
"""Detour factor of the straight-line estimate (:data:`analysis.distances.DEFAULT_DETOUR`)."""

REASON_TEMPLATES: dict[str, tuple[str, str]] = {
    NO_CANDIDATE: (
        "所选范围内没有候选用房",
        "there is no candidate site in the chosen area",
    ),
    NO_SITE_BY_WALK: (
        "最近的候选用房直线约 {straight:.0f} 米,但沿步行路网约 {nearest:.0f} 米,超出步行距离 "
        "{limit:.0f} 米",
        "the nearest candidate site is about {straight:.0f} m away in a straight line, but "
        "{nearest:.0f} m on foot along the network, beyond the {limit:.0f} m walk",
    ),
    NO_SITE_ON_FOOT: (
        "最近的候选用房沿步行路网约 {nearest:.0f} 米,超出步行距离 {limit:.0f} 米",
        "the nearest candidate site is about {nearest:.0f} m away on foot along the network, "
        "beyond the {limit:.0f} m walk",
    ),
    NO_SITE_ESTIMATE: (
        "最近的候选用房按直线距离 × {detour:g} 估算约 {nearest:.0f} 米(没有可用的步行路网),"
        "超出步行距离 {limit:.0f} 米",
        "the nearest candidate site is about {nearest:.0f} m away by the straight line x "
        "{detour:g} estimate (no usable walking network), beyond the {limit:.0f} m walk",
    ),
    NO_SITE_UNREACHABLE: (
        "最近的候选用房直线约 {straight:.0f} 米,但步行路网上走不到(路网在此不连通,请检查路网)",
        "the nearest candidate site is about {straight:.0f} m away in a straight line, but no "
        "walk along the network reaches it (the network is not connected here: check it)",
    ),
    NO_SITE: (
        "最近的候选用房约 {nearest:.0f} 米,超出步行距离 {limit:.0f} 米",
        "the nearest candidate site is about {nearest:.0f} m away, beyond the {limit:.0f} m walk",
    ),
    OTHER_STREET: (
        "步行 {limit:.0f} 米内有 {n} 处用房,但都在其他街道(第十三条:中心服务站由街道设立,"
        "只服务本街道)",
        "{n} site(s) within the {limit:.0f} m walk, all in other streets (Art. 13: a street "
        "sets up its central station for its own communities)",
    ),
    TOO_SMALL: (
        "步行距离内最大的用房 {largest:.0f} 平方米,小于该社区缺口 {need:.0f} 平方米",
        "the largest site in reach has {largest:.0f} m2, less than the community's shortfall "
        "of {need:.0f} m2",
    ),
    AREA_TAKEN: (
        "步行距离内 {n} 处用房的面积已分给其他社区(最多剩 {left:.0f} 平方米,缺口 "
        "{need:.0f} 平方米)",
        "the area of the {n} site(s) in reach went to other communities (at most {left:.0f} m2 "
        "left for a shortfall of {need:.0f} m2)",
    ),
    NOT_CHOSEN: (
        "步行距离内有 {n} 处候选用房,但未入选:{p} 处站点优先覆盖了户数更多的社区",
        "{n} candidate site(s) within walking distance, none chosen: the {p} sites went to "
        "communities with more households",
    ),
}
"""Reason code -> (zh, en) sentence templates."""


@dataclass(frozen=True)
class UnservedFacts:
    """What the reasons are read from (rows = demand communities, columns = candidate sites).

    ``cost`` holds the walking distances within ``distance_m`` (any street); ``nearest_m`` the
    distance of each row to the nearest site as the model measures it (inf when none can be
    reached), ``nearest_method`` how (``network`` / ``euclidean_detour`` per row; None when not
    known) and ``straight_m`` the straight-line distance (inf without sites; None when not
    known). For the hub model ``site_area``, ``shortfall`` and ``site_load`` (area given to
    served communities); with the same-street rule ``row_groups`` / ``col_groups`` (street
    codes); ``p`` for the models with a fixed number of sites.
    """

    cost: sp.csr_matrix
    distance_m: float
    nearest_m: np.ndarray
    nearest_method: np.ndarray | None = None
    straight_m: np.ndarray | None = None
    site_area: np.ndarray | None = None
    shortfall: np.ndarray | None = None
    site_load: np.ndarray | None = None
    row_groups: np.ndarray | None = None
    col_groups: np.ndarray | None = None
    p: int | None = None


def _reach(facts: UnservedFacts, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns in walking reach of ``row``: all streets, and those allowed by the street rule."""
    cost = facts.cost
    cols = cost.indices[cost.indptr[row] : cost.indptr[row + 1]]
    if facts.row_groups is None or facts.col_groups is None:
        return cols, cols
    same = facts.col_groups[cols].astype(str) == str(facts.row_groups[row])
    return cols, cols[same]


def _area_reason(facts: UnservedFacts, row: int, allowed: np.ndarray) -> tuple[str, dict]:
    need = float(facts.shortfall[row])
    area = facts.site_area[allowed]
    largest = float(np.nanmax(area)) if len(area) else 0.0
    if largest < need:
        return TOO_SMALL, {"largest": largest, "need": need}
    load = facts.site_load[allowed] if facts.site_load is not None else np.zeros(len(allowed))
    left = float(np.nanmax(area - load))
    return AREA_TAKEN, {"n": len(allowed), "left": max(left, 0.0), "need": need}


def _no_site(facts: UnservedFacts, row: int) -> dict:
    """The numbers of :data:`NO_SITE`: the model's distance, how measured, the straight line."""
    method = None if facts.nearest_method is None else facts.nearest_method[row]
    straight = np.inf if facts.straight_m is None else float(facts.straight_m[row])
    return {
        "nearest": float(facts.nearest_m[row]),
        "straight": straight,
        "method": None if method is None or method != method else str(method),
        "detour": DETOUR,
    }


def _one(facts: UnservedFacts, row: int, code: str) -> tuple[str, dict]:
    values: dict = {"limit": facts.distance_m}
    known = facts.straight_m if facts.straight_m is not None else facts.nearest_m
    if not np.isfinite(known[row]):
        return NO_CANDIDATE, values
    reach, allowed = _reach(facts, row)
    if not len(reach):
        return NO_SITE, {**values, **_no_site(facts, row)}
    if not len(allowed):
        return OTHER_STREET, {**values, "n": len(reach)}
    if facts.site_area is not None and facts.shortfall is not None:
        return _area_reason(facts, row, allowed)
    if code == NOT_CHOSEN or facts.p is not None:
        return NOT_CHOSEN, {**values, "n": len(allowed), "p": facts.p or 0}
    return code, values


def reason_text(code: str, lang: str, **values: object) -> str:
    """The sentence of reason ``code`` in ``lang`` ("zh" or "en") with its numbers."""
    zh, en = REASON_TEMPLATES.get(code, (code, code))
    return (zh if lang == "zh" else en).format(**values)


def _text_key(reason: str, values: dict) -> str:
    """The sentence of a reason: for :data:`NO_SITE`, by the distance the model used."""
    if reason != NO_SITE:
        return reason
    if not np.isfinite(values["nearest"]):  # sites exist (straight line), none reached on foot
        return NO_SITE_UNREACHABLE
    method = values.get("method")
    if method == "euclidean_detour":
        return NO_SITE_ESTIMATE
    if method == "network":
        near = values.get("straight", np.inf) <= values["limit"]
        return NO_SITE_BY_WALK if near else NO_SITE_ON_FOOT
    return NO_SITE  # how the distance was measured is not known: no claim about it


def explain_unserved(rows: np.ndarray, codes: Sequence[str], facts: UnservedFacts) -> pd.DataFrame:
    """``reason, reason_zh, reason_en`` of every unserved row (in the order of ``rows``).

    ``codes`` are the reasons the solver gave (``no_site_in_reach``, ``not_covered``, the hub
    reasons); they are refined from the facts so that the sentence names the actual obstacle.
    """
    out = []
    for row, code in zip(np.asarray(rows, dtype=int), codes, strict=True):
        reason, values = _one(facts, int(row), str(code))
        out.append(
            {
                "reason": reason,
                "reason_zh": reason_text(_text_key(reason, values), "zh", **values),
                "reason_en": reason_text(_text_key(reason, values), "en", **values),
            }
        )
    return pd.DataFrame(out, columns=["reason", "reason_zh", "reason_en"])
