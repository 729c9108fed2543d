"""Shared pieces of the siting solvers: cost-matrix input, results, errors and HiGHS calls."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from layers.errors import PlannerError

__all__ = ["InfeasibleError", "SitingResult", "Reach", "as_reach"]


class InfeasibleError(PlannerError, ValueError):
    """A siting request that no choice of sites can satisfy.

    Attributes
    ----------
    rows : list of int
        Demand rows (0-based) that make the request infeasible, empty when the cause is global.
    cause : str
        Machine-readable cause, e.g. ``"unreachable_rows"``, ``"p_too_small"``, ``"capacity"``.
    """

    def __init__(self, message: str, *, rows: list[int] | None = None, cause: str = "infeasible"):
        super().__init__(message)
        self.rows = list(rows or [])
        self.cause = cause


@dataclass
class SitingResult:
    """Outcome of one siting model.

    Attributes
    ----------
    model : str
        ``"set_cover"``, ``"max_cover"`` or ``"p_median"``.
    selected : list of int
        Sorted column indices of the chosen sites (required columns included).
    objective : float
        Number of sites (set cover), covered weight (max cover) or weighted cost (p-median).
    assignment : numpy.ndarray
        Column index serving each row, ``-1`` if none.
    optimal : bool
        True when the objective is proven optimal (within HiGHS' tolerance).
    gap : float
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)``; 0 when optimal.
    bound : float
        Proven bound on the optimum: lower bound for minimisation, upper bound for maximisation.
    unreachable_rows : list of int
        Rows that no candidate reaches (within ``max_cost`` for the covering models).
    message : str
        Bilingual summary "中文 / English".
    method : str
        ``"milp"`` or ``"heuristic"`` (plus a suffix naming the bound).
    seconds : float
        Wall-clock solve time.
    details : dict
        Model-specific extras (reduced sizes, iterations, uncovered rows, ...).
    """

    model: str
    selected: list[int]
    objective: float
    assignment: np.ndarray
    optimal: bool
    gap: float
    bound: float
    unreachable_rows: list[int]
    message: str = ""
    method: str = "milp"
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# cost-matrix input
# --------------------------------------------------------------------------------------------


@dataclass
class Reach:
    """Reachable (row, column, cost) entries of a cost matrix, stored row-wise (CSR).

    Dense input: every finite entry is reachable. Sparse input: every stored entry is
    reachable, an explicit 0 included (a reachable zero cost).
    """

    n_rows: int
    n_cols: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    dense: np.ndarray | None = None  # the dense matrix (inf = unreachable) when given dense

    @property
    def nnz(self) -> int:
        return int(self.indices.size)

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_rows), np.diff(self.indptr))

    def within(self, max_cost: float) -> sp.csr_matrix:
        """Boolean CSR matrix of entries with cost <= max_cost (explicit, no zeros dropped)."""
        keep = self.data <= max_cost
        rows = self.row_ids()[keep]
        m = sp.csr_matrix(
            (np.ones(int(keep.sum()), dtype=np.int8), (rows, self.indices[keep])),
            shape=(self.n_rows, self.n_cols),
        )
        m.sum_duplicates()
        m.data[:] = 1
        return m

    def to_dense(self, fill: float = np.inf) -> np.ndarray:
        if self.dense is not None and fill == np.inf:
            return self.dense
        out = np.full((self.n_rows, self.n_cols), fill, dtype=float)
        out[self.row_ids(), self.indices] = self.data
        return out

    def take_cols(self, keep: np.ndarray) -> Reach:
        """The sub-matrix of the columns ``keep`` (sorted indices), renumbered 0..len-1."""
        keep = np.asarray(keep, dtype=np.int64)
        new_id = np.full(self.n_cols, -1, dtype=np.int64)
        new_id[keep] = np.arange(keep.size)
        sel = new_id[self.indices] >= 0
        counts = np.bincount(self.row_ids()[sel], minlength=self.n_rows)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        dense = self.dense[:, keep] if self.dense is not None else None
        return Reach(
            self.n_rows, keep.size, indptr, new_id[self.indices[sel]], self.data[sel], dense
        )

    def best_of(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest column among ``cols`` for every row: (column or -1, cost or inf)."""
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size == 0:
            return np.full(self.n_rows, -1), np.full(self.n_rows, np.inf)
        if self.dense is not None:
            sub = self.dense[:, cols]
            k = np.argmin(sub, axis=1)
            best = sub[np.arange(self.n_rows), k]
            col = np.where(np.isfinite(best), cols[k], -1)
            return col, best
        mask = np.zeros(self.n_cols, dtype=bool)
        mask[cols] = True
        keep = mask[self.indices]
        rows = self.row_ids()[keep]
        c = self.indices[keep]
        d = self.data[keep]
        order = np.lexsort((c, d, rows))
        rows, c, d = rows[order], c[order], d[order]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        col = np.full(self.n_rows, -1)
        best = np.full(self.n_rows, np.inf)
        col[rows[first]] = c[first]
        best[rows[first]] = d[first]
        return col, best


