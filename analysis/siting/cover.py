"""Set covering (LSCP) and maximal covering (MCLP) over a cost matrix, exact through HiGHS.

Both models first shrink the formulation: rows already covered by a required column leave,
rows with the same set of covering columns are merged (their weights summed), and columns whose
covered rows are a subset of another column's are dropped (repeated until nothing changes). The
MILP is warm-started from a heuristic solution: greedy + swap for max cover; for set cover,
greedy, an LP-guided greedy and a row-weighting local search (`_local_search`).
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._common import (
    InfeasibleError,
    SitingResult,
    as_reach,
    check_columns,
    check_vector,
    is_integral,
    rel_gap,
    rows_text,
)
from ._local_search import local_search_steps, rwls_set_cover
from ._reduce import (
    dominated_rows,
    dominated_rows_dense,
    group_identical_rows,
    identical_rows_dense,
)
from .highs import MilpModel, solve_milp

__all__ = ["set_cover", "max_cover", "greedy_max_cover", "swap_max_cover"]

# A reduced model with more nonzeros than this is solved by the heuristic (LP bound) in "auto".
MILP_MAX_NNZ = 30_000_000
# Model entries HiGHS is given per second of time limit left (root LP speed).
MILP_NNZ_PER_SECOND = 50_000
# HiGHS settings for the set-cover MILP: pseudo-cost branching from the first node (no strong
# branching), cuts only at the root, and a cut pool of about 10 cuts (HiGHS keeps up to 10,000;
# on these models the root spends most of its time separating thousands of cuts that lift the
# bound by less than one site). On 15 random 5,000 x 500 instances (benchmarks/bench_siting.py
# generator, seeds 0-14) the time to prove optimality drops from a geometric mean of 3.0 s with
# the defaults to 2.4 s with the first two settings and 1.5 s with all three, same optima; single
# instances vary by a factor of two either way (branch and bound takes another path).
SET_COVER_MILP_OPTIONS = {
    "mip_pscost_minreliable": 0,
    "mip_allow_cut_separation_at_nodes": False,
    "mip_pool_soft_limit": 10,
}
# Seconds of row-weighting local search between the LP-guided greedy and the MILP (at most a
# twentieth of the time limit). On the 15 random 5,000 x 500 instances above it finds the optimal
# cover in all 15 within 0.1 s; started from it, HiGHS proves optimality in a geometric mean of
# 1.05 s instead of 1.5 s.
LOCAL_SEARCH_SECONDS = 0.1
# Max cover: when iterated local search ends within this share of the LP bound, a short MILP
# (2 s, or a fifth of the heuristic time) is tried before the neighbourhood search. Random
# 19,998 x 2,000 instance: ILS within 0.07% of the bound, proved optimal in 5.5 s instead of 18 s;
# the MCLP instances of New York and San Francisco end ILS 0.7-0.9% below and skip it.
PROBE_LP_GAP = 0.0025
# Tiny reduced models are solved exactly by enumerating every choice of columns (no HiGHS set-up)
# when there are at most this many choices and choice x group cells.
ENUM_MAX_CHOICES = 20_000
ENUM_MAX_CELLS = 10_000_000
# Covering models up to this many cells (and rows, for the row test) are reduced on dense arrays.
DENSE_REDUCE_CELLS = 250_000
DENSE_REDUCE_ROWS = 1_500
# Reduced covering models up to this many cells get the dense greedy heuristics.
DENSE_GREEDY_CELLS = 20_000_000


# --------------------------------------------------------------------------------------------
# reductions shared by both covering models
# --------------------------------------------------------------------------------------------


def _reduce_cover(
    A: sp.csr_matrix, w: np.ndarray, *, set_cover: bool, rounds: int = 4
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, dict[str, int]]:
    """Merge identical rows and drop dominated columns (and, for set cover, superset rows).

    Returns ``(G, W, cols, stats)``: the reduced group x column matrix, group weights, the
    original column index of every kept column, and sizes before/after.
    """
    stats = {"rows_in": int(A.shape[0]), "cols_in": int(A.shape[1]), "nnz_in": int(A.nnz)}
    if A.shape[0] * A.shape[1] <= DENSE_REDUCE_CELLS:
        D, W, cols = _reduce_cover_dense(A.toarray() != 0, w, set_cover=set_cover, rounds=rounds)
        G = sp.csr_matrix(D, dtype=np.int8)
        stats.update(rows_out=int(G.shape[0]), cols_out=int(G.shape[1]), nnz_out=int(G.nnz))
        return G, W, cols, stats
    cols = np.arange(A.shape[1])
    G = sp.csr_matrix(A)
    W = np.asarray(w, dtype=float)
    for _ in range(rounds):
        changed = False
        first, label = group_identical_rows(G)
        if first.size < G.shape[0]:
            changed = True
            W = np.bincount(label, weights=W, minlength=first.size)
            G = G[first]
        if set_cover and G.shape[0] > 1:
            sup = dominated_rows(G, supersets=True)
            if sup is not None and sup.any():
                changed = True
                G, W = G[~sup], W[~sup]
        dom = dominated_rows(G.T.tocsr())
        if dom is not None and dom.any():
            changed = True
            G = G[:, np.flatnonzero(~dom)].tocsr()
            cols = cols[~dom]
        if not changed:
            break
    G.sort_indices()
    stats.update(rows_out=int(G.shape[0]), cols_out=int(G.shape[1]), nnz_out=int(G.nnz))
    return G, W, cols, stats


def _reduce_cover_dense(
    D: np.ndarray, w: np.ndarray, *, set_cover: bool, rounds: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_reduce_cover` on a small dense boolean array; returns ``(D, W, cols)``."""
    cols = np.arange(D.shape[1])
    W = np.asarray(w, dtype=float)
    for _ in range(rounds):
        changed = False
        first, label = identical_rows_dense(D)
        if first.size < D.shape[0]:
            changed = True
            W = np.bincount(label, weights=W, minlength=first.size)
            D = D[first]
        if set_cover and 1 < D.shape[0] <= DENSE_REDUCE_ROWS:
            sup = dominated_rows_dense(D, supersets=True)
            if sup.any():
                changed = True
                D, W = D[~sup], W[~sup]
        dom = dominated_rows_dense(D.T)
        if dom.any():
            changed = True
            D = D[:, ~dom]
            cols = cols[~dom]
        if not changed:
            break
    return D, W, cols


