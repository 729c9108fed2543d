"""Coordinate conversion against published test vectors, round trips and metric CRS choice.

Vectors: ``shared/data/benchmarks/coords`` (README there gives each source's tolerance).
``vectors_nonstandard.csv`` uses a non-canonical BD-09 variant and is deliberately not used.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from layers.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert_coords,
    convert_gdf,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    metric_crs,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
COORDS = SHARED / "data" / "benchmarks" / "coords"
needs_vectors = pytest.mark.skipif(
    not COORDS.exists(), reason="shared/data/benchmarks/coords not present beside the repo"
)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in metres."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * np.arcsin(np.sqrt(a))


def tolerance(source: str) -> float:
    """Absolute tolerance (degrees) for a vector, as documented in the vectors' README."""
    if "china-cities" in source:
        return 1e-5  # rounded real-data pairs; gcoord itself uses 5e-5
    if "gcoord" in source:
        return 5e-6  # jest toBeCloseTo(x, 5)
    if "matlab/test/testSuite.m gcj2bd" in source or "bd2gcj" in source:
        return 5e-5  # 5-decimal values, AbsTol 5e-5
    if "ONE-STEP" in source or "bd09togcj02" in source:
        return 1e-6  # the source uses a one-step inverse (deviation ~5e-7 from exact)
    return 1e-6  # eviltransform AbsTol 1e-6; wandergis forward values are formula-exact


@needs_vectors
def test_published_vectors_all_directions():
    vectors = pd.read_csv(COORDS / "vectors.csv")
    assert len(vectors) == 1347
    worst = {}
    for (src, dst), group in vectors.groupby(["src_crs", "dst_crs"]):
        lon, lat = convert_coords(group.src_lon, group.src_lat, src.lower(), dst.lower())
        err = np.maximum(np.abs(lon - group.dst_lon), np.abs(lat - group.dst_lat))
        tol = group.source.map(tolerance).to_numpy()
        bad = group[err > tol]
        assert bad.empty, f"{src}->{dst}: {len(bad)} vectors off, e.g. {bad.iloc[0].to_dict()}"
        worst[(src, dst)] = float(err.max())
    # every direction the file covers was exercised
    assert set(worst) == {
        ("WGS84", "GCJ02"),
        ("GCJ02", "WGS84"),
        ("GCJ02", "BD09"),
        ("BD09", "GCJ02"),
        ("WGS84", "BD09"),
        ("BD09", "WGS84"),
    }


@needs_vectors
def test_formula_exact_vectors_are_tight():
    """Vectors that are formula-exact in the README must match to 1e-9 degrees."""
    vectors = pd.read_csv(COORDS / "vectors.csv")
    exact = vectors[
        vectors.source.str.contains("wandergis")
        & vectors.source.str.contains("wgs84togcj02|gcj02tobd09")
    ]
    assert len(exact) == 2
    for row in exact.itertuples():
        lon, lat = convert_coords(
            row.src_lon, row.src_lat, row.src_crs.lower(), row.dst_crs.lower()
        )
        assert abs(lon - row.dst_lon) < 1e-9 and abs(lat - row.dst_lat) < 1e-9


@needs_vectors
def test_gcoord_cities_inverse_directions():
    cities = json.loads((COORDS / "gcoord_china-cities.json").read_text(encoding="utf-8"))
    assert len(cities) == 664
    wgs = np.array([c["coords"]["WGS84"] for c in cities])
    gcj = np.array([c["coords"]["GCJ02"] for c in cities])
    bd = np.array([c["coords"]["BD09"] for c in cities])
    # tolerances of gcoord's own suite (README): GCJ->WGS and BD->WGS 5e-5, BD->GCJ 5e-6
    assert np.abs(np.column_stack(gcj02_to_wgs84(*gcj.T)) - wgs).max() < 5e-5
    assert np.abs(np.column_stack(bd09_to_wgs84(*bd.T)) - wgs).max() < 5e-5
    assert np.abs(np.column_stack(bd09_to_gcj02(*bd.T)) - gcj).max() < 5e-6
    assert np.abs(np.column_stack(gcj02_to_bd09(*gcj.T)) - bd).max() < 5e-7
    assert np.abs(np.column_stack(wgs84_to_bd09(*wgs.T)) - bd).max() < 5e-5


def china_grid() -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.arange(73.7, 135.0, 0.73), np.arange(4.0, 53.5, 0.61))
    return lon.ravel(), lat.ravel()


def test_round_trip_wgs_gcj_under_one_metre_across_china():
    lon, lat = china_grid()
    assert not out_of_china(lon, lat).any()
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift = metres(lon, lat, glon, glat)
    assert shift.min() > 1.0  # the conversion really moves points inside China
    back = gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, *back).max() < 1.0


