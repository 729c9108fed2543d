"""Tests of analysis.coverage and the ``geo-app coverage`` / ``geo-app isochrones`` commands.

The hand-made layout: a straight 2 km street along x (nodes every 100 m), squares of 20 x 20 m as
communities at known offsets, stations at known points. All distances below are computed by
hand from these coordinates (metres, EPSG:4551 offsets around central Harbin).
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from analysis.coverage import (
    LIFE_CIRCLE_M,
    community_coverage,
    coverage_analysis,
    isochrones,
    minutes_to_metres,
    summarize_coverage,
    two_step_fca,
)

METRIC = "EPSG:4551"
X0, Y0 = 546_000.0, 5_064_000.0
TO_WGS = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


def street_graph(n: int = 21, step: float = 100.0) -> nx.MultiDiGraph:
    """Nodes 0..n-1 at (step * i, 0), consecutive nodes joined both ways."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(n):
        lon, lat = TO_WGS.transform(X0 + step * i, Y0)
        G.add_node(i, x=lon, y=lat)
    for i in range(n - 1):
        G.add_edge(i, i + 1, length=step, osmid=1)
        G.add_edge(i + 1, i, length=step, osmid=1)
    return G


def squares(rows: list[dict]) -> gpd.GeoDataFrame:
    """Communities as 20 x 20 m squares centred at (cx, cy) metric offsets."""
    geoms = [
        shapely.box(X0 + r["cx"] - 10, Y0 + r["cy"] - 10, X0 + r["cx"] + 10, Y0 + r["cy"] + 10)
        for r in rows
    ]
    frame = pd.DataFrame(rows).drop(columns=["cx", "cy"])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=METRIC).to_crs("EPSG:4326")


def points(rows: list[dict]) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(X0 + r["x"], Y0 + r["y"]) for r in rows]
    frame = pd.DataFrame(rows).drop(columns=["x", "y"])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=METRIC).to_crs("EPSG:4326")


COMMUNITIES = squares(
    [
        dict(
            community_id="C1",
            name="一社区",
            street_code="S1",
            district_code="D1",
            households=100,
            population=250,
            cx=200,
            cy=50,
        ),
        dict(
            community_id="C2",
            name="二社区",
            street_code="S1",
            district_code="D1",
            households=200,
            population=500,
            cx=650,
            cy=30,
        ),
        dict(
            community_id="C3",
            name="三社区",
            street_code="S2",
            district_code="D1",
            households=300,
            population=750,
            cx=1000,
            cy=40,
        ),
        dict(
            community_id="C4",
            name="四社区",
            street_code="S2",
            district_code="D2",
            households=400,
            population=1000,
            cx=1900,
            cy=10,
        ),
    ]
)
FACILITIES = points(
    [
        dict(
            facility_id="F1",
            name="站一",
            kind="community_station",
            usable_area_m2=300.0,
            community_id="C1",
            x=200,
            y=0,
        ),
        dict(
            facility_id="F2",
            name="站二",
            kind="community_station",
            usable_area_m2=200.0,
            community_id="C4",
            x=1500,
            y=20,
        ),
        dict(
            facility_id="F3",
            name="街道中心",
            kind="street_centre",
            usable_area_m2=1200.0,
            community_id=None,
            x=1000,
            y=0,
        ),
    ]
)
# hand-computed walking distances to the nearest community_station:
#   C1: 50 (straight down onto F1)       C2: 30 + 450 = 480 (to F1)
#   C3: 40 + 500 + 20 = 560 (to F2; F1 would be 40 + 800 = 840)
#   C4: 10 + 400 + 20 = 430 (to F2)
NEAREST = {"C1": 50.0, "C2": 480.0, "C3": 560.0, "C4": 430.0}


@pytest.fixture(name="G")
def street_fixture():
    return street_graph()


def test_life_circles_and_minutes():
    assert LIFE_CIRCLE_M == {5: 300.0, 10: 500.0, 15: 1000.0}
    assert minutes_to_metres(15) == pytest.approx(1000.0)  # 4 km/h default
    assert minutes_to_metres(10, speed_kmh=4.5) == pytest.approx(750.0)
    with pytest.raises(ValueError):
        minutes_to_metres(5, speed_kmh=0)