def _assign_within(reach, A: sp.csr_matrix, selected: np.ndarray) -> np.ndarray:
    """Nearest selected column among those covering each row (-1 if none)."""
    col, _ = reach.best_of(selected)
    covered = np.asarray(A[:, selected].sum(axis=1)).ravel() > 0 if selected.size else None
    if covered is None:
        return np.full(reach.n_rows, -1)
    return np.where(covered, col, -1)


# --------------------------------------------------------------------------------------------
# heuristics
# --------------------------------------------------------------------------------------------


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


def _covered_value(G: sp.csr_matrix, W: np.ndarray, cols: np.ndarray) -> float:
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
    cur_val = _covered_value(G, W, cur)
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
        val = _covered_value(G, W, new)
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
    cur_val = _covered_value(G, W, cur)
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
        out = _max_cover_model(Gr, W[rows], p_reg, st, min(5.0, max(0.1, left)))
        if out.x is None:
            continue
        y = np.flatnonzero(out.x[: reg.size] > 0.5)
        after = float(W[rows][np.asarray(Gr[:, y].sum(axis=1)).ravel() > 0].sum())
        if after > before + (0.5 if integral else 1e-9):
            cur = np.sort(np.concatenate([outside_open, reg[y]]))
            cur_val = _covered_value(G, W, cur)
    return cur


