"""Details of the demo generator (:mod:`layers.demo`): public spaces, buildings and cameras of\nscattered communities (Art. 20)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from layers.demo_base import (
    choose,
    sample_in,
)

# -- scattered communities: public spaces, buildings, cameras ------------------------------


def _rect(cx: float, cy: float, a: float, b: float, angle_deg: float) -> shapely.Polygon:
    return _rects(np.array([[cx, cy]]), np.array([a]), np.array([b]), angle_deg)[0]


def _rects(xy: np.ndarray, a: np.ndarray, b: np.ndarray, angle_deg) -> np.ndarray:
    """Rectangles ``a`` x ``b`` centred at ``xy``, rotated by ``angle_deg`` (vectorised)."""
    ang = np.radians(np.broadcast_to(np.asarray(angle_deg, dtype=float), a.shape))
    local = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    lx = local[None, :, 0] * a[:, None]
    ly = local[None, :, 1] * b[:, None]
    cos, sin = np.cos(ang)[:, None], np.sin(ang)[:, None]
    x = xy[:, 0:1] + lx * cos - ly * sin
    y = xy[:, 1:2] + lx * sin + ly * cos
    return shapely.polygons(np.stack([x, y], axis=-1))


def _place(poly, blocked, rects: np.ndarray, gap: float, limit: int) -> list:
    """Greedily keep up to ``limit`` rectangles inside ``poly``, off ``blocked``, ``gap`` apart."""
    ok = shapely.contains(poly, rects) & ~shapely.intersects(blocked, rects)
    chosen: list = []
    for r in rects[ok]:
        if len(chosen) >= limit:
            break
        if chosen and shapely.dwithin(r, np.array(chosen), gap).any():
            continue
        chosen.append(r)
    return chosen


def _bearing(dx: float, dy: float) -> float:
    """Compass bearing (degrees clockwise from north) of the direction (dx, dy)."""
    return (math.degrees(math.atan2(dx, dy)) + 360.0) % 360.0


def _lines_through(poly, x: float, y: float, angle: float, length: float) -> list:
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    seg = shapely.LineString([(x - dx, y - dy), (x + dx, y + dy)])
    parts = shapely.get_parts(shapely.intersection(seg, poly))
    return [p for p in parts if p.geom_type == "LineString" and p.length > 30.0]


def _camera(rng, x, y, bearing, kind=None) -> dict:
    kind = kind or str(choose(rng, ["bullet", "dome", "ptz"], [0.6, 0.3, 0.1]))
    if kind == "bullet":
        fov, rng_m = rng.uniform(50, 80), rng.uniform(30, 60)
    elif kind == "dome":
        fov, rng_m = rng.uniform(90, 115), rng.uniform(15, 30)
    else:
        fov, rng_m = 360.0, rng.uniform(50, 80)
    return {
        "kind": kind,
        "bearing_deg": round(bearing + rng.normal(0, 8), 1) % 360.0,
        "fov_deg": round(float(fov), 1),
        "range_m": round(float(rng_m), 1),
        "status": "broken" if rng.random() < 0.07 else "working",
        "geometry": shapely.Point(x, y),
    }


def _cameras_on_line(rng, line, community_id: str) -> list[dict]:
    out = []
    spacing = rng.uniform(85, 115)
    for dist in np.arange(spacing / 2, line.length, spacing):
        if rng.random() < 0.15:  # a gap in the coverage
            continue
        p0 = line.interpolate(max(dist - 1.0, 0.0))
        p1 = line.interpolate(min(dist + 1.0, line.length))
        tx, ty = p1.x - p0.x, p1.y - p0.y
        norm = math.hypot(tx, ty) or 1.0
        side = 3.0 if rng.random() < 0.5 else -3.0
        p = line.interpolate(dist)
        x, y = p.x - ty / norm * side, p.y + tx / norm * side
        bearing = _bearing(tx, ty) if rng.random() < 0.5 else _bearing(-tx, -ty)
        cam = _camera(rng, x, y, bearing)
        cam["community_id"] = community_id
        out.append(cam)
    return out


def _scattered_one(rng: np.random.Generator, poly, cid: str):
    """Public spaces, cameras and buildings of one scattered community (metric)."""
    shapely.prepare(poly)
    spaces: list[tuple[str, shapely.Geometry]] = []
    cams: list[dict] = []
    c = shapely.point_on_surface(poly)
    theta = rng.uniform(0, math.pi)
    angle = math.degrees(theta)
    streets = _lines_through(poly, c.x, c.y, theta, 4000.0)
    if rng.random() < 0.7:
        off = rng.uniform(-120, 120)
        x, y = c.x + math.cos(theta) * off, c.y + math.sin(theta) * off
        streets += _lines_through(poly, x, y, theta + math.pi / 2, 4000.0)
    spaces += [("street", s) for s in streets]
    for x, y in sample_in(rng, poly, int(rng.integers(3, 6))):
        ang = theta + (math.pi / 2 if rng.random() < 0.5 else 0.0)
        parts = _lines_through(poly, x, y, ang, rng.uniform(90, 240))
        if parts:
            spaces.append(("alley", max(parts, key=lambda g: g.length)))
    lines = [g for _, g in spaces]
    blocked = shapely.buffer(shapely.union_all(lines), 6.0) if lines else shapely.Polygon()
    if streets:
        e = streets[0].interpolate(6.0)
        spaces.append(("entrance", shapely.intersection(_rect(e.x, e.y, 14.0, 10.0, angle), poly)))
        cam = _camera(rng, e.x, e.y, _bearing(c.x - e.x, c.y - e.y), kind="bullet")
        cam["community_id"] = cid
        cams.append(cam)
    wanted = [("courtyard", int(rng.integers(2, 4)), (28, 60))]
    if rng.random() < 0.35:
        wanted.append(("square", 1, (45, 80)))
    for kind, count, (lo, hi) in wanted:
        xy = sample_in(rng, poly, 25)
        a = rng.uniform(lo, hi, len(xy))
        b = rng.uniform(lo, hi, len(xy)) * 0.8
        shapely.prepare(blocked)
        placed = _place(poly, blocked, _rects(xy, a, b, angle), 4.0, count)
        for rect in placed:
            spaces.append((kind, rect))
            corner = np.asarray(rect.exterior.coords[0])
            centre = np.asarray(rect.centroid.coords[0])
            pos = corner + (centre - corner) * 0.05
            cam_kind = "ptz" if kind == "square" else "dome"
            cam = _camera(rng, pos[0], pos[1], _bearing(*(centre - pos)), kind=cam_kind)
            cam["community_id"] = cid
            cams.append(cam)
        if placed:
            blocked = shapely.union(blocked, shapely.buffer(shapely.union_all(placed), 4.0))
    for line in lines:
        cams += _cameras_on_line(rng, line, cid)
    xy = sample_in(rng, poly, 60)
    a = rng.uniform(18, 60, len(xy))
    b = rng.uniform(10, 16, len(xy))
    angles = angle + np.where(rng.random(len(xy)) < 0.3, 90.0, 0.0)
    shapely.prepare(blocked)
    buildings = []
    for rect in _place(poly, blocked, _rects(xy, a, b, angles), 4.0, 22):
        use = str(choose(rng, ["residential", "commercial", "public"], [0.8, 0.15, 0.05]))
        buildings.append(
            {"levels": int(rng.integers(2, 8)), "use": use, "community_id": cid, "geometry": rect}
        )
    return spaces, cams, buildings


def scattered_details(
    rng: np.random.Generator, comm: pd.DataFrame, min_cameras: int = 520
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    scattered = comm[(comm["management"] == "scattered") & (comm["kind"] == "urban")]
    spaces, cams, buildings = [], [], []
    line_pool = []
    for c in scattered.itertuples(index=False):
        s, k, b = _scattered_one(rng, c.geometry, c.community_id)
        for kind, geom in s:
            if geom.is_empty:
                continue
            spaces.append({"kind": kind, "community_id": c.community_id, "geometry": geom})
            if kind in ("street", "alley"):
                line_pool.append((c.community_id, geom))
        cams += k
        buildings += b
    while len(cams) < min_cameras and line_pool:  # top up along random lines
        cid, line = line_pool[int(rng.integers(len(line_pool)))]
        cams += _cameras_on_line(rng, line, cid)
    spaces_df = pd.DataFrame(spaces)
    spaces_df.insert(0, "space_id", [f"PS{i + 1:05d}" for i in range(len(spaces_df))])
    cams_df = pd.DataFrame(cams)
    cams_df.insert(0, "camera_id", [f"CAM{i + 1:05d}" for i in range(len(cams_df))])
    buildings_df = pd.DataFrame(buildings)
    buildings_df.insert(0, "building_id", [f"B{i + 1:05d}" for i in range(len(buildings_df))])
    return spaces_df, cams_df, buildings_df