def test_community_coverage_on_the_network(G):
    per = community_coverage(G, COMMUNITIES, FACILITIES, 500, kind="community_station")
    per = per.set_index("community_id")
    assert per["nearest_m"].to_dict() == pytest.approx(NEAREST, abs=0.1)
    assert per["covered"].to_dict() == {"C1": True, "C2": True, "C3": False, "C4": True}
    assert per["covered_households"].to_dict() == {"C1": 100, "C2": 200, "C3": 0, "C4": 400}
    assert per["covered_population"].to_dict() == {"C1": 250, "C2": 500, "C3": 0, "C4": 1000}
    assert per["covered_share"].to_dict() == {"C1": 1.0, "C2": 1.0, "C3": 0.0, "C4": 1.0}
    assert per.loc["C3", "nearest_facility"] == "F2"
    assert (per["method"] == "network").all()
    # the street centre F3 (1000, 0) would cover C3 at 40 m: other kinds are left out
    wider = community_coverage(G, COMMUNITIES, FACILITIES, 500).set_index("community_id")
    assert wider.loc["C3", "nearest_m"] == pytest.approx(40.0, abs=0.1)


def test_summaries_per_street_and_district(G):
    per = community_coverage(G, COMMUNITIES, FACILITIES, 500, kind="community_station")
    streets = summarize_coverage(per, "street_code").set_index("street_code")
    assert streets.loc["S1", ["households", "covered_households"]].tolist() == [300, 300]
    assert streets.loc["S2", ["households", "covered_households"]].tolist() == [700, 400]
    assert streets.loc["S2", "covered_share"] == pytest.approx(4 / 7)
    assert streets.loc["S2", "uncovered_households"] == 300
    names = pd.DataFrame({"district_code": ["D1", "D2"], "name": ["道里区", "南岗区"]})
    districts = summarize_coverage(per, "district_code", names).set_index("district_code")
    assert districts.loc["D1", "name"] == "道里区"
    assert districts.loc["D1", ["communities", "covered_communities"]].tolist() == [3, 2]
    assert districts.loc["D1", "covered_share"] == pytest.approx(300 / 600)
    assert districts.loc["D2", "covered_population"] == 1000


def test_fallback_coverage_is_flagged():
    per = community_coverage(None, COMMUNITIES, FACILITIES, 500, kind="community_station")
    per = per.set_index("community_id")
    # C3 straight to F2: hypot(500, 20) x 1.3 = 650.4
    assert per.loc["C3", "nearest_m"] == pytest.approx(math.hypot(500, 20) * 1.3, abs=0.1)
    # C2 straight to F1: hypot(450, 30) x 1.3 = 586.3 > 500: not covered without a network
    assert not per.loc["C2", "covered"]
    assert (per["method"] == "euclidean_detour").all()


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return gdf.to_crs(METRIC).geometry


def _pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def test_network_isochrones_follow_the_street(G):
    iso = isochrones(G, FACILITIES, [300, 500], kind="community_station", buffer_m=30)
    assert set(iso["facility_id"]) == {"F1", "F2"}
    assert (iso["method"] == "network").all()
    geoms = dict(
        zip(zip(iso["facility_id"], iso["distance_m"], strict=True), _metric(iso), strict=True)
    )
    f1 = geoms[("F1", 300.0)]
    # F1 at x=200 on the street: the street from 0 (its end) to 500, buffered by 30 m
    assert f1.contains(_pt(490, 0)) and f1.contains(_pt(10, 25))
    assert not f1.contains(_pt(540, 0)) and not f1.contains(_pt(250, 40))
    circle = 0.5 * 16 * 30**2 * math.sin(2 * math.pi / 16)  # two quarter-segment caps
    assert f1.area == pytest.approx(500 * 60 + circle, rel=1e-3)
    # F2 at (1500, 20): 20 m access leg, then 280 m each way along the street
    f2 = geoms[("F2", 300.0)]
    assert f2.contains(_pt(1230, 0)) and f2.contains(_pt(1770, 0))
    assert not f2.contains(_pt(1190, 0)) and not f2.contains(_pt(1810, 0))
    # plus the cap of the access leg's end (1500, 20) above the band: a circular segment
    cap = 30**2 * math.acos(10 / 30) - 10 * math.sqrt(30**2 - 10**2)
    assert f2.area == pytest.approx(560 * 60 + circle + cap, rel=2e-3)
    assert geoms[("F2", 500.0)].contains(_pt(1970, 0))  # 480 m reaches the street's end
    assert iso["area_m2"].gt(0).all()