def _greedy_set_cover(G: sp.csr_matrix) -> np.ndarray:
    """Greedy set cover (most uncovered rows per column), then redundant columns dropped."""
    if G.shape[0] * G.shape[1] <= DENSE_GREEDY_CELLS:
        return _weighted_greedy_cover(G.toarray() != 0, np.ones(G.shape[1]))
    G = sp.csr_matrix(G)
    Gt = G.T.tocsr()
    gain = np.diff(Gt.indptr).astype(float)
    covered = np.zeros(G.shape[0], dtype=bool)
    chosen: list[int] = []
    while not covered.all():
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        rows = Gt.indices[Gt.indptr[j] : Gt.indptr[j + 1]]
        new = rows[~covered[rows]]
        covered[new] = True
        sub = G[new]
        np.subtract.at(gain, sub.indices, 1.0)
    chosen_arr = np.asarray(chosen, dtype=np.int64)
    # drop redundant columns, last chosen first
    cnt = np.asarray(G[:, chosen_arr].sum(axis=1)).ravel()
    keep = np.ones(chosen_arr.size, dtype=bool)
    for k in range(chosen_arr.size - 1, -1, -1):
        rows = Gt.indices[Gt.indptr[chosen_arr[k]] : Gt.indptr[chosen_arr[k] + 1]]
        if (cnt[rows] >= 2).all():
            keep[k] = False
            cnt[rows] -= 1
    return np.sort(chosen_arr[keep])


def _weighted_greedy_cover(D: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Greedy cover on a dense boolean rows x columns array, score = new rows x priority.

    Redundant columns are dropped afterwards, lowest priority (then last chosen) first.
    """
    gain = D.sum(axis=0).astype(float)
    covered = np.zeros(D.shape[0], dtype=bool)
    chosen: list[int] = []
    while not covered.all():
        j = int(np.argmax(gain * priority))
        if gain[j] <= 0:
            break
        chosen.append(j)
        new = D[:, j] & ~covered
        covered |= new
        gain -= D[new].sum(axis=0)
    chosen_arr = np.asarray(chosen, dtype=np.int64)
    cnt = D[:, chosen_arr].sum(axis=1)
    keep = np.ones(chosen_arr.size, dtype=bool)
    order = np.lexsort((-np.arange(chosen_arr.size), priority[chosen_arr]))
    for k in order:
        rows = D[:, chosen_arr[k]]
        if (cnt[rows] >= 2).all():
            keep[k] = False
            cnt[rows] -= 1
    return np.sort(chosen_arr[keep])


def _lp_guided_set_cover(G: sp.csr_matrix, x_lp: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Best of a few greedy covers that prefer columns the LP relaxation opens (and ``start``).

    Often closes the gap to the rounded-up LP bound, which then proves the cover optimal
    without branch and bound.
    """
    if G.shape[0] * G.shape[1] > DENSE_GREEDY_CELLS or x_lp is None:
        return start
    D = G.toarray() != 0
    x = np.clip(np.asarray(x_lp[: G.shape[1]], dtype=float), 0.0, 1.0)
    best = start
    for priority in (x + 0.1, x + 1.0, x + 0.01, x * x + 0.1):
        cover = _weighted_greedy_cover(D, priority)
        if cover.size < best.size:
            best = cover
    return best


def _choices(n_cols: int, k: int) -> np.ndarray:
    """Every k-subset of ``range(n_cols)`` as rows of an array (k >= 1)."""
    return np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(n_cols), k)),
        dtype=np.int64,
        count=math.comb(n_cols, k) * k,
    ).reshape(-1, k)


def _enumerate_set_cover(G: sp.csr_matrix, upper: int) -> tuple[bool, np.ndarray | None]:
    """Smallest cover with fewer than ``upper`` columns, by enumeration of tiny models.

    Returns ``(done, cover)``: ``done`` is False when the model is too large to enumerate;
    ``cover`` is None when no cover smaller than ``upper`` exists (the upper one is optimal).
    """
    n_g, n_c = G.shape
    sizes = range(1, min(upper, n_c + 1))
    if sum(math.comb(n_c, k) for k in sizes) > ENUM_MAX_CHOICES:
        return False, None
    D = sp.csr_matrix(G).toarray() != 0
    for k in sizes:
        choices = _choices(n_c, k)
        if choices.shape[0] * n_g * k > ENUM_MAX_CELLS:
            return False, None
        covers = D[:, choices].any(axis=2).all(axis=0)
        if covers.any():
            return True, choices[int(np.argmax(covers))]
    return True, None


