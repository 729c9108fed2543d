"""Row-weighting local search for unit-cost set cover (a primal heuristic before the MILP).

The method is RWLS (Gao, Weise & Li, "An efficient local search heuristic with row weighting
for the unicost set covering problem", European Journal of Operational Research 246(3), 2015):
keep a cover and drop a column whenever every row is covered; otherwise swap one column of the
solution for one that covers a random uncovered row. Uncovered rows gain weight at every step,
so the search leaves local optima. A cover of the optimal size handed to HiGHS as its start lets
branch and bound prune far more nodes.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

try:  # numba is optional: without it the MILP starts from the greedy cover
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None

__all__ = ["HAVE_LOCAL_SEARCH", "local_search_steps", "rwls_set_cover"]

HAVE_LOCAL_SEARCH = numba is not None
# Matrix entries the compiled search visits per second (measured about 4.5e8 on a 2-core
# machine); with the work of one move it turns a time budget into a number of moves.
VISITS_PER_SECOND = 4e8


def _njit(fn):
    return numba.njit(cache=True, nogil=True)(fn) if numba is not None else fn


@_njit
def _add(j, graph, state, n_unc):
    """Put column ``j`` in the solution; returns the new number of uncovered rows.

    ``graph`` is ``(r_ptr, r_col, c_ptr, c_row)`` (rows and columns of the matrix, CSR and
    CSC); ``state`` is ``(weight, count, in_sol, score, unc, unc_pos)``.
    """
    r_ptr, r_col, c_ptr, c_row = graph
    weight, count, in_sol, score, unc, unc_pos = state
    in_sol[j] = True
    loss = 0
    for k in range(c_ptr[j], c_ptr[j + 1]):
        e = c_row[k]
        count[e] += 1
        if count[e] == 1:  # newly covered: leaves the uncovered list
            p = unc_pos[e]
            last = unc[n_unc - 1]
            unc[p] = last
            unc_pos[last] = p
            unc_pos[e] = -1
            n_unc -= 1
            for q in range(r_ptr[e], r_ptr[e + 1]):
                if r_col[q] != j:
                    score[r_col[q]] -= weight[e]
            loss += weight[e]
        elif count[e] == 2:  # the other solution column no longer covers it alone
            for q in range(r_ptr[e], r_ptr[e + 1]):
                i = r_col[q]
                if i != j and in_sol[i]:
                    score[i] += weight[e]
                    break
    score[j] = -loss
    return n_unc


@_njit
def _drop(j, graph, state, n_unc):
    """Take column ``j`` out of the solution; returns the new number of uncovered rows."""
    r_ptr, r_col, c_ptr, c_row = graph
    weight, count, in_sol, score, unc, unc_pos = state
    in_sol[j] = False
    gain = 0
    for k in range(c_ptr[j], c_ptr[j + 1]):
        e = c_row[k]
        count[e] -= 1
        if count[e] == 0:  # newly uncovered
            unc[n_unc] = e
            unc_pos[e] = n_unc
            n_unc += 1
            for q in range(r_ptr[e], r_ptr[e + 1]):
                if r_col[q] != j:
                    score[r_col[q]] += weight[e]
            gain += weight[e]
        elif count[e] == 1:  # the one solution column left now covers it alone
            for q in range(r_ptr[e], r_ptr[e + 1]):
                i = r_col[q]
                if in_sol[i]:
                    score[i] -= weight[e]
                    break
    score[j] = gain
    return n_unc


@_njit
def _free_neighbours(j, r_ptr, r_col, c_ptr, c_row, can_add):
    """Configuration checking: columns sharing a row with ``j`` may be added again."""
    for k in range(c_ptr[j], c_ptr[j + 1]):
        e = c_row[k]
        for q in range(r_ptr[e], r_ptr[e + 1]):
            if r_col[q] != j:
                can_add[r_col[q]] = True


@_njit
def _best_in_solution(in_sol, score, stamp, skip):
    """Solution column with the highest score (least loss), oldest first on ties."""
    pick = -1
    for j in range(in_sol.size):
        if (
            in_sol[j]
            and j != skip
            and (
                pick < 0
                or score[j] > score[pick]
                or (score[j] == score[pick] and stamp[j] < stamp[pick])
            )
        ):
            pick = j
    return pick


@_njit
def _column_to_add(e, r_ptr, r_col, can_add, score, stamp):
    """Column covering row ``e`` with the highest score among those allowed, oldest first on
    ties (the first column of the row when none is allowed)."""
    add = -1
    for q in range(r_ptr[e], r_ptr[e + 1]):
        i = r_col[q]
        if can_add[i] and (
            add < 0 or score[i] > score[add] or (score[i] == score[add] and stamp[i] < stamp[add])
        ):
            add = i
    return add if add >= 0 else r_col[r_ptr[e]]


@_njit
def _weigh_uncovered(unc, n_unc, r_ptr, r_col, weight, score):
    """Uncovered rows weigh one more, so the columns covering them gain."""
    for u in range(n_unc):
        e = unc[u]
        weight[e] += 1
        for q in range(r_ptr[e], r_ptr[e + 1]):
            score[r_col[q]] += 1


@_njit
def _rwls(r_ptr, r_col, c_ptr, c_row, start, target, max_steps, seed):  # pragma: no cover
    """Compiled RWLS from the cover ``start``; returns the smallest cover found (0/1 mask)."""
    np.random.seed(seed)
    n_rows = r_ptr.size - 1
    n_cols = c_ptr.size - 1
    weight = np.ones(n_rows, dtype=np.int64)
    count = np.zeros(n_rows, dtype=np.int64)
    in_sol = np.zeros(n_cols, dtype=np.bool_)
    score = np.zeros(n_cols, dtype=np.int64)
    stamp = np.zeros(n_cols, dtype=np.int64)
    can_add = np.ones(n_cols, dtype=np.bool_)
    unc = np.empty(n_rows, dtype=np.int64)
    unc_pos = np.full(n_rows, -1, dtype=np.int64)
    for i in range(n_rows):  # start from nothing: every row uncovered
        unc[i] = i
        unc_pos[i] = i
    n_unc = n_rows
    for j in range(n_cols):
        score[j] = c_ptr[j + 1] - c_ptr[j]
    graph = (r_ptr, r_col, c_ptr, c_row)
    state = (weight, count, in_sol, score, unc, unc_pos)
    size = 0
    for j in start:
        n_unc = _add(j, graph, state, n_unc)
        size += 1
    best = in_sol.copy()
    best_size = size if n_unc == 0 else n_cols + 1
    tabu = -1
    for step in range(1, max_steps + 1):
        if n_unc == 0:
            if size < best_size:
                best_size = size
                best[:] = in_sol
            if best_size <= target:
                break
            j = _best_in_solution(in_sol, score, stamp, -1)
            n_unc = _drop(j, graph, state, n_unc)
            size -= 1
            stamp[j] = step
            continue
        j = _best_in_solution(in_sol, score, stamp, tabu)
        if j >= 0:
            n_unc = _drop(j, graph, state, n_unc)
            size -= 1
            stamp[j] = step
            can_add[j] = False
            _free_neighbours(j, r_ptr, r_col, c_ptr, c_row, can_add)
        add = _column_to_add(unc[np.random.randint(n_unc)], r_ptr, r_col, can_add, score, stamp)
        n_unc = _add(add, graph, state, n_unc)
        size += 1
        stamp[add] = step
        tabu = add
        _free_neighbours(add, r_ptr, r_col, c_ptr, c_row, can_add)
        _weigh_uncovered(unc, n_unc, r_ptr, r_col, weight, score)
    if n_unc == 0 and size < best_size:
        best[:] = in_sol
    return best


def local_search_steps(G: sp.spmatrix, seconds: float) -> int:
    """Moves of `rwls_set_cover` that fit in about ``seconds`` on a model like ``G``.

    One move scans the columns once and visits the rows of two columns and their columns.
    """
    n_rows, n_cols = G.shape
    if n_rows == 0 or n_cols == 0:
        return 0
    per_move = n_cols + 2.0 * (G.nnz / n_cols) * (G.nnz / n_rows)
    return int(min(2_000_000, max(1_000, seconds * VISITS_PER_SECOND / per_move)))


def rwls_set_cover(
    G: sp.csr_matrix, start: np.ndarray, *, target: int, max_steps: int, seed: int = 0
) -> np.ndarray:
    """Smallest cover RWLS finds from the cover ``start`` (column indices, sorted).

    Parameters
    ----------
    G : scipy sparse matrix, rows x columns, nonzero = the column covers the row
        Every row must have at least one column.
    start : array of int
        Columns of a cover (e.g. greedy).
    target : int
        Stop as soon as a cover of this size is found (a proven lower bound).
    max_steps : int
        Moves at most; each costs about the rows of two columns times their columns.
    seed : int
        The search is random but repeatable for a given seed.
    """
    if not HAVE_LOCAL_SEARCH:
        return np.sort(np.asarray(start, dtype=np.int64))
    R = sp.csr_matrix(G, dtype=np.int8)
    R.sort_indices()
    C = R.tocsc()
    C.sort_indices()
    mask = _rwls(
        R.indptr.astype(np.int64),
        R.indices.astype(np.int64),
        C.indptr.astype(np.int64),
        C.indices.astype(np.int64),
        np.asarray(start, dtype=np.int64),
        int(target),
        int(max_steps),
        int(seed),
    )
    return np.flatnonzero(mask)
