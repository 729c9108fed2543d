"""Maps that answer (issue 25, item 4), at library level; the clicks themselves are tested in a
browser (tests/test_browser_maps.py: popup verdict, wheel zoom after a click on a feature).

* the compliance map draws district outlines in a pane that takes no clicks, above the
  shortfall choropleth, so a click on a community opens the community's popup;
* wheel zoom is switched on by a click anywhere in the map, features included;
* the explorer opens on the project's communities, not on everything it shows;
* communities of the explorer, coverage and site-selection maps are filled by their shortfall
  class and those maps carry the shortfall legend;
* popup labels read as labels in both languages (no raw field names);
* the Amap and Tianditu basemaps label the map in English when the page is in English.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from analysis.coverage import coverage_analysis
from analysis.shortfall_classes import NOT_ASSESSED_COLOUR, class_colour, shortfall_class
from geo_app import maps
from geo_app.i18n import t
from geo_app.maps import basemap as basemap
from geo_app.maps import planning as maps_planning
from geo_app.maps import thematic as maps_thematic
from geo_app.maps.legend import legend_html
from geo_app.maps.popups import popup_label

WGS84 = "EPSG:4326"


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    """A district with 20 communities in a 2 km block, one remote village and far facilities."""
    districts = gpd.GeoDataFrame(
        {"district_code": ["230104"], "name": ["道外区"], "district_class": ["core"]},
        geometry=[box(126.0, 45.0, 127.5, 46.0)],
        crs=WGS84,
    )
    streets = gpd.GeoDataFrame(
        {"street_code": ["230104001"], "name": ["靖宇街道"], "district_code": ["230104"]},
        geometry=[box(126.0, 45.0, 127.5, 46.0)],
        crs=WGS84,
    )
    cells = [box(126.62 + 0.004 * i, 45.77, 126.624 + 0.004 * i, 45.774) for i in range(20)]
    cells.append(box(127.40, 45.05, 127.41, 45.06))  # a remote village
    communities = gpd.GeoDataFrame(
        {
            "community_id": [f"C{i}" for i in range(21)],
            "name": [f"社区{i}" for i in range(21)],
            "street_code": "230104001",
            "district_code": "230104",
            "households": 1000,
            "source": "示例数据 / sample data",
        },
        geometry=cells,
        crs=WGS84,
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["F1", "F2"], "name": ["远站", "近站"], "kind": "community_station"},
        geometry=[Point(126.05, 45.05), Point(126.63, 45.772)],
        crs=WGS84,
    )
    return {
        "districts": districts,
        "streets": streets,
        "communities": communities,
        "facilities": facilities,
    }


@pytest.fixture
def compliance_table(layers) -> pd.DataFrame:
    ids = layers["communities"]["community_id"]
    shortfall = [0.0, 30.0, 80.0, 150.0, 900.0] * 4 + [float("nan")]
    status = ["ok" if s == 0 else "below" for s in shortfall[:-1]] + ["not_assessed"]
    return pd.DataFrame({"community_id": ids, "status": status, "shortfall_m2": shortfall})


def _geojsons(m: folium.Map) -> list[folium.GeoJson]:
    out = []

    def walk(element):
        for child in element._children.values():
            if isinstance(child, folium.GeoJson):
                out.append(child)
            walk(child)

    walk(m)
    return out


# -- the compliance map: communities answer the click ------------------------------------------
def test_district_outlines_lie_over_the_choropleth_but_take_no_click(layers, compliance_table):
    shapes = compliance_table.merge(layers["communities"], on="community_id")
    view, _ = maps_thematic.prepare_shortfall(gpd.GeoDataFrame(shapes, crs=WGS84))
    context = maps.prepare_layers({"districts": layers["districts"]})
    m = maps_thematic.shortfall_map(view, context=context, basemap="none")
    page = m.get_root().render()
    assert "createPane" in page and f'"{maps.OUTLINE_PANE}"' in page
    assert "style.pointerEvents = 'none'" in page
    by_name = {g.layer_name: g for g in _geojsons(m)}
    districts = by_name["districts"]
    assert districts.options["pane"] == maps.OUTLINE_PANE
    assert districts.options["interactive"] is False
    assert not any(isinstance(c, folium.GeoJsonPopup) for c in districts._children.values())
    choropleth = by_name[maps_thematic.LAYER_NAME]
    assert any(isinstance(c, folium.GeoJsonPopup) for c in choropleth._children.values())
    assert "pane" not in choropleth.options  # the communities stay in the clickable overlay pane


def test_a_click_anywhere_in_the_map_enables_wheel_zoom():
    page = maps.build_map([], basemap="none").get_root().render()
    assert 'box.addEventListener("click", enable, true)' in page  # capture: features count
    assert '"scrollWheelZoom": false' in page  # still off until then


# -- the explorer opens on the communities --------------------------------------------------------
def test_explorer_opens_on_the_communities_not_on_everything(layers):
    m = maps.explorer_map(layers, basemap="none")
    (south, west), (north, east) = next(
        c.bounds for c in m._children.values() if isinstance(c, folium.map.FitBounds)
    )
    views = maps.prepare_layers(layers)
    expected = maps.focus_bounds(
        [v for v in views if v.name == "communities"], share=maps.EXPLORER_FOCUS_SHARE
    )
    assert (west, south, east, north) == pytest.approx(expected)
    assert west > 126.6 and east < 126.71 and south > 45.76  # the 2 km block, not the district
    assert m.options["zoom_snap"] == maps.ZOOM_SNAP  # opens filled by the block


def test_explorer_without_communities_opens_on_what_it_has(layers):
    views = maps.prepare_layers({"facilities": layers["facilities"]})
    assert maps.explorer_focus(views) == views


# -- the shortfall legend and fills on the explorer, coverage and site maps ------------------------
def _filled(view: maps.LayerView) -> dict[str, str]:
    return {
        f["properties"]["_tip"].split(" ")[0]: f["properties"].get(maps.FILL_FIELD)
        for f in view.geojson["features"]
    }


def test_explorer_communities_are_filled_by_their_shortfall_class(layers, compliance_table):
    verdicts = maps_thematic.community_verdicts(compliance_table, "zh")
    fills = maps_thematic.community_fills(compliance_table)
    views = maps_thematic.with_shortfall(maps.prepare_layers(layers), verdicts, fills, "zh")
    communities = next(v for v in views if v.name == "communities")
    assert communities.filled
    colours = [f["properties"][maps.FILL_FIELD] for f in communities.geojson["features"]]
    expected = [class_colour(c) for c in shortfall_class(compliance_table["shortfall_m2"])]
    assert colours == expected
    assert colours[-1] == NOT_ASSESSED_COLOUR
    style = maps.feature_style(communities.style)(communities.geojson["features"][4])
    assert style["fillColor"] == expected[4] and style["fillOpacity"] >= 0.5
    assert style["color"] == communities.style.colour  # the outline keeps the layer colour
    page = maps.build_map(views, basemap="none").get_root().render()
    assert html.escape(legend_html("zh")) in html.escape(page) or "geo-app-shortfall-legend" in page
    assert not next(v for v in views if v.name == "facilities").filled


def test_coverage_and_site_maps_carry_the_shortfall_legend(layers, compliance_table):
    result = coverage_analysis(
        None, layers["communities"], layers["facilities"], "community_station", 500.0
    )
    verdicts = maps_thematic.community_verdicts(compliance_table, "en")
    fills = maps_thematic.community_fills(compliance_table)
    views = maps_planning.prepare_coverage(result, layers["facilities"], "en")
    plain = maps_planning.planning_map(views, "en", basemap="none").get_root().render()
    assert "geo-app-shortfall-legend" not in plain
    shown = maps_thematic.with_shortfall(views, verdicts, fills, "en")
    page = maps_planning.planning_map(shown, "en", basemap="none").get_root().render()
    assert "geo-app-shortfall-legend" in page and "Shortfall" in page
    uncovered = next(v for v in shown if v.name == "uncovered_communities")
    assert uncovered.filled and "Status" in [html.unescape(label) for label in uncovered.labels]
    lines = gpd.GeoDataFrame(
        {"name": ["社区0"], "site_id": ["S"], "distance_m": [100.0]},
        geometry=[LineString([(126.62, 45.77), (126.63, 45.772)])],
        crs=WGS84,
    )
    site = maps_planning.prepare_view("radiation_lines", lines)
    served = maps_planning.prepare_view("served_communities", layers["communities"].iloc[:3])
    site_views = maps_thematic.with_shortfall([served, site], verdicts, fills, "en")
    site_page = maps_planning.planning_map(site_views, "en", basemap="none").get_root().render()
    assert "geo-app-shortfall-legend" in site_page


# -- labels -------------------------------------------------------------------------------------
def test_popup_labels_are_labels_in_both_languages(layers):
    en = {v.name: [html.unescape(x) for x in v.labels] for v in maps.prepare_layers(layers, "en")}
    assert {"Name", "Street", "District", "Source"} <= set(en["communities"])
    assert all(label[:1].isupper() for labels in en.values() for label in labels)
    zh = {v.name: v.labels for v in maps.prepare_layers(layers, "zh")}
    assert {"名称", "街道/乡镇", "区县", "数据来源"} <= set(zh["communities"])
    assert popup_label("community id", "en") == "Community id"
    assert popup_label("社区编号", "en") == "社区编号" and popup_label("name", "zh") == "name"


def test_fields_of_an_osm_import_are_labelled():
    boilers = gpd.GeoDataFrame(
        {
            "site_id": ["osm_w1"],
            "name": ["锅炉房"],
            "area_source": ["footprint"],
            "evidence": ["chimney_building"],
            "osm_id": ["osm_w1"],
        },
        geometry=[Point(126.6, 45.7)],
        crs=WGS84,
    )
    for lang, labels, values in (
        ("zh", {"面积来源", "识别依据", "OSM 编号"}, {"建筑占地面积(估算)", "烟囱所在建筑"}),
        ("en", {"Area from", "Identified by", "OSM id"}, {"building footprint (estimate)"}),
    ):
        view = maps.prepare_layer("boiler_rooms", boilers, lang)
        assert labels <= {html.unescape(x) for x in view.labels}
        shown = set(view.geojson["features"][0]["properties"].values())
        assert values <= {html.unescape(x) for x in shown}


# -- basemap labels in the page's language --------------------------------------------------------
def test_amap_and_tianditu_label_the_map_in_english():
    (amap_zh,) = basemap.tile_layers("amap", "zh")
    (amap_en,) = basemap.tile_layers("amap", "en")
    assert "lang=zh_cn" in amap_zh["tiles"] and "高德" in amap_zh["attr"]
    assert "lang=en" in amap_en["tiles"] and "Amap" in amap_en["attr"]
    assert "高德" not in amap_en["attr"]
    choice = basemap.BasemapChoice("tianditu", key="abc123")
    zh = maps.build_map([], "zh", basemap=choice).get_root().render()
    en = maps.build_map([], "en", basemap=choice).get_root().render()
    assert "cva_w/wmts" in zh and "eva_w/wmts" not in zh
    assert "eva_w/wmts" in en and "cva_w/wmts" not in en and "Tianditu" in en
    assert "天地图" in basemap.tianditu_tiles("k", "zh")[1]["attr"]
    assert "vec_w/wmts" in en  # the same vector map underneath
    page = maps.build_map([], "en", basemap="amap").get_root().render()
    assert "lang=en" in page and t("basemap.amap", "en")
