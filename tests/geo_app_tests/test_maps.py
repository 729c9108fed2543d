"""Map building without a browser: layers, escaping, filter, limits, basemaps, offline assets."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from geo_app import maps
from geo_app.i18n import catalogue, field_label, layer_label, t, value_label

EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def _unescape_js(text: str) -> str:
    """Undo the \\uXXXX escapes of JSON embedded in the page (what the browser sees)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    """Two districts side by side (x 0-1 and 1-2 degrees east of 126), a few features in each."""
    districts = gpd.GeoDataFrame(
        {
            "district_code": ["230102", "230103"],
            "name": ["道里区", "南岗区"],
            "district_class": ["core", "core"],
        },
        geometry=[box(126.0, 45.0, 126.5, 45.5), box(126.5, 45.0, 127.0, 45.5)],
        crs="EPSG:4326",
    )
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C2", "C3"],
            "name": [EVIL, "新阳社区", "和兴社区"],
            "district_code": ["230102", "230103", "230103"],
            "era": ["old", "new", "old"],
            "households": [1200, 800, 950],
            "population": [3000, 2100, 2500],
            "star_rating": [None, 3, 5],
        },
        geometry=[
            box(126.1, 45.1, 126.2, 45.2),
            box(126.6, 45.1, 126.7, 45.2),
            box(126.8, 45.3, 126.9, 45.4),
        ],
        crs="EPSG:4326",
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2", "F3"],
            "name": ["站一", "站二", "<b>站三</b>"],
            "kind": ["community_station", "street_centre", "community_station"],
            "usable_area_m2": [250.5, 1200.0, 310.0],
            "rooms": ["service_hall,library", None, "clinic"],
        },
        # F1 in 道里 (west), F2 and F3 in 南岗 (east): filtered spatially (no district_code)
        geometry=[Point(126.15, 45.15), Point(126.65, 45.15), Point(126.85, 45.35)],
        crs="EPSG:4326",
    )
    cameras = gpd.GeoDataFrame(
        {
            "camera_id": [f"K{i}" for i in range(10)],
            "kind": ["dome"] * 10,
            "status": ["working"] * 9 + ["broken"],
        },
        # 5 cameras in each district
        geometry=[Point(126.05 + 0.1 * i, 45.25) for i in range(10)],
        crs="EPSG:4326",
    )
    edges = gpd.GeoDataFrame(
        {"u": [1], "v": [2], "key": [0], "length": [120.0]},
        geometry=[LineString([(126.1, 45.1), (126.2, 45.2)])],
        crs="EPSG:4326",
    )
    return {
        "districts": districts,
        "communities": communities,
        "facilities": facilities,
        "cameras": cameras,
        "network_edges": edges,
    }


def _groups(m: folium.Map) -> list[folium.FeatureGroup]:
    return [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]


# -- escaping --------------------------------------------------------------------------------
def test_popup_html_escapes_every_value():
    html_text = maps.popup_html("communities", {"community_id": "C1", "name": EVIL}, "zh")
    assert EVIL not in html_text
    assert EVIL_ESCAPED in html_text
    assert "社区/村" in html_text  # layer label in the title


def test_rendered_map_shows_markup_in_names_as_text(layers):
    m = maps.explorer_map(layers, lang="zh", basemap="none")
    page = _unescape_js(m.get_root().render())
    assert EVIL not in page
    assert EVIL_ESCAPED in page  # popup value and tooltip
    assert "<b>站三</b>" not in page
    assert "&lt;b&gt;站三&lt;/b&gt;" in page


def test_feature_properties_are_only_escaped_display_texts(layers):
    (view,) = maps.prepare_layers({"facilities": layers["facilities"]}, "zh")
    props = view.geojson["features"][0]["properties"]
    assert set(props) == {"_tip"} | {f"f{i}" for i in range(len(view.labels))}
    # the popup values in schema order: id, name, kind label, area, rooms labels
    assert props["f0"] == "F1"
    assert props["f2"] == "社区服务工作站"
    assert props["f3"] == "250.5"
    assert props["f4"] == "办事大厅、图书室"
    assert view.labels[:3] == ("设施编号", "名称", "设施类型")


