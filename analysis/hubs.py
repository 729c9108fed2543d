"""The Art. 13 radiating hub: central service stations serving several old-area communities.

Art. 13 of the measures: where an old area's public-benefit housing "cannot be concentrated"
(无法集中设置), the street may set up a central service station (社区中心服务站) that radiates to
the neighbouring communities "while the standard is still met" (在保证标准前提下); idle boiler
rooms of government units and enterprises are to be given to communities free of charge.

The model: rows are old-area communities whose shortfall cannot be met in place, columns are
hub sites (idle boiler rooms, candidate sites). Every row is assigned to one open hub within
the walking distance, each hub's usable area is at least the sum of the shortfalls it takes on,
and, optionally, a hub serves only communities of its own street. Lexicographic objective:

1. serve as many communities (by count) as the sites allow;
2. open as few hubs as possible;
3. minimise the household-weighted walking distance.

Each stage is an exact MILP solved by HiGHS (:mod:`analysis.siting.highs`); stage k+1 keeps the
optimum of stage k as a constraint. Communities no hub can serve are reported with the reason:
no site within reach, no site in reach large enough for the shortfall alone, or sites in reach
are taken by others (their combined shortfalls exceed the area).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.siting.highs import MilpModel, MilpOutcome, solve_milp
from layers.errors import PlannerError

REASON_NO_SITE = "no_site_in_reach"
REASON_TOO_SMALL = "no_site_large_enough"
REASON_COMPETITION = "area_taken_by_others"

REASON_TEXT: dict[str, tuple[str, str]] = {
    REASON_NO_SITE: ("步行距离内没有可用用房", "no site within walking distance"),
    REASON_TOO_SMALL: (
        "步行距离内的用房面积都小于该社区的缺口",
        "every site in reach is smaller than the community's shortfall",
    ),
    REASON_COMPETITION: (
        "可达用房的面积已被其他社区占满",
        "the area of the sites in reach is taken by other communities",
    ),
}


class HubInputError(PlannerError, ValueError):
    """Inputs of the hub model that do not fit together; the message says why."""


@dataclass
class HubResult:
    """Outcome of :func:`central_stations`.

    Attributes
    ----------
    selected : list of int
        Sorted column indices of the hubs opened.
    assignment : numpy.ndarray
        Column serving each row, ``-1`` when the row is not served.
    distance_m : numpy.ndarray
        Walking distance of each row to its hub (NaN when not served).
    load_m2 : numpy.ndarray
        Sum of the shortfalls each column takes on (0 for closed columns).
    unserved : pandas.DataFrame
        ``row, reason, reason_zh, reason_en`` of every row not served.
    n_hubs, weighted_distance : float
        Objective values of stages 2 and 3.
    optimal : bool
        Whether every stage was solved to proven optimality.
    gap : float
        Relative MIP gap of the last stage (0 when optimal).
    message : str
        Bilingual summary.
    """

    selected: list[int]
    assignment: np.ndarray
    distance_m: np.ndarray
    load_m2: np.ndarray
    unserved: pd.DataFrame
    n_hubs: int
    weighted_distance: float
    optimal: bool
    gap: float
    message: str = ""
    details: dict = field(default_factory=dict)

    @property
    def served_rows(self) -> np.ndarray:
        """Indices of the rows assigned to a hub."""
        return np.flatnonzero(self.assignment >= 0)


def _as_coo(cost) -> sp.coo_matrix:
    if sp.issparse(cost):
        m = sp.coo_matrix(cost)
        m.sum_duplicates()
        return m
    dense = np.asarray(cost, dtype=float)
    if dense.ndim != 2:
        raise HubInputError("距离矩阵须为二维 / the distance matrix must be 2-D")
    rows, cols = np.nonzero(np.isfinite(dense))
    return sp.coo_matrix((dense[rows, cols], (rows, cols)), shape=dense.shape)


def _vector(values, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size != n:
        raise HubInputError(f"{name} 的长度应为 {n} / {name} must have length {n}")
    if np.isnan(arr).any() or (arr < 0).any():
        bad = np.flatnonzero(np.isnan(arr) | (arr < 0))[:10].tolist()
        raise HubInputError(
            f"{name} 有缺失或负值(第 {bad} 项)/ {name} has missing or negative values at {bad}"
        )
    return arr


@dataclass(frozen=True)
class _Pairs:
    """Reachable (within the walk, same street if asked) and fitting community-site pairs."""

    row: np.ndarray
    col: np.ndarray
    dist: np.ndarray
    in_reach: np.ndarray  # rows with a site in reach
    fitting: np.ndarray  # rows with a site in reach large enough for their shortfall alone


def _pairs(coo: sp.coo_matrix, need, cap, max_distance_m, row_groups, col_groups) -> _Pairs:
    keep = (coo.data <= max_distance_m) & np.isfinite(coo.data)
    if (row_groups is None) != (col_groups is None):
        raise HubInputError(
            "同街道约束需要社区和用房两侧的街道代码 / "
            "the same-street rule needs street codes of both communities and sites"
        )
    if row_groups is not None:
        rg = np.asarray(row_groups, dtype=object)
        cg = np.asarray(col_groups, dtype=object)
        keep &= rg[coo.row] == cg[coo.col]
    pr, pc, pd_ = coo.row[keep], coo.col[keep], coo.data[keep]
    in_reach = np.zeros(coo.shape[0], dtype=bool)
    in_reach[pr] = True
    fits = cap[pc] >= need[pr] - 1e-9
    pr, pc, pd_ = pr[fits], pc[fits], pd_[fits]
    fitting = np.zeros(coo.shape[0], dtype=bool)
    fitting[pr] = True
    return _Pairs(pr, pc, pd_, in_reach, fitting)


def _base_model(pairs: _Pairs, need, cap) -> MilpModel:
    """Variables x_p (one per pair) then y_j (one per site): each row at most once, a pair
    only to an open site, each open site's area at least the shortfalls it takes on."""
    n_rows, n_cols = need.size, cap.size
    n_pairs = pairs.row.size
    n_var = n_pairs + n_cols
    p_idx = np.arange(n_pairs)
    assign = sp.csr_matrix((np.ones(n_pairs), (pairs.row, p_idx)), shape=(n_rows, n_var))
    link = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_pairs), -np.ones(n_pairs)]),
            (np.concatenate([p_idx, p_idx]), np.concatenate([p_idx, n_pairs + pairs.col])),
        ),
        shape=(n_pairs, n_var),
    )
    capacity = sp.csr_matrix(
        (
            np.concatenate([need[pairs.row], -cap]),
            (
                np.concatenate([pairs.col, np.arange(n_cols)]),
                np.concatenate([p_idx, n_pairs + np.arange(n_cols)]),
            ),
        ),
        shape=(n_cols, n_var),
    )
    n_cons = n_rows + n_pairs + n_cols
    hi = np.concatenate([np.ones(n_rows), np.zeros(n_pairs + n_cols)])
    return MilpModel(
        c=np.zeros(n_var),
        A=sp.vstack([assign, link, capacity], format="csr"),
        row_lo=np.full(n_cons, -np.inf),
        row_hi=hi,
        col_lo=np.zeros(n_var),
        col_hi=np.ones(n_var),
        integer=np.ones(n_var, dtype=bool),
    )


