"""Reading planners' files: formats, encodings, coordinate columns and clear errors."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point

from layers.io import (
    LayerFileError,
    detect_shapefile_encoding,
    encoding_from_cpg,
    read_uploaded_files,
    read_vector_file,
)
from layers.table_io import guess_coordinate_columns

NAMES = ["道里区安静社区服务站", "南岗区花园街锅炉房", "道外区靖宇街"]


def stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": NAMES, "面积": [320.5, 150.0, 88.0], "类型": ["站", "房", "街"]},
        geometry=[Point(126.61, 45.76), Point(126.65, 45.75), Point(126.66, 45.78)],
        crs="EPSG:4326",
    )


def write_gbk_shapefile(folder: Path, *, cpg: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / "stations.shp"
    pyogrio.write_dataframe(stations(), shp, encoding="GBK")
    dbf = (folder / "stations.dbf").read_bytes()
    assert NAMES[0].encode("gbk") in dbf  # the attributes really are GBK bytes
    with pytest.raises(UnicodeDecodeError):
        dbf[32:].decode("utf-8")
    if not cpg:
        (folder / "stations.cpg").unlink()
    return shp


# -- vector formats ------------------------------------------------------------------------


def test_gbk_shapefile_with_cpg_keeps_chinese_names(tmp_path):
    shp = write_gbk_shapefile(tmp_path)
    assert (tmp_path / "stations.cpg").read_text().strip().upper() == "GBK"
    gdf = read_vector_file(shp)
    assert list(gdf["名称"]) == NAMES
    assert list(gdf.columns[:3]) == ["名称", "面积", "类型"]
    assert gdf.crs.equals("EPSG:4326")
    assert list(gdf.index) == [1, 2, 3]  # feature numbers as the planner counts them


def test_gbk_shapefile_without_cpg_is_detected(tmp_path):
    shp = write_gbk_shapefile(tmp_path, cpg=False)
    assert detect_shapefile_encoding(shp) == "GB18030"
    gdf = read_vector_file(shp)
    assert list(gdf["名称"]) == NAMES


def test_utf8_shapefile_without_cpg(tmp_path):
    shp = tmp_path / "u.shp"
    pyogrio.write_dataframe(stations(), shp, encoding="UTF-8")
    (tmp_path / "u.cpg").unlink(missing_ok=True)
    assert detect_shapefile_encoding(shp) == "UTF-8"
    assert list(read_vector_file(shp)["名称"]) == NAMES


def test_explicit_encoding_wins(tmp_path):
    shp = write_gbk_shapefile(tmp_path, cpg=False)
    assert list(read_vector_file(shp, encoding="GBK")["名称"]) == NAMES


@pytest.mark.parametrize("cpg", [True, False])
def test_zipped_shapefile(tmp_path, cpg):
    shp = write_gbk_shapefile(tmp_path / "src", cpg=cpg)
    archive = tmp_path / "survey.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.iterdir():
            zf.write(part, arcname=f"data/{part.name}")
    gdf = read_vector_file(archive)
    assert list(gdf["名称"]) == NAMES
    assert gdf.geometry.iloc[0].equals(Point(126.61, 45.76))


def test_zip_with_two_shapefiles_needs_a_choice(tmp_path):
    archive = tmp_path / "two.zip"
    for stem in ("a", "b"):
        pyogrio.write_dataframe(stations(), tmp_path / f"{stem}.shp")
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.iterdir():
            if part.suffix != ".zip":
                zf.write(part, arcname=part.name)
    with pytest.raises(LayerFileError, match="a, b|b, a"):
        read_vector_file(archive)
    assert len(read_vector_file(archive, layer="b")) == 3


def test_geopackage_layers(tmp_path):
    path = tmp_path / "src.gpkg"
    pyogrio.write_dataframe(stations(), path, layer="stations")
    assert list(read_vector_file(path)["名称"]) == NAMES
    lines = gpd.GeoDataFrame(
        {"name": ["x"]}, geometry=[LineString([(126.6, 45.7), (126.7, 45.8)])], crs=4326
    )
    pyogrio.write_dataframe(lines, path, layer="roads", append=False)
    with pytest.raises(LayerFileError, match="stations.*roads|roads.*stations"):
        read_vector_file(path)
    assert read_vector_file(path, layer="roads").geometry.iloc[0].geom_type == "LineString"
    with pytest.raises(LayerFileError, match="没有图层 nope.*no layer nope"):
        read_vector_file(path, layer="nope")


def test_geojson(tmp_path):
    path = tmp_path / "s.geojson"
    stations().to_file(path, driver="GeoJSON")
    gdf = read_vector_file(path)
    assert list(gdf["名称"]) == NAMES and len(gdf) == 3


# -- tables --------------------------------------------------------------------------------


def test_guess_coordinate_columns():
    assert guess_coordinate_columns(["名称", "经度", "纬度"]) == ("经度", "纬度")
    assert guess_coordinate_columns(["name", "LNG", "Lat"]) == ("LNG", "Lat")
    assert guess_coordinate_columns(["longitude", "latitude"]) == ("longitude", "latitude")
    assert guess_coordinate_columns(["X", "Y", "id"]) == ("X", "Y")
    assert guess_coordinate_columns(["高德经度", "高德纬度"]) == ("高德经度", "高德纬度")
    assert guess_coordinate_columns(["经度(GCJ02)", "纬度(GCJ02)"]) == (
        "经度(GCJ02)",
        "纬度(GCJ02)",
    )
    assert guess_coordinate_columns(["gcj_lng", "gcj_lat"]) == ("gcj_lng", "gcj_lat")
    assert guess_coordinate_columns(["名称", "户数"]) == (None, None)


def test_csv_utf8_with_guessed_columns_keeps_text_and_row_numbers(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "编号,名称,经度,纬度\n0012,安静社区,126.61,45.76\n0013,花园社区,126.65,45.75\n",
        encoding="utf-8-sig",
    )
    gdf = read_vector_file(path)
    assert list(gdf["编号"]) == ["0012", "0013"]  # codes keep their leading zeros
    assert list(gdf["名称"]) == ["安静社区", "花园社区"]
    assert "经度" not in gdf.columns
    assert list(gdf.index) == [2, 3]  # spreadsheet rows (row 1 is the header)
    assert gdf.geometry.iloc[1].equals(Point(126.65, 45.75))
    assert gdf.crs.equals("EPSG:4326")


def test_csv_gbk_and_given_columns(tmp_path):
    path = tmp_path / "g.csv"
    text = "名称;东;北\n安静社区;126.61;45.76\n"
    path.write_bytes(text.encode("gbk"))
    gdf = read_vector_file(path, lon_col="东", lat_col="北")
    assert gdf["名称"].iloc[0] == "安静社区"
    assert gdf.geometry.iloc[0].equals(Point(126.61, 45.76))
    with pytest.raises(LayerFileError, match="没有经度列 'lon'.*no longitude column 'lon'"):
        read_vector_file(path, lon_col="lon", lat_col="北")


def test_csv_without_coordinates(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("名称,户数\n安静社区,1200\n", encoding="utf-8")
    with pytest.raises(LayerFileError) as err:
        read_vector_file(path)
    assert "找不到坐标列" in err.value.message_zh and "名称, 户数" in err.value.message_zh
    assert "no coordinate columns" in err.value.message_en


def test_csv_unparsable_coordinates_lists_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "名称,lon,lat\na,126.61,45.76\nb,东经126,45.7\nc,126.62,45.77\nd,,45.8\ne,126.6,北纬\n",
        encoding="utf-8",
    )
    with pytest.raises(LayerFileError) as err:
        read_vector_file(path)
    assert err.value.rows == [3, 5, 6]
    assert (
        "3 行" in err.value.message_zh and "rows 3 ('东经126', '45.7'); 5" in err.value.message_en
    )
    assert isinstance(err.value, ValueError)


def test_csv_wkt_column(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        'name,wkt\na,"POLYGON ((126.6 45.7, 126.61 45.7, 126.61 45.71, 126.6 45.7))"\n',
        encoding="utf-8",
    )
    gdf = read_vector_file(path)
    assert gdf.geometry.iloc[0].geom_type == "Polygon" and gdf.crs.equals("EPSG:4326")


def test_xlsx(tmp_path):
    path = tmp_path / "t.xlsx"
    frame = pd.DataFrame(
        {"名称": NAMES, "经度": [126.61, 126.65, 126.66], "纬度": [45.76, 45.75, 45.78]}
    )
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"说明": ["封面"]}).to_excel(writer, sheet_name="封面", index=False)
        frame.to_excel(writer, sheet_name="站点", index=False)
    with pytest.raises(LayerFileError, match="找不到坐标列"):
        read_vector_file(path)  # the first sheet is the cover
    gdf = read_vector_file(path, layer="站点")
    assert list(gdf["名称"]) == NAMES
    assert list(gdf.index) == [2, 3, 4]
    assert gdf.geometry.iloc[2].equals(Point(126.66, 45.78))
    with pytest.raises(LayerFileError, match="没有工作表 x"):
        read_vector_file(path, layer="x")


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".json", ".csv", ".xlsx", ".zip", ".kml"])
def test_garbage_bytes_give_a_clear_error(tmp_path, suffix):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(bytes(range(256)) * 8 + os.urandom(512))
    with pytest.raises(LayerFileError) as err:
        read_vector_file(path)
    message = str(err.value)
    assert "无法读取" in message and "cannot be read" in message
    assert "Traceback" not in message


def test_shapefile_without_parts(tmp_path):
    (tmp_path / "x.shp").write_bytes(os.urandom(100))
    with pytest.raises(LayerFileError, match=r"缺少 \.shx, \.dbf"):
        read_vector_file(tmp_path / "x.shp")


def test_other_file_errors(tmp_path):
    with pytest.raises(LayerFileError, match="文件不存在.*file not found"):
        read_vector_file(tmp_path / "missing.csv")
    (tmp_path / "e.geojson").write_bytes(b"")
    with pytest.raises(LayerFileError, match="空文件.*is empty"):
        read_vector_file(tmp_path / "e.geojson")
    (tmp_path / "r.docx").write_bytes(b"PK")
    with pytest.raises(LayerFileError, match="不支持的文件类型 .docx"):
        read_vector_file(tmp_path / "r.docx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(LayerFileError, match="xlsx"):
        read_vector_file(tmp_path / "old.xls")
    (tmp_path / "h.csv").write_text("名称,经度,纬度\n", encoding="utf-8")
    with pytest.raises(LayerFileError, match="没有数据行|没有任何要素"):
        read_vector_file(tmp_path / "h.csv")


def test_cpg_aliases():
    assert encoding_from_cpg("UTF-8\n") == "UTF-8"
    assert encoding_from_cpg("65001") == "UTF-8"
    assert encoding_from_cpg("GBK") == "GB18030"
    assert encoding_from_cpg("ANSI 936") == "GB18030"
    assert encoding_from_cpg("") is None


def test_read_uploaded_files(tmp_path):
    shp = write_gbk_shapefile(tmp_path / "src")
    parts = {p.name: p.read_bytes() for p in shp.parent.iterdir()}
    assert list(read_uploaded_files(parts)["名称"]) == NAMES
    csv = "名称,经度,纬度\n安静社区,126.61,45.76\n".encode()
    assert read_uploaded_files({"../../x.csv": csv})["名称"].iloc[0] == "安静社区"
    with pytest.raises(LayerFileError, match="upload one file"):
        read_uploaded_files({"a.csv": csv, "b.csv": csv})
    with pytest.raises(LayerFileError, match="无法读取"):
        read_uploaded_files({"x.gpkg": b"not a geopackage at all"})
