"""The Art. 13 radiating hub: capacitated single assignment, fewest hubs, then shortest walks.

Art. 13 of the measures: where an old district cannot provide community housing in place, a
street-run central service station may radiate to neighbouring communities while the area
standard is still met. Here every community with a shortfall is assigned to one hub within
walking distance (optionally only within its own street), each hub's usable area must hold the
sum of the shortfalls it takes on, and the model minimises first the number of hubs, then the
household-weighted walking distance. Communities no hub can serve are reported with the reason.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._common import (
    SitingResult,
    as_reach,
    check_columns,
    check_vector,
    rows_text,
    solve_milp,
)

__all__ = ["central_stations_core", "REASONS"]

#: Why a community cannot be served by any hub (code -> "中文 / English").
REASONS = {
    "no_site_in_reach": "步行范围内没有候选站点 / no candidate site within walking distance",
    "not_enough_area": "范围内站点面积不足 / no site in reach has enough usable area left",
}


def central_stations_core(
    cost: Any,
    max_cost: float,
    shortfall: Any,
    capacity: Any,
    weights: Any,
    *,
    same_group: tuple[Any, Any] | None = None,
    required: Any = None,
    time_limit: float | None = None,
) -> SitingResult:
    """Choose hub sites for communities whose area shortfall cannot be met in place (Art. 13).

    Parameters
    ----------
    cost : array (communities x sites) with ``inf`` = unreachable, or scipy sparse matrix.
    max_cost : float
        Walking distance limit (metres, e.g. 500).
    shortfall : array, per community
        Area (m2) the community lacks; counted against the hub's usable area.
    capacity : array, per site
        Usable area (m2) of each candidate hub (idle boiler room, candidate site).
    weights : array, per community
        Households, for the weighted walking distance.
    same_group : (row_groups, col_groups), optional
        Street code of every community and every site: assign only within the same street.
    required : sequence of int, optional
        Sites that are hubs already (they count as hubs and may take communities).
    time_limit : float, optional
        Seconds for each of the (up to three) lexicographic MILP phases.

    Returns
    -------
    SitingResult
        ``objective`` = number of hubs; ``details["weighted_distance"]``; ``details["unserved"]``
        maps each community that no hub can serve to ``"no_site_in_reach"`` or
        ``"not_enough_area"`` (see `REASONS`); ``details["load"]`` the area taken on by each hub.
    """
    t0 = time.perf_counter()
    reach = as_reach(cost)
    n, m = reach.n_rows, reach.n_cols
    need = check_vector(shortfall, n, "shortfall")
    cap = check_vector(capacity, m, "capacity")
    w = check_vector(weights, n, "weights")
    req = check_columns(required, m)
    rows = reach.row_ids()
    cols = reach.indices
    dist = reach.data
    ok = dist <= max_cost
    if same_group is not None:
        rg, cg = (np.asarray(g) for g in same_group)
        if rg.shape != (n,) or cg.shape != (m,):
            raise ValueError(
                f"same_group 需要 {n} 个社区分组和 {m} 个站点分组 / same_group needs {n} row groups "
                f"and {m} column groups"
            )
        ok &= rg[rows] == cg[cols]
    in_reach = np.bincount(rows[ok], minlength=n) > 0
    ok_area = ok & (need[rows] <= cap[cols] + 1e-9)
    servable = np.bincount(rows[ok_area], minlength=n) > 0
    unserved: dict[int, str] = {}
    for i in np.flatnonzero(~in_reach):
        unserved[int(i)] = "no_site_in_reach"
    for i in np.flatnonzero(in_reach & ~servable):
        unserved[int(i)] = "not_enough_area"
    pr, pc, pd = rows[ok_area], cols[ok_area], dist[ok_area]
    k = pr.size
    details: dict[str, Any] = {"phases": []}
    x_sol = np.zeros(k)
    y_sol = np.zeros(m)
    y_sol[req] = 1
    optimal = True
    bound = float(req.size)
    if k:
        model = _HubModel(n, m, pr, pc, pd, need, cap, w, req)
        # phase A: serve as many communities as possible (skipped when all can be served)
        out = model.solve("hubs", served=None, time_limit=time_limit)
        details["phases"].append(("hubs(all served)", out.status))
        if out.x is None:
            out_a = model.solve("served", time_limit=time_limit)
            details["phases"].append(("max served", out_a.status))
            n_served = int(round(out_a.objective)) if out_a.x is not None else 0
            optimal &= out_a.optimal
            out = model.solve("hubs", served=n_served, start=out_a.x, time_limit=time_limit)
            details["phases"].append(("hubs", out.status))
        else:
            n_served = int(np.unique(pr).size)
        if out.x is not None:
            n_hubs = int(round(out.objective))
            bound = math.ceil(out.bound - 1e-6) if math.isfinite(out.bound) else bound
            optimal &= out.optimal
            out_c = model.solve(
                "distance", served=n_served, hubs=n_hubs, start=out.x, time_limit=time_limit
            )
            details["phases"].append(("distance", out_c.status))
            best = out_c if out_c.x is not None else out
            optimal &= out_c.optimal
            y_sol = best.x[:m].round()
            x_sol = best.x[m:].round()
            details["distance_bound"] = out_c.bound
    assignment = np.full(n, -1)
    used = x_sol > 0.5
    assignment[pr[used]] = pc[used]
    for i in np.flatnonzero((assignment < 0) & servable):
        unserved[int(i)] = "not_enough_area"  # area in reach is taken by other communities
    selected = np.flatnonzero(y_sol > 0.5)
    load = np.bincount(pc[used], weights=need[pr[used]], minlength=m)
    wd = float((w[pr[used]] * pd[used]).sum())
    objective = float(selected.size)
    details.update(
        weighted_distance=wd,
        unserved={i: unserved[i] for i in sorted(unserved)},
        load={int(j): float(load[j]) for j in selected},
        capacity={int(j): float(cap[j]) for j in selected},
    )
    n_un = len(unserved)
    no_site = [i for i, r in unserved.items() if r == "no_site_in_reach"]
    no_area = [i for i, r in unserved.items() if r == "not_enough_area"]
    msg = (
        f"Art. 13 中心站 {selected.size} 处，服务 {int((assignment >= 0).sum())} 个社区，"
        f"户加权步行距离 {wd:g}；{n_un} 个社区无法服务"
        f"（无可达站点 {len(no_site)}，面积不足 {len(no_area)}） / "
        f"Art. 13 hubs: {selected.size}, serving {int((assignment >= 0).sum())} communities, "
        f"household-weighted walk {wd:g}; {n_un} communities cannot be served "
        f"(no site in reach: {len(no_site)}, not enough area: {len(no_area)})"
    )
    if n_un:
        msg += f" [rows {rows_text(sorted(unserved))}]"
    return SitingResult(
        model="central_stations",
        selected=selected.tolist(),
        objective=objective,
        assignment=assignment,
        optimal=bool(optimal),
        gap=0.0 if optimal else max(0.0, (objective - bound) / max(objective, 1e-9)),
        bound=float(bound if not optimal else objective),
        unreachable_rows=sorted(no_site),
        message=msg,
        method="milp-lexicographic",
        seconds=time.perf_counter() - t0,
        details=details,
    )


class _HubModel:
    """Variables [y_0..y_{m-1}, x_0..x_{k-1}] over the eligible (row, site) pairs."""

    def __init__(self, n, m, pr, pc, pd, need, cap, w, req):
        self.n, self.m, self.k = n, m, pr.size
        self.pr, self.pc, self.pd, self.w, self.req = pr, pc, pd, w, req
        k = self.k
        xi = m + np.arange(k)
        self.rows_served = np.unique(pr)
        ridx = np.searchsorted(self.rows_served, pr)
        nr = self.rows_served.size
        blocks = []
        # (0) per served-able row: sum_j x_ij (== 1 or <= 1)
        blocks.append((ridx, xi, np.ones(k)))
        r0 = nr
        # (1) x_ij - y_j <= 0
        blocks.append((r0 + np.arange(k), xi, np.ones(k)))
        blocks.append((r0 + np.arange(k), pc, -np.ones(k)))
        r0 += k
        # (2) sum_i need_i x_ij - cap_j y_j <= 0
        blocks.append((r0 + pc, xi, need[pr]))
        blocks.append((r0 + np.arange(m), np.arange(m), -cap))
        r0 += m
        # (3) sum_i x_ij >= n_served  and (4) sum_j y_j <= hubs
        blocks.append((np.full(k, r0), xi, np.ones(k)))
        blocks.append((np.full(m, r0 + 1), np.arange(m), np.ones(m)))
        r0 += 2
        r = np.concatenate([b[0] for b in blocks])
        c = np.concatenate([b[1] for b in blocks])
        v = np.concatenate([b[2] for b in blocks]).astype(float)
        self.A = sp.csr_matrix((v, (r, c)), shape=(r0, m + k))
        self.nr = nr

    def solve(self, goal, *, served=None, hubs=None, start=None, time_limit=None):
        m, k, nr = self.m, self.k, self.nr
        lo = np.concatenate(
            [np.zeros(nr), np.full(k, -np.inf), np.full(m, -np.inf), [-np.inf, -np.inf]]
        )
        hi = np.concatenate([np.ones(nr), np.zeros(k), np.zeros(m), [np.inf, np.inf]])
        if served is None and goal != "served":
            lo[:nr] = 1  # every servable row is served
        if served is not None:
            lo[nr + k + m] = served
        if hubs is not None:
            hi[nr + k + m + 1] = hubs
        c = np.zeros(m + k)
        maximize = False
        if goal == "served":
            c[m:] = 1
            maximize = True
        elif goal == "hubs":
            c[:m] = 1
        else:
            c[m:] = self.w[self.pr] * self.pd
        col_lo = np.zeros(m + k)
        col_lo[self.req] = 1
        return solve_milp(
            c,
            self.A,
            lo,
            hi,
            col_lo,
            np.ones(m + k),
            np.ones(m + k, dtype=bool),
            maximize=maximize,
            time_limit=time_limit,
            start=start,
            integral_objective=goal != "distance",
        )