def _enumerate_max_cover(G: sp.csr_matrix, W: np.ndarray, p: int) -> np.ndarray | None:
    """Best choice of ``p`` columns by enumeration of tiny models (None when too large)."""
    n_g, n_c = G.shape
    if p < 1 or math.comb(n_c, p) > ENUM_MAX_CHOICES:
        return None
    if math.comb(n_c, p) * n_g * p > ENUM_MAX_CELLS:
        return None
    choices = _choices(n_c, p)
    D = sp.csr_matrix(G).toarray() != 0
    value = W @ D[:, choices].any(axis=2)
    return choices[int(np.argmax(value))]


# --------------------------------------------------------------------------------------------
# set cover
# --------------------------------------------------------------------------------------------


def set_cover(
    cost: Any,
    max_cost: float,
    *,
    required: Any = None,
    time_limit: float | None = None,
    method: str = "auto",
) -> SitingResult:
    """Fewest candidates so that every coverable row has one within ``max_cost`` (LSCP).

    Parameters
    ----------
    cost : array (rows x candidates) with ``inf`` = unreachable, or scipy sparse matrix
        (absent = unreachable; a stored 0 is a reachable zero cost).
    max_cost : float
        A row is covered by a candidate whose cost is ``<= max_cost``.
    required : sequence of int or bool mask, optional
        Candidates that are always open (existing facilities).
    time_limit : float, optional
        Seconds for HiGHS; the best cover found so far is returned with its gap.
    method : {"auto", "milp", "heuristic"}

    Returns
    -------
    SitingResult
        ``objective`` = number of sites (required included); rows no candidate reaches within
        ``max_cost`` are listed in ``unreachable_rows`` and left unassigned.
    """
    t0 = time.perf_counter()
    reach = as_reach(cost)
    req = check_columns(required, reach.n_cols)
    A = reach.within(max_cost)
    n_reach = np.diff(A.indptr)
    unreachable = np.flatnonzero(n_reach == 0)
    todo = n_reach > 0
    if req.size:
        todo &= np.asarray(A[:, req].sum(axis=1)).ravel() == 0
    free_cols = np.setdiff1d(np.arange(reach.n_cols), req)
    sub = A[np.flatnonzero(todo)][:, free_cols].tocsr()
    chosen = np.zeros(0, dtype=np.int64)
    optimal, bound, method_used = True, float(req.size), "trivial"
    details: dict[str, Any] = {}
    if sub.shape[0]:
        G, _, cols, stats = _reduce_cover(sub, np.ones(sub.shape[0]), set_cover=True)
        details["reduction"] = stats
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        y, lb, optimal, method_used = _solve_set_cover_reduced(G, left, method, details)
        chosen, bound = cols[y], req.size + lb
    selected = np.union1d(req, free_cols[chosen]).astype(np.int64)
    assignment = _assign_within(reach, A, selected)
    objective = float(selected.size)
    gap = 0.0 if optimal else rel_gap(objective, bound)
    msg = (
        f"开设 {selected.size} 处（其中既有 {req.size} 处），覆盖 {int((assignment >= 0).sum())} 行；"
        f"{unreachable.size} 行在 {max_cost:g} 内无任何候选可达"
        f"{'' if optimal else f'，差距 {gap:.2%}'} / "
        f"{selected.size} sites ({req.size} required) cover {int((assignment >= 0).sum())} rows; "
        f"{unreachable.size} rows have no candidate within {max_cost:g}"
        f"{'' if optimal else f', gap {gap:.2%}'}"
    )
    if unreachable.size:
        msg += f" (rows {rows_text(unreachable)})"
    return SitingResult(
        model="set_cover",
        selected=selected.tolist(),
        objective=objective,
        assignment=assignment,
        optimal=bool(optimal),
        gap=gap,
        bound=float(bound),
        unreachable_rows=unreachable.tolist(),
        message=msg,
        method=method_used,
        seconds=time.perf_counter() - t0,
        details=details,
    )


