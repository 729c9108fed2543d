"""Exact solutions of tiny covering models by enumerating every choice of columns."""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.sparse as sp

# Tiny reduced models are solved exactly by enumerating every choice of columns (no HiGHS set-up)
# when there are at most this many choices and choice x group cells.
ENUM_MAX_CHOICES = 20_000
ENUM_MAX_CELLS = 10_000_000


def _choices(n_cols: int, k: int) -> np.ndarray:
    """Every k-subset of ``range(n_cols)`` as rows of an array (k >= 1)."""
    return np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(n_cols), k)),
        dtype=np.int64,
        count=math.comb(n_cols, k) * k,
    ).reshape(-1, k)


def enumerate_set_cover(G: sp.csr_matrix, upper: int) -> tuple[bool, np.ndarray | None]:
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


def enumerate_max_cover(G: sp.csr_matrix, W: np.ndarray, p: int) -> np.ndarray | None:
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
