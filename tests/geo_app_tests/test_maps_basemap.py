"""Basemaps, wheel zoom, names in popups, shortfall classes and the map export, without a browser."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from analysis.shortfall_classes import SHORTFALL_COLOURS, shortfall_class, shortfall_colours
from geo_app import maps
from geo_app.maps import basemap as basemap
from geo_app.maps import export as map_export
from geo_app.maps import thematic as maps_thematic
from geo_app.maps.legend import legend_html
from layers.crs import wgs84_to_gcj02

# Published WGS-84 -> GCJ-02 pair (wandergis/coordtransform, the reference implementation
# used by Chinese map tooling): 116.404, 39.915 -> 116.41024449916938, 39.91640428150164
KNOWN_WGS84 = (116.404, 39.915)
KNOWN_GCJ02 = (116.41024449916938, 39.91640428150164)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[1] - b[1]) * 111_320.0
    dx = (a[0] - b[0]) * 111_320.0 * math.cos(math.radians(a[1]))
    return math.hypot(dx, dy)


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    districts = gpd.GeoDataFrame(
        {"district_code": ["230102"], "name": ["道里区"], "district_class": ["core"]},
        geometry=[box(126.60, 45.75, 126.64, 45.78)],
        crs="EPSG:4326",
    )
    streets = gpd.GeoDataFrame(
        {"street_code": ["230102001"], "name": ["兆麟街道"], "district_code": ["230102"]},
        geometry=[box(126.60, 45.75, 126.64, 45.78)],
        crs="EPSG:4326",
    )
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["C1"],
            "name": ["兆麟社区"],
            "district_code": ["230102"],
            "street_code": ["230102001"],
            "households": [1200],
        },
        geometry=[box(126.61, 45.76, 126.62, 45.77)],
        crs="EPSG:4326",
    )
    edges = gpd.GeoDataFrame(
        {"u": [1, 2, 2], "v": [2, 1, 3], "highway": ["residential"] * 3},
        geometry=[
            LineString([(126.60, 45.76), (126.63, 45.76)]),
            LineString([(126.63, 45.76), (126.60, 45.76)]),
            LineString([(126.63, 45.76), (126.63, 45.78)]),
        ],
        crs="EPSG:4326",
    )
    buildings = gpd.GeoDataFrame(
        {"building_id": ["B1"]}, geometry=[box(126.612, 45.762, 126.613, 45.763)], crs="EPSG:4326"
    )
    return {
        "districts": districts,
        "streets": streets,
        "communities": communities,
        "network_edges": edges,
        "buildings": buildings,
    }


# -- GCJ-02 and the Amap basemap -----------------------------------------------------------
def test_known_place_converts_to_its_published_gcj02_position_within_a_metre():
    lon, lat = wgs84_to_gcj02(*KNOWN_WGS84)
    assert _metres((float(lon), float(lat)), KNOWN_GCJ02) < 1.0
    assert _metres(KNOWN_WGS84, KNOWN_GCJ02) > 400  # the datum shift itself is ~600 m


def test_marker_on_the_amap_layer_uses_the_gcj02_position():
    place = gpd.GeoDataFrame(
        {"facility_id": ["F1"], "name": ["天安门"], "kind": ["community_station"]},
        geometry=[Point(*KNOWN_WGS84)],
        crs="EPSG:4326",
    )
    view = maps.prepare_layer("facilities", place)
    on_osm = maps.build_map([view], basemap="osm")
    on_amap = maps.build_map([view], basemap="amap")
    page = on_amap.get_root().render()
    assert "autonavi.com" in page
    [shifted] = maps.in_datum([view], "gcj02")
    x, y = shifted.geojson["features"][0]["geometry"]["coordinates"]
    assert _metres((x, y), KNOWN_GCJ02) < 1.0
    assert f"{x}" in page or f"{x:.6f}" in page  # the overlay drawn at the GCJ-02 position
    assert f"{KNOWN_WGS84[0]}, {KNOWN_WGS84[1]}" not in page.replace("[", "")
    # on a WGS-84 basemap the marker stays where it is
    [same] = maps.in_datum([view], basemap.datum("osm"))
    assert same.geojson["features"][0]["geometry"]["coordinates"] == list(KNOWN_WGS84) or (
        tuple(same.geojson["features"][0]["geometry"]["coordinates"]) == KNOWN_WGS84
    )
    assert "autonavi" not in on_osm.get_root().render()


# -- offline basemap, Tianditu -------------------------------------------------------------
def test_offline_basemap_draws_project_streets_and_buildings_on_a_canvas(layers):
    base = basemap.prepare_offline(layers)
    assert set(base.parts) == {"buildings", "streets"}
    streets = base.parts["streets"]["features"][0]["geometry"]
    assert streets["type"] == "MultiLineString" and len(streets["coordinates"]) == 2  # deduped
    views = maps.prepare_layers(layers)
    m = maps.build_map(views, basemap=basemap.BasemapChoice("offline", base), assets="inline")
    page = m.get_root().render()
    assert "L.canvas({padding: 0.5})" in page and basemap.BASE_COLOURS["streets"] in page
    assert "tile.openstreetmap" not in page and "L.tileLayer" not in page


def test_offline_is_the_default_basemap_of_every_map(layers):
    m = maps.explorer_map(layers)
    page = m.get_root().render()
    assert basemap.DEFAULT_BASEMAP == "offline" and "L.tileLayer" not in page
    assert basemap.BASE_COLOURS["streets"] in page


def test_tianditu_needs_a_key_and_uses_vector_and_annotation_layers(monkeypatch):
    monkeypatch.delenv(basemap.TIANDITU_ENV, raising=False)
    assert basemap.tianditu_key({}) is None
    with pytest.raises(ValueError, match="tianditu_key"):
        maps.build_map([], basemap="tianditu")
    monkeypatch.setenv(basemap.TIANDITU_ENV, "env-key")
    assert basemap.tianditu_key({}) == "env-key"
    assert basemap.tianditu_key({"tianditu_key": "project-key"}) == "project-key"
    choice = basemap.BasemapChoice("tianditu", key="abc123")
    page = maps.build_map([], basemap=choice).get_root().render()
    assert "vec_w/wmts" in page and "cva_w/wmts" in page and "tk=abc123" in page


# -- the map frame and popups --------------------------------------------------------------
def test_wheel_zooms_only_after_a_click_and_big_layers_use_a_canvas(layers):
    views = maps.prepare_layers(layers)
    page = maps.build_map(views, basemap="none").get_root().render()
    assert '"scrollWheelZoom": false' in page
    assert "scrollWheelZoom.enable()" in page and "ctrlKey" in page
    buildings = [v for v in views if v.name == "buildings"][0]
    assert buildings.style.large
    assert "L.canvas({padding: 0.5})" in page


def test_popups_name_districts_and_streets_instead_of_codes(layers):
    views = {v.name: v for v in maps.prepare_layers(layers)}
    props = views["communities"].geojson["features"][0]["properties"]
    shown = set(props.values())
    assert "道里区" in shown and "兆麟街道" in shown
    assert "230102001" not in shown and "230102" not in shown


# -- shortfall classes ---------------------------------------------------------------------
def test_shortfall_classes_are_fixed_whatever_the_view():
    city = np.array([0, 30, 842, 1277, np.nan])
    district = np.array([594, 1195])
    assert shortfall_class(city).tolist() == [0, 1, 4, 4, -1]
    assert shortfall_class(district).tolist() == [4, 4]
    assert shortfall_colours([1195])[0] == SHORTFALL_COLOURS[-1]


def test_compliance_and_compare_legends_are_the_same_html():
    from geo_app.maps.small_maps import shortfall_legend
    from geo_app.workflows.compare import DistrictComparison

    table = gpd.GeoDataFrame({"shortfall_m2": [0.0, 900.0], "district_code": ["1", "2"]})
    empty = pd.DataFrame()
    comparison = DistrictComparison(empty, empty, empty, empty, communities=table)
    compare = shortfall_legend(comparison, "zh")
    assert compare.startswith(maps_thematic.legend_html([1, 2], "zh"))
    assert maps_thematic.legend_html(lang="zh") == legend_html("zh")


# -- export --------------------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")])
def test_export_map_writes_png_and_pdf(layers, fmt, magic):
    views = maps.prepare_layers(layers)
    base = basemap.prepare_offline(layers)
    data = map_export.export_map(
        views, map_export.ExportOptions(fmt=fmt, title="地图浏览", dpi=60), base
    )
    assert data.startswith(magic) and len(data) > 5_000
    assert map_export.file_name("explorer_map", fmt).endswith(f".{fmt}")


def test_community_popups_carry_the_verdict_and_shortfall(layers):
    table = gpd.GeoDataFrame({"community_id": ["C1"], "status": ["below"], "shortfall_m2": [120.0]})
    verdicts = maps_thematic.community_verdicts(table, "zh")
    assert verdicts == {"C1": ("未达标", "120 平方米")}
    [view] = [v for v in maps.prepare_layers(layers) if v.name == "communities"]
    shown = maps.with_popup_fields(view, verdicts, maps_thematic.verdict_labels("zh"))
    props = shown.geojson["features"][0]["properties"]
    values = [props[f"f{i}"] for i in range(len(shown.labels))]
    labels = dict(zip(shown.labels, values, strict=True))
    assert labels["状态"] == "未达标" and labels["缺口(平方米)"] == "120 平方米"
    assert "未达标" in props["_tip"] and "兆麟社区" in props["_tip"]
    assert len(view.labels) + 2 == len(shown.labels)  # the original view is unchanged


def test_named_code_columns_are_labelled_by_what_they_show(layers):
    views = {v.name: v for v in maps.prepare_layers(layers)}
    labels = views["communities"].labels
    assert "区县" in labels and "街道/乡镇" in labels
    assert "区县代码" not in labels and "街道代码" not in labels
