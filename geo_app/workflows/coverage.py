"""Walking coverage, accessibility and gaps of a project (issues 4 and 6), and their columns."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import pandas as pd

from analysis.compliance import ComplianceResult
from analysis.coverage import CoverageOptions, CoverageResult, coverage_analysis, two_step_fca
from analysis.distances import DEFAULT_DETOUR
from analysis.gaps import GapResult, gap_analysis
from analysis.standards import StandardSet
from geo_app.project import Project
from geo_app.workflows.compliance import project_compliance
from geo_app.workflows.project_access import check_facility_kind, project_network
from layers.progress import Progress


def project_coverage(
    project: Project,
    kind: str,
    distance_m: float,
    *,
    isochrone_distances: list[float] | None = None,
    overlap: str = "keep",
    G: nx.MultiDiGraph | None = None,
    detour: float = DEFAULT_DETOUR,
    progress: Progress | None = None,
) -> CoverageResult:
    """Coverage of a project's communities by facilities of ``kind`` within ``distance_m``
    (per community, street and district) and isochrones; see ``analysis.coverage``.

    ``G`` defaults to :func:`project_network` (straight line x ``detour`` without one).
    """
    check_facility_kind(kind)
    communities = project.required_layer("communities")
    facilities = project.required_layer("facilities")
    G = project_network(project) if G is None else G
    streets = project.optional_layer("streets")
    districts = project.optional_layer("districts")
    return coverage_analysis(
        G,
        communities,
        facilities,
        kind,
        distance_m,
        isochrone_distances=isochrone_distances,
        overlap=overlap,
        streets=streets,
        districts=districts,
        detour=detour,
        progress=progress,
    )


def project_accessibility(
    project: Project,
    kind: str,
    distance_m: float,
    *,
    G: nx.MultiDiGraph | None = None,
    decay: str = "step",
    detour: float = DEFAULT_DETOUR,
) -> pd.DataFrame:
    """Two-step floating catchment accessibility of every community to facilities of ``kind``.

    Supply = usable area (m2), demand = households (``analysis.coverage.two_step_fca``). Returns
    ``community_id, name, district_code, street_code, households, accessibility_per_100,
    facilities_in_reach, method`` (m2 reachable per 100 households: compare Art. 12's 20 m2),
    lowest accessibility first.
    """
    check_facility_kind(kind)
    communities = project.required_layer("communities")
    facilities = project.required_layer("facilities")
    G = project_network(project) if G is None else G
    table = two_step_fca(
        G,
        communities,
        facilities,
        distance_m,
        kind=kind,
        decay=decay,
        options=CoverageOptions(detour=detour),
    )
    for col in ("name", "district_code", "street_code"):
        table[col] = communities[col].to_numpy() if col in communities.columns else None
    columns = [
        "community_id",
        "name",
        "district_code",
        "street_code",
        "households",
        "accessibility_per_100",
        "facilities_in_reach",
        "method",
    ]
    table = table[columns].sort_values("accessibility_per_100", kind="mergesort")
    return table.reset_index(drop=True)


def project_gaps(
    project: Project,
    coverage: CoverageResult,
    accessibility: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    standard: StandardSet | str | None = None,
    compliance: ComplianceResult | None = None,
) -> GapResult:
    """Gap priority of every community (``analysis.gaps.gap_analysis``).

    Combines the area shortfall of :func:`project_compliance` (Art. 11, 12), the uncovered
    households of ``coverage`` and the 2SFCA ``accessibility`` with ``weights`` (``area``,
    ``coverage``, ``access``; default 0.5 / 0.3 / 0.2, shown with the result). A
    ``compliance`` result already computed is used as given (else it is computed here).
    """
    if compliance is None:
        compliance = project_compliance(project, standard)
    return gap_analysis(
        compliance.communities, pd.DataFrame(coverage.communities), accessibility, weights=weights
    )


def coverage_metrics(result: CoverageResult) -> dict[str, object]:
    """Headline numbers of a coverage result.

    ``communities, covered_communities, households, covered_households, uncovered_households,
    covered_share`` (of households; NaN without households), ``population, covered_population,
    isochrones, method`` (``network``, ``euclidean_detour`` or ``mixed``) and
    ``fallback_communities`` (communities measured by straight line x detour because the
    project has no network or they lie off it).
    """
    per = result.communities
    households = float(per["households"].fillna(0).sum())
    covered = float(per["covered_households"].sum())
    methods = set(per["method"].astype(str)) if len(per) else set()
    method = methods.pop() if len(methods) == 1 else ("mixed" if methods else result.method)
    return {
        "communities": int(len(per)),
        "covered_communities": int(per["covered"].sum()),
        "households": households,
        "covered_households": covered,
        "uncovered_households": households - covered,
        "covered_share": covered / households if households > 0 else float("nan"),
        "population": float(per["population"].fillna(0).sum()),
        "covered_population": float(per["covered_population"].sum()),
        "isochrones": int(len(result.isochrones)),
        "method": method,
        "fallback_communities": int((per["method"].astype(str) == "euclidean_detour").sum()),
    }


COVERAGE_COMMUNITY_COLUMNS = (
    "community_id",
    "name",
    "district_code",
    "street_code",
    "covered",
    "households",
    "covered_households",
    "covered_share",
    "nearest_m",
    "nearest_facility",
    "method",
)
"""Columns of the per-community coverage table the coverage page shows."""
COVERAGE_AREA_COLUMNS = (
    "district_code",
    "street_code",
    "name",
    "communities",
    "covered_communities",
    "households",
    "covered_households",
    "uncovered_households",
    "covered_share",
    "population",
    "covered_population",
    "method",
)
"""Columns of the per-district and per-street coverage tables (those present are shown)."""
ACCESS_COLUMNS = (
    "community_id",
    "name",
    "district_code",
    "households",
    "accessibility_per_100",
    "facilities_in_reach",
    "method",
)
GAP_TABLE_COLUMNS = (
    "rank",
    "community_id",
    "name",
    "district_code",
    "households",
    "shortfall_m2",
    "uncovered_households",
    "accessibility_per_100",
    "area_score",
    "coverage_score",
    "access_score",
    "priority",
)
"""Columns of the gap priority table."""
GAP_AREA_COLUMNS = (
    "district_code",
    "street_code",
    "communities",
    "households",
    "shortfall_m2",
    "communities_short",
    "uncovered_households",
    "mean_priority",
    "max_priority",
)
