"""Coverage of communities by facilities at life-circle walking distances.

Rule used throughout (documented for planners): a community counts as **covered** by a
facility kind at distance ``d`` when its centroid -- or, when the centroid falls outside the
community (an L- or U-shaped area), a point surely inside it -- is within ``d`` metres of walking
on the network from at least one facility of that kind (each facility reduced to a point the same
way). Coverage is all-or-nothing per community: all its households and population count as
covered or none do. Streets and districts sum their communities.

Distances come from ``analysis.distances`` (network, snapped to the nearest edge), or, without a
network, from the straight-line x detour fallback; every table carries a ``method`` column.

Life circles: GB 50180-2018 (urban residential area planning and design standard) defines the
5-, 10- and 15-minute life circles by walking distances of about 300, 500 and 800-1000 m
(``LIFE_CIRCLE_M``). Minutes are converted to metres at ``DEFAULT_WALK_SPEED_KMH`` = 4 km/h,
the speed implied by the standard's 15-minute circle (1000 m in 15 min), unless a project sets
its own walking speed.

Accessibility: two-step floating catchment area (2SFCA, Luo & Wang 2003; Gaussian decay after
Dai 2010) with supply = facility usable area (m2) and demand = households, giving usable area per
household reachable -- comparable with the Art. 12 ratio of 20 m2 per 100 households.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from analysis.distances import (
    DEFAULT_DETOUR,
    DEFAULT_MAX_SNAP_M,
    METHOD_EUCLIDEAN,
    METHOD_NETWORK,
    graph_metric_crs,
    graph_to_csr,
    node_distances,
    point_distances,
    representative_points,
    snap_points,
)
from analysis.distances.snapping import _edge_table
from layers.crs import WGS84
from layers.crs import metric_crs as _metric_crs_for

LIFE_CIRCLE_M: dict[int, float] = {5: 300.0, 10: 500.0, 15: 1000.0}
"""GB 50180-2018 life circles: minutes -> walking distance in metres (15 min: 800-1000 m)."""

DEFAULT_WALK_SPEED_KMH = 4.0
"""Walking speed implied by GB 50180-2018's 15-minute life circle (1000 m / 15 min)."""

DEFAULT_BUFFER_M = 30.0
"""Half-width of the band drawn around reached network pieces in an isochrone polygon."""


Progress = Callable[[float, str], None]

__all__ = [
    "CoverageResult",
    "DEFAULT_WALK_SPEED_KMH",
    "LIFE_CIRCLE_M",
    "community_coverage",
    "coverage_analysis",
    "coverage_at_distances",
    "coverage_from_pairs",
    "facilities_of_kind",
    "isochrones",
    "minutes_to_metres",
    "search_radius",
    "summarize_coverage",
    "two_step_fca",
]


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


def minutes_to_metres(minutes: float, speed_kmh: float = DEFAULT_WALK_SPEED_KMH) -> float:
    """Walking distance in metres covered in ``minutes`` at ``speed_kmh``."""
    if speed_kmh <= 0:
        raise ValueError("步行速度须大于 0 / walking speed must be positive")
    return float(minutes) * speed_kmh * 1000.0 / 60.0


def facilities_of_kind(facilities: gpd.GeoDataFrame, kind: str | None) -> gpd.GeoDataFrame:
    """Facilities of ``kind`` (all when None); a planner-readable error for an unknown column."""
    if kind is None:
        return facilities
    if "kind" not in facilities.columns:
        raise ValueError("设施图层缺少 kind 字段 / the facilities layer has no 'kind' field")
    return facilities[facilities["kind"] == kind]


def _metric_crs(G: nx.MultiDiGraph | None, frames: Sequence[gpd.GeoDataFrame]) -> str:
    if G is not None:
        return graph_metric_crs(G)
    for frame in frames:
        if len(frame):
            centre = frame.to_crs(WGS84).geometry.union_all().centroid
            return _metric_crs_for(centre.x, centre.y)
    return "EPSG:4551"


