"""The data page: upload, field mapping, coordinate systems, validation, import, export.

The workflow functions (:mod:`geo_app.workflows`) are tested directly on uploads given as
``{file name: bytes}``; the page runs through Streamlit's AppTest, whose ``file_uploader``
accepts test files, on copies of the demo project (``demo_project_path``).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo_app import workflows
from geo_app.project import Project
from geo_app.project.paths import ENV_PROJECT
from layers.crs import wgs84_to_bd09, wgs84_to_gcj02
from layers.io import LayerFileError

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"
X0, Y0 = 126.62, 45.75  # central Harbin


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


@pytest.fixture
def project_path(demo_project_path, tmp_path) -> Path:
    """A writable copy of the demo project."""
    path = tmp_path / "demo_copy.gpkg"
    shutil.copyfile(demo_project_path, path)
    return path


def facilities_csv(rows: list[tuple], *, encoding: str = "utf-8-sig") -> bytes:
    """A planner's facility sheet with Chinese headers: id, name, kind, area, community, lon, lat."""
    frame = pd.DataFrame(
        rows, columns=["设施编号", "名称", "类型", "使用面积", "所属社区", "经度", "纬度"]
    )
    return frame.to_csv(index=False).encode(encoding)


GOOD_ROWS = [
    ("FX1", "新建公益用房甲", "public_housing", 1000, None, X0, Y0),
    ("FX2", "新建公益用房乙", "public_housing", 400, None, X0 + 0.01, Y0 + 0.005),
]


def good_rows(project: Project) -> list[tuple]:
    """The two rows of ``GOOD_ROWS`` attached to the two most-short communities."""
    short = workflows.project_compliance(project).communities.nlargest(2, "shortfall_m2")
    ids = short["community_id"].tolist()
    return [(*row[:4], cid, *row[5:]) for row, cid in zip(GOOD_ROWS, ids, strict=True)]


# -- workflow functions ------------------------------------------------------------------------
def test_upload_size_is_checked_before_reading():
    files = {"big.csv": b"x" * (1024 * 1024 + 1)}
    with pytest.raises(LayerFileError) as info:
        workflows.read_upload(files, "facilities", max_mb=1)
    assert "超过上限 1 MB" in info.value.message("zh")
    assert "above the limit of 1 MB" in info.value.message("en")
    assert workflows.check_upload_size({"a.csv": b"x" * 1024}, max_mb=1) == 1024
    assert workflows.MAX_UPLOAD_MB == 200


