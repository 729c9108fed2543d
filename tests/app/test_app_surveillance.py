"""The surveillance page (Art. 20): workflow functions, the map builder and the page (AppTest)."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, box
from streamlit.testing.v1 import AppTest

from analysis.surveillance import CameraSpec, coverage_after
from geo_app import workflows
from geo_app.app.pages import PAGES
from geo_app.cli import main
from geo_app.maps import surveillance as ms
from geo_app.project import Project, ProjectError
from geo_app.project.paths import ENV_PROJECT

CRS = "EPSG:4551"  # CGCS2000 GK 126E (Harbin), metres
X0, Y0 = 500000.0, 5060000.0
EVIL = "<img src=x onerror=alert(1)>"
PINGFANG = "230108"


def _pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def tiny_layers() -> dict[str, gpd.GeoDataFrame]:
    """A scattered community with a straight 100 m street along +x; camera ``a`` at x = 0 looks
    east (fov 60, range 50: sees x in [0, 50]), camera ``b`` at x = 100 looks west but is
    broken. Hand-computed: 100 m public, 50 m covered, 50 m blind, working rate 1/2, and
    repairing ``b`` covers the other 50 m again."""
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["c1"],
            "name": [EVIL],
            "district_code": ["230102"],
            "management": ["scattered"],
        },
        geometry=[box(X0 - 10, Y0 - 30, X0 + 110, Y0 + 30)],
        crs=CRS,
    )
    districts = gpd.GeoDataFrame(
        {"district_code": ["230102"], "name": ["道里区"], "district_class": ["core"]},
        geometry=[box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500)],
        crs=CRS,
    )
    cameras = gpd.GeoDataFrame(
        {
            "camera_id": ["a", "b"],
            "kind": ["bullet", "bullet"],
            "bearing_deg": [90.0, 270.0],
            "fov_deg": [60.0, 60.0],
            "range_m": [50.0, 50.0],
            "status": ["working", "broken"],
        },
        geometry=[_pt(0, 0), _pt(100, 0)],
        crs=CRS,
    )
    spaces = gpd.GeoDataFrame(
        {"space_id": ["s1"], "kind": ["street"], "community_id": ["c1"]},
        geometry=[LineString([(X0, Y0), (X0 + 100, Y0)])],
        crs=CRS,
    )
    layers = {
        "communities": communities,
        "districts": districts,
        "cameras": cameras,
        "public_spaces": spaces,
    }
    return {k: v.to_crs("EPSG:4326") for k, v in layers.items()}


@pytest.fixture
def tiny_project(tmp_path) -> Path:
    path = tmp_path / "tiny.gpkg"
    Project.create(path).write_layers(tiny_layers())
    return path


DOME_110 = CameraSpec(kind="dome", fov_deg=360.0, range_m=110.0)


# -- workflows ---------------------------------------------------------------------------------
def test_surveillance_spec_checks_values_and_makes_domes_all_round():
    bullet = workflows.surveillance_spec(90, 30, 45)
    assert (bullet.kind, bullet.fov_deg, bullet.range_m) == ("bullet", 90.0, 30.0)
    assert list(bullet.bearings()) == [0, 45, 90, 135, 180, 225, 270, 315]
    dome = workflows.surveillance_spec(90, 25, 45, kind="dome")
    assert (dome.kind, dome.fov_deg, list(dome.bearings())) == ("dome", 360.0, [0.0])
    assert workflows.surveillance_spec(360, 25).kind == "dome"
    for bad in ({"range_m": 0}, {"fov_deg": 0}, {"fov_deg": 400}, {"bearing_step_deg": -5}):
        with pytest.raises(ProjectError, match="视距.*range"):
            workflows.surveillance_spec(**{"fov_deg": 90, "range_m": 30, **bad})


def test_project_surveillance_on_a_hand_made_project(tiny_project):
    project = Project.open(tiny_project)
    result = workflows.project_surveillance(project, district="道里区", spec=DOME_110)
    totals = result.totals
    assert totals["public_length_m"] == pytest.approx(100.0, abs=0.01)
    assert totals["covered_length_m"] == pytest.approx(50.0, abs=0.01)
    assert (totals["cameras_total"], totals["cameras_working"], totals["cameras_broken"]) == (
        2,
        1,
        1,
    )
    assert totals["working_rate"] == 0.5 and totals["working_target"] == 0.98
    assert list(result.repair["camera_id"]) == ["b"]
    assert result.repair["gain_length_m"].iloc[0] == pytest.approx(50.0, abs=0.01)
    # one dome of range 110 sees the whole blind half: the minimum is one camera
    assert result.placement.status == "optimal" and result.placement.n_cameras == 1
    capped = workflows.project_surveillance(project, spec=DOME_110, suggest=False)
    assert capped.placement is None
    without = Project.create(tiny_project.parent / "none.gpkg")
    with pytest.raises(ProjectError, match="cameras"):
        workflows.project_surveillance(without)


def test_result_bytes_are_the_cli_result_file(tiny_project, tmp_path):
    out = tmp_path / "cli.gpkg"
    args = ["--fov", "360", "--range", "110", "--district", "230102"]
    assert main(["surveillance", str(tiny_project), "--out", str(out), *args]) == 0
    result = workflows.project_surveillance(
        Project.open(tiny_project), district="230102", spec=workflows.surveillance_spec(360, 110)
    )
    download = tmp_path / "download.gpkg"
    download.write_bytes(workflows.surveillance_gpkg_bytes(result))
    names = sorted(str(n) for n, _ in pyogrio.list_layers(download))
    assert names == sorted(str(n) for n, _ in pyogrio.list_layers(out))
    assert {"camera_views", "blind_spots", "repair_list", "suggested_cameras"} <= set(names)
    for layer in ("surveillance_by_community", "repair_list", "blind_spots"):
        ours = pyogrio.read_dataframe(download, layer=layer)
        theirs = pyogrio.read_dataframe(out, layer=layer)
        pd.testing.assert_frame_equal(ours, theirs)
    blind = pyogrio.read_dataframe(download, layer="blind_spots").to_crs(CRS)
    assert blind.length.sum() == pytest.approx(50.0, abs=0.01)


def test_district_options_and_the_default_district():
    communities = pd.DataFrame(
        {
            "district_code": ["1"] * 3 + ["2"] * 5 + ["3"] * 2 + ["4"] * 4,
            "management": ["basic"] * 3
            + ["scattered", "scattered", "basic", "basic", "basic"]
            + ["scattered", "regulated"]
            + ["scattered", "basic", "basic", "basic"],
        }
    )
    districts = pd.DataFrame({"district_code": ["1", "2", "3"], "name": ["甲区", "乙区", "丙区"]})
    options = workflows.surveillance_district_options(communities, districts)
    assert options.to_dict("list") == {
        "district_code": ["1", "2", "3", "4"],
        "name": ["甲区", "乙区", "丙区", "4"],
        "communities": [3, 5, 2, 4],
        "scattered": [0, 2, 1, 1],
    }
    # the smallest district with scattered communities (district 1 is smaller but has none)
    assert workflows.default_surveillance_district(options) == "3"
    none = options.assign(scattered=0)
    assert workflows.default_surveillance_district(none) == "3"
    assert workflows.default_surveillance_district(options.iloc[:0]) is None


def test_surveillance_table_labels_values_and_headers(tiny_project):
    result = workflows.project_surveillance(Project.open(tiny_project), spec=DOME_110)
    zh = workflows.surveillance_table(
        result.by_community, "zh", workflows.SURVEILLANCE_COMMUNITY_COLUMNS
    )
    row = zh.iloc[0]
    assert row["覆盖率(%)"] == pytest.approx(50.0)
    assert row["完好率(%)"] == pytest.approx(50.0)
    assert row["管理类型"] == "散居"
    assert row["完好率达标"] == "否"
    repair = workflows.surveillance_table(result.repair, "en", workflows.REPAIR_COLUMNS)
    assert list(repair.columns[:3]) == ["Rank", "Camera id", "Kind"]
    suggested = workflows.surveillance_table(
        result.placement.cameras, "zh", workflows.SUGGESTED_COLUMNS
    )
    assert suggested["类型"].tolist() == ["半球"]
    lonlat = result.placement.cameras.geometry.iloc[0]
    assert suggested["经度"].iloc[0] == pytest.approx(lonlat.x, abs=1e-6)
    problems = pd.DataFrame(
        {
            "row": [0],
            "camera_id": ["x"],
            "field": ["bearing_deg"],
            "value": ["500"],
            "severity": ["error"],
            "message_zh": ["朝向须在 0-360"],
            "message_en": ["bearing must be in 0-360"],
        }
    )
    shown = workflows.surveillance_table(problems, "en", workflows.CAMERA_PROBLEM_COLUMNS)
    assert shown["Message"].tolist() == ["bearing must be in 0-360"]
    assert shown["Severity"].tolist() == ["error"]
    assert workflows.surveillance_table(problems, "zh")["级别"].tolist() == ["错误"]


# -- the map builder ---------------------------------------------------------------------------
@pytest.fixture
def tiny_result(tiny_project):
    return workflows.project_surveillance(Project.open(tiny_project), spec=DOME_110)


def _geojson_layers(m) -> dict:
    """``{layer name: folium.GeoJson}`` of a map (the GeoJson children of its groups)."""
    import folium

    out = {}
    for group in m._children.values():
        for child in getattr(group, "_children", {}).values():
            if isinstance(child, folium.GeoJson):
                out[child.layer_name] = child
    return out


def _group_names(m) -> list[str]:
    """Names of the map's toggleable layers (what the layer control lists)."""
    import folium

    return [g.layer_name for g in m._children.values() if isinstance(g, folium.FeatureGroup)]


