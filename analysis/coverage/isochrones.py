"""Walking isochrone polygons per facility and distance (network pieces, or circles)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from analysis.coverage.options import (
    DEFAULT_BUFFER_M,
    DEFAULT_OPTIONS,
    CoverageOptions,
    _facility_labels,
    _metric_crs,
    facilities_of_kind,
    minutes_to_metres,
)
from analysis.distances import (
    METHOD_EUCLIDEAN,
    METHOD_NETWORK,
    graph_to_csr,
    node_distances,
    representative_points,
    snap_points,
)
from analysis.distances.snapping import _edge_table
from layers.crs import WGS84
from layers.errors import InputValueError
from layers.progress import Progress


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


def isochrones(  # noqa: PLR0913 - the CLI's and tests' keyword settings; walk settings in options
    G: nx.MultiDiGraph | None,
    facilities: gpd.GeoDataFrame,
    distances: Sequence[float] = (300.0, 500.0, 1000.0),
    *,
    kind: str | None = None,
    overlap: str = "keep",
    buffer_m: float = DEFAULT_BUFFER_M,
    speed_kmh: float | None = None,
    options: CoverageOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Walking isochrone polygons per facility and distance.

    Network: every edge piece reachable within the distance (partial edges cut at the exact
    point, the facility's own edge walked both ways from its snapped point, and the access leg)
    is buffered by ``buffer_m`` and merged. Without a network, or for a facility farther than
    ``options.max_snap_m`` from every edge: a circle of radius ``distance / options.detour``
    (flagged ``method = "euclidean_detour"`` on that row). Facilities are named by
    ``options.facility_id_field``.

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
        raise InputValueError("overlap 只能是 keep 或 split / overlap must be 'keep' or 'split'")
    values = [float(d) for d in distances]
    if not values or min(values) <= 0:
        raise InputValueError("等时圈距离须大于 0 / isochrone distances must be positive")
    minutes = None
    if speed_kmh is not None:
        minutes = values
        values = [minutes_to_metres(m, speed_kmh) for m in minutes]
    chosen = facilities_of_kind(facilities, kind)
    crs = _metric_crs(G, [chosen])
    labels = _facility_labels(chosen, options.facility_id_field)
    max_snap_m = options.max_snap_m
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
        circles = _circles(chosen[~on_net], values, crs, options.detour, overlap)
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
