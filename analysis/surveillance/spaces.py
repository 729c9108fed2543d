"""Public spaces of scattered communities: derived from the walking network when no layer is
given, and the community each space (or camera) lies in."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._frames import back_to, empty_frame, resolve_metric_crs, to_metric
from .targets import managed

SLIVER_M = 0.05
"""Pieces shorter (m) / smaller (m2) than this are numerical noise."""


def derive_public_spaces(
    communities: gpd.GeoDataFrame,
    network_edges: gpd.GeoDataFrame,
    *,
    management: str | Sequence[str] | None = "scattered",
    entrance_radius_m: float = 5.0,
    crs=None,
) -> gpd.GeoDataFrame:
    """Public spaces of scattered communities derived from the walking network (Art. 20).

    Used when a project has no ``public_spaces`` layer: every walking-network edge clipped to a
    community whose ``management`` is ``management`` (all communities if ``None`` or if the
    column is missing) is a ``street`` space; every point where the network crosses the
    community boundary is an ``entrance`` (a disc of ``entrance_radius_m`` clipped to the
    community). Edges stored in both directions are counted once.

    Returns
    -------
    GeoDataFrame
        ``space_id, kind, community_id`` and line / polygon geometries, in the CRS of
        ``communities``.
    """
    cols = ["space_id", "kind", "community_id"]
    work_crs = resolve_metric_crs(communities, network_edges, crs=crs)
    com = to_metric(communities, work_crs)
    if management is not None and "management" in com.columns:
        com = com[managed(com, management)]
    edges = to_metric(network_edges, work_crs)
    if not len(com) or edges is None or not len(edges):
        return back_to(empty_frame(cols, work_crs), communities.crs)
    edges = edges[~edges.geometry.is_empty & edges.geometry.notna()]
    if {"u", "v"} <= set(edges.columns):
        a = np.minimum(edges["u"].to_numpy(), edges["v"].to_numpy())
        b = np.maximum(edges["u"].to_numpy(), edges["v"].to_numpy())
        key = pd.DataFrame({"a": a, "b": b, "l": np.round(edges.geometry.length.to_numpy(), 1)})
        edges = edges[~key.duplicated().to_numpy()]
    else:
        norm = shapely.to_wkb(shapely.normalize(edges.geometry.to_numpy()))
        edges = edges[~pd.Series(norm).duplicated().to_numpy()]
    egeoms = edges.geometry.to_numpy()
    tree = shapely.STRtree(egeoms)
    records = []
    for cid, poly in zip(com["community_id"], com.geometry, strict=True):
        if poly is None or poly.is_empty:
            continue
        idx = tree.query(poly, predicate="intersects")
        if not len(idx):
            continue
        inside = shapely.intersection(egeoms[idx], poly)
        n = 0
        for g in shapely.get_parts(shapely.line_merge(shapely.union_all(inside))):
            if g.geom_type == "LineString" and g.length > SLIVER_M:
                n += 1
                records.append((f"{cid}-s{n}", "street", cid, g))
        crossings = shapely.intersection(egeoms[idx], poly.boundary)
        pts = shapely.get_parts(shapely.get_parts(crossings))
        pts = pts[shapely.get_type_id(pts) == 0]
        if len(pts):
            discs = shapely.union_all(shapely.buffer(pts, entrance_radius_m))
            k = 0
            for d in shapely.get_parts(discs):
                d = d.intersection(poly)
                if d.area > SLIVER_M:
                    k += 1
                    records.append((f"{cid}-e{k}", "entrance", cid, d))
    if not records:
        return back_to(empty_frame(cols, work_crs), communities.crs)
    frame = pd.DataFrame.from_records(records, columns=[*cols, "geometry"])
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=work_crs)
    return back_to(out, communities.crs)


def assign_community(points: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None) -> np.ndarray:
    """``community_id`` of the community containing each geometry's representative point."""
    n = len(points)
    if communities is None or not len(communities) or not n:
        return np.array([None] * n, dtype=object)
    com = communities.to_crs(points.crs) if points.crs is not None else communities
    rep = shapely.point_on_surface(points.geometry.to_numpy())
    tree = shapely.STRtree(com.geometry.to_numpy())
    p_idx, c_idx = tree.query(rep, predicate="intersects")
    out = np.array([None] * n, dtype=object)
    ids = com["community_id"].to_numpy()
    # first community wins when polygons overlap
    order = np.argsort(p_idx, kind="stable")
    p_idx, c_idx = p_idx[order], c_idx[order]
    first = np.r_[True, p_idx[1:] != p_idx[:-1]] if len(p_idx) else np.zeros(0, bool)
    out[p_idx[first]] = ids[c_idx[first]]
    return out