def as_reach(cost: Any) -> Reach:
    """Normalise a cost matrix (dense with ``inf`` = unreachable, or scipy sparse) to `Reach`."""
    if sp.issparse(cost):
        m = sp.csr_matrix(cost, dtype=float, copy=True)
        m.sum_duplicates()  # keeps explicit zeros
        m.sort_indices()
        data = np.asarray(m.data, dtype=float)
        if np.isnan(data).any():
            raise ValueError("费用矩阵含有 NaN / the cost matrix contains NaN")
        if (data < 0).any():
            raise ValueError("费用不能为负 / costs must not be negative")
        finite = np.isfinite(data)
        if not finite.all():  # a stored inf is unreachable too
            m.data[~finite] = 0
            rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))[finite]
            m = sp.csr_matrix((data[finite], (rows, m.indices[finite])), shape=m.shape)
            m.sort_indices()
            data = np.asarray(m.data, dtype=float)
        n_rows, n_cols = m.shape
        return Reach(
            n_rows,
            n_cols,
            m.indptr.astype(np.int64),
            m.indices.astype(np.int64),
            data,
        )
    a = np.asarray(cost, dtype=float)
    if a.ndim != 2:
        raise ValueError("费用矩阵必须是二维 / the cost matrix must be 2-D (rows x candidates)")
    if np.isnan(a).any():
        raise ValueError(
            "费用矩阵含有 NaN / the cost matrix contains NaN (use inf for unreachable)"
        )
    if (a < 0).any():
        raise ValueError("费用不能为负 / costs must not be negative")
    finite = np.isfinite(a)
    counts = finite.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    rows, cols = np.nonzero(finite)
    return Reach(a.shape[0], a.shape[1], indptr, cols.astype(np.int64), a[rows, cols], dense=a)


def check_columns(cols: Any, n_cols: int, what: str = "required") -> np.ndarray:
    """Validate a list of column indices (or a boolean mask) and return sorted unique int64."""
    if cols is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(cols)
    if arr.dtype == bool:
        if arr.shape != (n_cols,):
            raise ValueError(
                f"{what} 掩码长度应为 {n_cols} / the {what} mask must have length {n_cols}"
            )
        return np.flatnonzero(arr).astype(np.int64)
    arr = np.unique(arr.astype(np.int64).ravel())
    if arr.size and (arr.min() < 0 or arr.max() >= n_cols):
        raise ValueError(
            f"{what} 列号越界 (0..{n_cols - 1}) / {what} column index out of range 0..{n_cols - 1}"
        )
    return arr


def check_vector(values: Any, n: int, name: str, *, default: float | None = None) -> np.ndarray:
    """A length-n non-negative float vector (``default`` fills a missing one)."""
    if values is None:
        if default is None:
            raise ValueError(f"缺少 {name} / {name} is required")
        return np.full(n, float(default))
    v = np.asarray(values, dtype=float).ravel()
    if v.shape != (n,):
        raise ValueError(f"{name} 长度应为 {n} / {name} must have length {n}, got {v.size}")
    if not np.isfinite(v).all() or (v < 0).any():
        raise ValueError(f"{name} 必须是非负有限数 / {name} must be finite and non-negative")
    return v


def rows_text(rows: list[int] | np.ndarray, limit: int = 20) -> str:
    rows = [int(r) for r in rows]
    head = ", ".join(str(r) for r in rows[:limit])
    return head + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def rel_gap(objective: float, bound: float) -> float:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


def is_integral(values: np.ndarray) -> bool:
    v = np.asarray(values, dtype=float)
    return bool(v.size == 0 or (np.all(np.isfinite(v)) and np.all(v == np.round(v))))


def assign_within(reach, A: sp.csr_matrix, selected: np.ndarray) -> np.ndarray:
    """Nearest selected column among those covering each row (-1 if none)."""
    col, _ = reach.best_of(selected)
    covered = np.asarray(A[:, selected].sum(axis=1)).ravel() > 0 if selected.size else None
    if covered is None:
        return np.full(reach.n_rows, -1)
    return np.where(covered, col, -1)
