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

Each stage is an exact MILP solved by HiGHS (``scipy.optimize.milp``); stage k+1 keeps the
optimum of stage k as a constraint. Communities no hub can serve are reported with the reason:
no site within reach, no site in reach large enough for the shortfall alone, or sites in reach
are taken by others (their combined shortfalls exceed the area).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

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


class HubInputError(ValueError):
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


def _solve(c, rows, integrality, bounds, time_limit):
    """One HiGHS MILP; ``rows`` are ``(matrix, lower, upper)`` constraint blocks."""
    constraints = [LinearConstraint(A, lo, hi) for A, lo, hi in rows]
    options = {"disp": False, "mip_rel_gap": 1e-9}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        c=c,
        constraints=constraints,
        integrality=integrality,
        bounds=bounds,
        options=options,
    )
    return res


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
    in_reach = np.zeros(n_rows, dtype=bool)
    in_reach[pr] = True
    fits = cap[pc] >= need[pr] - 1e-9
    pr, pc, pd_ = pr[fits], pc[fits], pd_[fits]
    fitting = np.zeros(n_rows, dtype=bool)
    fitting[pr] = True

    n_pairs = pr.size
    assignment = np.full(n_rows, -1, dtype=int)
    distance = np.full(n_rows, np.nan)
    load = np.zeros(n_cols)
    details = {"pairs": int(n_pairs), "rows": int(n_rows), "sites": int(n_cols)}
    selected: list[int] = []
    optimal, gap, n_hubs, wdist = True, 0.0, 0, 0.0

    if n_pairs:
        # variables: x_p (one per reachable, fitting pair) then y_j (one per site)
        n_var = n_pairs + n_cols
        p_idx = np.arange(n_pairs)
        assign = sp.csr_matrix((np.ones(n_pairs), (pr, p_idx)), shape=(n_rows, n_var))
        link = sp.csr_matrix(
            (
                np.concatenate([np.ones(n_pairs), -np.ones(n_pairs)]),
                (np.concatenate([p_idx, p_idx]), np.concatenate([p_idx, n_pairs + pc])),
            ),
            shape=(n_pairs, n_var),
        )
        capacity = sp.csr_matrix(
            (
                np.concatenate([need[pr], -cap]),
                (
                    np.concatenate([pc, np.arange(n_cols)]),
                    np.concatenate([p_idx, n_pairs + np.arange(n_cols)]),
                ),
            ),
            shape=(n_cols, n_var),
        )
        base = [
            (assign, -np.inf, 1.0),
            (link, -np.inf, 0.0),
            (capacity, -np.inf, 0.0),
        ]
        integrality = np.ones(n_var)
        bounds = Bounds(np.zeros(n_var), np.ones(n_var))
        stages = []

        # stage 1: serve as many communities as possible
        c1 = np.concatenate([-np.ones(n_pairs), np.zeros(n_cols)])
        r1 = _solve(c1, base, integrality, bounds, time_limit)
        stages.append(r1)
        if r1.x is None:
            raise HubInputError(f"求解失败:{r1.message} / the solver failed: {r1.message}")
        served = round(-r1.fun)
        row_served = sp.csr_matrix(np.concatenate([np.ones(n_pairs), np.zeros(n_cols)]))
        cons = [*base, (row_served, served - 0.5, np.inf)]

        # stage 2: fewest hubs
        c2 = np.concatenate([np.zeros(n_pairs), np.ones(n_cols)])
        r2 = _solve(c2, cons, integrality, bounds, time_limit)
        stages.append(r2)
        x = r2.x if r2.x is not None else r1.x
        n_hubs = round(float(c2 @ x))
        hubs_row = sp.csr_matrix(c2)
        cons.append((hubs_row, -np.inf, n_hubs + 0.5))

        # stage 3: household-weighted walking distance
        c3 = np.concatenate([weight[pr] * pd_, np.zeros(n_cols)])
        r3 = _solve(c3, cons, integrality, bounds, time_limit)
        stages.append(r3)
        if r3.x is not None:
            x = r3.x
        optimal = all(r.status == 0 for r in stages)
        gap = float(getattr(r3, "mip_gap", 0.0) or 0.0) if not optimal else 0.0
        chosen = x[:n_pairs] > 0.5
        assignment[pr[chosen]] = pc[chosen]
        distance[pr[chosen]] = pd_[chosen]
        np.add.at(load, pc[chosen], need[pr[chosen]])
        selected = sorted(int(j) for j in np.flatnonzero(x[n_pairs:] > 0.5))
        wdist = float(c3 @ x)
        details["stage_status"] = [int(r.status) for r in stages]

    unserved_rows = np.flatnonzero(assignment < 0)
    reasons = np.where(
        ~in_reach[unserved_rows],
        REASON_NO_SITE,
        np.where(~fitting[unserved_rows], REASON_TOO_SMALL, REASON_COMPETITION),
    )
    unserved = pd.DataFrame(
        {
            "row": unserved_rows.astype(int),
            "reason": reasons,
            "reason_zh": [REASON_TEXT[r][0] for r in reasons],
            "reason_en": [REASON_TEXT[r][1] for r in reasons],
        }
    )
    n_served = n_rows - len(unserved_rows)
    message = (
        f"{len(selected)} 处中心服务站服务 {n_served}/{n_rows} 个社区;"
        f"{len(unserved_rows)} 个社区无法辐射 / "
        f"{len(selected)} hubs serve {n_served} of {n_rows} communities; "
        f"{len(unserved_rows)} cannot be served"
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
