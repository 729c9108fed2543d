"""p-median over a cost matrix: exact radius formulation through HiGHS, heuristics, capacities.

Uncapacitated p-median uses the "sorted distances" (radius) formulation of Elloumi (2010) and
Garcia, Labbé & Marín (2011) in chained form: for row i with distinct reachable costs
``u1 < u2 < ...``, continuous ``z_k`` says "no open site within ``u_k``"::

    cost_i = u1 + sum_k (u_{k+1} - u_k) z_k,   z_1 + sum_{c_ij = u1} y_j >= 1,
    z_k - z_{k-1} + sum_{c_ij = u_k} y_j >= 0

Levels beyond the distance at which every choice of ``p`` sites must have one in reach (or a
required site is in reach) are dropped. Before the MILP, a greedy + interchange solution gives
an upper bound and a Lagrangian relaxation (Beasley 1985; subgradient ascent) a lower bound; its
fixing tests close (or open) every column that no cheaper solution can use, which removes most
columns. Small models are then solved complete; for large ones each row starts truncated just
past its distance in the incumbent; a truncated model is a relaxation (its optimum is a lower bound),
and rows whose true distance exceeds their truncation are extended until the relaxation's
optimum equals the true cost of its solution. The capacitated variant uses single-assignment
binary ``x_ij`` over reachable pairs only.

Heuristics: :mod:`._median_heuristics`; Lagrangian bound and fixings: :mod:`._lagrange`; radius
MILP: :mod:`._radius`; capacitated MILP: :mod:`._capacitated`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._capacitated import check_capacities, solve_capacitated
from ._common import (
    InfeasibleError,
    Reach,
    SitingResult,
    as_reach,
    check_columns,
    check_vector,
    is_integral,
    rel_gap,
    rows_text,
)
from ._lagrange import LagrangeOutcome, fixings, subgradient
from ._median_heuristics import (
    dense_with_penalty,
    evaluate_p_median,
    greedy_p_median,
    interchange_p_median,
)
from ._radius import radius_solve

__all__ = ["p_median", "greedy_p_median", "interchange_p_median", "evaluate_p_median"]

# A radius model with more nonzeros than this is not attempted as a MILP in "auto".
MILP_MAX_NNZ = 25_000_000


@dataclass(frozen=True)
class _Instance:
    """An uncapacitated p-median to solve: costs, weights, ``p``, required columns, deadline."""

    reach: Reach
    w: np.ndarray
    p: int
    req: np.ndarray
    deadline: float | None

    @property
    def integral(self) -> bool:
        return is_integral(self.w) and is_integral(self.reach.data)

    def seconds_left(self, share: float, default: float) -> float:
        """``share`` of the time left (at least 0), ``default`` without a deadline."""
        if self.deadline is None:
            return default
        return max(0.0, share * (self.deadline - time.perf_counter()))

    def cost(self, cols: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted cost of serving every row from ``cols`` (inf if a row is not reached)."""
        _, d = self.reach.best_of(cols)
        return (float(self.w @ d) if np.isfinite(d).all() else math.inf), d


def _check_p(p: int, m: int, req: np.ndarray) -> None:
    if p > m:
        raise InfeasibleError(
            f"p={p} 超过候选数 {m} / p={p} exceeds the {m} candidates", cause="p_too_large"
        )
    if p < req.size:
        raise InfeasibleError(
            f"p={p} 小于必选设施数 {req.size} / p={p} is smaller than the {req.size} required sites",
            cause="p_too_small",
        )
    if p < 1:
        raise InfeasibleError("p 至少为 1 / p must be at least 1", cause="p_too_small")


def _check_reached(reach: Reach) -> None:
    unreachable = np.flatnonzero(np.diff(reach.indptr) == 0)
    if unreachable.size:
        raise InfeasibleError(
            f"{unreachable.size} 个需求行没有任何可达候选（行 {rows_text(unreachable)}）/ "
            f"{unreachable.size} rows are reached by no candidate (rows {rows_text(unreachable)})",
            rows=unreachable.tolist(),
            cause="unreachable_rows",
        )


def _heuristic(inst: _Instance, start: np.ndarray | None, seconds: float) -> np.ndarray:
    """Greedy (when no ``start``) then interchange, on a dense matrix (unreachable = penalty)."""
    D, _ = dense_with_penalty(inst.reach)
    if start is None:
        start = greedy_p_median(D, inst.w, inst.p, inst.req)
    return interchange_p_median(D, inst.w, start, fixed=inst.req, time_limit=seconds)