def _with_row(model: MilpModel, row: np.ndarray, lo: float, hi: float) -> MilpModel:
    """``model`` with one more constraint ``lo <= row x <= hi``."""
    return dataclasses.replace(
        model,
        A=sp.vstack([model.A, sp.csr_matrix(row)], format="csr"),
        row_lo=np.append(model.row_lo, lo),
        row_hi=np.append(model.row_hi, hi),
    )


def _lexicographic(
    model: MilpModel, c3: np.ndarray, n_pairs: int, time_limit: float | None
) -> tuple[np.ndarray, list[MilpOutcome]]:
    """Stage 1: most rows served; 2: fewest hubs; 3: least ``c3 x``. Each stage keeps the
    optimum of the one before as a constraint. Returns the solution and the three outcomes."""
    n_var = model.c.size
    c1 = np.concatenate([-np.ones(n_pairs), np.zeros(n_var - n_pairs)])
    r1 = solve_milp(dataclasses.replace(model, c=c1), time_limit=time_limit)
    if r1.x is None:
        raise HubInputError(f"求解失败:{r1.status} / the solver failed: {r1.status}")
    served = round(-r1.objective)
    model = _with_row(
        model, np.concatenate([np.ones(n_pairs), np.zeros(n_var - n_pairs)]), served - 0.5, np.inf
    )
    c2 = np.concatenate([np.zeros(n_pairs), np.ones(n_var - n_pairs)])
    r2 = solve_milp(dataclasses.replace(model, c=c2), time_limit=time_limit)
    x = r2.x if r2.x is not None else r1.x
    n_hubs = round(float(c2 @ x))
    model = _with_row(model, c2, -np.inf, n_hubs + 0.5)
    r3 = solve_milp(dataclasses.replace(model, c=c3), time_limit=time_limit)
    if r3.x is not None:
        x = r3.x
    return x, [r1, r2, r3]


