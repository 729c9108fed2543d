"""Surveillance coverage of public places (Art. 20): hand-made layouts with known answers."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from analysis.surveillance import (
    CameraSpec,
    CameraValidationError,
    analyse_surveillance,
    camera_views,
    candidate_positions,
    community_summary,
    derive_public_spaces,
    discretise,
    repair_list,
    space_coverage,
    suggest_cameras,
    validate_cameras,
)
from analysis.visibility import obstacle_segments, visibility_polygon

CRS = "EPSG:4551"  # CGCS2000 GK 126E (Harbin), metres
X0, Y0 = 500000.0, 5060000.0  # a local origin inside the zone


def pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def line(*xy) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def rect(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def cams(rows: list[dict], crs=CRS) -> gpd.GeoDataFrame:
    base = {"kind": "bullet", "status": "working"}
    data = [{**base, **r} for r in rows]
    geoms = [pt(*r.pop("xy")) for r in data]
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=geoms, crs=crs)


def spaces(geoms, community="c1") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "space_id": [f"s{i + 1}" for i in range(len(geoms))],
            "kind": ["street"] * len(geoms),
            "community_id": [community] * len(geoms),
        },
        geometry=geoms,
        crs=CRS,
    )


STREET = line((0, 0), (100, 0))  # a straight 100 m street along +x (east)


# --------------------------------------------------------------------------------------------
# views and coverage
# --------------------------------------------------------------------------------------------
def test_camera_at_street_end_covers_50_m():
    cam = cams([{"camera_id": "a", "xy": (0, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50}])
    views = camera_views(cam)
    assert list(views["camera_id"]) == ["a"]
    # sector area = r^2 * fov / 2 (fov in radians)
    assert views.geometry.iloc[0].area == pytest.approx(50**2 * math.radians(60) / 2, rel=1e-3)
    cov = space_coverage(spaces([STREET]), views)
    row = cov.spaces.iloc[0]
    assert row["covered_length_m"] == pytest.approx(50.0, abs=1e-6)
    assert row["covered_share"] == pytest.approx(0.5, abs=1e-8)
    blind = cov.blind_spots.geometry.iloc[0]
    assert blind.length == pytest.approx(50.0, abs=1e-6)
    assert blind.distance(pt(75, 0)) < 1e-9 and blind.distance(pt(25, 0)) > 20


def test_bearing_is_clockwise_from_north():
    # facing west (270) from the east end covers the eastern half; facing north covers nothing
    west = cams(
        [{"camera_id": "w", "xy": (100, 0), "bearing_deg": 270, "fov_deg": 60, "range_m": 50}]
    )
    north = cams(
        [{"camera_id": "n", "xy": (50, -10), "bearing_deg": 0, "fov_deg": 20, "range_m": 50}]
    )
    cw = space_coverage(spaces([STREET]), camera_views(west)).spaces.iloc[0]
    assert cw["covered_length_m"] == pytest.approx(50.0, abs=1e-6)
    # north-facing camera 10 m south of the street, fov 20: sees x in 50 +- 10 tan(10 deg)
    cn = space_coverage(spaces([STREET]), camera_views(north)).spaces.iloc[0]
    assert cn["covered_length_m"] == pytest.approx(2 * 10 * math.tan(math.radians(10)), abs=1e-6)


def test_broken_camera_covers_nothing():
    cam = cams(
        [
            {
                "camera_id": "b",
                "xy": (0, 0),
                "bearing_deg": 90,
                "fov_deg": 60,
                "range_m": 50,
                "status": "broken",
            }
        ]
    )
    views = camera_views(cam)
    assert len(views) == 0
    cov = space_coverage(spaces([STREET]), views)
    assert cov.spaces["covered_length_m"].iloc[0] == 0.0
    assert cov.blind_spots.geometry.iloc[0].length == pytest.approx(100.0)


def test_building_hides_the_street_behind_it():
    # Camera 20 m north of the street looking south-east (bearing 135, fov 90, range 50):
    # without buildings it sees the street from x = 0 to sqrt(50^2 - 20^2) = 45.83 m.
    # A building [10, 20] x [5, 10] stands between it and the street; the shadow on y = 0
    # runs from the ray through corner (10, 5) -> x = 10 * 20 / 15 = 13.33 to the ray through
    # corner (20, 10) -> x = 20 * 20 / 10 = 40.
    cam = cams(
        [{"camera_id": "a", "xy": (0, 20), "bearing_deg": 135, "fov_deg": 90, "range_m": 50}]
    )
    bld = gpd.GeoDataFrame({"levels": [3]}, geometry=[rect(10, 5, 20, 10)], crs=CRS)
    reach = math.sqrt(50**2 - 20**2)
    open_view = space_coverage(spaces([STREET]), camera_views(cam)).spaces.iloc[0]
    assert open_view["covered_length_m"] == pytest.approx(reach, abs=5e-3)
    cov = space_coverage(spaces([STREET]), camera_views(cam, bld))
    expected = 40 / 3 + (reach - 40)
    assert cov.spaces["covered_length_m"].iloc[0] == pytest.approx(expected, abs=5e-3)
    blind = cov.blind_spots.geometry.iloc[0]
    shadow = line((40 / 3, 0), (40, 0))
    assert blind.intersection(shadow).length == pytest.approx(40 - 40 / 3, abs=1e-3)
    # visible parts on either side of the shadow are covered
    view = camera_views(cam, bld).geometry.iloc[0]
    assert view.covers(line((0.5, 0), (13.0, 0)))
    assert view.covers(line((40.5, 0), (45.5, 0)))
    assert not view.intersects(line((14.0, 0), (39.5, 0)))
    # a true visibility polygon: the area behind the building is gone, not just the footprint
    assert view.area < camera_views(cam).geometry.iloc[0].area - 10 * 5 - 100


def test_visibility_polygon_exact_along_building_edges():
    # all-round camera at the origin, a wall-like building x in [10, 12], y in [-5, 5]:
    # the hidden area within the radius is the shadow wedge behind the front face x = 10.
    seg = obstacle_segments([box(10, -5, 12, 5)])
    vis = visibility_polygon(0, 0, 30, 0, 360, seg, step_deg=0.25)
    half = math.atan2(5, 10)  # half-angle of the shadow
    # shadow = sector of angle 2*half radius 30 minus the triangle in front of the face
    shadow = 30**2 * half - 10 * 5
    assert vis.area == pytest.approx(math.pi * 30**2 - shadow, rel=2e-4)
    assert vis.contains(Point(9.9, 0)) and not vis.contains(Point(20, 0))
    assert vis.contains(Point(20, 11))  # outside the shadow wedge


def test_camera_inside_building_is_moved_to_the_facade():
    # camera recorded 1 m inside a building's east wall, facing east along the street
    bld = gpd.GeoDataFrame({"levels": [5]}, geometry=[rect(-20, -10, 0, 10)], crs=CRS)
    cam = cams([{"camera_id": "a", "xy": (-1, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50}])
    views = camera_views(cam, bld)
    assert bool(views["in_building"].iloc[0])
    assert views["snapped_m"].iloc[0] == pytest.approx(1.1, abs=1e-6)
    # it now sits 0.1 m east of the wall, at x = 0.1: it covers x in [0.1, 50.1]
    cov = space_coverage(spaces([STREET]), views).spaces.iloc[0]
    assert cov["covered_length_m"] == pytest.approx(50.0, abs=1e-3)
    assert views.geometry.iloc[0].covers(line((0.11, 0), (50.09, 0)))
    assert not views.geometry.iloc[0].intersects(rect(-20, -10, 0, 10).buffer(-0.01))


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def test_invalid_camera_values_reported_per_row():
    frame = cams(
        [
            {"camera_id": "ok", "xy": (0, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50},
            {"camera_id": "b1", "xy": (1, 0), "bearing_deg": 400, "fov_deg": 60, "range_m": 50},
            {"camera_id": "r1", "xy": (2, 0), "bearing_deg": 10, "fov_deg": 60, "range_m": -5},
            {"camera_id": "f1", "xy": (3, 0), "bearing_deg": 10, "fov_deg": None, "range_m": 5},
            {
                "camera_id": "s1",
                "xy": (4, 0),
                "bearing_deg": 10,
                "fov_deg": 60,
                "range_m": 5,
                "status": "lost",
            },
            {"camera_id": "d1", "xy": (5, 0), "bearing_deg": None, "fov_deg": 360, "range_m": 5},
        ]
    )
    problems = validate_cameras(frame)
    errors = problems[problems["severity"] == "error"]
    got = {(r.row, r.camera_id, r.field) for r in errors.itertuples()}
    assert got == {
        (1, "b1", "bearing_deg"),
        (2, "r1", "range_m"),
        (3, "f1", "fov_deg"),
        (4, "s1", "status"),
    }  # the 360-degree dome without bearing (row 5) is fine
    assert errors["message_zh"].str.len().gt(0).all() and errors["message_en"].str.len().gt(0).all()
    assert "400" in errors.set_index("camera_id").loc["b1", "message_en"]
    with pytest.raises(CameraValidationError) as info:
        camera_views(frame)
    assert len(info.value.problems[info.value.problems["severity"] == "error"]) == 4
    assert "b1" in str(info.value) and "第 1 行" in str(info.value)
    # skip mode drops the four bad rows and keeps the two good ones
    assert sorted(camera_views(frame, on_invalid="skip")["camera_id"]) == ["d1", "ok"]


def test_chinese_status_words_are_understood():
    frame = cams(
        [
            {"camera_id": "a", "xy": (0, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50},
            {
                "camera_id": "b",
                "xy": (0, 0),
                "bearing_deg": 90,
                "fov_deg": 60,
                "range_m": 50,
                "status": "损坏",
            },
        ]
    )
    assert validate_cameras(frame).empty
    assert list(camera_views(frame)["camera_id"]) == ["a"]


# --------------------------------------------------------------------------------------------
# summaries and repair list
# --------------------------------------------------------------------------------------------
def test_community_summary_and_working_rate():
    frame = cams(
        [
            {"camera_id": "a", "xy": (0, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50},
            {
                "camera_id": "b",
                "xy": (100, 0),
                "bearing_deg": 270,
                "fov_deg": 60,
                "range_m": 30,
                "status": "broken",
            },
        ]
    )
    frame["community_id"] = "c1"
    cov = space_coverage(spaces([STREET]), camera_views(frame))
    table = community_summary(cov, frame).set_index("community_id")
    assert table.loc["c1", "public_length_m"] == pytest.approx(100.0)
    assert table.loc["c1", "covered_length_m"] == pytest.approx(50.0)
    assert table.loc["c1", "covered_share"] == pytest.approx(0.5)
    assert table.loc["c1", "cameras_total"] == 2 and table.loc["c1", "cameras_broken"] == 1
    assert table.loc["c1", "working_rate"] == pytest.approx(0.5)
    assert not table.loc["c1", "meets_working_target"]  # 50 % < 98 %


def test_repair_list_orders_by_newly_covered_length():
    # working camera a covers x in [0, 50]. Broken b (at x=100 facing west, range 30) would
    # cover [70, 100]: all new. Broken c (at x=0 facing east, range 60) would add [50, 60] only.
    frame = cams(
        [
            {"camera_id": "a", "xy": (0, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50},
            {
                "camera_id": "c",
                "xy": (0, 0),
                "bearing_deg": 90,
                "fov_deg": 60,
                "range_m": 60,
                "status": "broken",
            },
            {
                "camera_id": "b",
                "xy": (100, 0),
                "bearing_deg": 270,
                "fov_deg": 60,
                "range_m": 30,
                "status": "broken",
            },
        ]
    )
    rep = repair_list(frame, spaces([STREET]))
    assert list(rep["camera_id"]) == ["b", "c"]
    assert list(rep["rank"]) == [1, 2]
    assert rep["gain_length_m"].tolist() == pytest.approx([30.0, 10.0], abs=1e-3)


# --------------------------------------------------------------------------------------------
# placement
# --------------------------------------------------------------------------------------------
def grid(n: int, spacing: float):
    """n x n street grid: node points and the 2 n (n - 1) edges between neighbours."""
    nodes = [(i * spacing, j * spacing) for j in range(n) for i in range(n)]
    edges = []
    for j in range(n):
        for i in range(n - 1):
            edges.append(line((i * spacing, j * spacing), ((i + 1) * spacing, j * spacing)))
            edges.append(line((j * spacing, i * spacing), (j * spacing, (i + 1) * spacing)))
    node_gdf = gpd.GeoDataFrame(
        {"osmid": range(len(nodes))}, geometry=[pt(*xy) for xy in nodes], crs=CRS
    )
    return node_gdf, spaces(edges)


def test_placement_finds_the_known_minimum_on_a_grid():
    # 3 x 3 grid, 100 m blocks, all-round cameras of range 101 m at the nodes only. The middle
    # of every 100 m edge is > 101 m from every node but its two ends, so each edge needs a
    # camera at one of its ends: a minimum vertex cover of the 3 x 3 grid graph. The four
    # edge-midpoint nodes form a cover, and the grid has a matching of 4 disjoint edges, so the
    # minimum is exactly 4.
    nodes, streets = grid(3, 100.0)
    cand = candidate_positions(network_nodes=nodes, crs=CRS)
    assert len(cand) == 9 and set(cand["source"]) == {"network_node"}
    spec = CameraSpec(kind="dome", fov_deg=360, range_m=101)
    res = suggest_cameras(streets, cand, spec=spec, piece_m=5.0, time_limit=20)
    assert res.status == "optimal"
    assert res.n_cameras == 4 and res.objective == 4 and res.bound == 4
    assert res.uncoverable.empty and bool(res.pieces["covered"].all())
    # the four chosen nodes really cover every street
    views = gpd.GeoDataFrame(
        res.cameras[["camera_id"]],
        geometry=res.cameras.geometry.buffer(101, quad_segs=64),
        crs=CRS,
    )
    assert space_coverage(streets, views).spaces["covered_share"].min() == pytest.approx(1.0)
    # ...and no 3 nodes are the ends of all 12 edges (the lower bound, checked by brute force)
    from itertools import combinations

    xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    ends = [shapely.get_coordinates(g) for g in streets.geometry]
    for trio in combinations(range(9), 3):
        chosen = xy[list(trio)]
        covered = all(
            any(np.allclose(e[0], c) or np.allclose(e[1], c) for c in chosen) for e in ends
        )
        assert not covered


def test_placement_max_coverage_with_one_camera_picks_the_centre():
    nodes, streets = grid(3, 100.0)
    cand = candidate_positions(network_nodes=nodes, crs=CRS)
    spec = CameraSpec(kind="dome", fov_deg=360, range_m=101)
    res = suggest_cameras(streets, cand, spec=spec, max_cameras=1, time_limit=20)
    assert res.n_cameras == 1 and res.status == "optimal"
    assert res.cameras.geometry.iloc[0].equals(pt(100, 100))
    # its four incident edges (400 m) plus 5 m pieces within 101 m on the four outer edges
    assert res.cameras["new_length_m"].iloc[0] == pytest.approx(res.objective)
    assert 400 <= res.objective <= 400 + 4 * 2 * 10 + 1e-6


def test_placement_time_limit_keeps_greedy_cover_and_reports_bound(monkeypatch):
    # simulate the solver stopping at its time limit with a poor cover (every view) and a
    # dual bound of 3.2: views adding nothing are dropped, the bound is ceil(3.2) = 4 and the
    # gap is (cameras - 4) / cameras
    import dataclasses

    import analysis.surveillance.placement as placement
    from analysis.siting import set_cover

    def stopped(cost, max_cost, **kwargs):
        res = set_cover(cost, max_cost, **kwargs)
        every = list(range(cost.shape[1]))
        return dataclasses.replace(res, selected=every, optimal=False, bound=3.2)

    monkeypatch.setattr(placement, "set_cover", stopped)
    nodes, streets = grid(3, 100.0)
    cand = candidate_positions(network_nodes=nodes, crs=CRS)
    spec = CameraSpec(kind="dome", fov_deg=360, range_m=101)
    res = suggest_cameras(streets, cand, spec=spec, time_limit=1)
    assert res.status == "time_limit"
    assert res.bound == 4 and res.n_cameras >= 4
    assert res.gap == pytest.approx((res.n_cameras - 4) / res.n_cameras)
    assert bool(res.pieces["covered"].all())


def test_placement_reports_uncoverable_pieces_and_bearings():
    # a directional camera spec: from a node at x = 0 the 45-degree bearings cover the street
    # along +x up to the range; the far part of the street is out of reach of every candidate
    user = gpd.GeoDataFrame(geometry=[pt(0, 0)], crs=CRS)
    cand = candidate_positions(extra_points=user, crs=CRS)
    spec = CameraSpec(fov_deg=60, range_m=50, bearing_step_deg=45)
    res = suggest_cameras(spaces([STREET]), cand, spec=spec, piece_m=5.0)
    assert res.n_cameras == 1
    assert res.cameras["bearing_deg"].iloc[0] == 90.0
    assert res.cameras["source"].iloc[0] == "user"
    assert res.uncoverable["size"].sum() == pytest.approx(50.0)  # x in [50, 100]
    assert res.cameras["new_length_m"].iloc[0] == pytest.approx(50.0)


def test_discretise_lines_and_polygons():
    tg = spaces([STREET, rect(0, 10, 12, 20)])
    pieces = discretise(tg, 5.0)
    lines = pieces[pieces["measure"] == "length"]
    cells = pieces[pieces["measure"] == "area"]
    assert len(lines) == 20 and lines["size"].max() <= 5 + 1e-9
    assert lines["size"].sum() == pytest.approx(100.0)
    assert cells["size"].sum() == pytest.approx(120.0) and len(cells) == 6  # 3 x 2 cells


def test_building_corner_candidates_stay_outside():
    bld = gpd.GeoDataFrame({"levels": [3]}, geometry=[rect(0, 0, 10, 10)], crs=CRS)
    cand = candidate_positions(buildings=bld, crs=CRS)
    assert len(cand) == 4 and set(cand["source"]) == {"building_corner"}
    assert not cand.geometry.intersects(bld.geometry.iloc[0]).any()
    assert cand.geometry.distance(bld.geometry.iloc[0]).max() == pytest.approx(0.5, abs=1e-3)


# --------------------------------------------------------------------------------------------
# derived public spaces and the whole analysis
# --------------------------------------------------------------------------------------------
def small_area():
    """A scattered community 100 x 60 m with one street through it and a regulated one."""
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["c1", "c2"],
            "name": ["散住社区", "封闭小区"],
            "district_code": ["230102", "230103"],
            "management": ["scattered", "regulated"],
        },
        geometry=[rect(0, -30, 100, 30), rect(200, -30, 300, 30)],
        crs=CRS,
    )
    # the street enters at x = -20 (outside), crosses c1, ends inside c2; both directions stored
    geoms = [line((-20, 0), (100, 0)), line((100, 0), (-20, 0)), line((100, 0), (250, 0))]
    edges = gpd.GeoDataFrame(
        {"u": [1, 2, 2], "v": [2, 1, 3], "key": [0, 0, 0], "length": [120.0, 120.0, 150.0]},
        geometry=geoms,
        crs=CRS,
    )
    nodes = gpd.GeoDataFrame(
        {"osmid": [1, 2, 3]}, geometry=[pt(-20, 0), pt(100, 0), pt(250, 0)], crs=CRS
    )
    return communities, edges, nodes


def test_derive_public_spaces_from_network():
    communities, edges, _ = small_area()
    derived = derive_public_spaces(communities, edges)
    streets = derived[derived["kind"] == "street"]
    entrances = derived[derived["kind"] == "entrance"]
    assert set(derived["community_id"]) == {"c1"}  # only the scattered community
    assert streets.length.sum() == pytest.approx(100.0)  # counted once, clipped at the edge
    # two crossings of the boundary (x = 0 and x = 100): two half discs of radius 5
    assert len(entrances) == 2
    assert entrances.area.sum() == pytest.approx(2 * math.pi * 25 / 2, rel=1e-2)


def test_analyse_surveillance_end_to_end():
    communities, edges, nodes = small_area()
    frame = cams(
        [
            {"camera_id": "a", "xy": (0, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50},
            {
                "camera_id": "b",
                "xy": (100, 0),
                "bearing_deg": 270,
                "fov_deg": 60,
                "range_m": 50,
                "status": "broken",
            },
        ]
    ).to_crs("EPSG:4326")
    res = analyse_surveillance(
        frame,
        communities=communities.to_crs("EPSG:4326"),
        network_edges=edges.to_crs("EPSG:4326"),
        network_nodes=nodes.to_crs("EPSG:4326"),
        spec=CameraSpec(kind="dome", fov_deg=360, range_m=110),
    )
    assert res.derived_spaces and res.crs == CRS  # metric CRS chosen from the data (Harbin GK)
    assert res.views.crs.equals("EPSG:4326")
    row = res.by_community.set_index("community_id").loc["c1"]
    assert row["public_length_m"] == pytest.approx(100.0, abs=0.01)
    assert row["covered_length_m"] == pytest.approx(50.0, abs=0.01)
    assert row["cameras_total"] == 2 and row["cameras_broken"] == 1
    assert list(res.repair["camera_id"]) == ["b"]
    assert res.repair["gain_length_m"].iloc[0] == pytest.approx(50.0, abs=0.01)
    t = res.totals
    assert (t["cameras_total"], t["cameras_working"], t["cameras_broken"]) == (2, 1, 1)
    assert t["working_rate"] == 0.5 and not t["meets_working_target"]
    assert t["covered_share"] == pytest.approx(0.5, abs=1e-4)
    # blind: the street half x in [50, 100] and parts of the two entrance half-discs; a dome of
    # range 110 at the node x = 100 (on the boundary) or any point along the street sees all
    # of it, so one camera is the minimum (zero would leave blind spots)
    assert res.placement.stats["candidate_positions"] >= 1
    assert res.placement.status == "optimal" and res.placement.n_cameras == 1
    assert res.placement.uncoverable.empty


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------
def test_cli_on_a_tiny_project(tmp_path, capsys):
    from geo_app.cli import main
    from geo_app.project import Project

    communities, edges, nodes = small_area()
    frame = cams(
        [
            {"camera_id": "a", "xy": (0, 0), "bearing_deg": 90, "fov_deg": 60, "range_m": 50},
            {
                "camera_id": "b",
                "xy": (100, 0),
                "bearing_deg": 270,
                "fov_deg": 60,
                "range_m": 50,
                "status": "broken",
            },
        ]
    )
    project = Project.create(tmp_path / "p.gpkg")
    project.write_layers(
        {
            "cameras": frame,
            "communities": communities,
            "network_edges": edges,
            "network_nodes": nodes,
            "public_spaces": spaces([line((0, 0), (100, 0))]),
        }
    )
    out = tmp_path / "result.gpkg"
    code = main(
        [
            "surveillance",
            str(tmp_path / "p.gpkg"),
            "--out",
            str(out),
            "--fov",
            "360",
            "--range",
            "60",
            "--district",
            "230102",
        ]
    )
    assert code == 0, capsys.readouterr().err
    names = {str(n) for n, _ in pyogrio.list_layers(out)}
    assert {
        "camera_views",
        "blind_spots",
        "repair_list",
        "suggested_cameras",
        "surveillance_by_community",
    } <= names
    table = pyogrio.read_dataframe(out, layer="surveillance_by_community", read_geometry=False)
    assert list(table.columns[:6]) == [
        "community_id",
        "public_length_m",
        "covered_length_m",
        "covered_share",
        "cameras_total",
        "cameras_broken",
    ]
    row = table.set_index("community_id").loc["c1"]
    assert row["public_length_m"] == pytest.approx(100.0, abs=0.01)
    assert row["covered_length_m"] == pytest.approx(50.0, abs=0.01)
    assert row["covered_share"] == pytest.approx(0.5, abs=1e-4)
    assert row["cameras_total"] == 2 and row["cameras_broken"] == 1
    assert pyogrio.read_dataframe(out, layer="repair_list")["camera_id"].tolist() == ["b"]
    assert len(pyogrio.read_dataframe(out, layer="suggested_cameras")) == 1
    blind = pyogrio.read_dataframe(out, layer="blind_spots").to_crs(CRS)
    assert blind.length.sum() == pytest.approx(50.0, abs=0.01)
    assert "完好率" in capsys.readouterr().out


def test_cli_reports_invalid_cameras(tmp_path, capsys):
    from geo_app.cli import main
    from geo_app.project import Project

    frame = cams(
        [{"camera_id": "x", "xy": (0, 0), "bearing_deg": 500, "fov_deg": 60, "range_m": 50}]
    )
    project = Project.create(tmp_path / "p.gpkg")
    project.write_layers({"cameras": frame, "public_spaces": spaces([STREET])})
    code = main(["surveillance", str(tmp_path / "p.gpkg"), "--out", str(tmp_path / "o.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and "bearing" in err and "朝向" in err and "x" in err


def test_cli_on_the_demo_project_district(demo_project_path, tmp_path):
    from geo_app.cli import main
    from geo_app.project import Project

    out = tmp_path / "demo_surveillance.gpkg"
    code = main(["surveillance", str(demo_project_path), "--district", "平房区", "--out", str(out)])
    assert code == 0
    project = Project.open(demo_project_path)
    communities = project.layer("communities")
    pingfang = set(communities.loc[communities["district_code"] == "230108", "community_id"])
    table = pyogrio.read_dataframe(out, layer="surveillance_by_community", read_geometry=False)
    assert set(table["community_id"]) <= pingfang and len(table) == len(pingfang)
    assert (table["covered_length_m"] <= table["public_length_m"] + 1e-6).all()
    # cameras counted per community agree with a direct point-in-polygon count
    cams = project.layer("cameras")
    inside = gpd.sjoin(cams, communities[communities["community_id"].isin(pingfang)])
    assert table["cameras_total"].sum() == inside["camera_id"].nunique()
    broken = inside[inside["status"] == "broken"]
    assert table["cameras_broken"].sum() == broken["camera_id"].nunique()
    repair = pyogrio.read_dataframe(out, layer="repair_list")
    assert set(broken["camera_id"]) <= set(repair["camera_id"])
    assert list(repair["rank"]) == list(range(1, len(repair) + 1))
    assert repair["gain_length_m"].is_monotonic_decreasing or len(repair) < 2
    views = pyogrio.read_dataframe(out, layer="camera_views")
    assert set(views["camera_id"]).isdisjoint(
        set(cams.loc[cams["status"] == "broken", "camera_id"])
    )


def test_new_cameras_come_ranked_with_the_coverage_after_the_first_k(demo_project_path, tmp_path):
    """道外区 of the demo (issue 25, item 5): the hundreds of new cameras come in install order,
    each adding no more than the one before it (greedy), with the coverage reached after it;
    the export carries the same columns."""
    from analysis.surveillance import coverage_after
    from geo_app.cli import main

    out = tmp_path / "daowai.gpkg"
    assert (
        main(["surveillance", str(demo_project_path), "--district", "道外区", "--out", str(out)])
        == 0
    )
    new = pyogrio.read_dataframe(out, layer="suggested_cameras")
    spaces = pyogrio.read_dataframe(out, layer="surveillance_by_community", read_geometry=False)
    n = len(new)
    assert n > 100
    assert new["install_rank"].tolist() == list(range(1, n + 1))
    gain = new["gain_share"].to_numpy()
    assert (np.diff(gain) <= 1e-12).all()  # greedy: each adds at most what the one before did
    public_length = spaces["public_length_m"].sum()
    public_area = spaces["public_area_m2"].sum()
    expected = new["new_length_m"] / public_length + new["new_area_m2"] / public_area
    assert gain == pytest.approx(expected.to_numpy(), abs=1e-9)
    start = spaces["covered_length_m"].sum()
    after = (start + new["new_length_m"].cumsum()) / public_length
    assert new["covered_share_after"].to_numpy() == pytest.approx(after.to_numpy(), abs=1e-6)
    area_after = (spaces["covered_area_m2"].sum() + new["new_area_m2"].cumsum()) / public_area
    assert new["covered_share_area_after"].to_numpy() == pytest.approx(area_after.to_numpy())
    assert (np.diff(new["covered_share_after"]) >= -1e-12).all()
    totals = {
        "public_length_m": public_length,
        "covered_length_m": start,
        "public_area_m2": public_area,
        "covered_area_m2": spaces["covered_area_m2"].sum(),
    }
    assert coverage_after(new, totals, 0)["covered_share"] == pytest.approx(start / public_length)
    assert coverage_after(new, totals, 10)["covered_share_area"] == pytest.approx(area_after[9])
    assert coverage_after(new, totals, n + 5)["cameras"] == n  # at most all of them


def test_ranking_orders_by_the_share_of_public_places_added():
    """Two blind spots: a 40 m alley (of 100 m of lines) and a 400 m2 yard (of 10,000 m2).
    By shares the alley (40 %) comes before the yard (4 %), though the yard adds more
    square metres than the alley adds metres."""
    from analysis.surveillance import PlacementOptions, rank_new_cameras, suggest_cameras

    targets = spaces([line((0, 0), (40, 0)), rect(200, 0, 220, 20)])
    candidates = gpd.GeoDataFrame(geometry=[pt(-1, 0), pt(210, -5)], crs=CRS)
    spec = CameraSpec(kind="dome", fov_deg=360.0, range_m=60.0)
    by_share = PlacementOptions(spec=spec, order_weights=(1 / 100, 1 / 10_000), piece_m=5.0)
    placed = suggest_cameras(targets, candidates, None, by_share)
    assert placed.n_cameras == 2
    assert placed.cameras["new_length_m"].iloc[0] > 0  # the alley first
    by_size = suggest_cameras(targets, candidates, None, PlacementOptions(spec=spec, piece_m=5.0))
    assert by_size.cameras["new_area_m2"].iloc[0] > 0  # metres and m2 alike: the yard first
    totals = {"public_length_m": 100.0, "covered_length_m": 0.0}
    totals |= {"public_area_m2": 10_000.0, "covered_area_m2": 0.0}
    ranked = rank_new_cameras(placed.cameras, totals)
    assert ranked["gain_share"].tolist() == pytest.approx([0.4, 0.04], abs=1e-6)
    assert ranked["covered_share_after"].tolist() == pytest.approx([0.4, 0.4], abs=1e-6)


# --------------------------------------------------------------------------------------------
# real buildings (OpenStreetMap extract of central Harbin)
# --------------------------------------------------------------------------------------------
SHARED = Path(__file__).resolve().parents[3] / "shared"
HARBIN_PBF = SHARED / "data" / "harbin" / "harbin.osm.pbf"


@pytest.mark.realdata
def test_views_against_real_buildings_match_a_segment_oracle():
    """Views among 700+ real footprints: a sampled point is in the view iff the straight
    sight line from the camera reaches it without entering a building (independent check)."""
    if not HARBIN_PBF.exists():
        pytest.skip(f"共享数据不存在 / shared OSM extract not found: {HARBIN_PBF}")
    bld = pyogrio.read_dataframe(
        HARBIN_PBF,
        layer="multipolygons",
        columns=["building"],
        where="building IS NOT NULL",
        bbox=(126.62, 45.75, 126.65, 45.77),
    )
    assert len(bld) > 300
    bld = bld.to_crs(CRS)
    footprints = shapely.union_all(shapely.make_valid(bld.geometry.to_numpy()))
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = bld.total_bounds
    xy = np.column_stack([rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400)])
    pts = shapely.points(xy)
    pts = pts[~shapely.intersects(pts, footprints.buffer(0.5))][:40]
    n = len(pts)
    frame = gpd.GeoDataFrame(
        {
            "camera_id": [f"r{i}" for i in range(n)],
            "kind": "bullet",
            "bearing_deg": rng.uniform(0, 360, n),
            "fov_deg": rng.choice([60.0, 90.0, 360.0], n),
            "range_m": 40.0,
            "status": "working",
        },
        geometry=pts,
        crs=CRS,
    ).to_crs("EPSG:4326")
    views = camera_views(frame, bld.to_crs("EPSG:4326"), crs=CRS).to_crs(CRS)
    assert len(views) == n and views.is_valid.all()
    inner = shapely.buffer(footprints, -0.01)
    mismatches = checked = 0
    for cam, view, row in zip(pts, views.geometry, views.itertuples(), strict=True):
        assert shapely.area(shapely.intersection(view, inner)) < 0.05  # never inside a building
        # sample points in the open sector, away from the view outline (rounding)
        r = 40 * np.sqrt(rng.uniform(0.0, 1.0, 60))
        half = min(row.fov_deg, 359.0) / 2
        b = np.radians(row.bearing_deg + rng.uniform(-half, half, 60))
        q = shapely.points(cam.x + r * np.sin(b), cam.y + r * np.cos(b))
        far = shapely.distance(q, view.boundary) > 0.05
        q = q[far & ~shapely.intersects(q, footprints)]
        sight = shapely.linestrings(
            np.stack([np.broadcast_to([cam.x, cam.y], (len(q), 2)), shapely.get_coordinates(q)], 1)
        )
        blocked = shapely.intersects(sight, inner)
        seen = shapely.contains(view, q)
        checked += len(q)
        mismatches += int((seen == blocked).sum())  # seen must be exactly "not blocked"
    assert checked > 1000
    assert mismatches == 0


def test_targets_come_from_the_standard_set_when_it_has_an_art20_rule():
    import types

    from analysis.standards import load_standard
    from analysis.surveillance import targets_from_standard

    assert targets_from_standard(None) == {"working_target": 0.98, "coverage_target": 1.0}
    current = targets_from_standard(load_standard("harbin-2011"))
    rule = load_standard("harbin-2011").first("surveillance")
    if rule is None:  # the set has no Art. 20 rule yet: the 2015 national guidance applies
        assert current == {"working_target": 0.98, "coverage_target": 1.0}
    else:
        assert current["working_target"] == pytest.approx(float(rule.params["working_target"]))
    rule = types.SimpleNamespace(params={"working_target": 0.95})
    fake = types.SimpleNamespace(first=lambda check: rule if check == "surveillance" else None)
    assert targets_from_standard(fake) == {"working_target": 0.95, "coverage_target": 1.0}


def test_art20_targets_come_from_the_standard_set():
    from analysis.standards import load_standard
    from analysis.surveillance import targets_from_standard

    harbin = load_standard("harbin-2011")
    assert harbin.first("surveillance").article == "Art. 20"
    assert targets_from_standard(harbin) == {"working_target": 0.98, "coverage_target": 1.0}
    stricter = load_standard("harbin-2011", {"art20_surveillance": {"working_target": 0.99}})
    assert targets_from_standard(stricter)["working_target"] == 0.99
