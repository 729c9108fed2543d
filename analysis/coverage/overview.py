"""One call for a coverage page: tables per community, street and district, and isochrones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import pandas as pd

from analysis.coverage.communities import community_coverage, summarize_coverage
from analysis.coverage.isochrones import isochrones
from analysis.coverage.options import (
    DEFAULT_BUFFER_M,
    CoverageOptions,
    _method,
)
from analysis.distances import DEFAULT_DETOUR
from layers.crs import WGS84
from layers.progress import Progress


@dataclass
class CoverageResult:
    """Everything a coverage page shows: per-community, per-street and per-district tables and
    the isochrone polygons; ``method`` is "network" or "euclidean_detour"."""

    communities: gpd.GeoDataFrame
    streets: pd.DataFrame
    districts: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    method: str
    kind: str | None
    distance_m: float

    @property
    def uncovered(self) -> gpd.GeoDataFrame:
        """Communities not covered."""
        return self.communities[~self.communities["covered"]]


def coverage_analysis(  # noqa: PLR0913 - the coverage page's settings, by keyword (page and tests)
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    kind: str | None,
    distance_m: float,
    *,
    isochrone_distances: Sequence[float] | None = None,
    overlap: str = "keep",
    streets: pd.DataFrame | None = None,
    districts: pd.DataFrame | None = None,
    detour: float = DEFAULT_DETOUR,
    buffer_m: float = DEFAULT_BUFFER_M,
    progress: Progress | None = None,
) -> CoverageResult:
    """Coverage of one facility kind at one distance, aggregated per street and district, with
    isochrones (at ``isochrone_distances``, default just ``distance_m``; pass ``()`` for none).
    """
    options = CoverageOptions(detour=detour)
    per = community_coverage(
        G, communities, facilities, distance_m, kind=kind, options=options, progress=progress
    )
    street_table = (
        summarize_coverage(per, "street_code", streets)
        if "street_code" in per.columns
        else pd.DataFrame()
    )
    district_table = (
        summarize_coverage(per, "district_code", districts)
        if "district_code" in per.columns
        else pd.DataFrame()
    )
    dists = [distance_m] if isochrone_distances is None else list(isochrone_distances)
    iso = (
        isochrones(
            G, facilities, dists, kind=kind, overlap=overlap, buffer_m=buffer_m, options=options
        )
        if dists
        else gpd.GeoDataFrame(geometry=[], crs=WGS84)
    )
    method = "+".join(sorted(set(per["method"].astype(str)))) if len(per) else _method(G)
    return CoverageResult(per, street_table, district_table, iso, method, kind, distance_m)