def _method(G: nx.MultiDiGraph | None) -> str:
    return METHOD_NETWORK if G is not None else METHOD_EUCLIDEAN


# -- per community -----------------------------------------------------------------------------
def community_coverage(
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    distance_m: float,
    *,
    kind: str | None = None,
    search_m: float | None = None,
    detour: float = DEFAULT_DETOUR,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    id_field: str = "community_id",
    facility_id_field: str = "facility_id",
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Coverage of each community by facilities (of ``kind``) within ``distance_m``.

    Parameters
    ----------
    G : networkx.MultiDiGraph or None
        Walking network; None uses straight line x ``detour`` (flagged in ``method``).
    communities, facilities : GeoDataFrame
        Layers ``communities`` (households, population) and ``facilities``.
    distance_m : float
        Coverage distance (300/500/1000 m for the 5/10/15-minute life circles).
    kind : str, optional
        Facility kind to use (``community_station`` ...); all facilities when None.
    search_m : float, optional
        How far to look for ``nearest_m`` (default ``max(2 * distance_m, 2000)``); farther
        nearest facilities give NaN.
    max_snap_m : float, optional
        Communities or facilities farther than this from every walkable edge (outside the
        mapped network) use the straight-line fallback; their rows say so in ``method``.

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
        detour=detour,
        max_snap_m=max_snap_m,
        id_field=id_field,
        facility_id_field=facility_id_field,
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
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    id_field: str = "community_id",
    facility_id_field: str = "facility_id",
    access_m: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """The table of :func:`community_coverage` from distances computed beforehand.

    ``pairs`` (``origin, destination, distance_m, method`` of
    :func:`analysis.distances.point_distances`) may reach farther than the search radius and
    to more facilities than ``facilities``: only the pairs to ``facilities`` within
    ``search_radius(distance_m, search_m)`` are used, so one distance computation serves
    several distances and facility kinds with the same result as separate calls.
    ``access_m`` (distance of each community to the network) may be passed to skip snapping.
    """
    if distance_m <= 0:
        raise ValueError("覆盖距离须大于 0 / the coverage distance must be positive")
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
    method = best["method"].reindex(out.index) if len(pairs) else pd.Series(index=out.index)
    base = _method(G)
    if G is not None and max_snap_m is not None and len(out):
        access = _access_m(G, out) if access_m is None else access_m.reindex(out.index)
        base = np.where(access > max_snap_m, METHOD_EUCLIDEAN, base)
    out["method"] = method.fillna(pd.Series(base, index=out.index)).astype(str)
    return out


def coverage_at_distances(
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    distances: Sequence[float],
    *,
    kind: str | None = None,
    search_m: float | None = None,
    detour: float = DEFAULT_DETOUR,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    id_field: str = "community_id",
    facility_id_field: str = "facility_id",
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
        raise ValueError("覆盖距离须大于 0 / the coverage distance must be positive")
    chosen = facilities_of_kind(facilities, kind)
    reach = max(search_radius(d, search_m) for d in values)
    pairs = point_distances(
        G, communities, chosen, reach, detour=detour, max_snap_m=max_snap_m, progress=progress
    )
    access = _access_m(G, communities) if max_snap_m is not None else None
    return {
        d: coverage_from_pairs(
            G,
            communities,
            chosen,
            pairs,
            d,
            search_m=search_m,
            max_snap_m=max_snap_m,
            id_field=id_field,
            facility_id_field=facility_id_field,
            access_m=access,
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
        raise ValueError(f"社区图层缺少 {by} 字段 / the communities lack the field {by!r}")
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


# -- isochrones --------------------------------------------------------------------------------
def _sub_lines(geoms: np.ndarray, f0: np.ndarray, f1: np.ndarray) -> np.ndarray:
    """Pieces of lines between normalised positions ``f0 <= f1``."""
    out = np.empty(len(geoms), dtype=object)
    if len(geoms) == 0:
        return out
    ncoords = shapely.get_num_coordinates(geoms)
    straight = ncoords == 2
    if straight.any():
        g = geoms[straight]
        coords = shapely.get_coordinates(g).reshape(-1, 2, 2)
        a, b = coords[:, 0, :], coords[:, 1, :]
        s0 = f0[straight][:, None]
        s1 = f1[straight][:, None]
        # exact end coordinates at 0 and 1, so that pieces meeting at a node join up
        p0 = np.where(s0 <= 0, a, np.where(s0 >= 1, b, a + (b - a) * s0))
        p1 = np.where(s1 >= 1, b, np.where(s1 <= 0, a, a + (b - a) * s1))
        out[straight] = shapely.linestrings(np.stack([p0, p1], axis=1))
    if (~straight).any():
        from shapely.ops import substring

        for i in np.flatnonzero(~straight):
            out[i] = substring(geoms[i], f0[i], f1[i], normalized=True)
    return out


def _merge_intervals(pieces: pd.DataFrame) -> pd.DataFrame:
    """Union of the overlapping ``[f0, f1]`` intervals of each (facility, distance, edge)."""
    if pieces.empty:
        return pieces
    keys = ["facility", "distance_m", "eid"]
    pieces = pieces.sort_values([*keys, "f0"], kind="stable").reset_index(drop=True)
    reach = pieces.groupby(keys, sort=False)["f1"].cummax()
    prev = reach.groupby([pieces[k] for k in keys], sort=False).shift(1)
    start = prev.isna().to_numpy() | (pieces["f0"].to_numpy() > prev.to_numpy())
    seg = np.cumsum(start)
    return (
        pieces.groupby(seg, sort=False)
        .agg(
            facility=("facility", "first"),
            distance_m=("distance_m", "first"),
            eid=("eid", "first"),
            f0=("f0", "min"),
            f1=("f1", "max"),
        )
        .reset_index(drop=True)
    )


def _facility_labels(frame: gpd.GeoDataFrame, id_field: str) -> pd.Series:
    if id_field in frame.columns:
        return pd.Series(frame[id_field].to_numpy(), index=frame.index)
    return pd.Series(frame.index.astype(str), index=frame.index)


def _network_pieces(
    G: nx.MultiDiGraph,
    facilities: gpd.GeoDataFrame,
    distances: Sequence[float],
    crs: str,
    overlap: str,
    progress: Progress | None,
) -> pd.DataFrame:
    """Reached network pieces: rows (facility, distance_m, geometry) in the metric CRS."""
    table = _edge_table(G, crs)
    csr = graph_to_csr(G)
    snap = snap_points(G, facilities, crs=crs)
    rmax = float(max(distances))
    access = pd.DataFrame(
        {
            "facility": np.concatenate([snap.index, snap.index]),
            "node": np.concatenate([snap["u"].to_numpy(), snap["v"].to_numpy()]),
            "leg": np.concatenate([snap["to_u_m"].to_numpy(), snap["to_v_m"].to_numpy()]),
        }
    )
    nd = node_distances(G, access["node"].unique(), cutoff=rmax, progress=progress)
    reach = access.merge(nd, left_on="node", right_on="source")
    reach["d"] = reach["leg"] + reach["distance_m"]
    reach = reach[reach["d"] <= rmax]
    reach = reach.groupby(["facility", "target"], as_index=False)["d"].min()
    reach["row"] = csr.positions(reach["target"].to_numpy())

    edges = pd.DataFrame(
        {"eid": np.arange(table.u.size), "u": table.u, "v": table.v, "L": table.length}
    )
    if overlap == "split":
        # each node belongs to its nearest facility; each edge splits where the two ends'
        # owners are equally far
        best = reach.loc[reach.groupby("row")["d"].idxmin(), ["row", "facility", "d"]]
        best = best.set_index("row")
        du = best["d"].reindex(edges["u"]).to_numpy()
        dv = best["d"].reindex(edges["v"]).to_numpy()
        fu = best["facility"].reindex(edges["u"]).to_numpy()
        fv = best["facility"].reindex(edges["v"]).to_numpy()
        L = edges["L"].to_numpy()
        with np.errstate(invalid="ignore"):
            xs = np.where(
                np.isnan(dv), L, np.where(np.isnan(du), 0.0, np.clip((dv + L - du) / 2, 0, L))
            )
        side_u = pd.DataFrame({"eid": edges["eid"], "facility": fu, "du": du, "xs": xs})
        side_v = pd.DataFrame({"eid": edges["eid"], "facility": fv, "dv": dv, "xs": xs})
        side_u = side_u[~np.isnan(du)]
        side_v = side_v[~np.isnan(dv)]
    else:
        su = reach.rename(columns={"row": "u", "d": "du"})[["facility", "u", "du"]]
        sv = reach.rename(columns={"row": "v", "d": "dv"})[["facility", "v", "dv"]]
        side_u = edges[["eid", "u"]].merge(su, on="u")[["eid", "facility", "du"]]
        side_v = edges[["eid", "v"]].merge(sv, on="v")[["eid", "facility", "dv"]]

    rows_f, rows_r, rows_e, rows_0, rows_1 = [], [], [], [], []
    L_all = table.length
    for r in distances:
        # from the u end: [0, min(reach, split)]
        eu = side_u["eid"].to_numpy()
        a = np.clip(r - side_u["du"].to_numpy(), 0, L_all[eu])
        if overlap == "split":
            a = np.minimum(a, side_u["xs"].to_numpy())
        ok = a > 0
        rows_f.append(side_u["facility"].to_numpy()[ok])
        rows_e.append(eu[ok])
        rows_0.append(np.zeros(ok.sum()))
        rows_1.append(a[ok] / np.where(L_all[eu[ok]] > 0, L_all[eu[ok]], 1))
        rows_r.append(np.full(ok.sum(), float(r)))
        # from the v end: [L - reach, L]
        ev = side_v["eid"].to_numpy()
        b = np.clip(r - side_v["dv"].to_numpy(), 0, L_all[ev])
        start = L_all[ev] - b
        if overlap == "split":
            start = np.maximum(start, side_v["xs"].to_numpy())
        ok = (L_all[ev] - start) > 0
        Lv = np.where(L_all[ev[ok]] > 0, L_all[ev[ok]], 1)
        rows_f.append(side_v["facility"].to_numpy()[ok])
        rows_e.append(ev[ok])
        rows_0.append(start[ok] / Lv)
        rows_1.append(np.ones(ok.sum()))
        rows_r.append(np.full(ok.sum(), float(r)))
        # the facility's own edge, both ways from the snapped point
        left = r - snap["access_m"].to_numpy()
        ok = left > 0
        L_own = snap["length"].to_numpy()[ok]
        t = snap["along_m"].to_numpy()[ok]
        Lown = np.where(L_own > 0, L_own, 1)
        rows_f.append(snap.index.to_numpy()[ok])
        rows_e.append(snap["edge"].to_numpy()[ok])
        rows_0.append(np.clip(t - left[ok], 0, L_own) / Lown)
        rows_1.append(np.clip(t + left[ok], 0, L_own) / Lown)
        rows_r.append(np.full(ok.sum(), float(r)))
    pieces = pd.DataFrame(
        {
            "facility": np.concatenate(rows_f),
            "distance_m": np.concatenate(rows_r),
            "eid": np.concatenate(rows_e).astype(np.int64),
            "f0": np.concatenate(rows_0),
            "f1": np.concatenate(rows_1),
        }
    )
    pieces["f1"] = np.maximum(pieces["f0"], pieces["f1"])
    pieces = _merge_intervals(pieces)
    pieces["geometry"] = _sub_lines(
        table.geometry[pieces["eid"].to_numpy()], pieces["f0"].to_numpy(), pieces["f1"].to_numpy()
    )
    # the access leg from the facility to the network
    legs = []
    pts = representative_points(facilities, crs)
    snapped = shapely.points(snap["x"].to_numpy(), snap["y"].to_numpy())
    for r in distances:
        ok = snap["access_m"].to_numpy() <= r
        if ok.any():
            legs.append(
                pd.DataFrame(
                    {
                        "facility": snap.index[ok],
                        "distance_m": float(r),
                        "geometry": shapely.linestrings(
                            np.stack(
                                [
                                    shapely.get_coordinates(pts.loc[snap.index[ok]].values),
                                    shapely.get_coordinates(snapped[ok]),
                                ],
                                axis=1,
                            )
                        ),
                    }
                )
            )
    return pd.concat([pieces[["facility", "distance_m", "geometry"]], *legs], ignore_index=True)


def _disjoint(polys: pd.Series) -> pd.Series:
    """Make polygons disjoint in order (an overlap goes to the earlier one)."""
    taken = None
    out = []
    for geom in polys:
        if geom is None or geom.is_empty:
            out.append(geom)
            continue
        cut = geom if taken is None else geom.difference(taken)
        out.append(cut)
        taken = geom if taken is None else shapely.union(taken, geom)
    return pd.Series(out, index=polys.index)


def _band_polygons(pieces: pd.DataFrame, buffer_m: float) -> pd.DataFrame:
    """Buffer the reached pieces of each (facility, distance) into one polygon."""
    codes, uniques = pd.MultiIndex.from_frame(pieces[["facility", "distance_m"]]).factorize()
    order = np.argsort(codes, kind="stable")
    # join touching pieces into longer lines, buffer every line, then union per polygon:
    # much faster in GEOS than buffering one big multi-line
    multi = shapely.multilinestrings(
        np.asarray(pieces["geometry"].to_numpy())[order], indices=codes[order]
    )
    parts, part_of = shapely.get_parts(shapely.line_merge(multi), return_index=True)
    bands = shapely.buffer(parts, buffer_m, quad_segs=4)
    polys = np.empty(len(uniques), dtype=object)
    bounds = np.searchsorted(part_of, np.arange(len(uniques) + 1))
    for k in range(len(uniques)):
        polys[k] = shapely.union_all(bands[bounds[k] : bounds[k + 1]])
    return pd.DataFrame(
        {
            "facility": uniques.get_level_values(0),
            "distance_m": uniques.get_level_values(1),
            "geometry": polys,
        }
    )


def _circles(
    facilities: gpd.GeoDataFrame, values: Sequence[float], crs: str, detour: float, overlap: str
) -> pd.DataFrame:
    """Straight-line isochrones: circles of radius ``distance / detour`` (Voronoi-split)."""
    pts = representative_points(facilities, crs)
    cells = None
    if overlap == "split" and len(pts) > 1:
        vor = shapely.voronoi_polygons(shapely.MultiPoint(list(pts.values)))
        cell_geoms = list(vor.geoms)
        tree = shapely.STRtree(cell_geoms)
        cells = {}
        for label, p in pts.items():
            hit = tree.query(p, predicate="intersects")
            cells[label] = cell_geoms[hit[0]] if len(hit) else None
    rows = []
    for r in values:
        for label, p in pts.items():
            geom = p.buffer(r / detour, quad_segs=16)
            if cells is not None and cells.get(label) is not None:
                geom = geom.intersection(cells[label])
            rows.append({"facility": label, "distance_m": r, "geometry": geom})
    return pd.DataFrame(rows)


def isochrones(
    G: nx.MultiDiGraph | None,
    facilities: gpd.GeoDataFrame,
    distances: Sequence[float] = (300.0, 500.0, 1000.0),
    *,
    kind: str | None = None,
    overlap: str = "keep",
    buffer_m: float = DEFAULT_BUFFER_M,
    detour: float = DEFAULT_DETOUR,
    speed_kmh: float | None = None,
    id_field: str = "facility_id",
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Walking isochrone polygons per facility and distance.

    Network: every edge piece reachable within the distance (partial edges cut at the exact
    point, the facility's own edge walked both ways from its snapped point, and the access leg)
    is buffered by ``buffer_m`` and merged. Without a network, or for a facility farther than
    ``max_snap_m`` from every edge: a circle of radius ``distance / detour`` (flagged
    ``method = "euclidean_detour"`` on that row).

    Parameters
    ----------
    distances : sequence of float
        Metres; or minutes when ``speed_kmh`` is given (converted with ``minutes_to_metres``).
    overlap : {"keep", "split"}
        "keep": each facility its full isochrone (they may overlap); "split": ground goes to
        the nearest facility (network: edges split where two facilities are equally far; the
        buffer bands are made disjoint in facility order; fallback: Voronoi cells).

    Returns
    -------
    GeoDataFrame (EPSG:4326)
        ``facility_id, kind, distance_m, [minutes], area_m2, method, geometry``, ordered by
        facility then decreasing distance.
    """
    if overlap not in ("keep", "split"):
        raise ValueError("overlap 只能是 keep 或 split / overlap must be 'keep' or 'split'")
    values = [float(d) for d in distances]
    if not values or min(values) <= 0:
        raise ValueError("等时圈距离须大于 0 / isochrone distances must be positive")
    minutes = None
    if speed_kmh is not None:
        minutes = values
        values = [minutes_to_metres(m, speed_kmh) for m in minutes]
    chosen = facilities_of_kind(facilities, kind)
    crs = _metric_crs(G, [chosen])
    labels = _facility_labels(chosen, id_field)
    columns = ["facility_id", "kind", "distance_m", "area_m2", "method", "geometry"]
    if len(chosen) == 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=WGS84)
    on_net = np.zeros(len(chosen), dtype=bool)
    if G is not None:
        snap = snap_points(G, chosen, crs=crs)
        access = snap["access_m"].reindex(chosen.index).to_numpy()
        on_net = access <= (np.inf if max_snap_m is None else max_snap_m)
    parts = []
    if on_net.any():
        pieces = _network_pieces(G, chosen[on_net], values, crs, overlap, progress)
        net = _band_polygons(pieces, buffer_m)
        if overlap == "split":
            net = pd.concat(
                [
                    group.assign(geometry=_disjoint(group["geometry"]).to_numpy())
                    for _, group in net.sort_values("facility").groupby("distance_m", sort=False)
                ]
            )
        parts.append(net.assign(method=METHOD_NETWORK))
    if (~on_net).any():
        circles = _circles(chosen[~on_net], values, crs, detour, overlap)
        parts.append(circles.assign(method=METHOD_EUCLIDEAN))
    result = pd.concat(parts, ignore_index=True)
    result = result.sort_values(["facility", "distance_m"], ascending=[True, False])
    gdf = gpd.GeoDataFrame(
        {
            "facility_id": labels.reindex(result["facility"]).to_numpy(),
            "kind": (
                chosen["kind"].reindex(result["facility"]).to_numpy()
                if "kind" in chosen.columns
                else kind
            ),
            "distance_m": result["distance_m"].to_numpy(),
        },
        geometry=list(result["geometry"]),
        crs=crs,
    )
    if minutes is not None:
        back = dict(zip(values, minutes, strict=True))
        gdf.insert(3, "minutes", [back[d] for d in gdf["distance_m"]])
    gdf["area_m2"] = gdf.geometry.area.round(1)
    gdf["method"] = result["method"].to_numpy()
    gdf = gdf.to_crs(WGS84)
    order = [c for c in ["facility_id", "kind", "distance_m", "minutes", "area_m2", "method"]]
    return gdf[[c for c in order if c in gdf.columns] + ["geometry"]].reset_index(drop=True)


# -- accessibility -----------------------------------------------------------------------------
def _decay(d: np.ndarray, d0: float, decay: str) -> np.ndarray:
    if decay == "step":
        return np.where(d <= d0, 1.0, 0.0)
    if decay == "gaussian":
        e = math.exp(-0.5)
        w = (np.exp(-0.5 * (d / d0) ** 2) - e) / (1 - e)
        return np.where(d <= d0, w, 0.0)
    raise ValueError("衰减函数只能是 step 或 gaussian / decay must be 'step' or 'gaussian'")


def two_step_fca(
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    distance_m: float,
    *,
    kind: str | None = None,
    decay: str = "step",
    supply: str = "usable_area_m2",
    demand: str = "households",
    detour: float = DEFAULT_DETOUR,
    id_field: str = "community_id",
    facility_id_field: str = "facility_id",
    return_ratios: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Two-step floating catchment area accessibility.

    Step 1, per facility j: ``R_j = S_j / sum_i D_i W(d_ij)`` over communities within
    ``distance_m``. Step 2, per community i: ``A_i = sum_j R_j W(d_ij)``. ``W`` is 1 inside the
    catchment ("step") or the Gaussian ``(exp(-d^2/2d0^2) - exp(-1/2)) / (1 - exp(-1/2))``
    ("gaussian", Dai 2010). Facilities with no demand in reach get ``R_j = 0``.

    Returns
    -------
    DataFrame
        Per community: ``community_id, households, accessibility`` (m2 of usable area per
        household), ``accessibility_per_100`` (m2 per 100 households, compare Art. 12's 20),
        ``facilities_in_reach, method``. With ``return_ratios`` also the facility table
        ``facility_id, supply, demand_in_reach, ratio``.
    """
    chosen = facilities_of_kind(facilities, kind)
    for frame, col, layer in (
        (chosen, supply, "facilities"),
        (communities, demand, "communities"),
    ):
        if col not in frame.columns:
            raise ValueError(f"{layer} 图层缺少 {col} 字段 / the {layer} layer lacks {col!r}")
    pairs = point_distances(G, communities, chosen, distance_m, detour=detour)
    pairs = pairs[pairs["distance_m"] <= distance_m].copy()
    pairs["w"] = _decay(pairs["distance_m"].to_numpy(), distance_m, decay)
    dem = communities[demand].fillna(0).astype(float)
    sup = chosen[supply].fillna(0).astype(float)
    pairs["D"] = dem.reindex(pairs["origin"]).to_numpy()
    pairs["wD"] = pairs["w"] * pairs["D"]
    demand_j = pairs.groupby("destination")["wD"].sum().reindex(chosen.index, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(demand_j > 0, sup / demand_j, 0.0)
    ratio = pd.Series(ratio, index=chosen.index)
    pairs["wR"] = pairs["w"] * ratio.reindex(pairs["destination"]).to_numpy()
    acc = pairs.groupby("origin")["wR"].sum().reindex(communities.index, fill_value=0.0)
    n_in = pairs[pairs["w"] > 0].groupby("origin").size().reindex(communities.index, fill_value=0)
    ids = (
        communities[id_field].to_numpy()
        if id_field in communities.columns
        else communities.index.astype(str)
    )
    out = pd.DataFrame(
        {
            "community_id": ids,
            demand: dem.to_numpy(),
            "accessibility": acc.to_numpy(),
            "accessibility_per_100": acc.to_numpy() * 100.0,
            "facilities_in_reach": n_in.to_numpy(),
            "method": _method(G),
        },
        index=communities.index,
    )
    if not return_ratios:
        return out
    fac = pd.DataFrame(
        {
            "facility_id": _facility_labels(chosen, facility_id_field).to_numpy(),
            "supply": sup.to_numpy(),
            "demand_in_reach": demand_j.to_numpy(),
            "ratio": ratio.to_numpy(),
            "method": _method(G),
        },
        index=chosen.index,
    )
    return out, fac


# -- one call for a page -----------------------------------------------------------------------
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


def coverage_analysis(
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
    per = community_coverage(
        G, communities, facilities, distance_m, kind=kind, detour=detour, progress=progress
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
            G, facilities, dists, kind=kind, overlap=overlap, buffer_m=buffer_m, detour=detour
        )
        if dists
        else gpd.GeoDataFrame(geometry=[], crs=WGS84)
    )
    method = "+".join(sorted(set(per["method"].astype(str)))) if len(per) else _method(G)
    return CoverageResult(per, street_table, district_table, iso, method, kind, distance_m)
