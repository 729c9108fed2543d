"""Reductions of covering formulations: identical rows, dominated rows and columns."""

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