def test_map_has_every_layer_named_in_the_language(tiny_result):
    layers = tiny_layers()
    views = ms.prepare_surveillance(tiny_result, layers["cameras"], layers["communities"], "zh")
    names = [v.name for v in views]
    assert names == [
        "communities",
        "public_spaces",
        "suggested_views",
        "camera_views",
        "blind_spots",
        "suggested_cameras",
        "cameras_working",
        "cameras_broken",
    ]
    by_name = {v.name: v for v in views}
    assert by_name["cameras_working"].shown == 1 and by_name["cameras_broken"].shown == 1
    assert by_name["cameras_broken"].geojson["features"][0]["properties"]["_tip"] == "损坏监控:b"
    m = ms.surveillance_map(views, "zh", assets="inline")
    groups = _group_names(m)
    for zh in ("监控视域", "盲区", "完好监控", "损坏监控", "建议新增监控", "公共部位"):
        assert zh in groups
    assert set(_geojson_layers(m)) == set(names)
    legend = ms.legend_html(views, "zh")
    assert all(label in legend for label in groups)
    english = ms.surveillance_map(ms.prepare_surveillance(tiny_result, lang="en"), "en")
    assert {"Blind spots", "Camera views"} <= set(_group_names(english))


def test_blind_spots_are_red_and_views_semi_transparent(tiny_result):
    m = ms.surveillance_map(ms.prepare_surveillance(tiny_result), "zh")
    layers = _geojson_layers(m)
    blind = layers["blind_spots"]
    features = blind.data["features"]
    assert len(features) == 1 and features[0]["geometry"]["type"] == "LineString"
    styles = [blind.style_function(f) for f in features]
    assert {s["color"] for s in styles} == {ms.BLIND_SPOT_COLOUR} == {"#e31a1c"}
    views = layers["camera_views"]
    for feature in views.data["features"]:
        style = views.style_function(feature)
        assert style["fill"] and 0 < style["fillOpacity"] < 0.5
    assert ms.BLIND_SPOT_COLOUR in ms.legend_html(ms.prepare_surveillance(tiny_result))


