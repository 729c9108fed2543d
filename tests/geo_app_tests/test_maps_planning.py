"""Map builder of the coverage and site-selection pages (pure, no browser).

Hand-made layers in CGCS2000 GK metres (EPSG:4551) near central Harbin, no walking network:
distances are straight line x 1.3, so every expected value is computed by hand.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from analysis.coverage import coverage_analysis
from geo_app.maps import planning as mp
from geo_app.workflows.site_selection import SiteSelection

CRS = "EPSG:4551"
X0, Y0 = 546_700.0, 5_067_000.0
EVIL = "<img src=x onerror=alert(1)>"


def _frame(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=CRS).to_crs("EPSG:4326")


def _square(x: float, y: float, half: float = 50.0):
    return box(X0 + x - half, Y0 + y - half, X0 + x + half, Y0 + y + half)


@pytest.fixture
def coverage_layers():
    """Communities at x = 0, 300, 2000 m; stations at x = 0 and x = 2600 m.

    At 500 m (straight line x 1.3): A (0 m) and B (300 x 1.3 = 390 m) are covered by f1, C
    is 2000 x 1.3 = 2600 m from f1 and 600 x 1.3 = 780 m from f2: uncovered.
    """
    communities = _frame(
        [_square(0, 0), _square(300, 0), _square(2000, 0)],
        community_id=["A", "B", "C"],
        name=["甲社区", "乙社区", EVIL],
        households=[100, 200, 300],
        population=[250, 500, 750],
    )
    facilities = _frame(
        [Point(X0, Y0), Point(X0 + 2600, Y0), Point(X0 + 300, Y0)],
        facility_id=["f1", "f2", "x1"],
        name=["一号站", "<b>二号站</b>", "广场"],
        kind=["community_station", "community_station", "square"],
        usable_area_m2=[300.0, 300.0, 0.0],
    )
    return communities, facilities


@pytest.fixture
def coverage_result(coverage_layers):
    communities, facilities = coverage_layers
    return coverage_analysis(None, communities, facilities, "community_station", 500.0)


def _geojson_layers(m: folium.Map) -> dict[str, folium.GeoJson]:
    out = {}
    for group in m._children.values():
        for child in getattr(group, "_children", {}).values():
            if isinstance(child, folium.GeoJson):
                out[child.layer_name] = child
    return out


def _group_names(m: folium.Map) -> list[str]:
    return [g.layer_name for g in m._children.values() if isinstance(g, folium.FeatureGroup)]


# -- coverage ----------------------------------------------------------------------------------
def test_coverage_frames_split_covered_and_uncovered(coverage_result, coverage_layers):
    _, facilities = coverage_layers
    frames = mp.coverage_frames(coverage_result, facilities)
    assert list(frames) == list(mp.COVERAGE_LAYERS)
    assert sorted(frames["covered_communities"]["community_id"]) == ["A", "B"]
    assert list(frames["uncovered_communities"]["community_id"]) == ["C"]
    # one isochrone per station of the kind (the square is another kind), named after it
    iso = frames["isochrones"]
    assert sorted(iso["facility_id"]) == ["f1", "f2"]
    assert dict(zip(iso["facility_id"], iso["facility_name"], strict=True)) == {
        "f1": "一号站",
        "f2": "<b>二号站</b>",
    }
    assert list(frames["facilities"]["facility_id"]) == ["f1", "f2"]
    # without a network an isochrone is a circle of radius 500 / 1.3 m
    radius = 500.0 / 1.3
    area = iso.to_crs(CRS).area.to_numpy()
    assert area == pytest.approx(np.full(2, np.pi * radius**2), rel=0.01)


def test_coverage_map_names_layers_and_draws_uncovered_in_red(coverage_result, coverage_layers):
    _, facilities = coverage_layers
    views = mp.prepare_coverage(coverage_result, facilities, "zh")
    m = mp.planning_map(views, "zh", assets="inline", legend_title_key="coverage.legend_title")
    assert _group_names(m) == ["已覆盖社区", "未覆盖社区", "步行等时圈", "设施"]
    layers = _geojson_layers(m)
    uncovered = layers["uncovered_communities"]
    styles = [uncovered.style_function(f) for f in uncovered.data["features"]]
    assert {s["color"] for s in styles} == {mp.UNCOVERED_COLOUR}
    assert all(s["fill"] and s["fillOpacity"] > 0.3 for s in styles)
    iso = layers["isochrones"]
    iso_styles = [iso.style_function(f) for f in iso.data["features"]]
    assert {s["fillColor"] for s in iso_styles} == {mp.ISOCHRONE_COLOUR}
    assert all(0 < s["fillOpacity"] < 0.5 for s in iso_styles)
    legend = mp.legend_html(views, "zh", "coverage.legend_title")
    assert all(name in legend for name in _group_names(m)) and "图例" in legend
    english = mp.coverage_map(coverage_result, facilities, "en")
    assert _group_names(english) == [
        "Covered communities",
        "Uncovered communities",
        "Walking isochrones",
        "Facilities",
    ]


def test_coverage_popups_show_labelled_values(coverage_result, coverage_layers):
    _, facilities = coverage_layers
    views = {v.name: v for v in mp.prepare_coverage(coverage_result, facilities, "zh")}
    view = views["uncovered_communities"]
    labels = list(view.labels)
    props = view.geojson["features"][0]["properties"]
    shown = {label: props[f"f{i}"] for i, label in enumerate(labels)}
    assert shown["户数"] == "300"
    assert shown["覆盖户数"] == "0"
    # nearest station f2 at 600 m straight = 780 m walk (fallback, labelled as such)
    assert float(shown["最近设施步行距离(米)"]) == pytest.approx(780.0, abs=0.5)
    assert shown["最近设施"] == "f2"
    assert shown["计算方法"] == "直线 × 1.3"
    station = views["facilities"].geojson["features"][0]["properties"]
    assert "社区服务工作站" in station.values()  # facility kinds by their labels


def test_split_isochrones_get_one_colour_per_facility(coverage_layers):
    communities, facilities = coverage_layers
    result = coverage_analysis(
        None, communities, facilities, "community_station", 500.0, overlap="split"
    )
    colours = mp.isochrone_colours(result.isochrones, split=True)
    assert colours == list(mp.SPLIT_PALETTE[:2])
    assert mp.isochrone_colours(result.isochrones, split=False) == [mp.ISOCHRONE_COLOUR] * 2
    view = mp.prepare_view("isochrones", result.isochrones, "zh", colours)
    styles = [mp.style_function(view.style)(f) for f in view.geojson["features"]]
    assert [s["fillColor"] for s in styles] == colours


def test_coverage_popups_and_tooltips_are_escaped(coverage_result, coverage_layers):
    _, facilities = coverage_layers
    views = {v.name: v for v in mp.prepare_coverage(coverage_result, facilities, "zh")}
    uncovered = views["uncovered_communities"].geojson["features"][0]["properties"]
    assert uncovered["f0"] == html.escape(EVIL)
    assert uncovered["_tip"] == "未覆盖社区:" + html.escape(EVIL)
    iso_tips = [f["properties"] for f in views["isochrones"].geojson["features"]]
    assert any(html.escape("<b>二号站</b>") in p.values() for p in iso_tips)
    page = mp.coverage_map(coverage_result, facilities, "zh").get_root().render()
    assert EVIL not in page and "<b>二号站</b>" not in page


# -- site selection ----------------------------------------------------------------------------
@pytest.fixture
def site_case():
    """Communities A, B served by site S1 (at x = 100), C not served (no site in reach), D in
    the same district but not part of the demand, E in another district; candidates S1
    (chosen), S2 (near, not chosen) and S9 (30 km away)."""
    communities = _frame(
        [_square(0, 0), _square(200, 0), _square(3000, 0), _square(0, 300), _square(0, 9000)],
        community_id=["A", "B", "C", "D", "E"],
        name=["甲社区", EVIL, "丙社区", "丁社区", "戊社区"],
        district_code=["230104"] * 4 + ["230102"],
        households=[1000, 800, 500, 300, 700],
    )
    candidates = _frame(
        [Point(X0 + 100, Y0), Point(X0, Y0 - 150), Point(X0 + 30_000, Y0)],
        site_id=["S1", "S2", "S9"],
        name=["一号锅炉房", "二号锅炉房", "远处锅炉房"],
        source_layer=["boiler_rooms"] * 3,
        usable_area_m2=[350.0, 120.0, 500.0],
        offer=["free"] * 3,
    )
    chosen = candidates.iloc[[0]].assign(
        communities_served=[2], households_served=[1800.0], shortfall_taken_m2=[200.0], rank=[1]
    )
    a, b, s1 = (X0, Y0), (X0 + 200, Y0), (X0 + 100, Y0)
    assign = _frame(
        [Point(*a), Point(*b)],
        community_id=["A", "B"],
        name=["甲社区", EVIL],
        households=[1000, 800],
        shortfall_m2=[100.0, 100.0],
        site_id=["S1", "S1"],
        site_name=["一号锅炉房"] * 2,
        distance_m=[130.0, 130.0],
        method=["euclidean_detour"] * 2,
    )
    lines = _frame(
        [LineString([a, s1]), LineString([b, s1])],
        **{k: assign[k].tolist() for k in assign.columns if k != "geometry"},
    )
    unserved = pd.DataFrame(
        {
            "community_id": ["C"],
            "name": ["丙社区"],
            "households": [500],
            "reason": ["no_site_in_reach"],
            "reason_zh": ["步行距离内没有可用用房"],
            "reason_en": ["no site within walking distance"],
        }
    )
    selection = SiteSelection("hub", {}, chosen, assign, lines, unserved, {})
    return selection, communities, candidates


def test_site_frames_show_served_unserved_and_other_sites(site_case):
    selection, communities, candidates = site_case
    frames = mp.site_frames(selection, communities, candidates)
    assert list(frames) == list(mp.SITE_LAYERS)
    served = frames["served_communities"]
    assert sorted(served["community_id"]) == ["A", "B"]
    assert served.geom_type.eq("Polygon").all()  # drawn with the community outlines
    assert served.set_index("community_id").loc["A", "site_id"] == "S1"
    unserved = frames["unserved_communities"]
    assert list(unserved["community_id"]) == ["C"]
    assert unserved["reason_zh"].iloc[0] == "步行距离内没有可用用房"
    # D: same district, not in the demand; E (other district) is not drawn
    assert list(frames["other_communities"]["community_id"]) == ["D"]
    # S2 is near and not chosen; S9 is 30 km from every demand community
    assert list(frames["other_candidates"]["site_id"]) == ["S2"]
    assert len(frames["radiation_lines"]) == 2
    assert list(frames["chosen_sites"]["site_id"]) == ["S1"]
    bare = mp.site_frames(selection)
    assert list(bare) == ["served_communities", "radiation_lines", "chosen_sites"]
    assert bare["served_communities"].geom_type.eq("Point").all()


def test_site_map_draws_radiation_lines_and_sites(site_case):
    selection, communities, candidates = site_case
    m = mp.site_selection_map(selection, communities, candidates, "zh", assets="inline")
    assert _group_names(m) == [
        "其他社区",
        "已服务社区",
        "未服务社区",
        "未选中候选用房",
        "辐射线",
        "选定站点",
    ]
    layers = _geojson_layers(m)
    lines = layers["radiation_lines"]
    assert [f["geometry"]["type"] for f in lines.data["features"]] == ["LineString"] * 2
    style = lines.style_function(lines.data["features"][0])
    assert style["color"] == mp.RADIATION_COLOUR and not style["fill"]
    site = layers["chosen_sites"]
    assert site.style_function(site.data["features"][0])["fillColor"] == mp.CHOSEN_COLOUR
    assert "闲置锅炉房" in site.data["features"][0]["properties"].values()  # layer label
    unserved = layers["unserved_communities"].data["features"][0]["properties"]
    assert "步行距离内没有可用用房" in unserved.values()
    english = mp.site_selection_map(selection, communities, candidates, "en")
    assert "Radiation lines" in _group_names(english)
    en_unserved = _geojson_layers(english)["unserved_communities"].data["features"][0]
    assert "no site within walking distance" in en_unserved["properties"].values()


def test_site_popups_are_escaped(site_case):
    selection, communities, candidates = site_case
    views = {v.name: v for v in mp.prepare_site_selection(selection, communities, candidates)}
    lines = [f["properties"] for f in views["radiation_lines"].geojson["features"]]
    assert lines[1]["_tip"] == "辐射线:" + html.escape(EVIL)
    page = mp.site_selection_map(selection, communities, candidates).get_root().render()
    assert EVIL not in page
    legend = mp.legend_html(list(views.values()), "zh", "site_selection.legend_title")
    assert mp.RADIATION_COLOUR in legend and "辐射线" in legend
