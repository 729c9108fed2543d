"""Camera views: vectorised ray casting vs a per-ray shapely baseline (Art. 20 surveillance).

Baseline (measured in the same run): for every ray, build a LineString from the camera to the
range circle, intersect it with the dissolved building footprints and keep the nearest hit --
the straightforward shapely loop. Ours: ``analysis.visibility.visibility_polygon`` (all rays x
all nearby edges at once in numpy, plus rays at every critical angle). Both use the same ray
angles, so the polygons must agree; the script prints the speed ratio and the largest area
difference.

Run: ``.venv/bin/python benchmarks/surveillance_views.py`` (real buildings of central Harbin
from ``../shared/data/harbin/harbin.osm.pbf`` if present, else a synthetic grid of blocks).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from analysis.surveillance import Obstacles
from analysis.visibility import _critical_angles, _wrap

CRS = "EPSG:4551"
PBF = Path(__file__).resolve().parents[2] / "shared" / "data" / "harbin" / "harbin.osm.pbf"
RADIUS = 40.0
STEP = 1.0


def buildings() -> np.ndarray:
    if PBF.exists():
        gdf = pyogrio.read_dataframe(
            PBF,
            layer="multipolygons",
            columns=["building"],
            where="building IS NOT NULL",
            bbox=(126.62, 45.75, 126.65, 45.77),
        ).to_crs(CRS)
        return gdf.geometry.to_numpy()
    xs, ys = np.meshgrid(np.arange(0, 1000, 40.0), np.arange(0, 1000, 40.0))
    return shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 25, ys.ravel() + 18)


def angles_for(x, y, seg):
    crit = _critical_angles(x, y, seg, RADIUS)
    crit = np.concatenate([crit - 1e-7, crit + 1e-7])
    fine = np.linspace(0.0, 2 * np.pi, int(360 / STEP), endpoint=False)
    return np.unique(_wrap(np.concatenate([fine, crit])))


def baseline(x, y, angles, footprints) -> shapely.Polygon:
    shapely.prepare(footprints)
    ring = []
    for a in angles:
        end = (x + RADIUS * np.sin(a), y + RADIUS * np.cos(a))
        ray = shapely.LineString([(x, y), end])
        d = RADIUS
        if footprints.intersects(ray):
            hit = ray.intersection(footprints)
            d = min(d, shapely.Point(x, y).distance(hit))
        ring.append((x + d * np.sin(a), y + d * np.cos(a)))
    return shapely.Polygon(ring)


def main() -> None:
    obstacles = Obstacles(buildings())
    footprints = shapely.union_all(obstacles.polygons)
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = footprints.bounds
    pts = shapely.points(rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400))
    # cameras outside buildings with at least one building within range (no trivial sectors)
    pts = pts[~shapely.intersects(pts, footprints) & shapely.dwithin(pts, footprints, RADIUS / 2)]
    pts = pts[:30]
    t0 = time.perf_counter()
    ours = [obstacles.view(p.x, p.y, RADIUS, 0.0, 360.0, STEP) for p in pts]
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = []
    for p in pts:
        seg = obstacles.segments_near(p.x, p.y, RADIUS)
        base.append(baseline(p.x, p.y, angles_for(p.x, p.y, seg), footprints))
    t_base = time.perf_counter() - t0
    diff = max(abs(a.area - b.area) for a, b in zip(ours, base, strict=True))
    print(f"buildings: {len(obstacles)}, cameras: {len(pts)}, range {RADIUS} m")
    print(f"baseline per-ray shapely loop: {t_base:.3f} s")
    print(f"vectorised ray casting:        {t_ours:.3f} s")
    print(f"speed-up: {t_base / t_ours:.1f}x; largest area difference {diff:.4f} m2")


if __name__ == "__main__":
    main()