def _lagrangian(
    inst: _Instance, start: np.ndarray, start_cost: float, heuristic_time: float, details: dict
) -> tuple[np.ndarray, float, LagrangeOutcome]:
    """Lagrangian bound, better primal solutions along the way and local search from the
    Lagrangian solution Y(lam). Returns the best solution, its cost and the outcome."""
    _, d_start = inst.reach.best_of(start)
    lam0 = inst.w * np.where(np.isfinite(d_start), d_start, 0.0)
    lag_time = max(0.1, inst.seconds_left(0.3, 30.0)) if inst.deadline is not None else 30.0
    lag = subgradient(
        inst.reach,
        inst.w,
        inst.p,
        inst.req,
        start_cost,
        lam0,
        time_limit=min(lag_time, 120.0),
        integral=inst.integral,
    )
    if lag.best_cols is not None and lag.best_cost < start_cost - 1e-9:
        start, start_cost = lag.best_cols, lag.best_cost
    cand = _heuristic(inst, lag.open_lr, min(heuristic_time, inst.seconds_left(0.5, math.inf)))
    cand_cost, _ = inst.cost(cand)
    if cand_cost < start_cost - 1e-9:
        start, start_cost = cand, cand_cost
    details["upper_after_lagrangian"] = start_cost
    return start, start_cost, lag


def _exact(
    inst: _Instance, start: np.ndarray, start_cost: float, lower: float, fixed: tuple, details: dict
) -> tuple[np.ndarray, float, float, bool, str]:
    """The radius MILP over the columns the Lagrangian tests leave free.

    Returns ``(columns, cost, lower bound, optimal, method)``: the optimum is the better of the
    incumbent and the best solution obeying the fixings.
    """
    closed, opened = fixed
    m = inst.reach.n_cols
    keep = np.flatnonzero(~closed)
    sub = inst.reach.take_cols(keep)
    if (np.diff(sub.indptr) == 0).any():
        return start, start_cost, start_cost, True, "milp"  # nothing cheaper serves every row
    new_id = np.full(m, -1)
    new_id[keep] = np.arange(keep.size)
    req2 = new_id[np.union1d(inst.req, np.flatnonzero(opened))]
    compatible = bool((new_id[start] >= 0).all())
    cols2, cost2, lower2, _ = radius_solve(
        sub,
        inst.w,
        inst.p,
        req2,
        new_id[start] if compatible else None,
        start_cost if compatible else math.inf,
        inst.deadline,
        details,
    )
    selected, objective = start, start_cost
    if cols2 is not None and cost2 < start_cost - 1e-9:
        selected, objective = keep[cols2], cost2
    used = "heuristic+lagrangian" if "milp_skipped" in details else "milp"
    lower = max(lower, min(lower2, objective))
    optimal = objective <= lower + 1e-7 * max(1.0, abs(objective))
    return selected, objective, lower, optimal, used


def _uncapacitated(inst: _Instance, method: str, time_limit: float | None, details: dict):
    """Heuristic start, Lagrangian bound and fixings, then the radius MILP when needed.

    Returns ``(columns, cost, bound, optimal, method)``.
    """
    n, m = inst.reach.n_rows, inst.reach.n_cols
    heuristic_time = min(60.0, 1.0 + n * m / 2e6)
    if time_limit is not None:
        heuristic_time = min(heuristic_time, 0.3 * time_limit)
    start = _heuristic(inst, None, heuristic_time)
    start_cost, _ = inst.cost(start)
    details["heuristic_objective"] = start_cost
    start, start_cost, lag = _lagrangian(inst, start, start_cost, heuristic_time, details)
    lower = lag.bound
    if inst.integral and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    closed, opened = fixings(lag, inst.p, inst.req, start_cost, inst.integral)
    details["lagrangian"] = {
        "bound": lag.bound,
        "iterations": lag.iterations,
        "seconds": lag.seconds,
        "closed": int(closed.sum()),
        "opened": int(opened.sum()),
    }
    if start_cost <= lower + 1e-7 * max(1.0, abs(start_cost)):
        return start, start_cost, start_cost, True, "heuristic+lagrangian"
    if method == "heuristic" or (method == "auto" and inst.reach.nnz > 4 * MILP_MAX_NNZ):
        return start, start_cost, lower, False, "heuristic+lagrangian"
    return _exact(inst, start, start_cost, lower, (closed, opened), details)


