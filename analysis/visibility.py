"""Visibility polygons: what a camera at a point sees around polygonal obstacles.

The view of a camera is the set of points ``p`` within ``radius`` of the camera, inside its
angular sector, such that the straight segment camera -> ``p`` crosses no obstacle (building).
It is computed by an angular sweep / ray casting in a metric CRS:

* rays are cast at a fine angular step (for the circular arc) **plus** just before and just
  after every critical angle: each obstacle vertex and each point where an obstacle edge meets
  the range circle, and the two sector edges;
* each ray is intersected with every obstacle edge near the camera at once (numpy, rays x edges)
  and stops at the nearest hit, or at ``radius``;
* the hit points, ordered by angle, are the outline of the (star-shaped) visibility polygon.

Between two consecutive critical angles the nearest thing a ray meets is always the same
edge (or the range circle), so the outline is exact along building edges and approximates the
arc by chords of ``step_deg`` (1 degree at 50 m: under 2 mm).

Angles here are *bearings*: degrees clockwise from north (grid north of the metric CRS).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

_EPS_ANGLE = 1e-7  # radians either side of a critical angle
_EPS_T = 1e-9


def bearing_to_direction(bearing_deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Unit vector ``(dx, dy)`` of a bearing (degrees clockwise from north)."""
    theta = np.radians(np.asarray(bearing_deg, dtype=float))
    return np.sin(theta), np.cos(theta)


def sector(
    x: float, y: float, radius: float, bearing_deg: float, fov_deg: float, step_deg: float = 1.0
) -> Polygon:
    """Circular sector (no obstacles) centred on ``bearing_deg``, ``fov_deg`` wide.

    ``fov_deg >= 360`` gives a full disc. Returns an empty polygon for ``radius <= 0`` or
    ``fov_deg <= 0``.
    """
    if radius <= 0 or fov_deg <= 0:
        return Polygon()
    if fov_deg >= 360:
        return Point(x, y).buffer(radius, quad_segs=max(int(round(90 / step_deg)), 4))
    n = max(int(np.ceil(fov_deg / step_deg)), 1)
    angles = bearing_deg - fov_deg / 2 + np.linspace(0.0, fov_deg, n + 1)
    dx, dy = bearing_to_direction(angles)
    ring = np.vstack([[x, y], np.column_stack([x + radius * dx, y + radius * dy]), [x, y]])
    return Polygon(ring)


