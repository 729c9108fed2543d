"""The reasons of the unserved table of a site-selection run (:mod:`geo_app.workflows.site_selection`).

Gathers the facts of a run (walking reach, the distance to the nearest candidate as the model
measures it, i.e. along the walking network or by the straight-line estimate without one, and
in a straight line; streets of demand and sites, site areas and what the hubs gave away) and
asks :func:`analysis.unserved.explain_unserved` for a planner-readable reason per unserved
community.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from analysis.distances import point_distances, representative_points
from analysis.unserved import UnservedFacts, explain_unserved
from geo_app.workflows.site_selection.inputs import street_of
from layers.crs import WGS84

METRIC_CRS = "EPSG:4551"
"""CRS of the straight-line distances (CGCS2000 3-degree Gauss-Kruger, Harbin's zone)."""


def _points(frame: gpd.GeoDataFrame, crs) -> np.ndarray:
    return representative_points(frame.to_crs(WGS84)).to_crs(crs).values


def nearest_site_m(demand: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, crs=None) -> np.ndarray:
    """Straight-line distance (m) of each demand row to the nearest site (inf without sites)."""
    if not len(sites):
        return np.full(len(demand), np.inf)
    crs = crs or demand.estimate_utm_crs() or METRIC_CRS
    tree = shapely.STRtree(_points(sites, crs))
    _, dist = tree.query_nearest(_points(demand, crs), return_distance=True, all_matches=False)
    return np.asarray(dist, dtype=float)


def nearest_by_model(
    G, demand: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) of each demand row to the nearest site as a site-selection model measures
    it (:func:`analysis.distances.point_distances` without a cutoff: the walk along ``G``, the
    straight line x detour without a network or off it), and how (``network`` /
    ``euclidean_detour``; ``None`` and inf when no site can be reached)."""
    nearest = np.full(len(demand), np.inf)
    method = np.full(len(demand), None, dtype=object)
    if not len(demand) or not len(sites):
        return nearest, method
    rows = demand.reset_index(drop=True)
    cols = sites.reset_index(drop=True)
    flip = len(cols) < len(rows)  # the walking network is two-way: search from the fewer
    pairs = point_distances(G, cols, rows, None) if flip else point_distances(G, rows, cols, None)
    if not len(pairs):
        return nearest, method
    row = pairs["destination" if flip else "origin"].to_numpy(dtype=int)
    best = pairs.assign(row=row).sort_values(["row", "distance_m"], kind="mergesort")
    best = best.drop_duplicates("row")
    at = best["row"].to_numpy(dtype=int)
    nearest[at] = best["distance_m"].to_numpy(dtype=float)
    method[at] = best["method"].to_numpy(dtype=object)
    return nearest, method


def _street_groups(selection, project, demand, sites):
    """Street codes of demand rows and sites when the run used the same-street rule."""
    if not selection.parameters.get("same_street") or not project.has_layer("streets"):
        return None, None
    return demand["street_code"].astype(str).to_numpy(), street_of(sites, project.layer("streets"))


def _site_load(selection, n_sites: int) -> np.ndarray:
    load = np.zeros(n_sites)
    taken = pd.to_numeric(selection.chosen_sites.get("shortfall_taken_m2"), errors="coerce")
    if taken is not None:
        positions = np.asarray(selection.chosen_sites.index, dtype=int)
        load[positions] = np.nan_to_num(taken.to_numpy(dtype=float))
    return load


def unserved_facts(
    selection,
    project,
    demand,
    sites,
    cost: sp.csr_matrix,
    G=None,
    rows_needed: np.ndarray | None = None,
) -> UnservedFacts:
    """The :class:`~analysis.unserved.UnservedFacts` of a run on the walking network ``G``
    (None: the straight-line estimate, as the run had); the distance to the nearest site by the
    model's measure is computed for ``rows_needed`` only (default: all rows)."""
    hub = selection.model == "hub"
    rows, cols = _street_groups(selection, project, demand, sites) if hub else (None, None)
    needed = np.arange(len(demand)) if rows_needed is None else np.asarray(rows_needed, int)
    nearest = np.full(len(demand), np.inf)
    method = np.full(len(demand), None, dtype=object)
    nearest[needed], method[needed] = nearest_by_model(G, demand.iloc[needed], sites)
    return UnservedFacts(
        cost=cost.tocsr(),
        distance_m=float(selection.parameters["distance_m"]),
        nearest_m=nearest,
        nearest_method=method,
        straight_m=nearest_site_m(demand, sites),
        site_area=sites["usable_area_m2"].to_numpy(dtype=float) if hub else None,
        shortfall=demand["shortfall_m2"].to_numpy(dtype=float) if hub else None,
        site_load=_site_load(selection, len(sites)) if hub else None,
        row_groups=rows,
        col_groups=cols,
        p=selection.parameters.get("p"),
    )


def explain_selection(
    selection, project, demand, sites, cost: sp.csr_matrix, G=None
) -> pd.DataFrame:
    """The unserved table of ``selection`` with a reason for every community.

    ``demand``, ``sites`` and ``cost`` are the rows, columns and walking distances the model
    ran on (in that order), ``G`` its walking network (None: it used the straight-line
    estimate); a reason cites the distance as the model measured it.
    """
    table = selection.unserved
    if not len(table):
        return table
    position = pd.Series(np.arange(len(demand)), index=demand["community_id"].astype(str))
    position = position[~position.index.duplicated()]
    rows = position.reindex(table["community_id"].astype(str)).to_numpy()
    rows = rows.astype(int)
    out_of_reach = rows[np.diff(cost.tocsr().indptr)[rows] == 0]  # the rows the walk explains
    facts = unserved_facts(selection, project, demand, sites, cost, G, out_of_reach)
    reasons = explain_unserved(rows, table["reason"].tolist(), facts)
    out = table.drop(columns=["reason", "reason_zh", "reason_en"]).reset_index(drop=True)
    return pd.concat([out, reasons], axis=1)
