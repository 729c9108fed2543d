"""Snapping features to their nearest network edge (access leg and position along the edge)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from analysis.distances.euclidean import representative_points
from analysis.distances.graph import _EDGE_CACHE, _graph_stamp, graph_to_csr
from layers.crs import metric_crs as _metric_crs_for
from layers.errors import InputValueError


def graph_metric_crs(G: nx.MultiDiGraph) -> str:
    """Metric CRS for a WGS-84 graph: CGCS2000 Gauss-Kruger in China, UTM elsewhere."""
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    if not xs:
        raise InputValueError("路网为空 / the network is empty")
    return _metric_crs_for(float(np.mean(xs)), float(np.mean(ys)))


@dataclass
class _EdgeTable:
    """Undirected edges in a metric CRS, for snapping."""

    crs: str
    u: np.ndarray  # CSR row of one end
    v: np.ndarray  # CSR row of the other end
    length: np.ndarray  # graph length (metres)
    geometry: np.ndarray  # shapely LineStrings (metric), u -> v
    tree: shapely.STRtree


def _edge_table(G: nx.MultiDiGraph, crs: str, weight: str = "length") -> _EdgeTable:
    stamp = (crs, *_graph_stamp(G, weight))
    cached = _EDGE_CACHE.get(G)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    csr = graph_to_csr(G, weight)
    graph_crs = G.graph.get("crs", "EPSG:4326")
    to_metric = Transformer.from_crs(graph_crs, crs, always_xy=True)
    xs = np.array([G.nodes[n]["x"] for n in csr.node_ids], dtype=float)
    ys = np.array([G.nodes[n]["y"] for n in csr.node_ids], dtype=float)
    mx, my = to_metric.transform(xs, ys)
    m = G.number_of_edges()
    a_ids = np.empty(m, dtype=object)
    b_ids = np.empty(m, dtype=object)
    lengths = np.full(m, np.nan)
    curved: dict[int, shapely.Geometry] = {}
    for k, (a, b, data) in enumerate(G.edges(data=True)):
        a_ids[k], b_ids[k] = a, b
        length = data.get(weight)
        if length is not None:
            lengths[k] = length
        geom = data.get("geometry")
        if geom is not None:
            curved[k] = geom
    i = csr.index.get_indexer(pd.Index(a_ids)).astype(np.int64)
    j = csr.index.get_indexer(pd.Index(b_ids)).astype(np.int64)
    # one row per undirected edge: (low end, high end, length) identifies the two directions
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    rounded = np.round(np.nan_to_num(lengths, nan=-1.0), 3)
    keys = pd.DataFrame({"lo": lo, "hi": hi, "w": rounded})
    keep = (~keys.duplicated().to_numpy()) & ~np.isnan(lengths)
    idx = np.flatnonzero(keep)
    us, vs, lengths = i[idx], j[idx], lengths[idx]
    coords = np.stack([np.column_stack([mx[us], my[us]]), np.column_stack([mx[vs], my[vs]])], 1)
    geoms = shapely.linestrings(coords) if idx.size else np.empty(0, dtype=object)

    def _project(c: np.ndarray) -> np.ndarray:
        return np.column_stack(to_metric.transform(c[:, 0], c[:, 1]))

    for row, k in enumerate(idx.tolist()):
        if k in curved:
            geoms[row] = shapely.transform(curved[k], _project)
    geometry = np.asarray(geoms, dtype=object)
    table = _EdgeTable(
        crs,
        np.asarray(us, dtype=np.int64),
        np.asarray(vs, dtype=np.int64),
        np.asarray(lengths, dtype=float),
        geometry,
        shapely.STRtree(geometry),
    )
    _EDGE_CACHE[G] = (stamp, table)
    return table


def snap_points(
    G: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    crs: str | None = None,
    weight: str = "length",
) -> pd.DataFrame:
    """Snap features to their nearest network edge.

    Returns one row per feature (index of ``points``) with ``edge`` (row in the edge table),
    ``u``/``v`` (graph nodes at the edge ends), ``access_m`` (perpendicular leg, metres),
    ``along_m`` (distance along the edge from ``u`` to the snapped point, in graph length
    units), ``length`` (edge length), ``to_u_m`` = ``access_m + along_m`` and
    ``to_v_m`` = ``access_m + length - along_m``, and the snapped point ``x``/``y`` (metric).
    """
    crs = crs or graph_metric_crs(G)
    table = _edge_table(G, crs, weight)
    csr = graph_to_csr(G, weight)
    pts = representative_points(points, crs).values
    if len(pts) == 0:
        return pd.DataFrame(
            columns=["edge", "u", "v", "access_m", "along_m", "length", "to_u_m", "to_v_m"]
        )
    idx, dist = table.tree.query_nearest(pts, return_distance=True, all_matches=False)
    inp, edge = idx
    order = np.argsort(inp, kind="stable")
    inp, edge, dist = inp[order], edge[order], dist[order]
    lines = table.geometry[edge]
    frac = shapely.line_locate_point(lines, pts[inp], normalized=True)
    frac = np.nan_to_num(frac, nan=0.0)
    length = table.length[edge]
    along = frac * length
    snapped = shapely.line_interpolate_point(lines, frac, normalized=True)
    out = pd.DataFrame(
        {
            "edge": edge,
            "u": csr.node_ids[table.u[edge]],
            "v": csr.node_ids[table.v[edge]],
            "access_m": dist,
            "along_m": along,
            "length": length,
            "to_u_m": dist + along,
            "to_v_m": dist + length - along,
            "x": shapely.get_x(snapped),
            "y": shapely.get_y(snapped),
        },
        index=points.index[inp],
    )
    return out
