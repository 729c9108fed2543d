"""What cameras see: buildings as obstacles, and one visibility polygon per working camera.

A view is a sector of ``range_m`` around ``bearing_deg`` (degrees clockwise from north),
``fov_deg`` wide, minus whatever buildings hide (a true visibility polygon, see
:mod:`analysis.visibility`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from analysis.visibility import obstacle_segments, visibility_polygon

from ._frames import back_to, resolve_metric_crs, to_metric
from .cameras import clean_cameras

_SNAP_OUT_M = 0.1  # how far outside a wall a camera recorded inside a building is placed


class Obstacles:
    """Buildings prepared for ray casting: dissolved footprints, their edges and search trees.

    Parameters
    ----------
    buildings : GeoDataFrame or array of polygons, optional
        Footprints in the metric CRS. Overlapping footprints are dissolved first so that the
        edges of the union are the only walls.
    """

    def __init__(self, buildings=None) -> None:
        geoms = np.empty(0, dtype=object)
        if buildings is not None and len(buildings):
            arr = np.asarray(
                buildings.geometry.to_numpy() if hasattr(buildings, "geometry") else buildings,
                dtype=object,
            )
            arr = arr[~shapely.is_missing(arr)]
            arr = arr[np.isin(shapely.get_type_id(arr), (3, 6))]  # polygons / multipolygons
            arr = shapely.make_valid(arr)
            if arr.size:
                geoms = shapely.get_parts(shapely.union_all(arr))
                geoms = geoms[np.isin(shapely.get_type_id(geoms), (3,))]
        self.polygons = geoms
        self.tree = shapely.STRtree(geoms)
        self.segments = obstacle_segments(geoms) if geoms.size else np.empty((0, 4))
        seg_lines = shapely.linestrings(self.segments.reshape(-1, 2, 2)) if len(geoms) else []
        self.segment_tree = shapely.STRtree(np.asarray(seg_lines, dtype=object))

    def __len__(self) -> int:
        return int(self.polygons.size)

    def segments_near(self, x: float, y: float, radius: float) -> np.ndarray:
        """Edges whose bounding box meets the square of side ``2 radius`` around (x, y)."""
        if not len(self.segments):
            return self.segments
        idx = self.segment_tree.query(shapely.box(x - radius, y - radius, x + radius, y + radius))
        return self.segments[np.sort(idx)]

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Index of the footprint containing each point (or touching it), -1 if none."""
        out = np.full(len(points), -1)
        if not len(self) or not len(points):
            return out
        p_idx, b_idx = self.tree.query(points, predicate="intersects")
        out[p_idx] = b_idx
        return out

    def snap_outside(self, point: Point, building: int) -> tuple[Point, float]:
        """Move a point lying in footprint ``building`` just outside its nearest wall.

        Returns the new point and the distance moved (metres).
        """
        poly = self.polygons[building]
        near = shapely.ops.nearest_points(poly.boundary, point)[0]
        dx, dy = near.x - point.x, near.y - point.y
        d = float(np.hypot(dx, dy))
        dirs = []
        if d > 1e-9:
            dirs.append(np.arctan2(dx, dy))
        dirs.extend(np.radians(np.arange(0, 360, 22.5)))
        for a in dirs:
            cand = Point(near.x + _SNAP_OUT_M * np.sin(a), near.y + _SNAP_OUT_M * np.cos(a))
            if self.inside(np.array([cand]))[0] < 0:
                return cand, float(point.distance(cand))
        return point, 0.0

    def view(
        self,
        x: float,
        y: float,
        radius: float,
        bearing_deg: float,
        fov_deg: float,
        step_deg: float = 1.0,
    ):
        """Visibility polygon of one camera against these obstacles."""
        seg = self.segments_near(x, y, radius)
        return visibility_polygon(x, y, radius, bearing_deg, fov_deg, seg, step_deg=step_deg)


def as_obstacles(buildings, crs) -> Obstacles:
    """``buildings`` as :class:`Obstacles` in ``crs`` (an ``Obstacles`` is taken as is)."""
    if isinstance(buildings, Obstacles):
        return buildings
    return Obstacles(to_metric(buildings, crs) if buildings is not None else None)


def camera_views(
    cameras: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    crs=None,
    step_deg: float = 1.0,
    on_invalid: str = "raise",
    include_broken: bool = False,
) -> gpd.GeoDataFrame:
    """One visibility polygon per working camera (Art. 20).

    The view is a sector of radius ``range_m`` centred on ``bearing_deg`` (degrees clockwise
    from north) and ``fov_deg`` wide (360 for dome / PTZ cameras), with the parts hidden behind
    buildings removed (ray casting, see :mod:`analysis.visibility`), computed in ``crs``.

    Cameras with status ``broken`` produce no view (unless ``include_broken``, used to ask what
    a repair would bring back). A camera whose point lies inside (or on the wall of) a building
    is taken as mounted on that building's facade: it is moved just outside the nearest wall
    (``snapped_m`` says how far, ``in_building`` flags it) and its own building then occludes
    like any other; check such cameras, a wrongly placed point may face the wall.

    Parameters
    ----------
    cameras : GeoDataFrame
        Points with ``camera_id, bearing_deg, fov_deg, range_m, status`` (``kind`` optional).
    buildings : GeoDataFrame, optional
        Building footprints (any CRS; reprojected).
    crs : optional
        Metric CRS for the computation; default :func:`resolve_metric_crs`.
    step_deg : float
        Angular step of the rays along the range arc.
    on_invalid : {"raise", "skip"}
        Invalid rows raise :class:`CameraValidationError` (default) or are left out.
    include_broken : bool
        Also compute views of broken cameras.

    Returns
    -------
    GeoDataFrame
        ``camera_id, kind, status, bearing_deg, fov_deg, range_m, in_building, snapped_m``
        and the view polygon, in the CRS of ``cameras``.
    """
    cams = clean_cameras(cameras, on_invalid)
    work_crs = resolve_metric_crs(cameras, buildings, crs=crs)
    cams_m = to_metric(cams, work_crs)
    obstacles = as_obstacles(buildings, work_crs)
    keep = cams_m["status"].eq("working") | (include_broken & cams_m["status"].eq("broken"))
    cams_m = cams_m[keep.to_numpy()]
    pts = cams_m.geometry.to_numpy()
    host = obstacles.inside(pts)
    geoms, snapped = [], []
    for i, (p, row) in enumerate(zip(pts, cams_m.itertuples(index=False), strict=True)):
        moved = 0.0
        if host[i] >= 0:
            p, moved = obstacles.snap_outside(p, host[i])
        snapped.append(moved)
        geoms.append(obstacles.view(p.x, p.y, row.range_m, row.bearing_deg, row.fov_deg, step_deg))
    out = gpd.GeoDataFrame(
        {
            "camera_id": cams_m["camera_id"].to_numpy(),
            "kind": cams_m["kind"].to_numpy() if "kind" in cams_m else None,
            "status": cams_m["status"].to_numpy(),
            "bearing_deg": cams_m["bearing_deg"].to_numpy(),
            "fov_deg": cams_m["fov_deg"].to_numpy(),
            "range_m": cams_m["range_m"].to_numpy(),
            "in_building": host >= 0,
            "snapped_m": np.asarray(snapped, dtype=float),
        },
        geometry=gpd.GeoSeries(geoms, crs=cams_m.crs),
        crs=cams_m.crs,
    )
    return back_to(out, cameras.crs)