def test_isochrones_in_minutes(G):
    iso = isochrones(G, FACILITIES, [5], kind="community_station", speed_kmh=3.6)
    assert iso["distance_m"].tolist() == pytest.approx([300.0, 300.0])
    assert iso["minutes"].tolist() == [5.0, 5.0]


def test_split_overlap_gives_ground_to_the_nearest_facility(G):
    fac = points(
        [
            dict(facility_id="A", kind="community_station", x=200, y=0),
            dict(facility_id="B", kind="community_station", x=600, y=0),
        ]
    )
    keep = isochrones(G, fac, [300], overlap="keep")
    a, b = _metric(keep)
    assert a.intersection(b).area > 100 * 60 * 0.9  # both reach 300..500
    split = isochrones(G, fac, [300], overlap="split")
    a, b = _metric(split)
    assert a.intersection(b).area < 1e-6
    assert a.contains(_pt(390, 0)) and not a.contains(_pt(430, 0))
    assert b.contains(_pt(430, 0)) and b.contains(_pt(890, 0))


def test_fallback_isochrones_are_circles(G):
    iso = isochrones(None, FACILITIES, [650], kind="community_station")
    assert (iso["method"] == "euclidean_detour").all()
    area = _metric(iso).area.to_numpy()
    assert area == pytest.approx(np.full(2, math.pi * 500**2), rel=0.01)  # radius 650 / 1.3


def test_two_step_floating_catchment(G):
    comm = squares(
        [
            dict(community_id="C1", households=100, cx=200, cy=50),
            dict(community_id="C2", households=200, cx=650, cy=30),
            dict(community_id="C3", households=100, cx=1100, cy=10),
            dict(community_id="C4", households=300, cx=1900, cy=10),
        ]
    )
    fac = points(
        [
            dict(facility_id="A", kind="community_station", usable_area_m2=300.0, x=200, y=0),
            dict(facility_id="B", kind="community_station", usable_area_m2=200.0, x=1000, y=0),
        ]
    )
    # within 500 m: A <- C1 (50), C2 (480); B <- C2 (380), C3 (110); C4 reaches nothing (910)
    # step: R_A = 300 / (100 + 200) = 1; R_B = 200 / (200 + 100) = 2/3
    acc, ratios = two_step_fca(G, comm, fac, 500, return_ratios=True)
    acc = acc.set_index("community_id")
    assert acc["accessibility"].to_dict() == pytest.approx(
        {"C1": 1.0, "C2": 5 / 3, "C3": 2 / 3, "C4": 0.0}
    )
    assert acc.loc["C2", "accessibility_per_100"] == pytest.approx(500 / 3)
    assert acc["facilities_in_reach"].tolist() == [1, 2, 1, 0]
    assert ratios.set_index("facility_id")["ratio"].to_dict() == pytest.approx(
        {"A": 1.0, "B": 2 / 3}
    )

    def w(d: float) -> float:
        e = math.exp(-0.5)
        return (math.exp(-0.5 * (d / 500) ** 2) - e) / (1 - e)

    gauss = two_step_fca(G, comm, fac, 500, decay="gaussian").set_index("community_id")
    r_a = 300 / (100 * w(50) + 200 * w(480))
    r_b = 200 / (200 * w(380) + 100 * w(110))
    assert gauss.loc["C1", "accessibility"] == pytest.approx(r_a * w(50), rel=1e-6)
    assert gauss.loc["C2", "accessibility"] == pytest.approx(r_a * w(480) + r_b * w(380), rel=1e-6)
    assert gauss.loc["C4", "accessibility"] == 0.0


