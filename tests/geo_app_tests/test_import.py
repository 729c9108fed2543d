"""File import: field mapping, Chinese coordinate systems, all-or-nothing writes, datum hint."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point

from geo_app.cli import main
from geo_app.project import Project
from layers.crs import wgs84_to_bd09, wgs84_to_gcj02
from layers.datum_hint import detect_offset_hint, offset_evidence
from layers.importing import prepare_import, suggest_mapping
from layers.source_crs import MappingError, normalize_crs_name

X0, Y0 = 126.62, 45.75  # central Harbin
TO_M = Transformer.from_crs("EPSG:4326", "EPSG:4551", always_xy=True)
TO_DEG = Transformer.from_crs("EPSG:4551", "EPSG:4326", always_xy=True)


def metres_apart(a: gpd.GeoSeries, b: gpd.GeoSeries) -> np.ndarray:
    return a.to_crs("EPSG:4551").distance(b.to_crs("EPSG:4551"), align=False).to_numpy()


def truth_cameras(n: int = 12, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "编号": [f"K{i:03d}" for i in range(n)],
            "类型": rng.choice(["球机", "枪机", "dome"], n),
            "朝向": rng.uniform(0, 359, n).round(1),
            "视场角": [90] * n,
            "视距(米)": [35] * n,
            "状态": rng.choice(["正常", "损坏"], n),
            "lon": X0 + rng.uniform(-0.05, 0.05, n),
            "lat": Y0 + rng.uniform(-0.03, 0.03, n),
        }
    )


def write_csv(frame: pd.DataFrame, path: Path, lon, lat, *, names=("经度", "纬度")) -> Path:
    out = frame.drop(columns=["lon", "lat"]).copy()
    out[names[0]] = [repr(float(v)) for v in lon]  # full precision, as Amap/Baidu exports
    out[names[1]] = [repr(float(v)) for v in lat]
    out.to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture
def project_path(tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    Project.create(path)
    return path


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# -- mapping -------------------------------------------------------------------------------


def test_suggest_mapping_chinese_names():
    assert suggest_mapping(
        [
            "社区编号",
            "社区名称",
            "户数",
            "人口",
            "类型",
            "建成年代",
            "管理方式",
            "星级",
            "街道代码",
            "区县代码",
            "备注",
        ],
        "communities",
    ) == {
        "community_id": "社区编号",
        "name": "社区名称",
        "street_code": "街道代码",
        "district_code": "区县代码",
        "kind": "类型",
        "era": "建成年代",
        "management": "管理方式",
        "households": "户数",
        "population": "人口",
        "star_rating": "星级",
    }
    facilities = suggest_mapping(
        ["编号", "名称", "设施类型", "使用面积（㎡）", "状态"], "facilities"
    )
    assert facilities == {
        "facility_id": "编号",
        "name": "名称",
        "kind": "设施类型",
        "usable_area_m2": "使用面积（㎡）",
        "status": "状态",
    }
    cameras = suggest_mapping(["ID", "Kind", "朝向", "视场角", "视距(米)", "状态"], "cameras")
    assert cameras == {
        "camera_id": "ID",
        "kind": "Kind",
        "bearing_deg": "朝向",
        "fov_deg": "视场角",
        "range_m": "视距(米)",
        "status": "状态",
    }
    # exact field names win over synonyms, each column is used once
    assert suggest_mapping(["面积", "usable_area_m2"], "facilities") == {
        "usable_area_m2": "usable_area_m2"
    }


def test_normalize_crs_name():
    assert normalize_crs_name("WGS-84") == "wgs84"
    assert normalize_crs_name("EPSG:4326") == "wgs84"
    assert normalize_crs_name("GCJ-02") == "gcj02"
    assert normalize_crs_name("百度") == "bd09"
    assert normalize_crs_name("epsg:4551") == "EPSG:4551"
    assert normalize_crs_name(None) is None
    with pytest.raises(MappingError, match="未知坐标系.*unknown coordinate system"):
        normalize_crs_name("mars")


# -- coordinates land on their truth -------------------------------------------------------


@pytest.mark.parametrize("system,forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_csv_in_chinese_datum_lands_within_one_metre(
    tmp_path, project_path, capsys, system, forward
):
    truth = truth_cameras()
    lon, lat = forward(truth.lon.to_numpy(), truth.lat.to_numpy())
    raw_shift = np.hypot(
        *(np.subtract(TO_M.transform(lon, lat), TO_M.transform(truth.lon, truth.lat)))
    )
    assert raw_shift.min() > 300  # the file really is offset from the truth
    csv = write_csv(truth, tmp_path / f"{system}.csv", lon, lat)
    code, out, err = run_cli(capsys, "import", project_path, "cameras", csv, "--crs", system)
    assert code == 0, out + err
    layer = Project.open(project_path).layer("cameras")
    assert list(layer["camera_id"]) == list(truth["编号"])
    expected = gpd.GeoSeries(shapely.points(truth.lon, truth.lat), crs="EPSG:4326")
    error = metres_apart(layer.geometry, expected)
    assert error.max() < 1.0
    assert set(layer["kind"]) <= {"dome", "bullet"} and set(layer["status"]) <= {
        "working",
        "broken",
    }
    assert Project.open(project_path).settings.parameters["imports"][-1]["source_crs"] == system


def test_prepare_import_projected_sources():
    truth = truth_cameras(5)
    x, y = TO_M.transform(truth.lon.to_numpy(), truth.lat.to_numpy())
    source = gpd.GeoDataFrame(
        truth.drop(columns=["lon", "lat"]), geometry=shapely.points(x, y), crs=None
    )
    expected = gpd.GeoSeries(shapely.points(truth.lon, truth.lat), crs="EPSG:4326")
    by_code = prepare_import(source, "cameras", source_crs="EPSG:4551")
    assert by_code.ok, by_code.report.to_frame("en")
    assert metres_apart(by_code.gdf.geometry, expected).max() < 0.01
    # cgcs2000 plane coordinates without zone number: the project's metric CRS is assumed
    by_name = prepare_import(source, "cameras", source_crs="cgcs2000", metric_crs="EPSG:4551")
    assert metres_apart(by_name.gdf.geometry, expected).max() < 0.01
    with pytest.raises(MappingError, match="EPSG"):
        prepare_import(source, "cameras", source_crs="cgcs2000")
    with pytest.raises(MappingError, match="不是经纬度|not degrees"):
        prepare_import(source, "cameras", source_crs="gcj02")
    # zone-prefixed easting (zone 42): EPSG:4530
    zoned = source.copy()
    zoned.geometry = shapely.points(x + 42_000_000, y)
    by_zone = prepare_import(zoned, "cameras", source_crs="cgcs2000")
    assert metres_apart(by_zone.gdf.geometry, expected).max() < 0.01


# -- all or nothing ------------------------------------------------------------------------


def test_file_with_bad_rows_writes_nothing_and_names_the_rows(tmp_path, project_path, capsys):
    good = truth_cameras(4)
    csv = write_csv(good, tmp_path / "good.csv", good.lon, good.lat)
    assert run_cli(capsys, "import", project_path, "cameras", csv)[0] == 0
    before = Project.open(project_path).layer("cameras")
    mtime = project_path.stat().st_mtime_ns

    bad = truth_cameras(6, seed=9)
    bad["朝向"] = bad["朝向"].astype(object)
    bad.loc[1, "朝向"] = "朝东"  # row 3 of the file: not a number
    bad.loc[3, "状态"] = "丢失"  # row 5: not a status
    bad.loc[4, "视距(米)"] = -3  # row 6: negative range
    csv = write_csv(bad, tmp_path / "bad.csv", bad.lon, bad.lat)
    code, out, err = run_cli(capsys, "import", project_path, "cameras", csv)
    assert code == 2
    assert "未写入任何数据" in err and "nothing was written" in err
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isdigit()}
    assert set(lines) == {"3", "5", "6"}
    assert "bearing_deg" in lines["3"] and "'朝东'" in lines["3"]
    assert "status" in lines["5"] and "'丢失'" in lines["5"]
    assert "range_m" in lines["6"] and "-3" in lines["6"]
    # nothing changed in the project
    assert project_path.stat().st_mtime_ns == mtime
    after = Project.open(project_path).layer("cameras")
    pd.testing.assert_frame_equal(pd.DataFrame(after), pd.DataFrame(before))


def test_unparsable_coordinates_name_the_rows(tmp_path, project_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text(
        "编号,类型,朝向,视场角,视距,状态,经度,纬度\n"
        "K1,dome,0,90,30,working,126.6,45.7\n"
        "K2,dome,0,90,30,working,一二六,45.7\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, "import", project_path, "cameras", path)
    assert code == 2
    assert "第 3 ('一二六', '45.7') 行" in err and "rows 3" in err
    assert not Project.open(project_path).has_layer("cameras")


def test_garbage_bytes_clear_error_no_traceback(tmp_path, project_path, capsys):
    path = tmp_path / "survey.shp"
    path.write_bytes(b"\x00\xff" * 300)
    for suffix in (".shx", ".dbf"):
        path.with_suffix(suffix).write_bytes(b"\x13\x37" * 50)
    code, out, err = run_cli(capsys, "import", project_path, "cameras", path)
    assert code == 2
    assert "无法读取" in err and "cannot be read" in err
    assert "Traceback" not in err + out
    code, out, err = run_cli(capsys, "import", project_path, "cameras", tmp_path / "nope.csv")
    assert code == 2 and "文件不存在" in err


def test_wrong_geometry_type_is_a_clear_message(tmp_path, project_path, capsys):
    lines = gpd.GeoDataFrame(
        {
            "编号": ["K1"],
            "类型": ["dome"],
            "朝向": [0.0],
            "视场角": [90.0],
            "视距": [30.0],
            "状态": ["working"],
        },
        geometry=[LineString([(126.6, 45.7), (126.61, 45.71)])],
        crs="EPSG:4326",
    )
    path = tmp_path / "lines.geojson"
    lines.to_file(path, driver="GeoJSON")
    code, out, err = run_cli(capsys, "import", project_path, "cameras", path)
    assert code == 2
    assert "几何类型为线(LineString),图层 cameras 需要点" in out
    code, out, err = run_cli(capsys, "import", project_path, "cameras", path, "--lang", "en")
    assert "geometry is a LineString; layer cameras needs Point" in out


def test_missing_field_is_a_clear_message(tmp_path, project_path, capsys):
    truth = truth_cameras(3).drop(columns=["状态"])
    csv = write_csv(truth, tmp_path / "m.csv", truth.lon, truth.lat)
    code, out, err = run_cli(capsys, "import", project_path, "cameras", csv)
    assert code == 2
    assert "缺少必填字段「状态」(status)" in out
    assert "(未找到)" in out  # the mapping table shows the unmatched field


def test_map_option_and_append(tmp_path, project_path, capsys):
    frame = pd.DataFrame(
        {
            "a": ["K1", "K2"],
            "b": ["ptz", "dome"],
            "c": ["10", "20"],
            "d": ["60", "60"],
            "e": ["25", "25"],
            "f": ["working", "working"],
        }
    )
    csv = write_csv(frame.assign(lon=0, lat=0), tmp_path / "x.csv", [126.6, 126.61], [45.7, 45.71])
    maps = ["camera_id=a", "kind=b", "bearing_deg=c", "fov_deg=d", "range_m=e", "status=f"]
    code, out, err = run_cli(capsys, "import", project_path, "cameras", csv, "--map", *maps)
    assert code == 0, out + err
    layer = Project.open(project_path).layer("cameras")
    assert list(layer["bearing_deg"]) == [10.0, 20.0] and list(layer["kind"]) == ["ptz", "dome"]
    # appending the same ids is refused, new ids are added
    code, out, err = run_cli(
        capsys, "import", project_path, "cameras", csv, "--map", *maps, "--append"
    )
    assert code == 2 and "已存在" in out
    frame["a"] = ["K3", "K4"]
    csv = write_csv(frame.assign(lon=0, lat=0), tmp_path / "y.csv", [126.62, 126.63], [45.7, 45.7])
    code, out, err = run_cli(
        capsys, "import", project_path, "cameras", csv, "--map", *maps, "--append"
    )
    assert code == 0, out + err
    assert list(Project.open(project_path).layer("cameras")["camera_id"]) == [
        "K1",
        "K2",
        "K3",
        "K4",
    ]
    # replacing (the default) keeps only the new rows
    assert run_cli(capsys, "import", project_path, "cameras", csv, "--map", *maps)[0] == 0
    assert list(Project.open(project_path).layer("cameras")["camera_id"]) == ["K3", "K4"]
    # a bad --map is a planner message
    code, out, err = run_cli(capsys, "import", project_path, "cameras", csv, "--map", "colour=a")
    assert code == 2 and "没有字段 colour" in err


def test_gbk_zipped_shapefile_into_facilities(tmp_path, project_path, capsys):
    names = ["道里区安静社区服务站", "南岗区花园街道综合服务中心"]
    src = gpd.GeoDataFrame(
        {
            "编号": ["F1", "F2"],
            "名称": names,
            "类型": ["社区服务工作站", "街道综合服务中心"],
            "使用面积": ["320平方米", "1,050"],
            "功能用房": ["办事大厅、警务室", None],
        },
        geometry=[Point(126.61, 45.76), Point(126.65, 45.75)],
        crs="EPSG:4326",
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(src, folder / "设施.shp", encoding="GBK")
    archive = tmp_path / "设施.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, arcname=part.name)
    code, out, err = run_cli(capsys, "import", project_path, "facilities", archive)
    assert code == 0, out + err
    layer = Project.open(project_path).layer("facilities")
    assert list(layer["name"]) == names
    assert list(layer["kind"]) == ["community_station", "street_centre"]
    assert list(layer["usable_area_m2"]) == [320.0, 1050.0]
    assert layer["rooms"].iloc[0] == "service_hall,police_room"
    # community_id is required but may be empty: the column is added, empty, with a note
    assert layer["community_id"].isna().all()
    assert "所属社区" in out and "留空" in out


# -- datum hint ----------------------------------------------------------------------------


def street_grid(spacing: float = 400.0, half: float = 2400.0) -> gpd.GeoDataFrame:
    """Streets every ``spacing`` metres, both ways, around central Harbin."""
    x0, y0 = TO_M.transform(X0, Y0)
    lines = []
    for k in np.arange(-half, half + 1, spacing):
        for xs, ys in (
            ([x0 + k] * 2, [y0 - half, y0 + half]),
            ([x0 - half, x0 + half], [y0 + k] * 2),
        ):
            lines.append(LineString(np.column_stack(TO_DEG.transform(xs, ys))))
    return gpd.GeoDataFrame({"u": range(len(lines))}, geometry=lines, crs="EPSG:4326")


def points_on_streets(
    n: int = 40, seed: int = 5, spacing: float = 400.0
) -> tuple[np.ndarray, np.ndarray]:
    """True WGS-84 points within 20 m of the grid's streets."""
    rng = np.random.default_rng(seed)
    x0, y0 = TO_M.transform(X0, Y0)
    along = rng.uniform(-2000, 2000, n)
    street = rng.integers(-5, 6, n) * spacing
    off = rng.uniform(-20, 20, n)
    vertical = rng.random(n) < 0.5
    x = np.where(vertical, x0 + street + off, x0 + along)
    y = np.where(vertical, y0 + along, y0 + street + off)
    return TO_DEG.transform(x, y)