def test_streamlit_upload_limit_is_configured():
    import tomllib

    config = tomllib.loads((ENTRY.parent / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["maxUploadSize"] == workflows.MAX_UPLOAD_MB


@pytest.mark.parametrize(
    "name,expected",
    [
        ("data.gpkg", "不是可识别的地理数据"),
        ("data.zip", "不是有效的 zip"),
        ("data.geojson", "不是可识别的地理数据"),
        ("data.exe", "不支持的文件类型"),
    ],
)
def test_garbage_bytes_are_refused_with_a_clear_message(name, expected):
    garbage = np.random.default_rng(0).bytes(4096)
    with pytest.raises(LayerFileError) as info:
        workflows.read_upload({name: garbage}, "facilities")
    assert expected in info.value.message("zh")
    assert info.value.message("en") and info.value.message("en") != info.value.message("zh")


def test_import_writes_nothing_when_a_row_is_invalid(project_path):
    before = sha1(project_path)
    project = Project.open(project_path)
    rows = good_rows(project)
    rows.append(("FX3", "坏行", "public_housing", -5, rows[0][4], X0, Y0))
    rows.append(("FX4", "未知类型", "palace", 10, rows[0][4], X0, Y0))
    source = workflows.read_upload({"f.csv": facilities_csv(rows)}, "facilities")
    outcome = workflows.import_file(project, "facilities", source, crs="wgs84", append=True)
    assert not outcome.written and not outcome.result.ok
    report = outcome.result.report.to_frame("zh")
    assert report["行"].tolist() == [4, 5]  # file lines (header is line 1)
    assert set(report["字段"]) == {"usable_area_m2", "kind"}
    assert sha1(project_path) == before


@pytest.mark.parametrize("system,forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_upload_in_chinese_datum_lands_on_its_truth(project_path, system, forward):
    project = Project.open(project_path)
    rows = good_rows(project)
    lon, lat = forward(np.array([r[5] for r in rows]), np.array([r[6] for r in rows]))
    shifted = [(*r[:5], float(x), float(y)) for r, x, y in zip(rows, lon, lat, strict=True)]
    source = workflows.read_upload({"amap.csv": facilities_csv(shifted)}, "facilities")
    columns, suggested = workflows.mapping_choices(source, "facilities")
    assert suggested["usable_area_m2"] == "使用面积" and suggested["facility_id"] == "设施编号"
    n_before = len(project.layer("facilities"))
    outcome = workflows.import_file(
        project, "facilities", source, mapping=suggested, crs=system, append=True, auto_map=False
    )
    assert outcome.written, outcome.result.report.summary("en")
    layer = Project.open(project_path).layer("facilities")
    assert len(layer) == n_before + 2
    new = layer[layer["facility_id"].isin(["FX1", "FX2"])].sort_values("facility_id")
    truth = gpd.GeoSeries(
        shapely.points([r[5] for r in rows], [r[6] for r in rows]), crs="EPSG:4326"
    )
    error = new.geometry.to_crs("EPSG:4551").distance(truth.to_crs("EPSG:4551"), align=False)
    assert error.max() < 1.0
    log = Project.open(project_path).settings.parameters["imports"][-1]
    assert log["source_crs"] == system and log["mode"] == "append"


def test_edited_mapping_is_used_as_is(project_path):
    """With ``auto_map=False`` a field the planner left unmapped is not filled by a guess."""
    project = Project.open(project_path)
    source = workflows.read_upload({"f.csv": facilities_csv(good_rows(project))}, "facilities")
    _, suggested = workflows.mapping_choices(source, "facilities")
    edited = {k: v for k, v in suggested.items() if k != "name"}
    outcome = workflows.import_file(
        project, "facilities", source, mapping=edited, dry_run=True, auto_map=False
    )
    assert not outcome.result.ok
    assert "name" in set(outcome.result.report.to_frame("en")["field"])


def test_shapefile_parts_upload_keeps_gbk_names(tmp_path):
    names = ["道里区安静社区服务站", "南岗区花园街道综合服务中心"]
    src = gpd.GeoDataFrame(
        {"编号": ["F1", "F2"], "名称": names, "类型": ["社区服务工作站", "街道综合服务中心"]},
        geometry=[Point(126.61, 45.76), Point(126.65, 45.75)],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(src, tmp_path / "设施.shp", encoding="GBK")
    parts = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.stem == "设施"}
    parts.pop("设施.cpg", None)  # detection from the bytes, as from old GIS software
    assert {".shp", ".shx", ".dbf"} <= {Path(n).suffix for n in parts}
    source = workflows.read_upload(parts, "facilities")
    assert list(source["名称"]) == names
    # the same parts zipped
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for part, data in parts.items():
            zf.writestr(part, data)
    zipped = workflows.read_upload({"设施.zip": buffer.getvalue()}, "facilities")
    assert list(zipped["名称"]) == names
    with pytest.raises(LayerFileError, match="Shapefile"):
        workflows.read_upload({"a.dbf": parts["设施.dbf"], "b.prj": b"x"}, "facilities")


def test_xlsx_upload_with_chinese_headers(project_path):
    project = Project.open(project_path)
    rows = good_rows(project)
    frame = pd.read_csv(io.BytesIO(facilities_csv(rows)), encoding="utf-8-sig")
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name="设施")
    source = workflows.read_upload({"设施.xlsx": buffer.getvalue()}, "facilities")
    outcome = workflows.import_file(project, "facilities", source, append=True, dry_run=True)
    assert outcome.result.ok, outcome.result.report.summary("en")
    assert outcome.result.gdf["usable_area_m2"].tolist() == [1000.0, 400.0]


def test_geopackage_upload_layers_and_choice(tmp_path):
    path = tmp_path / "two.gpkg"
    pts = gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[Point(X0, Y0)], crs="EPSG:4326")
    pyogrio.write_dataframe(pts, path, layer="facilities")
    pyogrio.write_dataframe(pts.assign(名称="乙"), path, layer="other")
    files = {"two.gpkg": path.read_bytes()}
    assert sorted(workflows.upload_layers(files)) == ["facilities", "other"]
    # the layer named like the target is chosen; otherwise the planner must say which
    assert workflows.read_upload(files, "facilities")["名称"].tolist() == ["甲"]
    assert workflows.read_upload(files, "cameras", source_layer="other")["名称"].tolist() == ["乙"]
    with pytest.raises(LayerFileError, match="多个图层"):
        workflows.read_upload(files, "cameras")


def test_export_project_bytes_is_the_whole_geopackage(project_path, tmp_path):
    data = workflows.export_project_bytes(project_path)
    assert data == project_path.read_bytes() and data.startswith(b"SQLite format 3\x00")
    copy = tmp_path / "export.gpkg"
    copy.write_bytes(data)
    names = {name for name, _ in pyogrio.list_layers(copy)}
    assert {"communities", "facilities", "districts", "network_edges"} <= names
    assert len(Project.open(copy).layer("communities")) == len(
        Project.open(project_path).layer("communities")
    )


# -- the page through AppTest ---------------------------------------------------------------------
def open_page(at: AppTest, url_path: str) -> AppTest:
    """Switch an app run from ``streamlit_app.py`` to the ``st.Page`` at ``url_path``."""
    hashes = [h for h, i in at._registered_pages.items() if i.get("url_pathname") == url_path]
    assert hashes, f"page {url_path} not registered"
    at._page_hash = hashes[0]
    return at.run()


@pytest.fixture
def app(project_path, monkeypatch) -> AppTest:
    """The data page on a copy of the demo project, after its first run."""
    monkeypatch.setenv(ENV_PROJECT, str(project_path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at._page_hash = calc_hash("data")  # st.Page hashes its url_path: open it directly
    return at.run()


def upload(at: AppTest, name: str, data: bytes, layer: str = "facilities") -> AppTest:
    at.selectbox(key="data_layer").set_value(layer).run()
    at.file_uploader(key="data_upload").set_value((name, data, "application/octet-stream"))
    return at.run()


def test_page_without_upload(app):
    assert not app.exception
    assert [t.value for t in app.title] == ["数据管理"]
    uploader = app.file_uploader(key="data_upload")
    assert "200 MB" in uploader.label and uploader.accept_multiple_files
    assert {"gpkg", "zip", "csv", "xlsx", "shp", "dbf"} <= {
        t.lstrip(".") for t in uploader.allowed_type
    }
    assert app.info[0].value == "尚未上传文件。"
    assert app.get("download_button")[0].label == "下载 GeoPackage"
    layer = app.selectbox(key="data_layer")
    assert layer.value == "communities" and "设施 (facilities)" in layer.options


def test_upload_preview_and_import_reach_the_other_pages(app, project_path):
    project = Project.open(project_path)
    before = workflows.project_compliance(project).totals()
    n_before = len(project.layer("facilities"))
    app = upload(app, "新增公益用房.csv", facilities_csv(good_rows(project)))
    assert not app.exception
    # suggested mapping from the Chinese headers, editable per field
    assert app.selectbox(key=_map_key(app, "facility_id")).value == "设施编号"
    assert app.selectbox(key=_map_key(app, "usable_area_m2")).value == "使用面积"
    assert any("2 行,校验通过" in s.value for s in app.success)
    app.radio(key="data_mode").set_value("append").run()
    button = app.button(key="data_import")
    assert not button.disabled
    button.click().run()
    assert not app.exception
    assert any("已导入 2 行" in s.value for s in app.success)
    assert len(Project.open(project_path).layer("facilities")) == n_before + 2
    # the compliance page sees the new facilities: 1400 m2 less shortfall at most
    after = workflows.project_compliance(Project.open(project_path)).totals()
    assert after["shortfall_m2"] < before["shortfall_m2"]
    app = open_page(app, "compliance")
    assert not app.exception
    metric = {m.label: m.value for m in app.metric}["用房缺口合计(平方米)"]
    assert metric == f"{after['shortfall_m2']:,.1f}"


def _map_key(at: AppTest, field: str) -> str:
    keys = [s.key for s in at.selectbox if s.key and s.key.endswith(f"_facilities_{field}")]
    assert len(keys) == 1
    return keys[0]


def test_bad_rows_are_listed_and_block_the_import(app, project_path):
    before = sha1(project_path)
    rows = good_rows(Project.open(project_path))
    rows[1] = (*rows[1][:3], -5, *rows[1][4:])
    app = upload(app, "bad.csv", facilities_csv(rows))
    assert not app.exception
    assert "1 行有问题" in app.error[0].value
    report = next(d.value for d in app.dataframe if "行" in d.value.columns)
    assert report["行"].tolist() == [3] and report["字段"].tolist() == ["usable_area_m2"]
    assert app.button(key="data_import").disabled
    assert sha1(project_path) == before


def test_garbage_upload_shows_the_reason(app, project_path):
    before = sha1(project_path)
    app = upload(app, "x.gpkg", b"\x00garbage, not a GeoPackage" * 20)
    assert not app.exception
    assert "不是可识别的地理数据" in app.error[0].value
    assert sha1(project_path) == before


def test_gcj_declared_as_wgs_gets_the_offset_hint(app, project_path):
    """Points of the demo network shifted by GCJ-02, imported as WGS-84: the page warns."""
    edges = Project.open(project_path).layer("network_edges")
    pts = shapely.line_interpolate_point(edges.geometry.values[:40], 0.5, normalized=True)
    lon, lat = wgs84_to_gcj02(shapely.get_x(pts), shapely.get_y(pts))
    rows = [
        (f"K{i}", "dome", float(x), float(y)) for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    data = pd.DataFrame(rows, columns=["编号", "类型", "lon", "lat"]).to_csv(index=False)
    app = upload(app, "cams.csv", data.encode(), layer="cameras")
    assert not app.exception
    assert app.warning, "no datum hint shown"
    assert "GCJ-02" in app.warning[0].value
    app.selectbox(key="data_crs").set_value("gcj02").run()
    assert not app.exception and not app.warning


def test_language_switch(app):
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Data"]
    assert app.get("download_button")[0].label == "Download GeoPackage"
    assert app.info[0].value == "No file uploaded yet."


# -- issue 25 item 3: imports that lose or hide data -----------------------------------------------
def three_rows(project: Project, *, ids: bool = True) -> bytes:
    """Three public-housing rows at the representative points of three demo communities,
    without community, street or district (to be placed by location)."""
    comm = project.layer("communities").iloc[[0, 100, 200]]
    pts = comm.geometry.representative_point()
    frame = pd.DataFrame(
        {
            "名称": ["甲", "乙", "丙"],
            "类型": "public_housing",
            "使用面积": [100, 200, 300],
            "经度": pts.x.to_numpy(),
            "纬度": pts.y.to_numpy(),
        }
    )
    if ids:
        frame.insert(0, "设施编号", ["FX1", "FX2", "FX3"])
    return frame.to_csv(index=False).encode("utf-8-sig")


def test_update_by_id_keeps_the_layer_and_replace_names_the_loss(project_path):
    project = Project.open(project_path)
    n = len(project.layer("facilities"))
    source = workflows.read_upload({"f.csv": three_rows(project)}, "facilities")
    # replacing would delete every existing facility: not written without the confirmation
    refused = workflows.import_file(
        project, "facilities", source, mode="replace", confirm_loss=False
    )
    assert refused.result.ok and not refused.written and len(refused.lost) == n
    assert len(Project.open(project_path).layer("facilities")) == n
    # add/update by id: the three are added, nothing is lost
    done = workflows.import_file(project, "facilities", source, mode="upsert")
    assert done.written and (done.added, done.updated, done.lost) == (3, 0, [])
    assert len(Project.open(project_path).layer("facilities")) == n + 3
    # the same ids again update in place, only the fields the file gives
    bigger = source.assign(使用面积=[111, 222, 333])
    again = workflows.import_file(project, "facilities", bigger, mode="upsert")
    assert (again.added, again.updated) == (0, 3)
    layer = Project.open(project_path).layer("facilities").set_index("facility_id")
    assert len(layer) == n + 3
    assert layer.loc[["FX1", "FX2", "FX3"], "usable_area_m2"].tolist() == [111.0, 222.0, 333.0]


def test_update_of_households_from_a_table_without_coordinates(project_path):
    project = Project.open(project_path)
    first = project.layer("communities").iloc[0]
    table = f"社区编号,户数\n{first['community_id']},4321\n".encode()
    source = workflows.read_upload({"hh.csv": table}, "communities")
    done = workflows.import_file(project, "communities", source, mode="upsert")
    assert done.written and done.updated == 1
    row = Project.open(project_path).layer("communities").iloc[0]
    assert row["households"] == 4321 and row["households_basis"] == "surveyed"
    assert row["name"] == first["name"] and row.geometry.equals(first.geometry)
    from layers.source_crs import MappingError

    with pytest.raises(MappingError, match="按编号"):
        workflows.import_file(project, "communities", source, mode="replace")


def test_file_without_id_column_gets_generated_ids(project_path):
    project = Project.open(project_path)
    source = workflows.read_upload({"f.csv": three_rows(project, ids=False)}, "facilities")
    plain = workflows.import_file(project, "facilities", source, mode="upsert", dry_run=True)
    assert plain.missing_id and not plain.result.ok
    assert "整个图层有 1 个问题" in plain.result.report.summary("zh")  # not "0 行有问题"
    made = workflows.import_file(
        project, "facilities", source, mode="upsert", generate_ids=True, dry_run=True
    )
    assert made.result.ok and not made.missing_id
    assert made.result.gdf["facility_id"].tolist() == ["F-0001", "F-0002", "F-0003"]


def test_facilities_get_community_street_and_district_from_their_location(project_path):
    project = Project.open(project_path)
    comm = project.layer("communities").iloc[[0, 100, 200]]
    source = workflows.read_upload({"f.csv": three_rows(project)}, "facilities")
    outcome = workflows.import_file(project, "facilities", source, mode="upsert", dry_run=True)
    got = outcome.result.gdf
    assert got["community_id"].tolist() == comm["community_id"].tolist()
    assert got["street_code"].tolist() == comm["street_code"].astype(str).tolist()
    assert got["district_code"].tolist() == comm["district_code"].astype(str).tolist()
    assert len(outcome.placed) == 9 and set(outcome.placed["field"]) == set(workflows.PLACE_FIELDS)
    # a community given in the file is kept
    given = source.assign(所属社区=comm["community_id"].iloc[2])
    kept = workflows.import_file(project, "facilities", given, mode="upsert", dry_run=True)
    assert kept.result.gdf["community_id"].tolist() == [comm["community_id"].iloc[2]] * 3


def test_valid_import_names_the_results_it_disables(project_path):
    """A public-housing row that lies in no community and no district: the file is valid, but
    compliance (hence the report and the comparison) and the Art. 32 heating would stop."""
    project = Project.open(project_path)
    frame = pd.DataFrame(
        {"设施编号": ["FAR"], "名称": ["远处"], "类型": ["public_housing"], "使用面积": [50]}
        | {"经度": [121.0], "纬度": [44.0]}
    )
    source = workflows.read_upload({"f.csv": frame.to_csv(index=False).encode()}, "facilities")
    outcome = workflows.import_file(project, "facilities", source, mode="upsert", dry_run=True)
    assert outcome.result.ok
    keys = [e.key for e in outcome.effects]
    assert keys == ["compliance", "heating", "unplaced"]
    assert "无数据" in outcome.effects[0].message("zh") and "FAR" in outcome.effects[0].message()
    assert "第三十二、三十三条" in outcome.effects[1].message("zh")
    # the effect is real: once written, the compliance check cannot run
    from analysis.compliance import ComplianceInputError

    workflows.import_file(project, "facilities", source, mode="upsert")
    with pytest.raises(ComplianceInputError):
        workflows.project_compliance(Project.open(project_path))
    # a clean import names nothing
    clean = workflows.read_upload({"f.csv": three_rows(project)}, "facilities")
    assert workflows.import_file(project, "facilities", clean, dry_run=True).effects == []


def test_page_defaults_to_update_and_confirms_a_replace(app, project_path):
    project = Project.open(project_path)
    n = len(project.layer("facilities"))
    app = upload(app, "三行.csv", three_rows(project))
    assert not app.exception
    assert app.radio(key="data_mode").value == "upsert"
    # the preview lists the cells filled from the location
    placed = next(d.value for d in app.dataframe if "所属社区" in d.value.columns)
    assert len(placed) == 3 and placed["所属社区"].notna().all()
    app.radio(key="data_mode").set_value("replace").run()
    assert any(f"将删除现有 {n} 行" in w.value for w in app.warning)
    assert any("CS-230102001001" in w.value for w in app.warning)  # the rows are named
    assert app.button(key="data_import").disabled
    app.checkbox(key="data_confirm_replace").check().run()
    assert not app.button(key="data_import").disabled
    app.radio(key="data_mode").set_value("upsert").run()
    app.button(key="data_import").click().run()
    assert not app.exception
    assert any("新增 3 行" in s.value for s in app.success)
    assert len(Project.open(project_path).layer("facilities")) == n + 3


def test_page_offers_ids_and_names_disabled_results(app, project_path):
    project = Project.open(project_path)
    app = upload(app, "无编号.csv", three_rows(project, ids=False))
    assert not app.exception
    assert any("没有编号列" in w.value for w in app.warning)
    assert app.button(key="data_import").disabled
    app.checkbox(key="data_generate_ids").check().run()
    assert not app.exception and not app.button(key="data_import").disabled
    far = pd.DataFrame(
        {"设施编号": ["FAR"], "名称": ["远处"], "类型": ["public_housing"], "使用面积": [50]}
        | {"经度": [121.0], "纬度": [44.0]}
    )
    app = upload(app, "远处.csv", far.to_csv(index=False).encode())
    assert not app.exception
    text = " ".join(w.value for w in app.warning)
    assert "校验通过,但导入后以下结果将受影响" in text and "无数据" in text