def test_coverage_analysis_bundles_tables_for_a_page(G):
    res = coverage_analysis(
        G, COMMUNITIES, FACILITIES, "community_station", 500, isochrone_distances=[300, 500]
    )
    assert res.method == "network"
    assert list(res.uncovered["community_id"]) == ["C3"]
    assert res.districts.set_index("district_code").loc["D1", "covered_households"] == 300
    assert len(res.isochrones) == 4 and res.isochrones.crs.equals("EPSG:4326")


# -- CLI ----------------------------------------------------------------------------------------
@pytest.fixture
def project_path(tmp_path, G):
    from geo_app.project import Project, ProjectSettings
    from layers.network import network_to_layers

    path = tmp_path / "hand.gpkg"
    project = Project.create(path, ProjectSettings(name="手工项目"))
    nodes, edges = network_to_layers(G)
    districts = gpd.GeoDataFrame(
        {
            "district_code": ["D1", "D2"],
            "name": ["道里区", "南岗区"],
            "district_class": ["core", "core"],
        },
        geometry=[
            shapely.box(X0 - 100, Y0 - 100, X0 + 1500, Y0 + 100),
            shapely.box(X0 + 1500, Y0 - 100, X0 + 2100, Y0 + 100),
        ],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    project.write_layers(
        {
            "communities": COMMUNITIES,
            "facilities": FACILITIES,
            "districts": districts,
            "network_nodes": nodes,
            "network_edges": edges,
        }
    )
    return path


def _run(argv: list[str]) -> int:
    from geo_app.cli import main

    return main(argv)


def test_cli_coverage_csv_xlsx_gpkg(project_path, tmp_path, capsys):
    out = tmp_path / "cov.csv"
    code = _run(
        [
            "coverage",
            str(project_path),
            "--facility-kind",
            "community_station",
            "--distance",
            "500",
            "--machine-readable",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"community_id": str})
    assert list(table.columns[:5]) == [
        "community_id",
        "households",
        "covered_households",
        "covered_share",
        "nearest_m",
    ]
    table = table.set_index("community_id")
    assert table["covered_households"].to_dict() == {"C1": 100, "C2": 200, "C3": 0, "C4": 400}
    assert table["nearest_m"].to_dict() == pytest.approx(NEAREST, abs=0.1)
    assert set(table["method"]) == {"network"}
    printed = capsys.readouterr().out
    assert "700/1000" in printed and "道里区" in printed

    xlsx = tmp_path / "cov.xlsx"
    assert (
        _run(
            [
                "coverage",
                str(project_path),
                "--facility-kind",
                "community_station",
                "--minutes",
                "10",
                "--speed",
                "3",
                "--machine-readable",
                "--out",
                str(xlsx),
            ]
        )
        == 0
    )
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"社区覆盖", "区县汇总", "街道汇总"}
    # 10 min at 3 km/h = 500 m: the same answer
    assert sheets["社区覆盖"]["covered_households"].sum() == 700

    gpkg = tmp_path / "cov.gpkg"
    assert (
        _run(
            [
                "coverage",
                str(project_path),
                "--facility-kind",
                "community_station",
                "--distance",
                "300",
                "--out",
                str(gpkg),
            ]
        )
        == 0
    )
    layer = pyogrio.read_dataframe(gpkg, layer="coverage")
    assert layer.geometry.notna().all()
    assert layer.set_index("community_id")["covered"].to_dict() == {
        "C1": True,
        "C2": False,
        "C3": False,
        "C4": False,
    }