def as_points(lon, lat) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs="EPSG:4326")


def test_offset_hint_fires_for_gcj_and_bd_and_stays_silent_for_wgs():
    streets = street_grid()
    lon, lat = points_on_streets()
    assert detect_offset_hint(as_points(lon, lat), streets) is None
    gcj_hint = detect_offset_hint(as_points(*wgs84_to_gcj02(lon, lat)), streets)
    assert gcj_hint is not None
    assert "GCJ-02" in gcj_hint and "--crs gcj02" in gcj_hint and "东北" in gcj_hint
    bd_hint = detect_offset_hint(as_points(*wgs84_to_bd09(lon, lat)), streets)
    assert bd_hint is not None and "--crs bd09" in bd_hint and "百度" in bd_hint


def test_offset_evidence_numbers():
    streets = street_grid()
    lon, lat = points_on_streets()
    truth = {e.system: e for e in offset_evidence(as_points(lon, lat), streets)}
    shifted = {e.system: e for e in offset_evidence(as_points(*wgs84_to_gcj02(lon, lat)), streets)}
    assert truth["gcj02"].median_as_is_m < 20  # the points sit on the streets
    assert shifted["gcj02"].median_converted_m == pytest.approx(
        truth["gcj02"].median_as_is_m, abs=0.5
    )
    assert shifted["gcj02"].median_as_is_m > 2 * shifted["gcj02"].median_converted_m
    assert 400 < shifted["gcj02"].shift_m < 650  # the GCJ-02 offset in Harbin
    assert 0 < shifted["gcj02"].shift_bearing_deg < 90  # towards the north-east
    # only the datum direction brings the points back onto the streets
    assert shifted["gcj02"].median_other_directions_m > 2 * shifted["gcj02"].median_converted_m


