"""Set covering (LSCP) over a cost matrix, exact through HiGHS.

The formulation is first shrunk (:func:`._reduce.reduce_cover`): rows already covered by a
required column leave, rows with the same set of covering columns are merged, superset rows and
columns whose covered rows are a subset of another column's are dropped (repeated until nothing
changes). The MILP is warm-started from greedy, an LP-guided greedy and a row-weighting local
search (`_local_search`). Maximal covering is :mod:`.mclp`.
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
    assign_within,
    check_columns,
    rel_gap,
    rows_text,
)
from ._enumerate import enumerate_set_cover
from ._local_search import local_search_steps, rwls_set_cover
from ._reduce import reduce_cover
from .highs import MilpModel, solve_milp

__all__ = ["set_cover"]

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
# Reduced covering models up to this many cells get the dense greedy heuristics.
DENSE_GREEDY_CELLS = 20_000_000


# --------------------------------------------------------------------------------------------
# heuristics
# --------------------------------------------------------------------------------------------


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
        G, _, cols, stats = reduce_cover(sub, np.ones(sub.shape[0]), set_cover=True)
        details["reduction"] = stats
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        y, lb, optimal, method_used = _solve_set_cover_reduced(G, left, method, details)
        chosen, bound = cols[y], req.size + lb
    selected = np.union1d(req, free_cols[chosen]).astype(np.int64)
    assignment = assign_within(reach, A, selected)
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
        done, smaller = enumerate_set_cover(G, start.size)
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