def _solve_set_cover_reduced(
    G: sp.csr_matrix, time_limit: float | None, method: str, details: dict[str, Any]
) -> tuple[np.ndarray, float, bool, str]:
    """Greedy, enumeration (tiny models), the LP bound, LP-guided greedy, local search, MILP.

    Returns ``(columns, lower bound, optimal, method)`` on the reduced model; ``time_limit`` is
    the time left for all of it.
    """
    t0 = time.perf_counter()
    start = _greedy_set_cover(G)
    if method == "auto":
        done, smaller = _enumerate_set_cover(G, start.size)
        if done:
            best = start if smaller is None else np.sort(smaller)
            return best, float(best.size), True, "enum"
    lp0 = _set_cover_model(G, start, time_limit, relax=True)
    lb = math.ceil(lp0.objective - 1e-6) if lp0.optimal else 0
    if lb < start.size and lp0.optimal:
        start = _lp_guided_set_cover(G, lp0.x, start)
    if lb < start.size:
        seconds = LOCAL_SEARCH_SECONDS
        if time_limit is not None:
            seconds = min(seconds, time_limit / 20)
        found = rwls_set_cover(G, start, target=lb, max_steps=local_search_steps(G, seconds))
        details["local_search"] = {"start": int(start.size), "found": int(found.size)}
        start = found
    if lb >= start.size:
        return start, float(start.size), True, "lp"
    if method == "heuristic" or (method == "auto" and G.nnz > MILP_MAX_NNZ):
        return start, float(lb), False, "heuristic+lp"
    if time_limit is not None:
        time_limit -= time.perf_counter() - t0
    out = _set_cover_model(G, start, time_limit)
    details["milp_status"] = out.status
    if out.x is None:
        return start, float(lb), False, "milp"
    y = np.flatnonzero(out.x[: G.shape[1]] > 0.5)
    return y, float(max(lb, math.ceil(out.bound - 1e-6))), out.optimal, "milp"


def _set_cover_model(G, start, time_limit, relax=False):
    n_g, n_c = G.shape
    x0 = np.zeros(n_c)
    x0[start] = 1
    model = MilpModel(
        np.ones(n_c),
        G.astype(float),
        np.ones(n_g),
        np.full(n_g, np.inf),
        np.zeros(n_c),
        np.ones(n_c),
        np.ones(n_c, dtype=bool),
    )
    return solve_milp(
        model,
        time_limit=time_limit,
        start=x0,
        integral_objective=True,
        relax=relax,
        options=None if relax else SET_COVER_MILP_OPTIONS,
    )


# --------------------------------------------------------------------------------------------
# max cover
# --------------------------------------------------------------------------------------------


