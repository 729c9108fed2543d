"""Maximal covering on a reduced groups x columns model: the MILP formulation and the
heuristics around it (greedy, swap, iterated local search, MILP neighbourhood search)."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from ._common import is_integral
from ._reduce import DENSE_REDUCE_CELLS
from .highs import MilpModel, solve_milp


def greedy_max_cover(G: sp.csr_matrix, W: np.ndarray, p: int) -> np.ndarray:
    """Greedy maximal covering: repeatedly open the column covering the most uncovered weight."""
    if G.shape[0] * G.shape[1] <= DENSE_REDUCE_CELLS:
        return _greedy_max_cover_dense(sp.csr_matrix(G).toarray() != 0, np.asarray(W, float), p)
    G = sp.csr_matrix(G)
    Gt = G.T.tocsr()
    gain = np.asarray(Gt @ W, dtype=float).ravel()
    covered = np.zeros(G.shape[0], dtype=bool)
    chosen: list[int] = []
    opened = np.zeros(G.shape[1], dtype=bool)
    for _ in range(min(p, G.shape[1])):
        g = np.where(opened, -np.inf, gain)
        j = int(np.argmax(g))
        chosen.append(j)
        opened[j] = True
        rows = Gt.indices[Gt.indptr[j] : Gt.indptr[j + 1]]
        new = rows[~covered[rows]]
        covered[new] = True
        if new.size:
            sub = G[new]
            np.subtract.at(gain, sub.indices, np.repeat(W[new], np.diff(sub.indptr)))
    return np.asarray(sorted(chosen), dtype=np.int64)


def swap_max_cover(
    G: sp.csr_matrix,
    W: np.ndarray,
    start: np.ndarray,
    *,
    time_limit: float = 30.0,
    max_iter: int = 10_000,
) -> np.ndarray:
    """Best-improvement swap local search for maximal covering (one in, one out per step)."""
    if G.shape[0] * G.shape[1] <= DENSE_REDUCE_CELLS:
        D = sp.csr_matrix(G).toarray() != 0
        return _swap_max_cover_dense(D, np.asarray(W, float), start, time_limit, max_iter)
    G = sp.csr_matrix(G)
    Gt = G.T.tocsr()
    n_g, n_c = G.shape
    open_ = np.asarray(start, dtype=np.int64).copy()
    if open_.size == 0 or open_.size >= n_c:
        return np.sort(open_)
    t0 = time.perf_counter()
    for _ in range(max_iter):
        if time.perf_counter() - t0 > time_limit:
            break
        Go = G[:, open_].tocsr()
        cnt = np.diff(Go.indptr)
        gain = Gt @ (W * (cnt == 0))
        one = np.flatnonzero(cnt == 1)
        sole = Go.indices[Go.indptr[one]]  # position in open_ of the only covering column
        loss = np.bincount(sole, weights=W[one], minlength=open_.size)
        S = sp.csr_matrix((W[one], (one, sole)), shape=(n_g, open_.size))
        corr = (Gt @ S).toarray()  # weight kept when j enters and open_[r] leaves
        delta = gain[:, None] - loss[None, :] + corr
        delta[open_, :] = -np.inf
        j, r = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[j, r] <= 1e-9 * max(1.0, float(W.sum())):
            break
        open_[r] = j
    return np.sort(open_)


def _greedy_max_cover_dense(D: np.ndarray, W: np.ndarray, p: int) -> np.ndarray:
    """`greedy_max_cover` on a small dense boolean groups x columns array."""
    gain = W @ D
    covered = np.zeros(D.shape[0], dtype=bool)
    opened = np.zeros(D.shape[1], dtype=bool)
    for _ in range(min(p, D.shape[1])):
        j = int(np.argmax(np.where(opened, -np.inf, gain)))
        opened[j] = True
        new = D[:, j] & ~covered
        covered |= new
        gain -= W[new] @ D[new]
    return np.flatnonzero(opened)


def _swap_max_cover_dense(
    D: np.ndarray, W: np.ndarray, start: np.ndarray, time_limit: float, max_iter: int
) -> np.ndarray:
    """`swap_max_cover` on a small dense boolean groups x columns array."""
    open_ = np.asarray(start, dtype=np.int64).copy()
    if open_.size == 0 or open_.size >= D.shape[1]:
        return np.sort(open_)
    F = D.astype(float)
    t0 = time.perf_counter()
    tol = 1e-9 * max(1.0, float(W.sum()))
    for _ in range(max_iter):
        if time.perf_counter() - t0 > time_limit:
            break
        Do = D[:, open_]
        cnt = Do.sum(axis=1)
        gain = (W * (cnt == 0)) @ F
        one = np.flatnonzero(cnt == 1)
        sole = np.argmax(Do[one], axis=1)  # position in open_ of the only covering column
        loss = np.bincount(sole, weights=W[one], minlength=open_.size)
        S = np.zeros((D.shape[0], open_.size))
        S[one, sole] = W[one]
        delta = gain[:, None] - loss[None, :] + F.T @ S
        delta[open_, :] = -np.inf
        j, r = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[j, r] <= tol:
            break
        open_[r] = j
    return np.sort(open_)


def covered_value(G: sp.csr_matrix, W: np.ndarray, cols: np.ndarray) -> float:
    return float(W[np.asarray(G[:, cols].sum(axis=1)).ravel() > 0].sum())


def ils_max_cover(
    G: sp.csr_matrix,
    W: np.ndarray,
    start: np.ndarray,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    target: float | None = None,
) -> np.ndarray:
    """Iterated local search: drop a few open columns, refill greedily, swap-descend again.

    Accepts equal-or-better solutions (to walk plateaus) and keeps the best one.
    """
    G = sp.csr_matrix(G)
    Gt = G.T.tocsr()
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    cur = swap_max_cover(G, W, start, time_limit=time_limit)
    cur_val = covered_value(G, W, cur)
    best, best_val = cur.copy(), cur_val
    p = cur.size
    if p == 0 or p >= G.shape[1]:
        return best
    k_max = max(2, p // 8)
    while time.perf_counter() - t0 < time_limit:
        if target is not None and best_val >= target - 1e-9:
            break
        k = int(rng.integers(1, k_max + 1))
        keep = np.sort(rng.choice(p, p - k, replace=False))
        cand = cur[keep]
        cnt = np.asarray(G[:, cand].sum(axis=1)).ravel()
        opened = np.zeros(G.shape[1], dtype=bool)
        opened[cand] = True
        added = []
        for _ in range(k):
            gain = Gt @ (W * (cnt == 0))
            gain[opened] = -np.inf
            top = np.argsort(-gain)[:3]
            j = int(top[rng.integers(0, top.size)]) if rng.random() < 0.5 else int(top[0])
            added.append(j)
            opened[j] = True
            rows = Gt.indices[Gt.indptr[j] : Gt.indptr[j + 1]]
            cnt[rows] += 1
        new = swap_max_cover(G, W, np.concatenate([cand, added]), time_limit=time_limit)
        val = covered_value(G, W, new)
        if val >= cur_val - 1e-9:
            cur, cur_val = new, val
        if val > best_val + 1e-9:
            best, best_val = new.copy(), val
        elif rng.random() < 0.02:  # occasional restart from the best
            cur, cur_val = best.copy(), best_val
    return np.sort(best)


def lns_max_cover(
    G: sp.csr_matrix,
    W: np.ndarray,
    start: np.ndarray,
    *,
    time_limit: float = 10.0,
    region: int = 300,
    seed: int = 0,
    target: float | None = None,
) -> np.ndarray:
    """MILP-based large neighbourhood search: re-optimise the sites of one local region.

    A region grows from a random open column through shared rows (breadth first) up to
    ``region`` columns; columns outside keep their state and the sites inside are re-placed
    exactly by HiGHS (same count).
    """
    G = sp.csr_matrix(G)
    Gt = G.T.tocsr()
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    cur = np.sort(np.asarray(start, dtype=np.int64))
    cur_val = covered_value(G, W, cur)
    n_c = G.shape[1]
    integral = is_integral(W)
    while time.perf_counter() - t0 < time_limit:
        if target is not None and cur_val >= target - 1e-9:
            break
        is_open = np.zeros(n_c, dtype=bool)
        is_open[cur] = True
        in_reg = np.zeros(n_c, dtype=bool)
        frontier = np.array([cur[rng.integers(cur.size)]])
        in_reg[frontier] = True
        while frontier.size and in_reg.sum() < region:
            grp = np.unique(Gt[frontier].indices)
            nxt = np.unique(G[grp].indices)
            nxt = nxt[~in_reg[nxt]]
            room = region - int(in_reg.sum())
            if nxt.size > room:
                nxt = rng.choice(nxt, room, replace=False)
            in_reg[nxt] = True
            frontier = nxt
        reg = np.flatnonzero(in_reg)
        outside_open = cur[~in_reg[cur]]
        covered_out = np.asarray(G[:, outside_open].sum(axis=1)).ravel() > 0
        Gr = G[:, reg].tocsr()
        rows = np.flatnonzero((np.diff(Gr.indptr) > 0) & ~covered_out)
        Gr = Gr[rows]
        p_reg = int(is_open[reg].sum())
        if p_reg == 0 or rows.size == 0:
            continue
        st = np.flatnonzero(is_open[reg])
        before = float(W[rows][np.asarray(Gr[:, st].sum(axis=1)).ravel() > 0].sum())
        left = time_limit - (time.perf_counter() - t0)
        out = max_cover_model(Gr, W[rows], p_reg, st, min(5.0, max(0.1, left)))
        if out.x is None:
            continue
        y = np.flatnonzero(out.x[: reg.size] > 0.5)
        after = float(W[rows][np.asarray(Gr[:, y].sum(axis=1)).ravel() > 0].sum())
        if after > before + (0.5 if integral else 1e-9):
            cur = np.sort(np.concatenate([outside_open, reg[y]]))
            cur_val = covered_value(G, W, cur)
    return cur


def max_cover_model(G, W, p, start, time_limit, relax=False):
    """MCLP on groups: max sum W_g z_g, z_g <= sum_{j covers g} y_j, sum y <= p.

    Groups covered by a single column need no z: their weight moves onto that column's y.
    """
    n_g, n_c = G.shape
    deg = np.diff(G.indptr)
    single = deg == 1
    multi = np.flatnonzero(~single)
    c_y = np.zeros(n_c)
    s_rows = np.flatnonzero(single)
    np.add.at(c_y, G.indices[G.indptr[s_rows]], W[s_rows])
    n_z = multi.size
    # rows: z_g - sum_{j covers g} y_j <= 0 (one per multi group), then sum y <= p; built in
    # one COO step (scipy's stacking costs more than HiGHS itself on small models)
    y_cols = G.indices[np.repeat(~single, deg)]
    rows = np.concatenate(
        [np.repeat(np.arange(n_z), deg[multi]), np.arange(n_z), np.full(n_c, n_z)]
    )
    cols = np.concatenate([y_cols, n_c + np.arange(n_z), np.arange(n_c)])
    data = np.concatenate([np.full(y_cols.size, -1.0), np.ones(n_z + n_c)])
    A = sp.csr_matrix((data, (rows, cols)), shape=(n_z + 1, n_c + n_z))
    c = np.concatenate([c_y, W[multi]])
    row_lo = np.full(n_z + 1, -np.inf)
    row_hi = np.concatenate([np.zeros(n_z), [p]])
    x0 = np.zeros(n_c + n_z)
    x0[start] = 1
    is_start = np.zeros(n_c, dtype=bool)
    is_start[start] = True
    hits = np.add.reduceat(is_start[G.indices], G.indptr[:-1]) if G.nnz else np.zeros(n_g)
    x0[n_c:] = np.minimum(1.0, hits[multi])
    integer = np.concatenate([np.ones(n_c, dtype=bool), np.zeros(n_z, dtype=bool)])
    model = MilpModel(
        c, A, row_lo, row_hi, np.zeros(n_c + n_z), np.ones(n_c + n_z), integer, maximize=True
    )
    return solve_milp(
        model,
        time_limit=time_limit,
        start=x0,
        integral_objective=is_integral(W),
        relax=relax,
    )