def sectors(
    x: np.ndarray,
    y: np.ndarray,
    radius: float,
    bearing_deg: np.ndarray,
    fov_deg: float,
    step_deg: float = 1.0,
) -> np.ndarray:
    """Vectorised :func:`sector` for many apexes and bearings sharing one radius and fov."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    bearing_deg = np.asarray(bearing_deg, dtype=float)
    if x.size == 0:
        return np.empty(0, dtype=object)
    if fov_deg >= 360:
        return shapely.buffer(shapely.points(x, y), radius, quad_segs=max(int(90 / step_deg), 4))
    n = max(int(np.ceil(fov_deg / step_deg)), 1)
    angles = bearing_deg[:, None] - fov_deg / 2 + np.linspace(0.0, fov_deg, n + 1)[None, :]
    dx, dy = bearing_to_direction(angles)
    ring = np.empty((x.size, n + 3, 2))
    ring[:, 0, 0], ring[:, 0, 1] = x, y
    ring[:, 1 : n + 2, 0] = x[:, None] + radius * dx
    ring[:, 1 : n + 2, 1] = y[:, None] + radius * dy
    ring[:, -1] = ring[:, 0]
    return shapely.polygons(ring)


def obstacle_segments(obstacles) -> np.ndarray:
    """Edges of polygon obstacles as an ``(n, 4)`` array ``x0, y0, x1, y1``.

    ``obstacles`` is a shapely geometry or an array of them (polygons / multipolygons); holes
    count as edges too.
    """
    geoms = np.atleast_1d(np.asarray(obstacles, dtype=object))
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    if geoms.size == 0:
        return np.empty((0, 4))
    rings = shapely.get_parts(shapely.get_parts(shapely.boundary(geoms)))
    coords, index = shapely.get_coordinates(rings, return_index=True)
    if len(coords) < 2:
        return np.empty((0, 4))
    same = index[1:] == index[:-1]
    seg = np.hstack([coords[:-1][same], coords[1:][same]])
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    return seg[length > 0]


def _wrap(angle: np.ndarray) -> np.ndarray:
    """Angles (radians) to [0, 2 pi)."""
    return np.mod(angle, 2 * np.pi)


def _critical_angles(x: float, y: float, seg: np.ndarray, radius: float) -> np.ndarray:
    """Bearings (radians) of obstacle vertices and edge/range-circle crossings seen from (x, y)."""
    if len(seg) == 0:
        return np.empty(0)
    px = np.concatenate([seg[:, 0], seg[:, 2]]) - x
    py = np.concatenate([seg[:, 1], seg[:, 3]]) - y
    near = np.hypot(px, py) <= radius * (1 + 1e-9)
    out = [np.arctan2(px[near], py[near])]
    # crossings of each edge with the circle |p| = radius: |a + s d|^2 = r^2
    ax, ay = seg[:, 0] - x, seg[:, 1] - y
    dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
    qa = dx * dx + dy * dy
    qb = 2 * (ax * dx + ay * dy)
    qc = ax * ax + ay * ay - radius * radius
    disc = qb * qb - 4 * qa * qc
    ok = disc >= 0
    root = np.sqrt(np.where(ok, disc, 0.0))
    for sign in (-1.0, 1.0):
        s = (-qb + sign * root) / (2 * qa)
        hit = ok & (s >= 0) & (s <= 1)
        out.append(np.arctan2(ax[hit] + s[hit] * dx[hit], ay[hit] + s[hit] * dy[hit]))
    return np.concatenate(out)


def cast_rays(x: float, y: float, angles: np.ndarray, seg: np.ndarray, radius: float) -> np.ndarray:
    """Distance along each ray (bearing in radians) to the nearest obstacle edge, capped at radius.

    Vectorised over rays x edges. A ray that starts exactly on an edge (distance 0) is blocked
    only if it enters the obstacle, which the caller avoids by keeping cameras outside buildings.
    """
    dist = np.full(angles.shape, float(radius))
    if len(seg) == 0 or angles.size == 0:
        return dist
    rx, ry = np.sin(angles)[:, None], np.cos(angles)[:, None]
    ax, ay = (seg[:, 0] - x)[None, :], (seg[:, 1] - y)[None, :]
    ex, ey = (seg[:, 2] - seg[:, 0])[None, :], (seg[:, 3] - seg[:, 1])[None, :]
    # origin + t r = a + s e  ->  t r - s e = a
    den = rx * (-ey) - ry * (-ex)  # cross(r, -e)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (ax * (-ey) - ay * (-ex)) / den
        s = (rx * ay - ry * ax) / den
    valid = (np.abs(den) > 1e-12) & (t > _EPS_T) & (s >= -1e-12) & (s <= 1 + 1e-12)
    t = np.where(valid, t, np.inf)
    return np.minimum(dist, t.min(axis=1))


def visibility_polygon(
    x: float,
    y: float,
    radius: float,
    bearing_deg: float = 0.0,
    fov_deg: float = 360.0,
    segments: np.ndarray | None = None,
    *,
    step_deg: float = 1.0,
) -> Polygon:
    """Area seen from ``(x, y)`` within ``radius`` and the sector, around obstacle ``segments``.

    Parameters
    ----------
    x, y : float
        Camera position in a metric CRS; it must lie outside every obstacle.
    radius : float
        Range in metres.
    bearing_deg, fov_deg : float
        Centre of the view (degrees clockwise from north) and its width; ``fov_deg >= 360``
        is an all-round (dome / PTZ) camera.
    segments : ndarray, optional
        Obstacle edges ``(n, 4)`` from :func:`obstacle_segments`.
    step_deg : float
        Angular step of the rays along the range arc.

    Returns
    -------
    shapely.Polygon
        The visibility polygon (empty if ``radius <= 0`` or ``fov_deg <= 0``).
    """
    if radius <= 0 or fov_deg <= 0 or not np.isfinite(radius):
        return Polygon()
    seg = np.empty((0, 4)) if segments is None else np.asarray(segments, dtype=float)
    if len(seg):
        # keep only edges that can be within range (bounding-box test on both ends)
        lo_x = np.minimum(seg[:, 0], seg[:, 2])
        hi_x = np.maximum(seg[:, 0], seg[:, 2])
        lo_y = np.minimum(seg[:, 1], seg[:, 3])
        hi_y = np.maximum(seg[:, 1], seg[:, 3])
        keep = (lo_x <= x + radius) & (hi_x >= x - radius) & (lo_y <= y + radius)
        keep &= hi_y >= y - radius
        seg = seg[keep]
    if len(seg) == 0:
        return sector(x, y, radius, bearing_deg, fov_deg, step_deg)

    full = fov_deg >= 360
    crit = _critical_angles(x, y, seg, radius)
    crit = np.concatenate([crit - _EPS_ANGLE, crit + _EPS_ANGLE])
    if full:
        n = max(int(np.ceil(360.0 / step_deg)), 8)
        fine = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
        angles = np.unique(_wrap(np.concatenate([fine, crit])))
    else:
        start = np.radians(bearing_deg - fov_deg / 2)
        width = np.radians(fov_deg)
        n = max(int(np.ceil(fov_deg / step_deg)), 1)
        fine = np.linspace(0.0, width, n + 1)
        rel = _wrap(crit - start)
        rel = rel[(rel > 0) & (rel < width)]
        angles = start + np.unique(np.concatenate([fine, rel]))
    dist = cast_rays(x, y, angles, seg, radius)
    px = x + dist * np.sin(angles)
    py = y + dist * np.cos(angles)
    ring = np.column_stack([px, py])
    if not full:
        ring = np.vstack([[x, y], ring])
    poly = Polygon(ring)
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
        polys = [g for g in shapely.get_parts(poly) if g.geom_type == "Polygon"]
        poly = shapely.union_all(polys) if polys else Polygon()
    return poly
