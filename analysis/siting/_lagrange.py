"""Lagrangian relaxation of the p-median (assignment constraints dualised), after Beasley (1985).

``L(lam) = sum_i lam_i + min_{|Y| = p, required in Y} sum_{j in Y} rho_j`` with
``rho_j = sum_i min(0, w_i c_ij - lam_i)``; every ``L(lam)`` is a lower bound. Subgradient
ascent gives a bound close to the LP bound, and fixing tests close or open columns that any
solution better than the incumbent must leave closed or open.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ._common import Reach

_BLOCK = 4_000_000
MAX_ITERATIONS = 3000
"""Subgradient steps at most."""


@dataclass
class LagrangeOutcome:
    bound: float
    lam: np.ndarray
    rho: np.ndarray
    open_lr: np.ndarray  # Y(lam) at the best multipliers
    iterations: int
    seconds: float
    best_cols: np.ndarray | None  # best primal found from Y(lam) along the way
    best_cost: float


class _Oracle:
    """rho and subgradients over a dense matrix (row blocks) or the reachable entries."""

    def __init__(self, reach: Reach, w: np.ndarray):
        self.reach, self.w = reach, w
        self.n, self.m = reach.n_rows, reach.n_cols
        if reach.dense is not None:
            self.D = reach.dense
            self.step = max(1, _BLOCK // max(self.m, 1))
        else:
            self.D = None
            self.rows = reach.row_ids()
            self.wc = w[self.rows] * reach.data

    def rho(self, lam: np.ndarray) -> np.ndarray:
        if self.D is not None:
            out = np.zeros(self.m)
            for s in range(0, self.n, self.step):
                blk = self.D[s : s + self.step] * self.w[s : s + self.step, None]
                blk -= lam[s : s + self.step, None]
                np.minimum(blk, 0.0, out=blk)  # inf - lam stays inf, min(0, inf) = 0
                out += blk.sum(axis=0)
            return out
        v = np.minimum(0.0, self.wc - lam[self.rows])
        return np.bincount(self.reach.indices, weights=v, minlength=self.m)

    def served(self, lam: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Number of columns of ``cols`` with w_i c_ij < lam_i, per row."""
        if self.D is not None:
            sub = self.D[:, cols] * self.w[:, None]
            return (sub < lam[:, None]).sum(axis=1)
        mask = np.zeros(self.m, dtype=bool)
        mask[cols] = True
        hit = mask[self.reach.indices] & (self.wc < lam[self.rows])
        return np.bincount(self.rows[hit], minlength=self.n)


def _choose(rho: np.ndarray, p: int, req_mask: np.ndarray) -> np.ndarray:
    free = np.flatnonzero(~req_mask)
    k = p - int(req_mask.sum())
    if k <= 0:
        return np.flatnonzero(req_mask)
    pick = free[np.argpartition(rho[free], k - 1)[:k]] if k < free.size else free
    return np.sort(np.concatenate([np.flatnonzero(req_mask), pick]))


def subgradient(
    reach: Reach,
    w: np.ndarray,
    p: int,
    req: np.ndarray,
    ub: float,
    lam0: np.ndarray,
    *,
    time_limit: float = 30.0,
    integral: bool = False,
) -> LagrangeOutcome:
    """Subgradient ascent on the Lagrangian dual; stops when the bound meets ``ub``."""
    t0 = time.perf_counter()
    oracle = _Oracle(reach, w)
    req_mask = np.zeros(reach.n_cols, dtype=bool)
    req_mask[req] = True
    lam = lam0.astype(float).copy()
    f, stall = 2.0, 0
    best = -math.inf
    best_lam, best_rho, best_Y = lam.copy(), None, None
    best_cols, best_cost = None, math.inf
    it = 0
    target = ub - (1 - 1e-6) if integral else ub - 1e-9 * max(1.0, abs(ub))
    for it in range(1, MAX_ITERATIONS + 1):
        rho = oracle.rho(lam)
        Y = _choose(rho, p, req_mask)
        L = float(lam.sum() + rho[Y].sum())
        if best + 1e-12 * max(1.0, abs(L)) < L:
            if best + 1e-6 * max(1.0, abs(L)) * 1e-3 < L:
                stall = 0
            best, best_lam, best_rho, best_Y = L, lam.copy(), rho, Y
        else:
            stall += 1
        if best >= target:
            break
        if it % 10 == 1:  # primal: serve from Y(lam)
            _, d = reach.best_of(Y)
            if np.isfinite(d).all():
                c = float(w @ d)
                if c < best_cost:
                    best_cols, best_cost = Y, c
                    ub = min(ub, c)
                    target = ub - (1 - 1e-6) if integral else ub - 1e-9 * max(1.0, abs(ub))
        if stall >= 30:
            f *= 0.5
            stall = 0
        if f < 1e-5 or time.perf_counter() - t0 > time_limit:
            break
        g = 1.0 - oracle.served(lam, Y)
        gg = float(g @ g)
        if gg == 0:
            break
        lam = lam + f * max(ub - L, 1e-9 * max(1.0, abs(ub))) / gg * g
    if best_rho is None:
        best_rho = oracle.rho(best_lam)
        best_Y = _choose(best_rho, p, req_mask)
    return LagrangeOutcome(
        best, best_lam, best_rho, best_Y, it, time.perf_counter() - t0, best_cols, best_cost
    )


def fixings(
    out: LagrangeOutcome, p: int, req: np.ndarray, ub: float, integral: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Columns that every solution cheaper than ``ub`` must close / must open.

    Returns boolean masks ``(closed, opened)``.
    """
    m = out.rho.size
    req_mask = np.zeros(m, dtype=bool)
    req_mask[req] = True
    in_Y = np.zeros(m, dtype=bool)
    in_Y[out.open_lr] = True
    free_in = in_Y & ~req_mask
    free_out = ~in_Y & ~req_mask
    rho = out.rho
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    margin = (1 - 1e-6) if integral else -1e-9 * max(1.0, abs(ub))
    threshold = ub - margin
    if free_in.any() and free_out.any():
        last_in = rho[free_in].max()
        first_out = rho[free_out].min()
        closed = free_out & (out.bound + rho - last_in >= threshold)
        opened = free_in & (out.bound - rho + first_out >= threshold)
    return closed, opened
