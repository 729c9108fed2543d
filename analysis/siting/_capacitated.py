"""Capacitated p-median: single assignment over reachable pairs, exact through HiGHS."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ._common import InfeasibleError, Reach, is_integral, rows_text
from .highs import MilpModel, solve_milp


def solve_capacitated(
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


def check_capacities(reach: Reach, p: int, req: np.ndarray, cap: np.ndarray, dem: np.ndarray):
    """Raise :class:`InfeasibleError` when a row's demand exceeds every site in its reach, or
    the ``p`` largest sites cannot hold the total demand."""
    best_cap = np.zeros(reach.n_rows)
    np.maximum.at(best_cap, reach.row_ids(), cap[reach.indices])
    too_big = np.flatnonzero(dem > best_cap + 1e-9)
    if too_big.size:
        raise InfeasibleError(
            f"{too_big.size} 个需求行的需求超过其可达任一站点的容量（行 {rows_text(too_big)}）/ "
            f"{too_big.size} rows demand more than any site in reach can hold "
            f"(rows {rows_text(too_big)})",
            rows=too_big.tolist(),
            cause="capacity",
        )
    free = np.setdiff1d(np.arange(reach.n_cols), req)
    top = np.sort(cap[free])[::-1][: p - req.size].sum() + cap[req].sum()
    if top + 1e-9 < dem.sum():
        raise InfeasibleError(
            f"任选 {p} 处的最大总容量 {top:g} 小于总需求 {dem.sum():g} / "
            f"the largest total capacity of {p} sites ({top:g}) is below the total demand "
            f"({dem.sum():g})",
            cause="capacity",
        )