# -- layers, labels, legend -------------------------------------------------------------------
def test_one_named_toggleable_layer_per_present_layer(layers):
    m = maps.explorer_map(layers, lang="zh", basemap="none")
    groups = _groups(m)
    expected = ["districts", "communities", "network_edges", "facilities", "cameras"]
    assert [g.layer_name for g in groups] == [layer_label(n, "zh") for n in expected]
    shown = {g.layer_name: g.show for g in groups}
    assert shown["区县"] and shown["社区/村"]
    assert not shown["监控"] and not shown["步行路网"]  # large layers start switched off
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())


def test_english_labels(layers):
    m = maps.explorer_map(layers, lang="en", basemap="none")
    names = [g.layer_name for g in _groups(m)]
    assert names == ["Districts", "Communities", "Walking network", "Facilities", "Cameras"]
    page = m.get_root().render()
    assert "Legend" in page
    (view,) = maps.prepare_layers({"facilities": layers["facilities"]}, "en")
    assert view.geojson["features"][1]["properties"]["f2"] == "street service centre"


def test_legend_lists_layers_with_colours(layers):
    views = maps.prepare_layers(layers, "zh")
    legend = maps.legend_html(views, "zh")
    assert "图例" in legend
    for view in views:
        assert layer_label(view.name, "zh") in legend
        assert maps.LAYER_STYLES[view.name].colour in legend
    page = maps.build_map(views, "zh", "none").get_root().render()
    assert "geo-app-legend" in page


# -- district filter and limits ---------------------------------------------------------------
def test_district_filter_by_code_and_spatially(layers):
    out = maps.filter_to_districts(layers, ["230103"])
    assert list(out["districts"]["name"]) == ["南岗区"]
    assert list(out["communities"]["community_id"]) == ["C2", "C3"]  # by district_code
    assert list(out["facilities"]["facility_id"]) == ["F2", "F3"]  # spatially
    assert list(out["cameras"]["camera_id"]) == ["K5", "K6", "K7", "K8", "K9"]
    assert len(out["network_edges"]) == 0  # the only edge lies in 道里
    assert maps.filter_to_districts(layers, []) == layers  # no selection: everything


def test_large_layers_are_limited_and_reported(layers):
    views = {v.name: v for v in maps.prepare_layers(layers, "zh", max_features=3)}
    cameras = views["cameras"]
    assert (cameras.total, cameras.shown, cameras.truncated) == (10, 3, True)
    assert len(cameras.geojson["features"]) == 3
    # communities are not a large layer: never limited
    assert (views["communities"].shown, views["communities"].truncated) == (3, False)


def test_filter_applies_before_the_limit(layers):
    views = {v.name: v for v in maps.prepare_layers(layers, "zh", ["230102"], max_features=3)}
    assert (views["cameras"].total, views["cameras"].shown) == (5, 3)


def test_empty_and_missing_geometries_are_dropped(layers):
    cams = layers["cameras"].copy()
    cams.loc[0, "geometry"] = None
    (view,) = maps.prepare_layers({"cameras": cams}, "zh")
    assert view.total == 9


def test_focus_bounds_ignore_a_remote_outlier():
    pts = [Point(126.6 + 0.001 * i, 45.75) for i in range(99)] + [Point(127.5, 44.5)]
    gdf = gpd.GeoDataFrame({"facility_id": range(100)}, geometry=pts, crs="EPSG:4326")
    view = maps.prepare_layer("facilities", gdf)
    minx, miny, maxx, maxy = maps.focus_bounds([view])
    assert maxx < 126.7 and miny > 45.7  # the remote village does not widen the view
    assert view.bounds[2] == pytest.approx(127.5)  # but it is drawn


# -- basemaps and offline assets --------------------------------------------------------------
def test_no_basemap_adds_no_tile_layer_and_keeps_the_layers(layers):
    m = maps.explorer_map(layers, basemap="none")
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())
    page = m.get_root().render()
    assert "tile.openstreetmap.org" not in page
    assert '"FeatureCollection"' in page  # the layers are embedded in the page