def test_offset_hint_silent_for_points_far_from_the_reference_and_few_points():
    streets = street_grid()
    rng = np.random.default_rng(0)
    lon = X0 + rng.uniform(-0.02, 0.02, 30)
    lat = Y0 + rng.uniform(-0.015, 0.015, 30)
    assert detect_offset_hint(as_points(lon, lat), streets) is None  # random positions
    lon, lat = points_on_streets(4)
    assert detect_offset_hint(as_points(*wgs84_to_gcj02(lon, lat)), streets) is None  # too few


def test_cli_prints_the_hint_for_gcj_declared_as_wgs(tmp_path, project_path, capsys):
    Project.open(project_path).write_layer(
        "network_edges", street_grid().assign(v=0, key=0, length=1.0)
    )
    lon, lat = points_on_streets(30)
    frame = truth_cameras(30).assign(lon=0, lat=0)
    csv = write_csv(frame, tmp_path / "amap.csv", *wgs84_to_gcj02(lon, lat))
    code, out, err = run_cli(capsys, "import", project_path, "cameras", csv, "--dry-run")
    assert code == 0
    assert "--crs gcj02" in err
    csv = write_csv(frame, tmp_path / "wgs.csv", lon, lat)
    code, out, err = run_cli(capsys, "import", project_path, "cameras", csv, "--dry-run")
    assert code == 0 and "--crs" not in err
    assert not Project.open(project_path).has_layer("cameras")  # dry runs write nothing


@pytest.mark.realdata
def test_offset_hint_on_real_osm_amenities_and_roads(shared_dir):
    """Real amenities of central Harbin against its OSM roads: a dense network, where a
    shifted point still lands ~30 m from some road; only the statistical rule can tell."""
    pbf = shared_dir / "data" / "harbin" / "harbin.osm.pbf"
    if not pbf.exists():
        pytest.skip(f"OSM extract not found: {pbf}")
    roads = pyogrio.read_dataframe(
        pbf, layer="lines", where="highway IS NOT NULL", columns=["highway"]
    )
    points = pyogrio.read_dataframe(pbf, layer="points", columns=["other_tags"])
    points = points[points["other_tags"].fillna("").str.contains('"amenity"=>')]
    assert len(points) > 300 and len(roads) > 5000
    lon, lat = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    assert detect_offset_hint(as_points(lon, lat), roads) is None
    gcj = detect_offset_hint(as_points(*wgs84_to_gcj02(lon, lat)), roads)
    assert gcj is not None and "--crs gcj02" in gcj
    bd = detect_offset_hint(as_points(*wgs84_to_bd09(lon, lat)), roads)
    assert bd is not None and "--crs bd09" in bd