def test_map_popups_and_tooltips_are_escaped(tiny_result):
    layers = tiny_layers()
    cameras = layers["cameras"].copy()
    cameras.loc[0, "camera_id"] = "<script>x</script>"
    result = tiny_result
    result.views = result.views.assign(camera_id="<script>x</script>")
    views = ms.prepare_surveillance(result, cameras, layers["communities"], "zh")
    by_name = {v.name: v for v in views}
    community = by_name["communities"].geojson["features"][0]["properties"]
    assert community["f0"] == html.escape(EVIL)
    working = by_name["cameras_working"].geojson["features"][0]["properties"]
    assert working["_tip"] == "完好监控:&lt;script&gt;x&lt;/script&gt;"
    page = ms.surveillance_map(views, "zh").get_root().render()
    assert EVIL not in page and "<script>x</script>" not in page


# -- the page (AppTest) ------------------------------------------------------------------------
def _page() -> None:
    from geo_app.app import frame as ui
    from geo_app.app.pages import guarded, surveillance

    ui.language_switch()
    guarded(surveillance.render)()


def _app(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return AppTest.from_function(_page, default_timeout=120).run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _tab_table(at: AppTest, tab: int) -> pd.DataFrame:
    """The table of a result tab: by community, repair list, suggested cameras, problems."""
    return at.tabs[tab].dataframe[0].value


def _expected(path: Path, district: str) -> dict:
    result = workflows.project_surveillance(
        Project.open(path),
        district=district,
        spec=workflows.surveillance_spec(90, 30, 45, kind="bullet"),
        on_invalid="skip",
    )
    return {"result": result, "totals": result.totals}


def test_page_is_listed_and_opens_in_chinese(demo_project_path, monkeypatch):
    assert "surveillance" in {p.url_path for p in PAGES}
    at = _app(demo_project_path, monkeypatch)
    assert not at.exception
    assert [t.value for t in at.title] == ["监控覆盖"]
    district = at.selectbox(key="surveillance_district")
    communities = pyogrio.read_dataframe(demo_project_path, "communities", read_geometry=False)
    options = workflows.surveillance_district_options(communities)
    assert district.value == workflows.default_surveillance_district(options)
    assert int(options.set_index("district_code").loc[district.value, "scattered"]) > 0
    assert at.info[0].value.startswith("尚未分析")
    assert not at.metric  # nothing computed before the click


def test_run_for_pingfang_shows_the_workflow_numbers(demo_project_path, monkeypatch):
    at = _app(demo_project_path, monkeypatch)
    at.selectbox(key="surveillance_district").set_value(PINGFANG)
    at.button(key="surveillance_run").click().run()
    assert not at.exception
    expected = _expected(demo_project_path, PINGFANG)
    totals, result = expected["totals"], expected["result"]
    metrics = _metrics(at)
    assert metrics["公共部位覆盖率(长度)"] == f"{totals['covered_share']:.1%}"
    assert metrics["监控 总数 / 完好 / 损坏"] == (
        f"{totals['cameras_total']} / {totals['cameras_working']} / {totals['cameras_broken']}"
    )
    assert metrics["监控完好率(目标 ≥ 98%)"] == f"{totals['working_rate']:.1%}"
    assert metrics["建议新增监控(台)"] == str(result.placement.n_cameras)
    assert any("平房区" in c.value for c in at.caption)
    by_community = _tab_table(at, 0)
    assert len(by_community) == len(result.by_community)
    assert by_community["公共部位长度(米)"].iloc[0] > 0  # communities with public places first
    assert by_community["已覆盖长度(米)"].sum() == pytest.approx(
        result.by_community["covered_length_m"].sum(), abs=1.0
    )
    suggested = _tab_table(at, 2)
    n = result.placement.n_cameras
    assert len(suggested) == n
    assert suggested["安装顺序"].tolist() == list(range(1, n + 1))  # ranked, install order
    assert at.get("download_button")  # the result GeoPackage can be downloaded
    # the budget slider: the first k cameras and the coverage they reach
    budget = at.slider(key="surveillance_budget")
    assert (budget.min, budget.max, budget.value) == (1, n, n)
    k = max(1, n // 3)
    budget.set_value(k).run()
    assert not at.exception
    assert len(_tab_table(at, 2)) == k
    ranked = result.placement.cameras
    after = coverage_after(ranked, totals, k)
    text = next(i.value for i in at.info if i.value.startswith(f"先装前 {k} 台"))
    assert f"{totals['covered_share']:.1%} → {after['covered_share']:.1%}" in text
    assert f"全部 {n} 台装完" in text
    at.slider(key="surveillance_budget").set_value(n).run()

    # a rerun and a language switch reuse the cached result
    calls = []
    original = workflows.project_surveillance
    monkeypatch.setattr(
        workflows, "project_surveillance", lambda *a, **k: calls.append(k) or original(*a, **k)
    )
    at.radio(key="lang").set_value("en").run()
    assert not at.exception and calls == []
    assert [t.value for t in at.title] == ["Surveillance"]
    metrics = _metrics(at)
    assert metrics["Public places covered (length)"] == f"{totals['covered_share']:.1%}"
    assert metrics["Working rate (target ≥ 98%)"] == f"{totals['working_rate']:.1%}"
    assert at.button(key="surveillance_run").label == "Run analysis"
    # changed parameters: the old result stays, marked as stale, until the next click
    at.number_input(key="surveillance_range").set_value(40.0).run()
    assert calls == [] and at.warning[0].value.startswith("The parameters changed")
    assert _metrics(at)["Working rate (target ≥ 98%)"] == f"{totals['working_rate']:.1%}"
    # at most 3 new cameras: maximal coverage with the new spec, computed once
    at.checkbox(key="surveillance_limit").check().run()
    at.number_input(key="surveillance_max").set_value(3)
    at.button(key="surveillance_run").click().run()
    assert not at.exception and not at.warning
    assert len(calls) == 1 and calls[0]["max_cameras"] == 3
    assert calls[0]["spec"] == workflows.surveillance_spec(90, 40, 45, kind="bullet")
    assert _metrics(at)["Suggested new cameras"] == "3"
    assert any("newly covered" in c.value for c in at.caption)


def test_invalid_camera_rows_are_listed_and_skipped(demo_project_path, tmp_path, monkeypatch):
    path = tmp_path / "demo_bad_camera.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    cameras = project.layer("cameras")
    bad = cameras.index[cameras["community_id"].astype(str).str.startswith(PINGFANG)][0]
    cameras.loc[bad, "bearing_deg"] = 500.0
    project.write_layer("cameras", cameras)
    at = _app(path, monkeypatch)
    at.selectbox(key="surveillance_district").set_value(PINGFANG)
    at.button(key="surveillance_run").click().run()
    assert not at.exception
    assert any("数据问题" in w.value for w in at.warning)
    problems = _tab_table(at, 3)
    row = problems[problems["监控编号"] == cameras.loc[bad, "camera_id"]]
    assert row["字段"].tolist() == ["bearing_deg"] and row["级别"].tolist() == ["错误"]
    expected = _expected(path, PINGFANG)["totals"]
    assert _metrics(at)["监控 总数 / 完好 / 损坏"].startswith(f"{expected['cameras_total']} /")


def test_project_without_cameras_explains(tmp_path, monkeypatch):
    path = tmp_path / "no_cameras.gpkg"
    layers = tiny_layers()
    del layers["cameras"]
    Project.create(path).write_layers(layers)
    at = _app(path, monkeypatch)
    assert not at.exception
    assert "没有监控图层" in at.warning[0].value