@pytest.mark.parametrize(("basemap", "url"), [("osm", "openstreetmap"), ("positron", "carto")])
def test_basemaps(layers, basemap, url):
    m = maps.explorer_map(layers, basemap=basemap)
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1 and url in tiles[0].tiles.lower()


def test_unknown_basemap_is_refused():
    with pytest.raises(ValueError, match="basemap"):
        maps.build_map([], basemap="google")


def test_local_assets_replace_every_cdn_link(layers):
    page = maps.explorer_map(layers, assets="../assets").get_root().render()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert scripts == ["../assets/leaflet.js"]
    assert styles == ["../assets/leaflet.css"]


def test_inline_assets_make_a_standalone_page(layers):
    page = maps.explorer_map(layers, basemap="none", assets="inline").get_root().render()
    assert "<script src=" not in page and 'rel="stylesheet" href=' not in page
    assert '"1.9.3"' in page  # Leaflet's version string, from the vendored file
    assert (maps.LEAFLET_DIR / "LICENSE").read_text().startswith("BSD 2-Clause")


# -- formatting and i18n ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("layer", "field", "value", "lang", "expected"),
    [
        ("communities", "star_rating", None, "zh", "—"),
        ("communities", "star_rating", float("nan"), "en", "—"),
        ("boiler_rooms", "idle", True, "zh", "是"),
        ("boiler_rooms", "idle", np.bool_(False), "en", "no"),
        ("facilities", "usable_area_m2", 300.0, "zh", "300"),
        ("facilities", "usable_area_m2", 250.456, "zh", "250.46"),
        ("communities", "households", np.int64(1200), "zh", "1200"),
        ("facilities", "kind", "central_station", "zh", "社区中心服务站"),
        ("communities", "era", "old", "en", "old"),
        ("cameras", "status", "broken", "zh", "损坏"),
        ("districts", "district_class", "county", "zh", "县(市)"),
        ("facilities", "rooms", "police_room,pupil_care", "en", "police room, pupil care"),
        ("communities", "name", "未知值", "zh", "未知值"),
    ],
)
def test_format_value(layer, field, value, lang, expected):
    assert maps.format_value(layer, field, value, lang) == expected


def test_catalogue_is_complete_in_both_languages():
    entries = catalogue()
    assert len(entries) > 40
    for key, texts in entries.items():
        assert texts.get("zh") and texts.get("en"), key
        # same placeholders in both languages
        assert set(re.findall(r"{(\w+)}", texts["zh"])) == set(
            re.findall(r"{(\w+)}", texts["en"])
        ), key


def test_translation_helpers():
    assert t("explorer.title") == "地图浏览"
    assert t("explorer.title", "en") == "Map explorer"
    assert t("explorer.title", "fr") == "地图浏览"  # unsupported language: Chinese
    assert t("explorer.truncated", "en", layer="Cameras", shown=3, total=10) == (
        "Cameras: showing 3 of 10 features (truncated)"
    )
    assert t("no.such.key") == "no.such.key"
    assert field_label("facilities", "usable_area_m2", "en") == "usable area (m2)"
    assert field_label("cameras", "source", "zh") == "数据来源"  # common extra field
    assert field_label("cameras", "mystery", "zh") == "mystery"
    assert value_label("communities", "kind", "rural", "zh") == "农村社区"
    assert value_label("public_spaces", "kind", "square", "en") == "square"


def test_points_are_filled_dots_and_lines_are_not_filled():
    style = maps.feature_style(maps.LAYER_STYLES["facilities"])
    dot = style({"geometry": {"type": "Point"}})
    assert dot["fill"] and dot["fillColor"] == maps.LAYER_STYLES["facilities"].colour
    line = maps.feature_style(maps.LAYER_STYLES["public_spaces"])
    assert not line({"geometry": {"type": "LineString"}})["fill"]
    assert line({"geometry": {"type": "Polygon"}})["fill"]


def test_tables_without_geometry_are_skipped(layers):
    table = layers["facilities"].drop(columns="geometry")
    views = maps.prepare_layers({"facilities": table, "districts": layers["districts"]})
    assert [v.name for v in views] == ["districts"]
