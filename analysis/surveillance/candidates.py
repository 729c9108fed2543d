"""Where new cameras may go, and what the standard new camera would see from there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.visibility import sectors

from ._frames import resolve_metric_crs, to_metric
from .spaces import assign_community
from .targets import managed
from .views import Obstacles, as_obstacles

CORNER_OFFSET_M = 0.5
"""How far a building-corner candidate is moved away from the footprint's centroid (metres)."""
_LINE_TYPES = (1, 2)  # LineString, LinearRing


@dataclass(frozen=True)
class CameraSpec:
    """The standard camera proposed for new positions.

    ``bearing_step_deg`` sets the bearings tried at each position (0, 45, ... 315 by default);
    a ``fov_deg`` of 360 (dome / PTZ) needs one bearing only.
    """

    kind: str = "bullet"
    fov_deg: float = 90.0
    range_m: float = 30.0
    bearing_step_deg: float = 45.0

    def bearings(self) -> np.ndarray:
        """Bearings (degrees) tried at each candidate position."""
        if self.fov_deg >= 360:
            return np.array([0.0])
        return np.arange(0.0, 360.0, self.bearing_step_deg)


def _managed_area(com: gpd.GeoDataFrame | None, management) -> tuple:
    """The communities bound by ``management`` and their union (``None`` without communities)."""
    if com is None or not len(com):
        return com, None
    if management is not None and "management" in com.columns:
        com = com[managed(com, management)]
    area = shapely.union_all(com.geometry.to_numpy()) if len(com) else shapely.Polygon()
    return com, area


def _corner_points(polys: np.ndarray, area) -> np.ndarray:
    """Building corners moved :data:`CORNER_OFFSET_M` away from the footprint's centroid."""
    if area is not None:
        polys = polys[shapely.intersects(polys, area)]
    coords, idx = shapely.get_coordinates(shapely.get_exterior_ring(polys), return_index=True)
    cen = shapely.get_coordinates(shapely.centroid(polys))[idx]
    d = coords - cen
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    moved = coords + CORNER_OFFSET_M * d / norm[:, None]
    return shapely.points(np.unique(np.round(moved, 3), axis=0))


def _line_points(lines: np.ndarray, area, spacing: float) -> np.ndarray:
    """Points every ``spacing`` metres along ``lines`` (clipped to ``area``), ends included."""
    geoms = shapely.get_parts(shapely.boundary(lines))
    geoms = shapely.get_parts(np.concatenate([shapely.get_parts(lines), geoms]))
    geoms = geoms[np.isin(shapely.get_type_id(geoms), _LINE_TYPES)]
    if area is not None:
        geoms = shapely.get_parts(shapely.intersection(geoms, area))
        geoms = geoms[np.isin(shapely.get_type_id(geoms), _LINE_TYPES)]
    length = shapely.length(geoms)
    n = np.floor(length / spacing).astype(int) + 1
    owner = np.repeat(np.arange(len(geoms)), n)
    step = np.concatenate([np.arange(k) for k in n]) if len(n) else np.empty(0)
    dist = np.minimum(step * spacing, length[owner])
    pts = shapely.line_interpolate_point(geoms[owner], dist)
    return shapely.points(np.unique(np.round(shapely.get_coordinates(pts), 2), axis=0))


