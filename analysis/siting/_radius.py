"""The exact p-median MILP in the "sorted distances" (radius) formulation, truncated and
extended until its optimum is a true one.

For row i with distinct reachable costs ``u1 < u2 < ...``, continuous ``z_k`` says "no open
site within ``u_k``"::

    cost_i = u1 + sum_k (u_{k+1} - u_k) z_k,   z_1 + sum_{c_ij = u1} y_j >= 1,
    z_k - z_{k-1} + sum_{c_ij = u_k} y_j >= 0

Levels beyond the distance at which every choice of ``p`` sites must have one in reach (or a
required site is in reach) are dropped. Small models are solved complete; for large ones each
row starts truncated just past its distance in the incumbent; a truncated model is a
relaxation (its optimum is a lower bound), and rows whose true distance exceeds their
truncation are extended until the relaxation's optimum equals the true cost of its solution.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._common import Reach, is_integral
from .highs import MilpModel, MilpOutcome, solve_milp

# Entries of a radius model HiGHS is given per second of time limit left (root LP speed).
MILP_NNZ_PER_SECOND = 50_000
# Use the complete (untruncated) radius model when its y-entries stay below this.
FULL_MODEL_NNZ = 3_000_000
# HiGHS presolve spends seconds on the chained levels and removes almost nothing.
_OPTIONS = {"presolve": "off"}


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


@dataclass
class _Search:
    """The best solution and lower bound of the iterations so far."""

    reach: Reach
    w: np.ndarray
    best: np.ndarray | None
    best_cost: float
    lower: float = -math.inf
    optimal: bool = False
    iterations: list[dict[str, Any]] = field(default_factory=list)

    def take(self, y: np.ndarray) -> tuple[np.ndarray, float]:
        """Record the solution ``y``; returns each row's distance to it and its true cost."""
        _, d = self.reach.best_of(y)
        true_cost = float(self.w @ d) if np.isfinite(d).all() else math.inf
        if true_cost < self.best_cost - 1e-9:
            self.best, self.best_cost = y, true_cost
        return d, true_cost


def _full_nnz(lv: _Levels) -> int:
    """Entries of the complete model's y part."""
    ends = np.append(lv.level_start, lv.cols.size)[lv.lv_ptr[:-1] + lv.full_z]
    return int((ends - lv.ptr[:-1]).sum())


def _initial_levels(lv: _Levels, reach: Reach, start: np.ndarray | None, full_nnz: int):
    """z-variables per row: all of them for a small model (or without a start), else just
    past each row's distance in ``start``."""
    if start is None or full_nnz <= FULL_MODEL_NNZ:
        return lv.full_z.copy()  # the complete model: no truncation iterations
    _, dist = reach.best_of(start)
    K = np.zeros(reach.n_rows, dtype=np.int64)
    for i in range(reach.n_rows):
        K[i] = lv.level_of(i, dist[i]) if np.isfinite(dist[i]) else lv.full_z[i]
    return np.minimum(np.maximum(K, 1), lv.full_z)


def _model(lv: _Levels, K: np.ndarray, s: _Search, p: int, req: np.ndarray) -> MilpModel:
    """The truncated radius model with ``sum y = p`` and the required sites open."""
    m = s.reach.n_cols
    A, row_lo, c_z, z_hi, offset, _ = lv.build(K, s.w, m)
    n_z = c_z.size
    A = sp.vstack([A, sp.csr_matrix(np.concatenate([np.ones(m), np.zeros(n_z)])[None, :])])
    row_lo = np.append(row_lo, p)
    row_hi = np.append(np.full(row_lo.size - 1, np.inf), p)
    col_lo = np.zeros(m + n_z)
    col_lo[req] = 1
    return MilpModel(
        c=np.concatenate([np.zeros(m), c_z]),
        A=A,
        row_lo=row_lo,
        row_hi=row_hi,
        col_lo=col_lo,
        col_hi=np.concatenate([np.ones(m), z_hi]),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(n_z, dtype=bool)]),
        offset=offset,
    )


