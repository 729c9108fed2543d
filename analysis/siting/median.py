"""p-median over a cost matrix: exact radius formulation through HiGHS, heuristics, capacities.

Uncapacitated p-median uses the "sorted distances" (radius) formulation of Elloumi (2010) and
Garcia, Labbé & Marín (2011) in chained form: for row i with distinct reachable costs
``u1 < u2 < ...``, continuous ``z_k`` says "no open site within ``u_k``"::

    cost_i = u1 + sum_k (u_{k+1} - u_k) z_k,   z_1 + sum_{c_ij = u1} y_j >= 1,
    z_k - z_{k-1} + sum_{c_ij = u_k} y_j >= 0

Levels beyond the distance at which every choice of ``p`` sites must have one in reach (or a
required site is in reach) are dropped. Before the MILP, a greedy + interchange solution gives
an upper bound and a Lagrangian relaxation (Beasley 1985; subgradient ascent) a lower bound; its
fixing tests close (or open) every column that no cheaper solution can use, which removes most
columns. Small models are then solved complete; for large ones each row starts truncated just
past its distance in the incumbent; a truncated model is a relaxation (its optimum is a lower bound),
and rows whose true distance exceeds their truncation are extended until the relaxation's
optimum equals the true cost of its solution. The capacitated variant uses single-assignment
binary ``x_ij`` over reachable pairs only.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._common import (
    InfeasibleError,
    Reach,
    SitingResult,
    as_reach,
    check_columns,
    check_vector,
    is_integral,
    rel_gap,
    rows_text,
)
from ._lagrange import fixings, subgradient
from .highs import MilpModel, solve_milp

__all__ = ["p_median", "greedy_p_median", "interchange_p_median", "evaluate_p_median"]

# Dense heuristic work arrays larger than this many entries are processed in row blocks.
_BLOCK_ENTRIES = 4_000_000
# A radius model with more nonzeros than this is not attempted as a MILP in "auto".
MILP_MAX_NNZ = 25_000_000
# Entries of a radius model HiGHS is given per second of time limit left (root LP speed).
MILP_NNZ_PER_SECOND = 50_000
# Use the complete (untruncated) radius model when its y-entries stay below this.
FULL_MODEL_NNZ = 3_000_000


# --------------------------------------------------------------------------------------------
# heuristics on a dense matrix (unreachable = a large finite penalty)
# --------------------------------------------------------------------------------------------


def _dense_with_penalty(reach: Reach) -> tuple[np.ndarray, float]:
    finite_max = float(reach.data.max()) if reach.nnz else 1.0
    big = (finite_max + 1.0) * 1e3
    if reach.dense is not None:
        D = np.where(np.isfinite(reach.dense), reach.dense, big)
    else:
        D = reach.to_dense(fill=big)
    return D, big


def evaluate_p_median(D: np.ndarray, w: np.ndarray, cols: np.ndarray) -> float:
    """Weighted cost of serving every row from its nearest column in ``cols``."""
    return float(w @ D[:, np.asarray(cols)].min(axis=1))


def greedy_p_median(
    D: np.ndarray, w: np.ndarray, p: int, required: np.ndarray | None = None
) -> np.ndarray:
    """Greedy add: open the column that lowers the weighted cost most, ``p`` times in all."""
    n, m = D.shape
    opened = np.zeros(m, dtype=bool)
    chosen = [] if required is None else [int(j) for j in required]
    opened[chosen] = True
    d1 = D[:, chosen].min(axis=1) if chosen else np.full(n, np.inf)
    step = max(1, _BLOCK_ENTRIES // max(m, 1))
    while len(chosen) < p:
        saving = np.zeros(m)
        for s in range(0, n, step):
            blk = D[s : s + step]
            ref = d1[s : s + step, None]
            if not np.isfinite(ref).all():
                ref = np.where(np.isfinite(ref), ref, blk.max(axis=1, keepdims=True) * 2 + 1)
            saving += w[s : s + step] @ np.maximum(ref - blk, 0.0)
        saving[opened] = -np.inf
        j = int(np.argmax(saving))
        chosen.append(j)
        opened[j] = True
        d1 = np.minimum(d1, D[:, j])
    return np.sort(np.asarray(chosen, dtype=np.int64))


def interchange_p_median(
    D: np.ndarray,
    w: np.ndarray,
    start: np.ndarray,
    *,
    fixed: np.ndarray | None = None,
    time_limit: float = 30.0,
    max_iter: int = 100_000,
) -> np.ndarray:
    """Best-improvement vertex substitution (Teitz-Bart) with Whitaker's fast swap evaluation.

    Each pass evaluates every (open r, closed j) swap in O(n_rows x n_cols) using each row's
    nearest and second-nearest open column.
    """
    n, m = D.shape
    open_ = np.asarray(start, dtype=np.int64).copy()
    p = open_.size
    if p == 0 or p >= m:
        return np.sort(open_)
    fixed_mask = np.zeros(m, dtype=bool)
    if fixed is not None:
        fixed_mask[np.asarray(fixed, dtype=np.int64)] = True
    step = max(1, _BLOCK_ENTRIES // max(m, 1))
    t0 = time.perf_counter()
    total = w.sum()
    for _ in range(max_iter):
        if time.perf_counter() - t0 > time_limit:
            break
        sub = D[:, open_]
        if p >= 2:
            part = np.argpartition(sub, 1, axis=1)[:, :2]
            v0 = sub[np.arange(n), part[:, 0]]
            v1 = sub[np.arange(n), part[:, 1]]
            first = np.where(v0 <= v1, part[:, 0], part[:, 1])
            d1 = np.minimum(v0, v1)
            d2 = np.maximum(v0, v1)
        else:
            first = np.zeros(n, dtype=np.int64)
            d1 = sub[:, 0]
            d2 = np.full(n, d1.max() * 4 + 1)
        gain = np.zeros(m)
        L = np.zeros((p, m))
        for s in range(0, n, step):
            blk = D[s : s + step]
            a = np.minimum(d1[s : s + step, None], blk)
            ws = w[s : s + step]
            gain += ws @ (a - d1[s : s + step, None])
            M = (np.minimum(d2[s : s + step, None], blk) - a) * ws[:, None]
            np.add.at(L, first[s : s + step], M)
        delta = gain[None, :] + L
        delta[:, open_] = np.inf
        delta[fixed_mask[open_], :] = np.inf
        r, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[r, j] < -1e-9 * max(1.0, float(total) * float(d1.mean() + 1)):
            break
        open_[r] = j
    return np.sort(open_)


# --------------------------------------------------------------------------------------------
# radius formulation
# --------------------------------------------------------------------------------------------


class _Levels:
    """Per-row sorted reachable costs grouped into distinct levels."""

    def __init__(self, reach: Reach, p: int, required: np.ndarray):
        n, m = reach.n_rows, reach.n_cols
        rows = reach.row_ids()
        order = np.lexsort((reach.indices, reach.data, rows))
        self.cols = reach.indices[order]
        self.cost = reach.data[order]
        self.ptr = reach.indptr
        # a new level starts where the row changes or the cost increases
        r = rows[order]
        new_level = np.ones(r.size, dtype=bool)
        new_level[1:] = (r[1:] != r[:-1]) | (self.cost[1:] != self.cost[:-1])
        self.level_start = np.flatnonzero(new_level)  # positions in cols/cost
        self.level_row = r[self.level_start]
        lv_ptr = np.searchsorted(self.level_row, np.arange(n + 1), side="left")
        self.lv_ptr = lv_ptr  # row i's levels are level_start[lv_ptr[i]:lv_ptr[i+1]]
        # cap: first level whose cumulative set surely holds an open site
        is_req = np.zeros(m, dtype=bool)
        is_req[required] = True
        level_end = np.append(self.level_start[1:], r.size)
        cum_count = level_end - self.ptr[self.level_row]  # columns with cost <= level value
        req_hit = np.zeros(r.size, dtype=np.int64)
        req_hit[:] = is_req[self.cols]
        cum_req = np.cumsum(req_hit)
        before_row = np.where(self.ptr[:-1] > 0, cum_req[np.maximum(self.ptr[:-1] - 1, 0)], 0)
        req_upto = cum_req[level_end - 1] - before_row[self.level_row]
        sure = (req_upto > 0) | (cum_count >= m - p + 1)
        self.n_levels = np.diff(lv_ptr)
        first_sure = np.full(n, -1)
        idx = np.flatnonzero(sure)
        if idx.size:
            rr = self.level_row[idx]
            k = idx - lv_ptr[rr]
            # first sure level per row
            o = np.lexsort((k, rr))
            rr, k = rr[o], k[o]
            f = np.ones(rr.size, dtype=bool)
            f[1:] = rr[1:] != rr[:-1]
            first_sure[rr[f]] = k[f]
        self.capped = first_sure >= 0
        # number of z variables a complete row needs
        self.full_z = np.where(self.capped, first_sure, self.n_levels)
        self.value = self.cost[self.level_start]

    def level_of(self, i: int, dist: float) -> int:
        """Index of the first level of row i whose value is >= dist."""
        a, b = self.lv_ptr[i], self.lv_ptr[i + 1]
        return int(np.searchsorted(self.value[a:b], dist - 1e-9 * max(1.0, abs(dist))))

    def build(self, K: np.ndarray, w: np.ndarray, n_cols: int):
        """Chained radius model with K[i] z-variables for row i.

        A row with ``K[i] == full_z[i]`` is complete; an uncapped complete row also forbids
        "nothing open in reach" (its last z has upper bound 0).
        """
        n = K.size
        starts = self.lv_ptr[:-1]
        z_off = np.concatenate([[0], np.cumsum(K)])
        n_z = int(z_off[-1])
        complete = self.full_z <= K
        hard = complete & ~self.capped  # last z fixed at 0 (must be served in reach)
        c_z = np.zeros(n_z)
        z_hi = np.ones(n_z)
        r_idx, c_idx, vals = [], [], []
        offset = 0.0
        row_id = 0
        # vectorised per level: constraint for (i, k), k = 0..K_i-1 (level k's columns, z_k,
        # and -z_{k-1})
        ii = np.repeat(np.arange(n), K)
        kk = np.arange(n_z) - z_off[ii]
        lev = starts[ii] + kk  # global level index
        lv_val = self.value
        nxt = lv_val[np.minimum(lev + 1, lv_val.size - 1)]
        # coefficient of z_k: w_i (u_{k+1} - u_k); for a hard row's last z: 0 (ub 0)
        last_of_row = kk == K[ii] - 1
        is_hard_last = last_of_row & hard[ii]
        coef = np.where(is_hard_last, 0.0, w[ii] * (nxt - lv_val[lev]))
        c_z[:] = coef
        z_hi[is_hard_last] = 0.0
        offset = float(w @ self.value[starts]) if n else 0.0
        # y entries: columns of level lev for constraint (ii, kk)
        lvl_begin = self.level_start[lev]
        lvl_end = np.append(self.level_start[1:], self.cols.size)[lev]
        cnt = lvl_end - lvl_begin
        cons = np.repeat(np.arange(n_z), cnt)
        pos = np.repeat(lvl_begin - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt) + np.arange(
            int(cnt.sum())
        )
        r_idx.append(cons)
        c_idx.append(self.cols[pos])
        vals.append(np.ones(cons.size))
        # z_k
        r_idx.append(np.arange(n_z))
        c_idx.append(n_cols + np.arange(n_z))
        vals.append(np.ones(n_z))
        # -z_{k-1}
        has_prev = kk > 0
        r_idx.append(np.flatnonzero(has_prev))
        c_idx.append(n_cols + np.flatnonzero(has_prev) - 1)
        vals.append(-np.ones(int(has_prev.sum())))
        row_lo = np.where(kk == 0, 1.0, 0.0)
        row_id = n_z
        A = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx))),
            shape=(row_id, n_cols + n_z),
        )
        return A, row_lo, c_z, z_hi, offset, z_off


def _radius_options() -> dict[str, Any]:
    # HiGHS presolve spends seconds on the chained levels and removes almost nothing
    return {"presolve": "off"}


def _radius_solve(
    reach: Reach,
    w: np.ndarray,
    p: int,
    req: np.ndarray,
    start: np.ndarray | None,
    start_cost: float,
    deadline: float | None,
    details: dict[str, Any],
) -> tuple[np.ndarray | None, float, float, bool]:
    """Iterated truncated radius MILP. Returns (columns, cost, lower bound, optimal).

    Without a start the complete model is solved; columns ``None`` means infeasible.
    """
    lv = _Levels(reach, p, req)
    n, m = reach.n_rows, reach.n_cols
    full_nnz = int(
        (np.append(lv.level_start, lv.cols.size)[lv.lv_ptr[:-1] + lv.full_z] - lv.ptr[:-1]).sum()
    )
    details["full_model_nnz"] = full_nnz
    if deadline is not None:
        # HiGHS' MIP set-up and root LP of a big model cannot be interrupted (5.9 M entries: 95 s
        # before the first LP iteration): skip a model too big for the time left. The matrix has
        # about 3 entries per level variable (the level's columns and the chain to the next).
        budget = MILP_NNZ_PER_SECOND * max(0.0, deadline - time.perf_counter())
        if 3 * full_nnz > budget:
            details["milp_skipped"] = f"~{3 * full_nnz} entries > {budget:.0f} for the time left"
            return (None if start is None else np.sort(start)), start_cost, -math.inf, False
    if start is None or full_nnz <= FULL_MODEL_NNZ:
        K = lv.full_z.copy()  # the complete model: no truncation iterations
    else:
        _, dist = reach.best_of(start)
        K = np.zeros(n, dtype=np.int64)
        for i in range(n):
            K[i] = lv.level_of(i, dist[i]) if np.isfinite(dist[i]) else lv.full_z[i]
        K = np.minimum(np.maximum(K, 1), lv.full_z)
    best = None if start is None else np.sort(start)
    best_cost = start_cost if start is not None else math.inf
    integral = is_integral(w) and is_integral(reach.data)
    lower = -math.inf
    optimal = False
    details["radius_iterations"] = []
    while True:
        A, row_lo, c_z, z_hi, offset, _ = lv.build(K, w, m)
        n_z = c_z.size
        # sum y = p
        A = sp.vstack([A, sp.csr_matrix(np.concatenate([np.ones(m), np.zeros(n_z)])[None, :])])
        row_lo = np.append(row_lo, p)
        row_hi = np.append(np.full(row_lo.size - 1, np.inf), p)
        c = np.concatenate([np.zeros(m), c_z])
        col_lo = np.zeros(m + n_z)
        col_lo[req] = 1
        col_hi = np.concatenate([np.ones(m), z_hi])
        integer = np.concatenate([np.ones(m, dtype=bool), np.zeros(n_z, dtype=bool)])
        x0 = None
        if best is not None:
            x0 = np.zeros(m + n_z)
            x0[best] = 1
            # z start: 1 while no open column within the level
            _, d_best = reach.best_of(best)
            ii = np.repeat(np.arange(n), K)
            kk = np.arange(n_z) - np.concatenate([[0], np.cumsum(K)])[ii]
            x0[m:] = (lv.value[lv.lv_ptr[ii] + kk] < d_best[ii] - 1e-12).astype(float)
            x0[m:] = np.minimum(x0[m:], z_hi)
        remaining = None if deadline is None else max(0.05, deadline - time.perf_counter())
        out = solve_milp(
            MilpModel(c, A, row_lo, row_hi, col_lo, col_hi, integer, offset=offset),
            time_limit=remaining,
            start=x0,
            integral_objective=integral,
            options=_radius_options(),
        )
        it = {"z": int(n_z), "nnz": int(A.nnz), "status": out.status, "seconds": out.seconds}
        details["radius_iterations"].append(it)
        if out.x is None:
            if out.status == "infeasible":
                lower = math.inf
            break
        if math.isfinite(out.bound):
            lower = max(lower, out.bound)
        y = np.flatnonzero(out.x[:m] > 0.5)
        col, d = reach.best_of(y)
        true_cost = float(w @ d) if np.isfinite(d).all() else math.inf
        it["relaxed"], it["true"] = float(out.objective), true_cost
        if true_cost < best_cost - 1e-9:
            best, best_cost = y, true_cost
        if not out.optimal:
            break  # time limit: keep the best and the bound
        if true_cost <= out.objective + 1e-7 * max(1.0, abs(true_cost)):
            optimal = True
            lower = max(lower, out.objective)
            break
        # extend rows whose true distance lies beyond their truncation
        grow = 0
        for i in np.flatnonzero(lv.full_z > K):
            need = lv.level_of(i, d[i]) if np.isfinite(d[i]) else lv.full_z[i]
            if need > K[i]:
                K[i] = min(lv.full_z[i], max(need, 2 * K[i]))
                grow += 1
        it["extended_rows"] = grow
        if grow == 0:  # cannot happen for a consistent relaxation; be safe
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
    if integral and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    if best is None:
        return None, math.inf, lower, False
    if best_cost <= lower + 1e-7 * max(1.0, abs(best_cost)):
        optimal = True
    return best, best_cost, lower, optimal


# --------------------------------------------------------------------------------------------
# capacitated
# --------------------------------------------------------------------------------------------


def _capacitated(
    reach: Reach,
    w: np.ndarray,
    p: int,
    req: np.ndarray,
    cap: np.ndarray,
    dem: np.ndarray,
    time_limit: float | None,
) -> tuple[np.ndarray | None, np.ndarray | None, float, float, bool, str]:
    """Single-assignment capacitated p-median over reachable pairs."""
    n, m = reach.n_rows, reach.n_cols
    rows = reach.row_ids()
    cols = reach.indices
    # pairs whose row demand exceeds the column's capacity can never be used
    ok = dem[rows] <= cap[cols] + 1e-9
    rows, cols, cst = rows[ok], cols[ok], reach.data[ok]
    k = rows.size
    nv = m + k
    xi = m + np.arange(k)
    blocks_r, blocks_c, blocks_v = [], [], []
    r0 = 0
    # assignment: sum_j x_ij = 1
    blocks_r.append(r0 + rows)
    blocks_c.append(xi)
    blocks_v.append(np.ones(k))
    lo = [np.ones(n)]
    hi = [np.ones(n)]
    r0 += n
    # linking x_ij - y_j <= 0
    blocks_r += [r0 + np.arange(k), r0 + np.arange(k)]
    blocks_c += [xi, cols]
    blocks_v += [np.ones(k), -np.ones(k)]
    lo.append(np.full(k, -np.inf))
    hi.append(np.zeros(k))
    r0 += k
    # capacity sum_i d_i x_ij - Q_j y_j <= 0
    blocks_r += [r0 + cols, r0 + np.arange(m)]
    blocks_c += [xi, np.arange(m)]
    blocks_v += [dem[rows], -cap]
    lo.append(np.full(m, -np.inf))
    hi.append(np.zeros(m))
    r0 += m
    # sum y = p
    blocks_r.append(np.full(m, r0))
    blocks_c.append(np.arange(m))
    blocks_v.append(np.ones(m))
    lo.append(np.array([p]))
    hi.append(np.array([p]))
    r0 += 1
    A = sp.csr_matrix(
        (np.concatenate(blocks_v), (np.concatenate(blocks_r), np.concatenate(blocks_c))),
        shape=(r0, nv),
    )
    c = np.concatenate([np.zeros(m), w[rows] * cst])
    col_lo = np.zeros(nv)
    col_lo[req] = 1
    model = MilpModel(
        c, A, np.concatenate(lo), np.concatenate(hi), col_lo, np.ones(nv), np.ones(nv, dtype=bool)
    )
    out = solve_milp(
        model,
        time_limit=time_limit,
        integral_objective=is_integral(c),
    )
    if out.x is None:
        return None, None, math.nan, out.bound, False, out.status
    y = np.flatnonzero(out.x[:m] > 0.5)
    assign = np.full(n, -1)
    used = out.x[m:] > 0.5
    assign[rows[used]] = cols[used]
    return y, assign, out.objective, out.bound, out.optimal, out.status


# --------------------------------------------------------------------------------------------
# public entry
# --------------------------------------------------------------------------------------------


def p_median(
    cost: Any,
    weights: Any,
    p: int,
    *,
    required: Any = None,
    capacity: Any = None,
    demand: Any = None,
    time_limit: float | None = None,
    method: str = "auto",
    heuristic_time: float | None = None,
) -> SitingResult:
    """Open ``p`` candidates minimising the weighted cost of every row to its assigned site.

    Parameters
    ----------
    cost : array (rows x candidates) with ``inf`` = unreachable, or scipy sparse matrix
        (absent = unreachable; a stored 0 is a reachable zero cost).
    weights : array of length n_rows (households, population, ...).
    p : int
        Number of open candidates, required ones included.
    required : sequence of int or bool mask, optional
        Candidates always open (existing facilities).
    capacity : array of length n_cols, optional
        Capacity of each candidate; with it each row is assigned to one site (single
        assignment) and the demand assigned to a site may not exceed its capacity.
    demand : array of length n_rows, optional
        Demand counted against capacity (default: ``weights``).
    time_limit : float, optional
        Seconds; on expiry the best solution is returned with its gap to the lower bound.
    method : {"auto", "milp", "heuristic"}
        ``heuristic`` = greedy + interchange with a Lagrangian lower bound (no MILP).

    Raises
    ------
    InfeasibleError
        ``p`` smaller than the required sites or larger than the candidates, a row that no
        candidate reaches, or capacities that cannot hold the demand (rows named).
    """
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    reach = as_reach(cost)
    n, m = reach.n_rows, reach.n_cols
    w = check_vector(weights, n, "weights")
    req = check_columns(required, m)
    p = int(p)
    if p > m:
        raise InfeasibleError(
            f"p={p} 超过候选数 {m} / p={p} exceeds the {m} candidates", cause="p_too_large"
        )
    if p < req.size:
        raise InfeasibleError(
            f"p={p} 小于必选设施数 {req.size} / p={p} is smaller than the {req.size} required sites",
            cause="p_too_small",
        )
    if p < 1:
        raise InfeasibleError("p 至少为 1 / p must be at least 1", cause="p_too_small")
    n_reach = np.diff(reach.indptr)
    unreachable = np.flatnonzero(n_reach == 0)
    if unreachable.size:
        raise InfeasibleError(
            f"{unreachable.size} 个需求行没有任何可达候选（行 {rows_text(unreachable)}）/ "
            f"{unreachable.size} rows are reached by no candidate (rows {rows_text(unreachable)})",
            rows=unreachable.tolist(),
            cause="unreachable_rows",
        )
    details: dict[str, Any] = {}
    if capacity is not None:
        return _p_median_capacitated(reach, w, p, req, capacity, demand, time_limit, t0, details)

    # heuristic start (dense work matrix; unreachable = penalty)
    D, big = _dense_with_penalty(reach)
    if heuristic_time is None:
        heuristic_time = min(60.0, 1.0 + n * m / 2e6)
        if time_limit is not None:
            heuristic_time = min(heuristic_time, 0.3 * time_limit)
    start = greedy_p_median(D, w, p, req)
    start = interchange_p_median(D, w, start, fixed=req, time_limit=heuristic_time)
    _, d_start = reach.best_of(start)
    start_cost = float(w @ d_start) if np.isfinite(d_start).all() else math.inf
    details["heuristic_objective"] = start_cost
    del D
    integral = is_integral(w) and is_integral(reach.data)
    # Lagrangian bound, better primal solutions and column fixing
    lam0 = w * np.where(np.isfinite(d_start), d_start, 0.0)
    lag_time = 30.0 if deadline is None else max(0.1, 0.3 * (deadline - time.perf_counter()))
    lag = subgradient(
        reach, w, p, req, start_cost, lam0, time_limit=min(lag_time, 120.0), integral=integral
    )
    if lag.best_cols is not None and lag.best_cost < start_cost - 1e-9:
        start, start_cost = lag.best_cols, lag.best_cost
    # local search from the Lagrangian solution Y(lam)
    D, _ = _dense_with_penalty(reach)
    h2 = heuristic_time
    if deadline is not None:
        h2 = min(h2, max(0.0, 0.5 * (deadline - time.perf_counter())))
    cand = interchange_p_median(D, w, lag.open_lr, fixed=req, time_limit=h2)
    del D
    _, d_c = reach.best_of(cand)
    if np.isfinite(d_c).all() and float(w @ d_c) < start_cost - 1e-9:
        start, start_cost = cand, float(w @ d_c)
    details["upper_after_lagrangian"] = start_cost
    lower = lag.bound
    if integral and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    closed, opened = fixings(lag, p, req, start_cost, integral)
    details["lagrangian"] = {
        "bound": lag.bound,
        "iterations": lag.iterations,
        "seconds": lag.seconds,
        "closed": int(closed.sum()),
        "opened": int(opened.sum()),
    }
    selected, objective, optimal, used = start, start_cost, False, "heuristic+lagrangian"
    if start_cost <= lower + 1e-7 * max(1.0, abs(start_cost)):
        optimal, lower = True, start_cost
    elif method != "heuristic" and not (method == "auto" and reach.nnz > 4 * MILP_MAX_NNZ):
        used = "milp"
        keep = np.flatnonzero(~closed)
        sub = reach.take_cols(keep)
        new_id = np.full(m, -1)
        new_id[keep] = np.arange(keep.size)
        req2 = new_id[np.union1d(req, np.flatnonzero(opened))]
        compatible = bool((new_id[start] >= 0).all())
        if (np.diff(sub.indptr) == 0).any():
            optimal, lower = True, start_cost  # nothing cheaper can serve every row
        else:
            cols2, cost2, lower2, _ = _radius_solve(
                sub,
                w,
                p,
                req2,
                new_id[start] if compatible else None,
                start_cost if compatible else math.inf,
                deadline,
                details,
            )
            if cols2 is not None and cost2 < start_cost - 1e-9:
                selected, objective = keep[cols2], cost2
            if "milp_skipped" in details:
                used = "heuristic+lagrangian"
            # optimum = min(incumbent, best solution obeying the fixings)
            lower = max(lower, min(lower2, objective))
            optimal = objective <= lower + 1e-7 * max(1.0, abs(objective))
    if not math.isfinite(objective):
        raise InfeasibleError(
            "找不到使每行都有可达站点的方案 / no choice of sites reaches every row",
            cause="unreachable_rows",
        )
    selected = np.union1d(np.asarray(selected, dtype=np.int64), req)
    assignment, _ = reach.best_of(selected)
    bound = objective if optimal else lower
    gap = 0.0 if optimal else rel_gap(objective, bound)
    return SitingResult(
        model="p_median",
        selected=selected.tolist(),
        objective=objective,
        assignment=assignment,
        optimal=bool(optimal),
        gap=gap,
        bound=float(bound),
        unreachable_rows=[],
        message=_median_message(selected, req, objective, optimal, bound, gap),
        method=used,
        seconds=time.perf_counter() - t0,
        details=details,
    )


def _median_message(selected, req, objective, optimal, bound, gap) -> str:
    tail_zh = "" if optimal else f"，下界 {bound:g}，差距 {gap:.2%}"
    tail_en = " (optimal)" if optimal else f", lower bound {bound:g}, gap {gap:.2%}"
    return (
        f"开设 {len(selected)} 处（其中既有 {len(req)} 处），加权总距离 {objective:g}{tail_zh} / "
        f"{len(selected)} sites ({len(req)} required), weighted cost {objective:g}{tail_en}"
    )


def _p_median_capacitated(reach, w, p, req, capacity, demand, time_limit, t0, details):
    n, m = reach.n_rows, reach.n_cols
    cap = check_vector(capacity, m, "capacity")
    dem = w if demand is None else check_vector(demand, n, "demand")
    rows = reach.row_ids()
    best_cap = np.zeros(n)
    np.maximum.at(best_cap, rows, cap[reach.indices])
    too_big = np.flatnonzero(dem > best_cap + 1e-9)
    if too_big.size:
        raise InfeasibleError(
            f"{too_big.size} 个需求行的需求超过其可达任一站点的容量（行 {rows_text(too_big)}）/ "
            f"{too_big.size} rows demand more than any site in reach can hold "
            f"(rows {rows_text(too_big)})",
            rows=too_big.tolist(),
            cause="capacity",
        )
    free = np.setdiff1d(np.arange(m), req)
    top = np.sort(cap[free])[::-1][: p - req.size].sum() + cap[req].sum()
    if top + 1e-9 < dem.sum():
        raise InfeasibleError(
            f"任选 {p} 处的最大总容量 {top:g} 小于总需求 {dem.sum():g} / "
            f"the largest total capacity of {p} sites ({top:g}) is below the total demand "
            f"({dem.sum():g})",
            cause="capacity",
        )
    y, assign, obj, bound, optimal, status = _capacitated(reach, w, p, req, cap, dem, time_limit)
    details["milp_status"] = status
    if y is None:
        raise InfeasibleError(
            f"容量不足：{p} 处站点无法在可达范围内容纳全部需求 / capacities of {p} sites cannot "
            f"hold all demand within reach ({status})",
            cause="capacity",
        )
    selected = np.union1d(y, req)
    objective = float(w @ reach.to_dense()[np.arange(n), assign])
    if optimal:
        bound = objective
    gap = 0.0 if optimal else rel_gap(objective, bound)
    return SitingResult(
        model="p_median",
        selected=selected.tolist(),
        objective=objective,
        assignment=assign,
        optimal=bool(optimal),
        gap=gap,
        bound=float(bound),
        unreachable_rows=[],
        message=_median_message(selected, req, objective, optimal, bound, gap),
        method="milp-capacitated",
        seconds=time.perf_counter() - t0,
        details=details,
    )
