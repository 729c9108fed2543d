"""Running a site-selection model on a project, in named steps.

:func:`run_site_selection` settles the parameters (:class:`SiteOptions`, the Art. 13 rule),
gathers the demand communities and the candidate sites, measures the walking distances
(:func:`analysis.cost_matrix.cost_matrix`), solves the model (set cover, max cover, p-median
of :mod:`analysis.siting`, or the hub model of :mod:`analysis.hubs`) and assembles the result.
Results already computed by the caller (the compliance result, the walking network) are passed
in and not computed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import scipy.sparse as sp

from analysis.compliance import ComplianceResult
from analysis.cost_matrix import CostMatrix, cost_matrix
from analysis.hubs import HubRule, central_stations, hub_rule
from analysis.siting import InfeasibleError, max_cover, p_median, set_cover
from geo_app.project import Project, ProjectError
from geo_app.workflows import project_compliance, project_network, project_standard
from geo_app.workflows.site_selection._assemble import Reason, Solution, assemble
from geo_app.workflows.site_selection.inputs import (
    DEFAULT_DISTANCE_M,
    MODELS,
    candidate_sites,
    covering_demand,
    district_communities,
    district_filter,
    hub_demand,
    street_of,
)
from geo_app.workflows.site_selection.reasons import explain_selection
from geo_app.workflows.site_selection.results import SiteSelection
from layers.progress import Progress, report

NO_SITE_IN_REACH: Reason = (
    "no_site_in_reach",
    "步行距离内没有候选用房",
    "no candidate site within walking distance",
)
NOT_COVERED: Reason = (
    "not_covered",
    "所选站点步行距离内未覆盖",
    "not within walking distance of a chosen site",
)


@dataclass(frozen=True)
class SiteOptions:
    """The parameters of a site-selection run besides the model.

    Parameters
    ----------
    candidates : sequence of str
        Candidate layers: ``boiler_rooms`` (idle ones) and/or ``candidate_sites``.
    distance_m : float, optional
        Walking distance of coverage (covering models, hub); p-median has no limit. Default:
        the ``max_walk_m`` of the Art. 13 rule for the hub model (500 m), 500 m otherwise.
    p : int, optional
        Number of sites (max-cover, p-median).
    district : str, optional
        Restrict demand and sites to one district (name or code).
    same_street : bool, optional
        Hub model only: a hub serves only communities of its own street. Default: the
        ``same_street`` of the Art. 13 rule (on: the street sets the central station up);
        without a streets layer the default is dropped with a note, an explicit ``True``
        is an error.
    standard : str, optional
        Standard set of the Art. 13 rule and of the compliance check (default: the project's).
    time_limit : float, optional
        Seconds the solver may take.
    """

    candidates: Sequence[str] = ("boiler_rooms",)
    distance_m: float | None = None
    p: int | None = None
    district: str | None = None
    same_street: bool | None = None
    standard: str | None = None
    time_limit: float | None = 60.0


@dataclass(frozen=True)
class _Plan:
    """The settled parameters of one run."""

    model: str
    options: SiteOptions
    rule: HubRule
    distance_m: float
    same_street: bool
    notes: list[str] = field(default_factory=list)

    @property
    def cutoff(self) -> float | None:
        """Distance limit of the cost matrix (p-median: every walk counts)."""
        return self.distance_m if self.model != "p-median" else None

    def parameters(self, project: Project) -> dict:
        """The parameters saved with the scenario."""
        options = self.options
        return {
            "model": self.model,
            "candidates": list(options.candidates),
            "distance_m": float(self.distance_m),
            "p": options.p,
            "district": options.district,
            "same_street": bool(self.same_street),
            "standard": options.standard or project.settings.standard_set,
        }


def run_site_selection(
    project: Project,
    model: str,
    *,
    options: SiteOptions | None = None,
    compliance: ComplianceResult | None = None,
    G: nx.MultiDiGraph | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> SiteSelection:
    """Run one site-selection model on a project.

    Parameters
    ----------
    model : {"set-cover", "max-cover", "p-median", "hub"}
        ``hub`` is the Art. 13 central-station model for old-area communities short of area.
    options : SiteOptions, optional
        Candidates, distance, ``p``, district, same street, standard set and time limit.
    compliance : analysis.compliance.ComplianceResult, optional
        The project's compliance result if the caller has it (hub model: the area shortfall
        of each community); computed here only when None.
    G : networkx.MultiDiGraph, optional
        Walking network (default: the project's; straight line x 1.3 when it has none).
    progress : callable, optional
        ``progress(fraction, message)``.
    **settings
        The fields of :class:`SiteOptions` one by one (``candidates=..., p=...``) instead of
        ``options``.
    """
    if options is not None and settings:
        raise TypeError("give options or its fields, not both")
    plan = _settle(project, model, options or SiteOptions(**settings))
    report(progress, 0.05, "读取图层 / reading layers")
    demand = gather_demand(project, plan, compliance)
    sites = gather_candidates(project, plan)
    G = project_network(project) if G is None else G
    if G is None:
        plan.notes.append(
            "项目没有步行路网:按直线距离×1.3 估算 / no walking network: straight line x 1.3"
        )
    report(progress, 0.2, "计算步行距离 / computing walking distances")
    matrix = cost_matrix(G, demand, sites, plan.cutoff)
    report(progress, 0.5, "求解 / solving")
    solution = solve(project, plan, demand, sites, matrix)
    report(progress, 0.9, "整理结果 / shaping results")
    selection = assemble(model, plan.parameters(project), demand, sites, matrix, solution)
    selection.unserved = explain_selection(selection, project, demand, sites, matrix.cost, G)
    selection.result = solution.result
    selection.notes = plan.notes
    selection.summary.update(
        {
            "optimal": bool(solution.result.optimal),
            "gap": float(solution.result.gap),
            "message": solution.result.message,
        }
    )
    report(progress, 1.0, "完成 / done")
    return selection


def _settle(project: Project, model: str, options: SiteOptions) -> _Plan:
    """Check the request and fill in the defaults of the Art. 13 rule."""
    if model not in MODELS:
        raise ProjectError(
            f"未知模型 {model!r};可选 {', '.join(MODELS)} / unknown model {model!r}; "
            f"choose {', '.join(MODELS)}"
        )
    hub = model == "hub"
    rule = hub_rule(project_standard(project, options.standard)) if hub else HubRule()
    distance_m = options.distance_m
    if distance_m is None:
        distance_m = rule.max_walk_m if hub else DEFAULT_DISTANCE_M
    notes: list[str] = []
    same_street = options.same_street if hub else False
    if same_street is None:
        same_street = rule.same_street
        if same_street and not project.has_layer("streets"):
            same_street = False
            notes.append(
                "项目没有街道图层,未按同街道限制中心服务站(第十三条)/ no streets layer: the "
                "same-street rule of Art. 13 is not applied"
            )
    if distance_m <= 0:
        raise ProjectError("步行距离须大于 0 / the walking distance must be positive")
    if model in ("max-cover", "p-median") and (options.p is None or options.p < 1):
        raise ProjectError(f"模型 {model} 需要站点数 p ≥ 1 / the {model} model needs p >= 1")
    return _Plan(model, options, rule, float(distance_m), bool(same_street), notes)


def gather_demand(
    project: Project, plan: _Plan, compliance: ComplianceResult | None = None
) -> gpd.GeoDataFrame:
    """Demand communities of the model with their ``shortfall_m2`` (NaN but for the hub)."""
    communities = district_communities(project, plan.options.district)
    if plan.model != "hub":
        return covering_demand(communities)
    if compliance is None:
        compliance = project_compliance(project, plan.options.standard)
    return hub_demand(communities, compliance, plan.rule)


def gather_candidates(project: Project, plan: _Plan) -> gpd.GeoDataFrame:
    """Candidate sites of the model (the hub model: those of known usable area)."""
    options = plan.options
    sites = candidate_sites(
        project, options.candidates, district_filter=district_filter(project, options.district)
    )
    if plan.model == "hub":
        sites = sites[sites["usable_area_m2"].notna()].reset_index(drop=True)
    return sites


def solve(
    project: Project,
    plan: _Plan,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    matrix: CostMatrix,
) -> Solution:
    """Solve the model on the cost matrix; communities out of reach of every site are unserved."""
    reasons = {int(i): NO_SITE_IN_REACH for i in np.flatnonzero(~matrix.reachable)}
    if plan.model == "hub":
        solution = _solve_hub(project, plan, demand, sites, matrix.cost)
    else:
        solution = _solve_covering(plan, demand, matrix)
    solution.unserved_reason = {**reasons, **solution.unserved_reason}
    return solution


def _solve_hub(
    project: Project,
    plan: _Plan,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    cost: sp.csr_matrix,
) -> Solution:
    streets = project.optional_layer("streets") if plan.same_street else None
    if plan.same_street and streets is None:
        raise ProjectError("同街道约束需要街道图层 / the same-street rule needs the streets layer")
    result = central_stations(
        cost,
        demand["shortfall_m2"].to_numpy(dtype=float),
        sites["usable_area_m2"].to_numpy(dtype=float),
        max_distance_m=plan.distance_m,
        households=demand["households"].fillna(0).to_numpy(dtype=float),
        row_groups=demand["street_code"].astype(str).to_numpy() if plan.same_street else None,
        col_groups=street_of(sites, streets) if plan.same_street else None,
        time_limit=plan.options.time_limit,
    )
    reasons = {
        int(row): (reason, zh, en)
        for row, reason, zh, en in result.unserved[
            ["row", "reason", "reason_zh", "reason_en"]
        ].itertuples(index=False)
    }
    return Solution(result, result.assignment, result.selected, reasons)


def _solve_covering(plan: _Plan, demand: gpd.GeoDataFrame, matrix: CostMatrix) -> Solution:
    options = plan.options
    weights = demand["households"].fillna(0).to_numpy(dtype=float)
    solvable = np.flatnonzero(matrix.reachable)
    sub = matrix.cost[solvable]
    try:
        if plan.model == "set-cover":
            res = set_cover(sub, plan.distance_m, time_limit=options.time_limit)
        elif plan.model == "max-cover":
            res = max_cover(
                sub,
                weights[solvable],
                plan.distance_m,
                int(options.p),
                time_limit=options.time_limit,
            )
        else:
            res = p_median(sub, weights[solvable], int(options.p), time_limit=options.time_limit)
    except InfeasibleError as exc:
        raise ProjectError(str(exc)) from exc
    assignment = np.full(len(demand), -1, dtype=int)
    assignment[solvable] = res.assignment
    reasons: dict[int, Reason] = {}
    if plan.model == "max-cover":
        reasons = {int(i): NOT_COVERED for i in solvable[res.assignment < 0]}
    return Solution(res, assignment, list(res.selected), reasons)