def max_cover(
    cost: Any,
    weights: Any,
    max_cost: float,
    p: int,
    *,
    required: Any = None,
    time_limit: float | None = None,
    method: str = "auto",
    heuristic_time: float | None = None,
) -> SitingResult:
    """Open ``p`` candidates covering the most weight within ``max_cost`` (MCLP).

    Parameters
    ----------
    cost : array or scipy sparse matrix, rows x candidates (see `set_cover`).
    weights : array of length n_rows, non-negative (households, population, ...).
    max_cost : float
        A row is covered when an open candidate is within ``max_cost`` (``<=``).
    p : int
        Number of open candidates, required ones included.
    required : sequence of int or bool mask, optional
        Candidates that are always open.
    time_limit : float, optional
        Seconds for HiGHS; the best solution is returned with its gap to the proven bound.
    method : {"auto", "milp", "heuristic"}
        ``heuristic`` = greedy + swap with the LP relaxation as upper bound.

    Returns
    -------
    SitingResult
        ``objective`` = covered weight; ``bound`` an upper bound; ``details["uncovered_rows"]``
        lists reachable rows left uncovered.
    """
    t0 = time.perf_counter()
    reach = as_reach(cost)
    w = check_vector(weights, reach.n_rows, "weights")
    req = check_columns(required, reach.n_cols)
    p = int(p)
    if p > reach.n_cols:
        raise InfeasibleError(
            f"p={p} 超过候选数 {reach.n_cols} / p={p} exceeds the {reach.n_cols} candidates",
            cause="p_too_large",
        )
    if p < req.size:
        raise InfeasibleError(
            f"p={p} 小于必选设施数 {req.size} / p={p} is smaller than the {req.size} required sites",
            cause="p_too_small",
        )
    A = reach.within(max_cost)
    n_reach = np.diff(A.indptr)
    unreachable = np.flatnonzero(n_reach == 0)
    base = np.zeros(reach.n_rows, dtype=bool)
    if req.size:
        base = np.asarray(A[:, req].sum(axis=1)).ravel() > 0
    todo = (n_reach > 0) & ~base & (w > 0)
    free_cols = np.setdiff1d(np.arange(reach.n_cols), req)
    p_free = p - req.size
    chosen = np.zeros(0, dtype=np.int64)
    optimal, method_used, details = True, "trivial", {}
    bound_free = 0.0
    if p_free > 0 and todo.any():
        sub = A[np.flatnonzero(todo)][:, free_cols].tocsr()
        G, W, cols, stats = _reduce_cover(sub, w[todo], set_cover=False)
        details["reduction"] = stats
        if p_free >= G.shape[1]:
            chosen = cols
            bound_free = float(W.sum())
        else:
            chosen_red, bound_free, optimal, method_used = _solve_max_cover_reduced(
                G, W, p_free, t0, time_limit, heuristic_time, method, details
            )
            chosen = cols[chosen_red]
            if is_integral(W) and math.isfinite(bound_free):
                bound_free = math.floor(bound_free + 1e-6)
    selected = np.union1d(req, free_cols[chosen]).astype(np.int64)
    if selected.size < p:  # pad with columns of largest total weight (they add nothing)
        tot = np.asarray(A.T @ w).ravel()
        tot[selected] = -np.inf
        extra = np.argsort(-tot, kind="stable")[: p - selected.size]
        selected = np.union1d(selected, extra).astype(np.int64)
    assignment = _assign_within(reach, A, selected)
    objective = float(w[assignment >= 0].sum())
    bound = float(w[base].sum() + bound_free) if not optimal else objective
    gap = 0.0 if optimal else rel_gap(objective, bound)
    uncovered = np.flatnonzero((assignment < 0) & (n_reach > 0))
    details["uncovered_rows"] = uncovered.tolist()
    msg = (
        f"开设 {selected.size} 处（其中既有 {req.size} 处），覆盖权重 {objective:g} / {w.sum():g}；"
        f"{unreachable.size} 行在 {max_cost:g} 内无候选可达，{uncovered.size} 行可达但未覆盖"
        f"{'' if optimal else f'，上界 {bound:g}，差距 {gap:.2%}'} / "
        f"{selected.size} sites ({req.size} required) cover weight {objective:g} of {w.sum():g}; "
        f"{unreachable.size} rows have no candidate within {max_cost:g}, "
        f"{uncovered.size} reachable rows stay uncovered"
        f"{'' if optimal else f', upper bound {bound:g}, gap {gap:.2%}'}"
    )
    return SitingResult(
        model="max_cover",
        selected=selected.tolist(),
        objective=objective,
        assignment=assignment,
        optimal=bool(optimal),
        gap=gap,
        bound=bound,
        unreachable_rows=unreachable.tolist(),
        message=msg,
        method=method_used,
        seconds=time.perf_counter() - t0,
        details=details,
    )