def candidate_positions(
    communities: gpd.GeoDataFrame | None = None,
    network_nodes: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | Obstacles | None = None,
    extra_points: gpd.GeoDataFrame | None = None,
    *,
    lines: gpd.GeoDataFrame | None = None,
    line_spacing_m: float | None = None,
    management: str | Sequence[str] | None = "scattered",
    crs=None,
) -> gpd.GeoDataFrame:
    """Where new cameras may go: network nodes and building corners inside the communities.

    Sources: ``network_nodes``; building corners, moved :data:`CORNER_OFFSET_M` away from the
    footprint's centroid (a camera on the outside of the corner); optionally points every
    ``line_spacing_m`` along ``lines`` (poles along streets and paths, e.g. the network edges
    or the public-space lines, useful where blocks are longer than a camera's range); and the
    user's ``extra_points``, always kept. Automatic candidates must lie within 1 m of a
    community with ``management == management`` (all communities if ``None`` or if the column
    is missing; no clipping without ``communities``) and outside every building.

    Returns
    -------
    GeoDataFrame
        Points with ``source`` (``network_node`` / ``building_corner`` / ``along_line`` /
        ``user``) and ``community_id``, in the metric CRS ``crs`` (or the one resolved from
        the inputs).
    """
    work_crs = resolve_metric_crs(communities, network_nodes, buildings, extra_points, crs=crs)
    com, area = _managed_area(to_metric(communities, work_crs), management)
    parts: list[tuple[str, np.ndarray]] = []
    nodes = to_metric(network_nodes, work_crs)
    if nodes is not None and len(nodes):
        parts.append(("network_node", nodes.geometry.to_numpy()))
    obstacles = as_obstacles(buildings, work_crs)
    if len(obstacles.polygons):
        parts.append(("building_corner", _corner_points(obstacles.polygons, area)))
    ln = to_metric(lines, work_crs)
    if ln is not None and len(ln) and line_spacing_m:
        parts.append(("along_line", _line_points(ln.geometry.to_numpy(), area, line_spacing_m)))
    geoms, sources = [], []
    for src, pts in parts:
        if area is not None:  # nodes on the boundary (entrances) count, within 1 m
            pts = pts[shapely.dwithin(pts, area, 1.0)]
        pts = pts[obstacles.inside(pts) < 0]
        geoms.append(pts)
        sources += [src] * len(pts)
    user = to_metric(extra_points, work_crs)
    if user is not None and len(user):
        pts = shapely.get_parts(user.geometry.to_numpy())
        pts = pts[shapely.get_type_id(pts) == 0]
        geoms.append(pts)
        sources += ["user"] * len(pts)
    allg = np.concatenate(geoms) if geoms else np.empty(0, dtype=object)
    out = gpd.GeoDataFrame({"source": sources}, geometry=gpd.GeoSeries(allg, crs=work_crs))
    out["community_id"] = assign_community(out, com)
    return out


def candidate_views(
    candidates: gpd.GeoDataFrame,
    spec: CameraSpec,
    obstacles: Obstacles | None = None,
    *,
    step_deg: float = 1.0,
) -> gpd.GeoDataFrame:
    """Views of the standard camera at every candidate position and bearing (metric CRS).

    One all-round visibility polygon is cast per position and cut by the sector of each
    bearing.
    """
    obstacles = obstacles or Obstacles()
    pts = candidates.geometry.to_numpy()
    bearings = spec.bearings()
    around, pos_idx = [], []
    for i, p in enumerate(pts):
        around.append(obstacles.view(p.x, p.y, spec.range_m, 0.0, 360.0, step_deg))
        pos_idx.append(i)
    around = np.asarray(around, dtype=object)
    rows_pos = np.repeat(np.arange(len(pts)), len(bearings))
    rows_bear = np.tile(bearings, len(pts))
    if spec.fov_deg >= 360:
        geoms = around[rows_pos] if len(pts) else np.empty(0, dtype=object)
    else:
        xy = shapely.get_coordinates(pts)
        cones = sectors(
            xy[rows_pos, 0], xy[rows_pos, 1], spec.range_m + 1e-6, rows_bear, spec.fov_deg, step_deg
        )
        geoms = (
            shapely.intersection(around[rows_pos], cones) if len(pts) else np.empty(0, dtype=object)
        )
    attrs = pd.DataFrame(candidates.drop(columns=candidates.geometry.name)).iloc[rows_pos]
    out = gpd.GeoDataFrame(
        attrs.reset_index(drop=True),
        geometry=gpd.GeoSeries(geoms, crs=candidates.crs),
        crs=candidates.crs,
    )
    out["position"] = rows_pos
    out["bearing_deg"] = rows_bear
    return out