def _warm_start(lv: _Levels, K: np.ndarray, s: _Search, model: MilpModel) -> np.ndarray | None:
    """The best solution as a start: its sites open, z = 1 while no open site is within."""
    if s.best is None:
        return None
    m, n = s.reach.n_cols, s.reach.n_rows
    n_z = model.c.size - m
    x0 = np.zeros(m + n_z)
    x0[s.best] = 1
    _, d_best = s.reach.best_of(s.best)
    ii = np.repeat(np.arange(n), K)
    kk = np.arange(n_z) - np.concatenate([[0], np.cumsum(K)])[ii]
    x0[m:] = (lv.value[lv.lv_ptr[ii] + kk] < d_best[ii] - 1e-12).astype(float)
    x0[m:] = np.minimum(x0[m:], model.col_hi[m:])
    return x0


def _extend(lv: _Levels, K: np.ndarray, d: np.ndarray) -> int:
    """Extend rows whose true distance lies beyond their truncation; returns how many."""
    grow = 0
    for i in np.flatnonzero(lv.full_z > K):
        need = lv.level_of(i, d[i]) if np.isfinite(d[i]) else lv.full_z[i]
        if need > K[i]:
            K[i] = min(lv.full_z[i], max(need, 2 * K[i]))
            grow += 1
    return grow


def _step(s: _Search, out: MilpOutcome, lv: _Levels, K: np.ndarray) -> bool:
    """Take one solved model into ``s``; returns whether to solve again (rows extended)."""
    it = s.iterations[-1]
    if out.x is None:
        if out.status == "infeasible":
            s.lower = math.inf
        return False
    if math.isfinite(out.bound):
        s.lower = max(s.lower, out.bound)
    d, true_cost = s.take(np.flatnonzero(out.x[: s.reach.n_cols] > 0.5))
    it["relaxed"], it["true"] = float(out.objective), true_cost
    if not out.optimal:
        return False  # time limit: keep the best and the bound
    if true_cost <= out.objective + 1e-7 * max(1.0, abs(true_cost)):
        s.optimal = True
        s.lower = max(s.lower, out.objective)
        return False
    it["extended_rows"] = _extend(lv, K, d)
    return it["extended_rows"] > 0  # 0 cannot happen for a consistent relaxation; be safe


def radius_solve(
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
    full_nnz = _full_nnz(lv)
    details["full_model_nnz"] = full_nnz
    if deadline is not None:
        # HiGHS' MIP set-up and root LP of a big model cannot be interrupted (5.9 M entries: 95 s
        # before the first LP iteration): skip a model too big for the time left. The matrix has
        # about 3 entries per level variable (the level's columns and the chain to the next).
        budget = MILP_NNZ_PER_SECOND * max(0.0, deadline - time.perf_counter())
        if 3 * full_nnz > budget:
            details["milp_skipped"] = f"~{3 * full_nnz} entries > {budget:.0f} for the time left"
            return (None if start is None else np.sort(start)), start_cost, -math.inf, False
    K = _initial_levels(lv, reach, start, full_nnz)
    s = _Search(
        reach,
        w,
        None if start is None else np.sort(start),
        math.inf if start is None else start_cost,
    )
    details["radius_iterations"] = s.iterations
    integral = is_integral(w) and is_integral(reach.data)
    while True:
        model = _model(lv, K, s, p, req)
        remaining = None if deadline is None else max(0.05, deadline - time.perf_counter())
        out = solve_milp(
            model,
            time_limit=remaining,
            start=_warm_start(lv, K, s, model),
            integral_objective=integral,
            options=_OPTIONS,
        )
        n_z = model.c.size - reach.n_cols
        s.iterations.append(
            {"z": int(n_z), "nnz": int(model.A.nnz), "status": out.status, "seconds": out.seconds}
        )
        if not _step(s, out, lv, K):
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
    lower = s.lower
    if integral and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    if s.best is None:
        return None, math.inf, lower, False
    optimal = s.optimal or s.best_cost <= lower + 1e-7 * max(1.0, abs(s.best_cost))
    return s.best, s.best_cost, lower, optimal