def _unserved(assignment: np.ndarray, pairs: _Pairs) -> pd.DataFrame:
    """Rows no hub serves, with the reason."""
    rows = np.flatnonzero(assignment < 0)
    reasons = np.where(
        ~pairs.in_reach[rows],
        REASON_NO_SITE,
        np.where(~pairs.fitting[rows], REASON_TOO_SMALL, REASON_COMPETITION),
    )
    return pd.DataFrame(
        {
            "row": rows.astype(int),
            "reason": reasons,
            "reason_zh": [REASON_TEXT[r][0] for r in reasons],
            "reason_en": [REASON_TEXT[r][1] for r in reasons],
        }
    )


def central_stations(
    cost,
    shortfall_m2,
    capacity_m2,
    *,
    max_distance_m: float = 500.0,
    households=None,
    row_groups=None,
    col_groups=None,
    time_limit: float | None = 60.0,
) -> HubResult:
    """Choose Art. 13 hubs among candidate sites for communities short of area.

    Parameters
    ----------
    cost : array (rows x sites) with ``inf`` = unreachable, or scipy sparse (absent = unreachable)
        Walking distances in metres.
    shortfall_m2 : array of length n_rows
        Usable area each community lacks (Art. 11/12), taken on by its hub.
    capacity_m2 : array of length n_sites
        Usable area of each site.
    max_distance_m : float
        Longest walk from a community to its hub (default 500 m, the 10-minute life circle).
    households : array of length n_rows, optional
        Weights of the distance objective (default 1 per community).
    row_groups, col_groups : arrays, optional
        Street codes of communities and sites: when given, a hub serves only its own street
        (Art. 13: the street sets the central station up).
    time_limit : float, optional
        Seconds per stage for HiGHS; a stopped stage keeps its best solution and reports its gap.

    Returns
    -------
    HubResult
    """
    coo = _as_coo(cost)
    n_rows, n_cols = coo.shape
    need = _vector(shortfall_m2, n_rows, "shortfall_m2")
    cap = _vector(capacity_m2, n_cols, "capacity_m2")
    weight = np.ones(n_rows) if households is None else _vector(households, n_rows, "households")
    if max_distance_m <= 0:
        raise HubInputError("步行距离须大于 0 / the walking distance must be positive")
    pairs = _pairs(coo, need, cap, max_distance_m, row_groups, col_groups)
    n_pairs = pairs.row.size
    assignment = np.full(n_rows, -1, dtype=int)
    distance = np.full(n_rows, np.nan)
    load = np.zeros(n_cols)
    details = {"pairs": int(n_pairs), "rows": int(n_rows), "sites": int(n_cols)}
    selected: list[int] = []
    optimal, gap, wdist = True, 0.0, 0.0
    if n_pairs:
        c3 = np.concatenate([weight[pairs.row] * pairs.dist, np.zeros(n_cols)])
        x, stages = _lexicographic(_base_model(pairs, need, cap), c3, n_pairs, time_limit)
        optimal = all(r.optimal for r in stages)
        gap = stages[-1].gap if not optimal else 0.0
        chosen = x[:n_pairs] > 0.5
        assignment[pairs.row[chosen]] = pairs.col[chosen]
        distance[pairs.row[chosen]] = pairs.dist[chosen]
        np.add.at(load, pairs.col[chosen], need[pairs.row[chosen]])
        selected = sorted(int(j) for j in np.flatnonzero(x[n_pairs:] > 0.5))
        wdist = float(c3 @ x)
        details["stage_status"] = [r.status for r in stages]
    unserved = _unserved(assignment, pairs)
    n_served = n_rows - len(unserved)
    message = (
        f"{len(selected)} 处中心服务站服务 {n_served}/{n_rows} 个社区;"
        f"{len(unserved)} 个社区无法辐射 / "
        f"{len(selected)} hubs serve {n_served} of {n_rows} communities; "
        f"{len(unserved)} cannot be served"
    )
    return HubResult(
        selected=selected,
        assignment=assignment,
        distance_m=distance,
        load_m2=load,
        unserved=unserved,
        n_hubs=len(selected),
        weighted_distance=wdist,
        optimal=optimal,
        gap=gap,
        message=message,
        details=details,
    )


