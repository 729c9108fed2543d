"""Coverage per community at one or several distances, and its sums per street or district."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from analysis.coverage.options import (
    DEFAULT_OPTIONS,
    CoverageOptions,
    _method,
    facilities_of_kind,
)
from analysis.distances import METHOD_EUCLIDEAN, point_distances, snap_points
from layers.errors import InputValueError
from layers.progress import Progress

COMMUNITY_TABLE_COLUMNS: tuple[str, ...] = (
    "community_id",
    "households",
    "covered_households",
    "covered_share",
    "nearest_m",
    "name",
    "street_code",
    "district_code",
    "population",
    "covered_population",
    "covered",
    "nearest_facility",
    "distance_m",
    "method",
)
"""Columns of a community's coverage row in exports, in order (``geo-app coverage``, ``assess``)."""


def community_coverage(
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    distance_m: float,
    *,
    kind: str | None = None,
    search_m: float | None = None,
    options: CoverageOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Coverage of each community by facilities (of ``kind``) within ``distance_m``.

    Parameters
    ----------
    G : networkx.MultiDiGraph or None
        Walking network; None uses straight line x ``options.detour`` (flagged in ``method``).
    communities, facilities : GeoDataFrame
        Layers ``communities`` (households, population) and ``facilities``.
    distance_m : float
        Coverage distance (300/500/1000 m for the 5/10/15-minute life circles).
    kind : str, optional
        Facility kind to use (``community_station`` ...); all facilities when None.
    search_m : float, optional
        How far to look for ``nearest_m`` (default ``max(2 * distance_m, 2000)``); farther
        nearest facilities give NaN.
    options : CoverageOptions, optional
        Detour factor, ``max_snap_m`` (communities or facilities farther than this from every
        walkable edge use the straight-line fallback; their rows say so in ``method``) and
        id fields.

    Returns
    -------
    GeoDataFrame
        The communities (same index and geometry) with ``community_id, households, population,
        nearest_m, nearest_facility, covered, covered_households, covered_population,
        covered_share, method``; ``covered_share`` is covered_households / households.
    """
    return coverage_at_distances(
        G,
        communities,
        facilities,
        [distance_m],
        kind=kind,
        search_m=search_m,
        options=options,
        progress=progress,
    )[float(distance_m)]


def search_radius(distance_m: float, search_m: float | None = None) -> float:
    """How far :func:`community_coverage` looks for ``nearest_m``: ``search_m`` (at least
    ``distance_m``), by default ``max(2 * distance_m, 2000)``."""
    return max(2 * distance_m, 2000.0) if search_m is None else max(search_m, distance_m)


def _access_m(G: nx.MultiDiGraph | None, communities: gpd.GeoDataFrame) -> pd.Series | None:
    """Distance of each community's point to the network (None without a network)."""
    if G is None or len(communities) == 0:
        return None
    return snap_points(G, communities)["access_m"].reindex(communities.index)


def coverage_from_pairs(
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    pairs: pd.DataFrame,
    distance_m: float,
    *,
    search_m: float | None = None,
    access_m: pd.Series | None = None,
    options: CoverageOptions = DEFAULT_OPTIONS,
) -> gpd.GeoDataFrame:
    """The table of :func:`community_coverage` from distances computed beforehand.

    ``pairs`` (``origin, destination, distance_m, method`` of
    :func:`analysis.distances.point_distances`) may reach farther than the search radius and
    to more facilities than ``facilities``: only the pairs to ``facilities`` within
    ``search_radius(distance_m, search_m)`` are used, so one distance computation serves
    several distances and facility kinds with the same result as separate calls.
    ``access_m`` (distance of each community to the network) may be passed to skip snapping.
    """
    id_field, facility_id_field = options.id_field, options.facility_id_field
    max_snap_m = options.max_snap_m
    if distance_m <= 0:
        raise InputValueError("覆盖距离须大于 0 / the coverage distance must be positive")
    search = search_radius(distance_m, search_m)
    if len(pairs):
        keep = pairs["destination"].isin(facilities.index) & (pairs["distance_m"] <= search)
        pairs = pairs[keep.to_numpy()]
    out = communities.copy()
    if id_field not in out.columns:
        out[id_field] = out.index.astype(str)
    for col in ("households", "population"):
        if col not in out.columns:
            out[col] = 0
    if len(pairs):
        best = pairs.loc[pairs.groupby("origin")["distance_m"].idxmin()].set_index("origin")
        nearest = best["distance_m"].reindex(out.index)
        fid = facilities.get(facility_id_field, facilities.index)
        fid = pd.Series(np.asarray(fid), index=facilities.index)
        nearest_fac = fid.reindex(best["destination"]).to_numpy()
        out["nearest_facility"] = pd.Series(nearest_fac, index=best.index).reindex(out.index)
    else:
        nearest = pd.Series(np.nan, index=out.index)
        out["nearest_facility"] = None
    out["nearest_m"] = nearest.astype(float).round(1)
    covered = nearest.le(distance_m).fillna(False).astype(bool)
    households = out["households"].fillna(0).astype(float)
    population = out["population"].fillna(0).astype(float)
    out["covered"] = covered
    out["covered_households"] = np.where(covered, households, 0.0).astype(int)
    out["covered_population"] = np.where(covered, population, 0.0).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["covered_share"] = np.where(
            households > 0, out["covered_households"] / households, np.nan
        )
    out["distance_m"] = float(distance_m)
    method = (
        best["method"].reindex(out.index).astype(object)
        if len(pairs)
        else pd.Series(index=out.index, dtype=object)
    )
    base = _method(G)
    if G is not None and max_snap_m is not None and len(out):
        access = _access_m(G, out) if access_m is None else access_m.reindex(out.index)
        base = np.where(access > max_snap_m, METHOD_EUCLIDEAN, base)
    out["method"] = method.fillna(pd.Series(base, index=out.index, dtype=object)).astype(str)
    return out


def coverage_at_distances(
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    distances: Sequence[float],
    *,
    kind: str | None = None,
    search_m: float | None = None,
    options: CoverageOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> dict[float, gpd.GeoDataFrame]:
    """:func:`community_coverage` at several distances from one distance computation.

    The walking distances are computed once, out to the largest search radius, and each
    distance's table is read from them (:func:`coverage_from_pairs`); each equals
    ``community_coverage(G, communities, facilities, d, kind=kind, search_m=search_m)``.

    Returns
    -------
    dict of float to GeoDataFrame
        ``{distance_m: table}`` in the order given.
    """
    values = [float(d) for d in distances]
    if not values or min(values) <= 0:
        raise InputValueError("覆盖距离须大于 0 / the coverage distance must be positive")
    chosen = facilities_of_kind(facilities, kind)
    reach = max(search_radius(d, search_m) for d in values)
    pairs = point_distances(
        G,
        communities,
        chosen,
        reach,
        detour=options.detour,
        max_snap_m=options.max_snap_m,
        progress=progress,
    )
    access = _access_m(G, communities) if options.max_snap_m is not None else None
    return {
        d: coverage_from_pairs(
            G,
            communities,
            chosen,
            pairs,
            d,
            search_m=search_m,
            access_m=access,
            options=options,
        )
        for d in values
    }


def summarize_coverage(
    per_community: pd.DataFrame,
    by: str,
    names: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sum community coverage per ``by`` (``street_code`` or ``district_code``).

    Returns ``by, [name], communities, covered_communities, households, covered_households,
    covered_share, population, covered_population, uncovered_households, method``. ``names``
    (a streets or districts layer) adds their ``name``.
    """
    if by not in per_community.columns:
        raise InputValueError(f"社区图层缺少 {by} 字段 / the communities lack the field {by!r}")
    frame = pd.DataFrame(per_community).copy()
    frame["_one"] = 1
    grouped = frame.groupby(by, dropna=False).agg(
        communities=("_one", "sum"),
        covered_communities=("covered", "sum"),
        households=("households", "sum"),
        covered_households=("covered_households", "sum"),
        population=("population", "sum"),
        covered_population=("covered_population", "sum"),
    )
    grouped = grouped.reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["covered_share"] = np.where(
            grouped["households"] > 0,
            grouped["covered_households"] / grouped["households"],
            np.nan,
        )
    grouped["uncovered_households"] = grouped["households"] - grouped["covered_households"]
    if "method" in frame.columns:
        methods = frame.groupby(by, dropna=False)["method"].agg(
            lambda m: "+".join(sorted(set(m.astype(str))))
        )
        grouped["method"] = methods.reindex(grouped[by]).to_numpy()
    if names is not None and by in names.columns and "name" in names.columns:
        lookup = pd.DataFrame(names)[[by, "name"]].drop_duplicates(by)
        grouped = grouped.merge(lookup, on=by, how="left")
        cols = [by, "name", *[c for c in grouped.columns if c not in (by, "name")]]
        grouped = grouped[cols]
    return grouped