def test_cli_coverage_without_network_falls_back_with_a_note(project_path, tmp_path, capsys):
    from geo_app.project import Project

    project = Project.open(project_path)
    project.store.delete_layers(["network_nodes", "network_edges"])
    out = tmp_path / "cov.csv"
    assert (
        _run(
            [
                "coverage",
                str(project_path),
                "--facility-kind",
                "community_station",
                "--distance",
                "500",
                "--machine-readable",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "no walking network" in capsys.readouterr().err
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert set(table["method"]) == {"euclidean_detour"}


def test_cli_isochrones(project_path, tmp_path):
    out = tmp_path / "iso.gpkg"
    code = _run(
        [
            "isochrones",
            str(project_path),
            "--facility-kind",
            "community_station",
            "--distances",
            "300",
            "500",
            "1000",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    iso = pyogrio.read_dataframe(out, layer="isochrones")
    assert len(iso) == 6
    assert sorted(iso["distance_m"].unique()) == [300.0, 500.0, 1000.0]
    big = iso[(iso["facility_id"] == "F1") & (iso["distance_m"] == 1000)].to_crs(METRIC)
    assert big.geometry.iloc[0].contains(_pt(1150, 0))


def test_cli_errors_are_planner_readable(project_path, tmp_path, capsys):
    assert (
        _run(
            [
                "coverage",
                str(project_path),
                "--facility-kind",
                "spaceport",
                "--distance",
                "500",
                "--out",
                str(tmp_path / "x.csv"),
            ]
        )
        == 2
    )
    assert "未知设施类型" in capsys.readouterr().err
    assert (
        _run(
            [
                "coverage",
                str(project_path),
                "--facility-kind",
                "community_station",
                "--distance",
                "500",
                "--out",
                str(tmp_path / "x.pdf"),
            ]
        )
        == 2
    )
    assert (
        _run(
            [
                "isochrones",
                str(project_path),
                "--facility-kind",
                "square",
                "--out",
                str(tmp_path / "x.gpkg"),
            ]
        )
        == 2
    )
    assert "square" in capsys.readouterr().err


def test_off_network_facility_gets_a_flagged_circle(G):
    fac = points(
        [
            dict(facility_id="on", kind="community_station", x=200, y=0),
            dict(facility_id="off", kind="community_station", x=1000, y=900),  # 900 m away
        ]
    )
    iso = isochrones(G, fac, [390]).set_index("facility_id")
    assert iso.loc["on", "method"] == "network"
    assert iso.loc["off", "method"] == "euclidean_detour"
    areas = _metric(iso).area
    assert areas["off"] == pytest.approx(math.pi * 300**2, rel=0.01)  # radius 390 / 1.3
    comm = squares([dict(community_id="X", households=10, population=20, cx=1000, cy=1000)])
    per = community_coverage(G, comm, fac, 390)
    # X is 1000 m off the street: straight line to "off" is 100 m x 1.3 = 130
    assert per["method"].iloc[0] == "euclidean_detour"
    assert per["nearest_m"].iloc[0] == pytest.approx(130, abs=0.1)
    assert bool(per["covered"].iloc[0])


def test_demo_project_coverage_is_consistent(demo_project_path):
    from geo_app.cli.coverage import project_coverage
    from geo_app.project import Project

    project = Project.open(demo_project_path)
    near = project_coverage(project, "community_station", 500, isochrone_distances=[500])
    far = project_coverage(project, "community_station", 1000, isochrone_distances=[])
    per = near.communities
    assert "network" in near.method  # the demo ships a walking network
    assert per["covered"].any() and not per["covered"].all()
    assert (per.loc[per["covered"], "nearest_m"] <= 500).all()
    assert (per.loc[~per["covered"], "nearest_m"].fillna(1e9) > 500).all()
    # a longer walk covers every community covered by a shorter one
    assert (far.communities["covered"] | ~per["covered"]).all()
    assert far.communities["covered_households"].sum() >= per["covered_households"].sum()
    # districts add up to the communities
    assert near.districts["households"].sum() == per["households"].sum()
    assert near.districts["covered_households"].sum() == per["covered_households"].sum()
    iso = near.isochrones
    assert len(iso) > 0 and iso.crs.equals("EPSG:4326") and (iso["area_m2"] > 0).all()