# -- the Art. 13 rule of a standard set ----------------------------------------------------------

HUB_CHECK = "central_station"
"""``check`` of the Art. 13 central-station rule (``max_walk_m``, ``same_street``,
``applies_to_kinds``, ``eras``)."""


@dataclass(frozen=True)
class HubRule:
    """Parameters of the Art. 13 hub model taken from a standard set.

    Attributes
    ----------
    max_walk_m : float
        Longest walk from a community to its hub (500 m, an assumption: the measures give no
        distance; GB 50180-2018 10-minute life circle).
    same_street : bool
        Whether a hub serves only its own street (Art. 13: "由街道组织设立").
    kinds, eras : tuple of str
        Communities the hub may serve: old urban areas ("老城区"), never villages (Art. 36).
    rule_id, article : str
        For citing.
    """

    max_walk_m: float = 500.0
    same_street: bool = True
    kinds: tuple[str, ...] = ("urban",)
    eras: tuple[str, ...] = ("old",)
    rule_id: str = ""
    article: str = "Art. 13"


def hub_rule(standard=None) -> HubRule:
    """The :class:`HubRule` of ``standard`` (an :class:`analysis.standards.StandardSet`);
    the defaults above when the set has no ``central_station`` rule."""
    rule = standard.first(HUB_CHECK) if standard is not None else None
    if rule is None:
        return HubRule()
    return HubRule(
        max_walk_m=float(rule.param("max_walk_m")),
        same_street=bool(rule.param("same_street")),
        kinds=tuple(rule.param("applies_to_kinds")),
        eras=tuple(rule.param("eras")),
        rule_id=rule.id,
        article=rule.article,
    )


def hub_demand_mask(table: pd.DataFrame, rule: HubRule) -> np.ndarray:
    """Rows of a compliance table a hub may serve: short of area, of the rule's kinds and eras.

    ``table`` needs ``kind``, ``era`` and ``shortfall_m2``; villages (``kind == "rural"``) are
    left out by the default rule even when their era is ``old``.
    """
    short = pd.to_numeric(table["shortfall_m2"], errors="coerce").fillna(0).gt(0).to_numpy()
    return (
        short & table["kind"].isin(rule.kinds).to_numpy() & table["era"].isin(rule.eras).to_numpy()
    )
