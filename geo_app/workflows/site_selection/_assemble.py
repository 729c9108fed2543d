"""Shaping a solved site-selection model into its result layers and summary."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.cost_matrix import CostMatrix, overall_method
from analysis.distances import representative_points
from analysis.hubs import HubResult
from analysis.siting import SitingResult
from geo_app.workflows.site_selection.results import SiteSelection
from geo_app.workflows.site_selection.walking import walk_check
from layers.crs import WGS84

Reason = tuple[str, str, str]
"""Why a community is not served: ``(code, zh, en)``."""


@dataclass
class Solution:
    """A solved model: the site column of every demand row (-1: unserved) and why not."""

    result: SitingResult | HubResult
    assignment: np.ndarray
    selected: list[int]
    unserved_reason: dict[int, Reason]


@dataclass(frozen=True)
class _Served:
    """The served demand rows, their site columns and walking distances."""

    rows: np.ndarray
    cols: np.ndarray
    distance: np.ndarray
    households: np.ndarray


def assemble(
    model: str,
    parameters: dict,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    matrix: CostMatrix,
    solution: Solution,
) -> SiteSelection:
    """The :class:`SiteSelection` of a solution: chosen sites, assignments, lines, unserved."""
    rows = np.flatnonzero(solution.assignment >= 0)
    cols = solution.assignment[rows]
    served = _Served(
        rows=rows,
        cols=cols,
        distance=matrix.distances(rows, cols),
        households=demand["households"].fillna(0).to_numpy(dtype=float),
    )
    demand_pts = representative_points(demand.to_crs(WGS84))
    site_pts = representative_points(sites.to_crs(WGS84))
    chosen = _chosen_sites(model, demand, sites, served, solution.selected)
    assign = _assignments(demand, sites, served, matrix, demand_pts)
    lines = _radiation_lines(assign, served, demand_pts, site_pts)
    unserved = _unserved(demand, solution.unserved_reason)
    summary = {
        "model": model,
        "demand_communities": int(len(demand)),
        "candidate_sites": int(len(sites)),
        "chosen_sites": int(len(solution.selected)),
        "served_communities": int(len(rows)),
        "unserved_communities": int(len(unserved)),
        "served_households": float(served.households[rows].sum()),
        "mean_distance_m": float(
            np.average(served.distance, weights=np.maximum(served.households[rows], 1e-9))
        )
        if len(rows)
        else float("nan"),
        "method": overall_method(assign["method"]),
        **_walks(assign, float(parameters.get("distance_m") or 0.0)),
    }
    return SiteSelection(model, parameters, chosen, assign, lines, unserved, summary)


def _walks(assign: gpd.GeoDataFrame, limit_m: float) -> dict:
    """Summary numbers of the walks beyond the walking distance (:func:`walk_check`)."""
    check = walk_check(pd.DataFrame(assign), limit_m)
    return {
        "beyond_distance_communities": check.beyond,
        "beyond_distance_share": check.beyond_share,
    }


def _chosen_sites(
    model: str,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    served: _Served,
    selected: list[int],
) -> gpd.GeoDataFrame:
    def per_site(values: np.ndarray | None) -> np.ndarray:
        counts = np.bincount(served.cols, weights=values, minlength=len(sites))
        return counts[selected]

    chosen = sites.iloc[selected].copy()
    chosen["communities_served"] = per_site(None).astype(int)
    chosen["households_served"] = per_site(served.households[served.rows])
    chosen["shortfall_taken_m2"] = (
        per_site(demand["shortfall_m2"].to_numpy(dtype=float)[served.rows])
        if model == "hub"
        else np.nan
    )
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    return gpd.GeoDataFrame(chosen, geometry="geometry", crs=sites.crs).to_crs(WGS84)


def _assignments(
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    served: _Served,
    matrix: CostMatrix,
    demand_pts: gpd.GeoSeries,
) -> gpd.GeoDataFrame:
    rows, cols = served.rows, served.cols
    return gpd.GeoDataFrame(
        {
            "community_id": demand["community_id"].astype(str).to_numpy()[rows],
            "name": demand["name"].to_numpy()[rows] if "name" in demand else None,
            "households": demand["households"].to_numpy()[rows],
            "shortfall_m2": demand["shortfall_m2"].to_numpy()[rows],
            "site_id": sites["site_id"].to_numpy()[cols],
            "site_name": sites["name"].to_numpy()[cols],
            "distance_m": np.round(served.distance, 1),
            "method": matrix.method_names(rows, cols),
        },
        geometry=demand_pts.values[rows],
        crs=WGS84,
    )


def _radiation_lines(
    assign: gpd.GeoDataFrame,
    served: _Served,
    demand_pts: gpd.GeoSeries,
    site_pts: gpd.GeoSeries,
) -> gpd.GeoDataFrame:
    """One line from each served community to its site."""
    geometry = (
        shapely.linestrings(
            np.stack(
                [
                    shapely.get_coordinates(demand_pts.values[served.rows]),
                    shapely.get_coordinates(site_pts.values[served.cols]),
                ],
                axis=1,
            )
        )
        if len(served.rows)
        else []
    )
    return gpd.GeoDataFrame(assign.drop(columns="geometry"), geometry=geometry, crs=WGS84)


def _unserved(demand: gpd.GeoDataFrame, reasons: dict[int, Reason]) -> pd.DataFrame:
    rows = sorted(reasons)
    return pd.DataFrame(
        {
            "community_id": demand["community_id"].astype(str).to_numpy()[rows] if rows else [],
            "name": demand["name"].to_numpy()[rows]
            if rows and "name" in demand
            else [None] * len(rows),
            "households": demand["households"].to_numpy()[rows] if rows else [],
            "reason": [reasons[r][0] for r in rows],
            "reason_zh": [reasons[r][1] for r in rows],
            "reason_en": [reasons[r][2] for r in rows],
        }
    )
