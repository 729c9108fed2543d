"""Reductions of covering formulations: identical rows, dominated rows and columns.

Sparse versions for large models, dense (numpy) versions for small ones, where scipy.sparse's
per-call overhead would dominate.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Largest sparse product (entries) the dominance tests may build.
MAX_PRODUCT_NNZ = 40_000_000


def group_identical_rows(A: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Group rows of a boolean CSR matrix with identical column sets.

    Returns ``(first, label)``: the index of one representative row per group, and the group
    label of every row.
    """
    A = sp.csr_matrix(A)
    A.sort_indices()
    seen: dict[bytes, int] = {}
    label = np.empty(A.shape[0], dtype=np.int64)
    first: list[int] = []
    ind, ptr = A.indices, A.indptr
    for i in range(A.shape[0]):
        key = ind[ptr[i] : ptr[i + 1]].tobytes()
        g = seen.get(key)
        if g is None:
            g = len(first)
            seen[key] = g
            first.append(i)
        label[i] = g
    return np.asarray(first, dtype=np.int64), label


def product_nnz_estimate(A: sp.csr_matrix) -> int:
    """Upper bound on the entries of ``A.T @ A`` (sum of squared row counts)."""
    counts = np.diff(sp.csr_matrix(A).indptr).astype(np.int64)
    return int((counts * counts).sum())


def dominated_rows(
    M: sp.csr_matrix, keep: np.ndarray | None = None, *, supersets: bool = False
) -> np.ndarray | None:
    """Rows of boolean ``M`` whose column set is contained in another row's set.

    With ``supersets`` the test is reversed: rows whose set contains another row's set.
    Among identical rows the one with the lowest index survives. Rows flagged in ``keep``
    are never reported dominated (but may dominate). Returns a boolean mask, or ``None``
    when the overlap product would be too large to build.
    """
    M = sp.csr_matrix(M, dtype=np.int32)
    if product_nnz_estimate(M.T.tocsr()) > MAX_PRODUCT_NNZ:
        return None
    size = np.diff(M.indptr)
    overlap = (M @ M.T).tocoo()
    a, b, v = overlap.row, overlap.col, overlap.data
    if supersets:
        hit = (a != b) & (v == size[b]) & ((size[a] > size[b]) | ((size[a] == size[b]) & (b < a)))
    else:
        hit = (a != b) & (v == size[a]) & ((size[b] > size[a]) | ((size[b] == size[a]) & (b < a)))
    out = np.zeros(M.shape[0], dtype=bool)
    out[a[hit]] = True
    if not supersets:
        out[size == 0] = True  # an empty set is contained in anything
    if keep is not None:
        out[keep] = False
    return out


def identical_rows_dense(D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`group_identical_rows` on a dense boolean array (groups numbered by first row)."""
    if D.shape[1] == 0:
        return np.zeros(min(1, D.shape[0]), dtype=np.int64), np.zeros(D.shape[0], dtype=np.int64)
    packed = np.ascontiguousarray(np.packbits(D, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1])))[:, 0]
    _, first, label = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order].astype(np.int64), rank[label.ravel()].astype(np.int64)


def dominated_rows_dense(D: np.ndarray, *, supersets: bool = False) -> np.ndarray:
    """`dominated_rows` on a dense boolean array (one BLAS product of rows x rows)."""
    F = D.astype(np.float32)
    overlap = F @ F.T
    size = D.sum(axis=1)
    idx = np.arange(D.shape[0])
    later = idx[None, :] < idx[:, None]  # [a, b]: b < a
    sa, sb = size[:, None], size[None, :]
    if supersets:  # row b's set inside row a's set
        hit = (overlap == sb) & ((sa > sb) | ((sa == sb) & later))
    else:  # row a's set inside row b's set
        hit = (overlap == sa) & ((sb > sa) | ((sb == sa) & later))
    np.fill_diagonal(hit, False)
    out = hit.any(axis=1)
    if not supersets:
        out[size == 0] = True
    return out


# Covering models up to this many cells (and rows, for the row test) are reduced on dense arrays.
DENSE_REDUCE_CELLS = 250_000
DENSE_REDUCE_ROWS = 1_500


def reduce_cover(
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
