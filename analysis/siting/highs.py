"""The HiGHS wrapper every optimisation model of the project uses (siting, Art. 13 hubs).

A :class:`MilpModel` is passed to HiGHS through highspy directly (row-wise, no copy through
scipy), with a warm start, a wall-clock interrupt for large models and an exact optimality
proof for integral objectives.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._common import rel_gap

__all__ = ["MilpModel", "MilpOutcome", "solve_milp"]


# Models with more entries get a wall-clock interrupt: HiGHS checks its own time limit only
# between phases, and a root LP of millions of entries can run far past it.
INTERRUPT_MIN_NNZ = 100_000


def _stop_at(h: Any, deadline: float) -> None:
    """Interrupt HiGHS (simplex, IPM and MIP loops) once ``time.perf_counter()`` passes
    ``deadline``."""
    from highspy import cb

    def interrupt(kind, message, data_out, data_in, user_data) -> None:
        if data_in is not None and time.perf_counter() > deadline:
            data_in.user_interrupt = True

    h.setCallback(interrupt, None)
    for kind in (
        cb.HighsCallbackType.kCallbackSimplexInterrupt,
        cb.HighsCallbackType.kCallbackIpmInterrupt,
        cb.HighsCallbackType.kCallbackMipInterrupt,
    ):
        h.startCallback(kind)


@dataclass
class MilpOutcome:
    x: np.ndarray | None
    objective: float
    bound: float
    status: str
    optimal: bool
    seconds: float
    nodes: int = 0

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound; 0 when optimal, inf when unknown."""
        return 0.0 if self.optimal else rel_gap(self.objective, self.bound)


@dataclass(frozen=True)
class MilpModel:
    """``min/max c x + offset`` subject to ``row_lo <= A x <= row_hi``, ``col_lo <= x <= col_hi``.

    ``integer`` is a boolean mask of the integer columns; infinite bounds are free.
    """

    c: np.ndarray
    A: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    maximize: bool = False
    offset: float = 0.0


def _highs_lp(model: MilpModel, relax: bool) -> Any:
    """The model as a ``highspy.HighsLp`` (row-wise matrix)."""
    import highspy

    inf = highspy.kHighsInf
    A = sp.csr_matrix(model.A)
    n = model.c.size
    lp = highspy.HighsLp()
    lp.num_col_ = int(n)
    lp.num_row_ = int(A.shape[0])
    lp.col_cost_ = np.asarray(model.c, dtype=float)
    lp.col_lower_ = np.asarray(model.col_lo, dtype=float)
    lp.col_upper_ = np.where(np.isinf(model.col_hi), inf, model.col_hi).astype(float)
    lp.row_lower_ = np.where(np.isinf(model.row_lo), -inf, model.row_lo).astype(float)
    lp.row_upper_ = np.where(np.isinf(model.row_hi), inf, model.row_hi).astype(float)
    lp.offset_ = float(model.offset)
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximize else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = int(n)
    lp.a_matrix_.num_row_ = int(A.shape[0])
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if not relax and model.integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
            for b in model.integer
        ]
    return lp


def solve_milp(
    model: MilpModel,
    *,
    time_limit: float | None = None,
    start: np.ndarray | None = None,
    integral_objective: bool = False,
    relax: bool = False,
    options: dict[str, Any] | None = None,
) -> MilpOutcome:
    """Solve ``model`` with HiGHS.

    ``start`` is a feasible warm start. With ``integral_objective`` the absolute gap tolerance
    is just below 1, which proves optimality of integer objectives exactly. ``relax`` solves
    the LP relaxation.
    """
    import highspy
    from highspy._core import _Highs

    t0 = time.perf_counter()
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1 - 1e-6 if integral_objective else 1e-7)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    nnz = sp.csr_matrix(model.A).nnz
    if time_limit is not None and nnz > INTERRUPT_MIN_NNZ:
        _stop_at(h, t0 + max(time_limit, 0.01))
    if relax and nnz > 200_000:
        h.setOptionValue("solver", "ipm")  # far faster than simplex on large covering LPs
    lp = _highs_lp(model, relax)
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=float)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    status_name = h.modelStatusToString(status)
    info = h.getInfo()
    seconds = time.perf_counter() - t0
    MS = highspy.HighsModelStatus
    if status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
        return MilpOutcome(None, math.nan, math.nan, "infeasible", False, seconds)
    x = None
    if info.primal_solution_status == 2:  # feasible
        x = np.asarray(h.getSolution().col_value, dtype=float)
    optimal = status == MS.kOptimal
    obj = float(info.objective_function_value) if x is not None else math.nan
    if relax or not model.integer.any():
        bound = obj if optimal else math.nan
    else:
        bound = float(info.mip_dual_bound)
        if optimal and x is not None and integral_objective:
            bound = obj  # proven within an absolute gap < 1 on an integral objective
    nodes = int(getattr(info, "mip_node_count", 0)) if not relax else 0
    return MilpOutcome(x, obj, bound, status_name, optimal, seconds, nodes)