def _capacitated(inst: _Instance, capacity: Any, demand: Any, time_limit: float | None, details):
    """Single-assignment capacitated model. Returns ``(columns, cost, bound, optimal, method,
    assignment)``."""
    reach, w, p, req = inst.reach, inst.w, inst.p, inst.req
    cap = check_vector(capacity, reach.n_cols, "capacity")
    dem = w if demand is None else check_vector(demand, reach.n_rows, "demand")
    check_capacities(reach, p, req, cap, dem)
    y, assign, _, bound, optimal, status = solve_capacitated(reach, w, p, req, cap, dem, time_limit)
    details["milp_status"] = status
    if y is None:
        raise InfeasibleError(
            f"容量不足：{p} 处站点无法在可达范围内容纳全部需求 / capacities of {p} sites cannot "
            f"hold all demand within reach ({status})",
            cause="capacity",
        )
    objective = float(w @ reach.to_dense()[np.arange(reach.n_rows), assign])
    return y, objective, objective if optimal else bound, optimal, "milp-capacitated", assign


def p_median(
    cost: Any,
    weights: Any,
    p: int,
    *,
    required: Any = None,
    capacity: Any = None,
    demand: Any = None,
    time_limit: float | None = None,
    method: str = "auto",
) -> SitingResult:
    """Open ``p`` candidates minimising the weighted cost of every row to its assigned site.

    Parameters
    ----------
    cost : array (rows x candidates) with ``inf`` = unreachable, or scipy sparse matrix
        (absent = unreachable; a stored 0 is a reachable zero cost).
    weights : array of length n_rows (households, population, ...).
    p : int
        Number of open candidates, required ones included.
    required : sequence of int or bool mask, optional
        Candidates always open (existing facilities).
    capacity : array of length n_cols, optional
        Capacity of each candidate; with it each row is assigned to one site (single
        assignment) and the demand assigned to a site may not exceed its capacity.
    demand : array of length n_rows, optional
        Demand counted against capacity (default: ``weights``).
    time_limit : float, optional
        Seconds; on expiry the best solution is returned with its gap to the lower bound.
    method : {"auto", "milp", "heuristic"}
        ``heuristic`` = greedy + interchange with a Lagrangian lower bound (no MILP).

    Raises
    ------
    InfeasibleError
        ``p`` smaller than the required sites or larger than the candidates, a row that no
        candidate reaches, or capacities that cannot hold the demand (rows named).
    """
    t0 = time.perf_counter()
    reach = as_reach(cost)
    inst = _Instance(
        reach,
        check_vector(weights, reach.n_rows, "weights"),
        int(p),
        check_columns(required, reach.n_cols),
        None if time_limit is None else t0 + float(time_limit),
    )
    _check_p(inst.p, reach.n_cols, inst.req)
    _check_reached(reach)
    details: dict[str, Any] = {}
    if capacity is not None:
        *solved, assignment = _capacitated(inst, capacity, demand, time_limit, details)
        selected, objective, bound, optimal, used = solved
    else:
        selected, objective, bound, optimal, used = _uncapacitated(
            inst, method, time_limit, details
        )
        if not math.isfinite(objective):
            raise InfeasibleError(
                "找不到使每行都有可达站点的方案 / no choice of sites reaches every row",
                cause="unreachable_rows",
            )
        if optimal:
            bound = objective
    selected = np.union1d(np.asarray(selected, dtype=np.int64), inst.req)
    if capacity is None:
        assignment, _ = reach.best_of(selected)
    gap = 0.0 if optimal else rel_gap(objective, bound)
    return SitingResult(
        model="p_median",
        selected=selected.tolist(),
        objective=objective,
        assignment=assignment,
        optimal=bool(optimal),
        gap=gap,
        bound=float(bound),
        unreachable_rows=[],
        message=_median_message(selected, inst.req, objective, optimal, bound, gap),
        method=used,
        seconds=time.perf_counter() - t0,
        details=details,
    )


def _median_message(selected, req, objective, optimal, bound, gap) -> str:
    tail_zh = "" if optimal else f"，下界 {bound:g}，差距 {gap:.2%}"
    tail_en = " (optimal)" if optimal else f", lower bound {bound:g}, gap {gap:.2%}"
    return (
        f"开设 {len(selected)} 处（其中既有 {len(req)} 处），加权总距离 {objective:g}{tail_zh} / "
        f"{len(selected)} sites ({len(req)} required), weighted cost {objective:g}{tail_en}"
    )