def test_round_trip_wgs_bd_under_one_metre_across_china():
    lon, lat = china_grid()
    blon, blat = wgs84_to_bd09(lon, lat)
    assert metres(lon, lat, blon, blat).min() > 1.0
    back = bd09_to_wgs84(blon, blat)
    assert metres(lon, lat, *back).max() < 1.0
    # and via the generic entry point
    back2 = convert_coords(blon, blat, "bd09", "wgs84")
    assert metres(lon, lat, *back2).max() < 1.0


def test_harbin_shift_is_a_few_hundred_metres_north_east():
    glon, glat = wgs84_to_gcj02(126.63, 45.75)
    d = metres(126.63, 45.75, glon, glat)
    assert 300 < d < 700
    assert glon > 126.63 and glat > 45.75


OUTSIDE = np.array(
    [
        (-104.9903, 39.7392),  # Denver
        (-0.1276, 51.5072),  # London
        (151.2093, -33.8688),  # Sydney
        (139.6917, 35.6895),  # Tokyo (east of the box)
        (37.6173, 55.7558),  # Moscow
        (183.0, 45.0),  # gcoord's out-of-range case
    ]
)


@pytest.mark.parametrize(
    "src,dst",
    [
        ("wgs84", "gcj02"),
        ("gcj02", "wgs84"),
        ("wgs84", "bd09"),
        ("bd09", "wgs84"),
        ("gcj02", "bd09"),
        ("bd09", "gcj02"),
    ],
)
def test_no_shift_outside_china(src, dst):
    assert out_of_china(OUTSIDE[:, 0], OUTSIDE[:, 1]).all()
    lon, lat = convert_coords(OUTSIDE[:, 0], OUTSIDE[:, 1], src, dst)
    np.testing.assert_array_equal(lon, OUTSIDE[:, 0])
    np.testing.assert_array_equal(lat, OUTSIDE[:, 1])


def test_unknown_system_is_a_planner_message():
    with pytest.raises(ValueError, match="未知坐标系.*unknown coordinate system"):
        convert_coords(126.6, 45.7, "wgs84", "mars")


def test_convert_gdf_polygons_vertex_by_vertex():
    shell = [(126.60, 45.74), (126.66, 45.74), (126.66, 45.78), (126.60, 45.78)]
    hole = [(126.62, 45.75), (126.64, 45.75), (126.64, 45.77), (126.62, 45.77)]
    poly = Polygon(shell, [hole])
    multi = MultiPolygon([poly, Polygon([(126.7, 45.7), (126.71, 45.7), (126.71, 45.71)])])
    gdf = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[poly, multi], crs="EPSG:4326")
    before = gdf.copy()
    gcj = convert_gdf(gdf, "wgs84", "gcj02")
    # the input is untouched
    assert gdf.geometry.geom_equals_exact(before.geometry, 0).all()
    # every vertex is converted exactly as the coordinate function does
    src = shapely.get_coordinates(gdf.geometry.values)
    dst = shapely.get_coordinates(gcj.geometry.values)
    lon, lat = wgs84_to_gcj02(src[:, 0], src[:, 1])
    np.testing.assert_allclose(dst, np.column_stack([lon, lat]), rtol=0, atol=1e-12)
    # structure preserved: interior ring, multipolygon parts, attributes, CRS
    assert len(gcj.geometry.iloc[0].interiors) == 1
    assert gcj.geometry.iloc[1].geom_type == "MultiPolygon"
    assert list(gcj["name"]) == ["a", "b"] and gcj.crs.equals("EPSG:4326")
    back = convert_gdf(gcj, "gcj02", "wgs84")
    after = shapely.get_coordinates(back.geometry.values)
    assert metres(src[:, 0], src[:, 1], after[:, 0], after[:, 1]).max() < 0.01


def test_convert_gdf_refuses_projected_coordinates():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(500000, 5000000)], crs="EPSG:4551")
    with pytest.raises(ValueError, match="EPSG:4326"):
        convert_gdf(gdf, "gcj02", "wgs84")


@pytest.mark.parametrize(
    "lon,lat,expected",
    [
        (126.63, 45.75, "EPSG:4551"),  # Harbin: CGCS2000 3-degree GK, CM 126E
        (116.40, 39.90, "EPSG:4548"),  # Beijing: CM 117E
        (121.47, 31.23, "EPSG:4549"),  # Shanghai: CM 120E
        (2.35, 48.85, "EPSG:32631"),  # Paris: UTM 31N
        (151.21, -33.87, "EPSG:32756"),  # Sydney: UTM 56S
        (-74.0, 40.7, "EPSG:32618"),  # New York: UTM 18N
    ],
)
def test_metric_crs(lon, lat, expected):
    assert metric_crs(lon, lat) == expected


def test_gauss_kruger_codes_name_the_right_central_meridian():
    from pyproj import CRS

    assert "CM 126E" in CRS.from_user_input(metric_crs(126.63, 45.75)).name
    assert "CM 117E" in CRS.from_user_input(metric_crs(116.40, 39.90)).name