def _solve_max_cover_reduced(G, W, p, t0, time_limit, heuristic_time, method, details):
    """Greedy + swap, LP bound, iterated local search, MILP neighbourhood search, full MILP.

    Returns ``(columns, upper bound, optimal, method)`` on the reduced model.
    """

    def left() -> float | None:
        return None if time_limit is None else max(0.05, time_limit - (time.perf_counter() - t0))

    integral = is_integral(W)
    exact = _enumerate_max_cover(G, W, p) if method == "auto" else None
    if exact is not None:
        return exact, _covered_value(G, W, exact), True, "enum"
    start = swap_max_cover(G, W, greedy_max_cover(G, W, p))
    best_val = _covered_value(G, W, start)
    small = G.nnz <= 20_000
    if small and method != "heuristic":
        lp = _max_cover_model(G, W, p, start, left(), relax=True)
        if lp.optimal:  # a cheap proof: the swap solution meets the LP bound
            lp_bound = math.floor(lp.objective + 1e-6) if integral else lp.objective
            if best_val >= lp_bound - 1e-9 * max(1.0, abs(lp_bound)):
                details["lp_bound"] = lp_bound
                return start, lp_bound, True, "lp"
        out = _max_cover_model(G, W, p, start, left())
        details["milp_status"] = out.status
        if out.x is not None:
            y = np.flatnonzero(out.x[: G.shape[1]] > 0.5)
            if _covered_value(G, W, y) >= best_val - 1e-9:
                start = y
        bound = out.bound if math.isfinite(out.bound) else float(W.sum())
        return start, bound, out.optimal, "milp"
    lp = _max_cover_model(G, W, p, start, left(), relax=True)
    details["lp_seconds"] = lp.seconds
    lp_bound = lp.objective if math.isfinite(lp.objective) else float(W.sum())
    if integral:
        lp_bound = math.floor(lp_bound + 1e-6)
    details["lp_bound"] = lp_bound
    details["greedy_swap_objective"] = best_val
    if best_val >= lp_bound - 1e-9:
        return start, lp_bound, True, "lp"
    if heuristic_time is None:  # scale with size: at most 120 s or 80% of the time left
        heuristic_time = min(120.0, 1.0 + G.nnz / 2_000)
        if time_limit is not None:
            heuristic_time = min(heuristic_time, 0.8 * left())
    t_heur = time.perf_counter()
    start = ils_max_cover(G, W, start, time_limit=0.15 * heuristic_time, target=lp_bound)
    details["ils_objective"] = _covered_value(G, W, start)
    milp_ok = method != "heuristic" and not (method == "auto" and G.nnz > MILP_MAX_NNZ)
    close = _covered_value(G, W, start) >= (1 - PROBE_LP_GAP) * lp_bound
    if milp_ok and close and (time_limit is None or 2 * G.nnz <= MILP_NNZ_PER_SECOND * left()):
        # a short MILP from a local-search solution close to the LP bound often proves
        # optimality at once, which the neighbourhood search below cannot (its target is the
        # LP bound)
        probe_time = max(2.0, 0.2 * heuristic_time)
        probe = _max_cover_model(G, W, p, start, min(probe_time, left() or probe_time))
        details["probe_status"] = probe.status
        if probe.x is not None:
            y = np.flatnonzero(probe.x[: G.shape[1]] > 0.5)
            if _covered_value(G, W, y) > _covered_value(G, W, start) + 1e-9:
                start = y
        if probe.optimal:
            details["heuristic_objective"] = _covered_value(G, W, start)
            return start, _covered_value(G, W, start), True, "milp"
        if math.isfinite(probe.bound):
            lp_bound = min(lp_bound, math.floor(probe.bound + 1e-6) if integral else probe.bound)
    if method != "heuristic" and _covered_value(G, W, start) < lp_bound - 1e-9:
        lns_time = heuristic_time - (time.perf_counter() - t_heur)
        start = lns_max_cover(G, W, start, time_limit=max(0.0, lns_time), target=lp_bound)
    best_val = _covered_value(G, W, start)
    details["heuristic_objective"] = best_val
    if best_val >= lp_bound - 1e-9:
        return start, lp_bound, True, "heuristic+lp"
    if method == "heuristic" or (method == "auto" and G.nnz > MILP_MAX_NNZ):
        return start, lp_bound, False, "heuristic+lp"
    if time_limit is not None and 2 * G.nnz > MILP_NNZ_PER_SECOND * left():
        # HiGHS does not stop inside a long root LP: keep the heuristic and the LP bound
        details["milp_skipped"] = "model too large for the time left"
        return start, lp_bound, False, "heuristic+lp"
    out = _max_cover_model(G, W, p, start, left())
    details["milp_status"] = out.status
    bound = min(lp_bound, out.bound) if math.isfinite(out.bound) else lp_bound
    if out.x is not None:
        y = np.flatnonzero(out.x[: G.shape[1]] > 0.5)
        if _covered_value(G, W, y) > best_val + 1e-9:
            start = y
    return start, bound, out.optimal, "milp"


def _max_cover_model(G, W, p, start, time_limit, relax=False):
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
