"""Layers a web map cannot take as they are (issue 25, item 1): no map page may crash on them.

A GeoPackage layer of type "Unknown" (an OSM import, a planner's file) may mix polygons and
multipolygons, points and polygons, and hold missing or empty geometries and geometry
collections. folium's ``get_bounds`` (which streamlit-folium calls for every map) raised
``KeyError: 'coordinates'`` on a collection; the explorer, compliance and coverage pages showed
that traceback on the OSM project. Every map builder now draws what can be drawn, leaves the rest
out and says so; a page's unexpected error shows a message, not a traceback.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, box

from analysis.coverage import coverage_analysis
from geo_app import maps
from geo_app.cli import main
from geo_app.i18n import layer_label, t
from geo_app.maps import basemap as basemap
from geo_app.maps import planning as maps_planning
from geo_app.maps import surveillance as maps_surveillance
from geo_app.maps import thematic as maps_thematic
from geo_app.maps.layers import drawable_geometries

WGS84 = "EPSG:4326"


def _mixed() -> gpd.GeoDataFrame:
    """Facilities as an OSM import leaves them: every kind of geometry in one layer."""
    geoms = [
        box(126.60, 45.75, 126.601, 45.751),  # polygon
        MultiPolygon([box(126.61, 45.75, 126.611, 45.751), box(126.62, 45.75, 126.621, 45.751)]),
        Point(126.63, 45.76),  # a point among polygons
        GeometryCollection([box(126.64, 45.75, 126.641, 45.751), Point(126.64, 45.75)]),
        GeometryCollection(),  # empty collection
        None,  # no geometry at all
        Point(np.nan, np.nan),  # not a place
        Point(546_700.0, 5_067_000.0),  # metres saved without a CRS: not longitude / latitude
        GeometryCollection([LineString([(126.65, 45.75), (126.66, 45.76)])]),
    ]
    return gpd.GeoDataFrame(
        {"facility_id": [f"F{i}" for i in range(len(geoms))], "name": "站", "kind": "police_room"},
        geometry=geoms,
        crs=WGS84,
    )


def _feature_types(view: maps.LayerView) -> list[str]:
    return [f["geometry"]["type"] for f in view.geojson["features"]]


def test_collections_become_their_parts_and_undrawable_features_are_counted():
    geoms, keep = drawable_geometries(_mixed().geometry.values)
    assert keep.tolist() == [True, True, True, True, False, False, False, False, True]
    assert geoms[3].geom_type == "Polygon"  # the polygon of the collection, the stray point gone
    assert geoms[8].geom_type == "LineString"
    view = maps.prepare_layer("facilities", _mixed())
    assert (view.shown, view.dropped) == (5, 4)
    assert "GeometryCollection" not in _feature_types(view)
    assert view.has_points  # the point of the mixed layer is drawn as a dot, not a pin


def test_a_map_of_mixed_layers_has_bounds_and_renders():
    views = maps.prepare_layers({"facilities": _mixed()})
    m = maps.build_map(views, basemap="none")
    (south, west), (north, east) = m.get_bounds()  # KeyError: 'coordinates' before
    assert west == pytest.approx(126.60) and east == pytest.approx(126.66)
    page = m.get_root().render()
    assert "new L.CircleMarker(" in page  # the point of a polygon layer is a dot


def test_offline_basemap_of_polygons_and_multipolygons_is_one_multipolygon():
    buildings = gpd.GeoDataFrame(
        geometry=[
            box(126.60, 45.75, 126.601, 45.751),
            MultiPolygon([box(126.61, 45.75, 126.611, 45.751), box(126.62, 45.75, 126.621, 45.76)]),
            Point(126.63, 45.76),  # a point in a buildings layer: not drawn
        ],
        crs=WGS84,
    )
    base = basemap.prepare_offline({"buildings": buildings})
    geometry = base.parts["buildings"]["features"][0]["geometry"]
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) == 3
    m = maps.build_map([], basemap=basemap.BasemapChoice("offline", base))
    assert m.get_bounds()[0][0] == pytest.approx(45.75)  # the GeometryCollection broke this


def test_thematic_planning_and_surveillance_views_drop_what_cannot_be_drawn():
    table = gpd.GeoDataFrame(
        {"community_id": ["A", "B", "C"], "name": "社区", "shortfall_m2": [10.0, 0.0, 50.0]},
        geometry=[
            GeometryCollection([box(126.6, 45.7, 126.61, 45.71), LineString([(0, 0), (1, 1)])]),
            None,
            box(126.62, 45.7, 126.63, 45.71),
        ],
        crs=WGS84,
    )
    shortfall, _ = maps_thematic.prepare_shortfall(table)
    assert (shortfall.shown, shortfall.dropped, _feature_types(shortfall)) == (
        2,
        1,
        ["Polygon", "Polygon"],
    )
    assert shortfall.ids == ("A", "C")
    planning = maps_planning.prepare_view("uncovered_communities", table.assign(households=1))
    assert (planning.shown, planning.dropped, planning.ids) == (2, 1, ("A", "C"))
    spaces = table.assign(space_id=["S1", "S2", "S3"])
    surveillance = maps_surveillance.prepare_view("public_spaces", spaces)
    assert (surveillance.shown, surveillance.dropped) == (2, 1)
    m = maps_thematic.shortfall_map(shortfall, basemap="none")
    assert m.get_bounds()[0][0] == pytest.approx(45.7)


def test_a_coverage_map_of_communities_without_geometry_renders():
    communities = gpd.GeoDataFrame(
        {"community_id": ["A", "B"], "name": ["甲", "乙"], "households": [10, 20]},
        geometry=[box(126.6, 45.7, 126.61, 45.71), None],
        crs=WGS84,
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["f"], "name": ["站"], "kind": ["community_station"]},
        geometry=[Point(126.605, 45.705)],
        crs=WGS84,
    )
    result = coverage_analysis(None, communities.iloc[:1], facilities, "community_station", 500.0)
    m = maps_planning.coverage_map(result, facilities, basemap="none")
    assert m.get_bounds()[0][0] is not None


def test_layer_notes_say_what_is_left_out_in_both_languages():
    empty = maps.prepare_layer("communities", _mixed().iloc[4:8])  # nothing drawable
    part = maps.prepare_layer("facilities", _mixed())
    for lang in ("zh", "en"):
        notes = maps.layer_notes([empty, part], lang)
        assert notes[0] == t("map.left_out", lang, layer=layer_label("communities", lang), n=4)
        assert notes[1] == t("map.dropped", lang, layer=layer_label("facilities", lang), n=4)
        assert maps.layer_notes([empty], lang)[-1] == t("map.nothing_drawn", lang)
    assert maps.layer_notes([maps.prepare_layer("facilities", _mixed().iloc[:4])], "zh") == []
    m = maps.build_map([empty, part], basemap="none")  # the empty layer is left out
    names = [g.layer_name for g in m._children.values() if hasattr(g, "layer_name")]
    assert layer_label("facilities", "zh") in names
    assert layer_label("communities", "zh") not in names


@pytest.mark.realdata
def test_every_map_of_the_osm_import_renders(shared_dir, tmp_path):
    """The maps of the explorer and the compliance page on the real import, as the pages draw
    them (offline basemap, streamlit-folium's rendering with its ``get_bounds``)."""
    from geo_app.project import Project
    from geo_app.workflows import project_compliance

    path = tmp_path / "osm.gpkg"
    assert (
        main(["import-osm", str(shared_dir / "data/harbin/harbin.osm.pbf"), "--out", str(path)])
        == 0
    )
    project = Project.open(path)
    layers = {n: project.layer(n) for n in project.layers()}
    types = {n: set(f.geom_type) for n, f in layers.items() if isinstance(f, gpd.GeoDataFrame)}
    assert types["facilities"] == {"Point", "Polygon"}  # mixed, "Unknown" in the GeoPackage
    assert {"Polygon", "MultiPolygon"} <= types["buildings"]
    explorer = maps.explorer_map(layers, basemap="offline")
    (south, _west), _ = explorer.get_bounds()  # what streamlit-folium calls (it raised)
    assert south == pytest.approx(45.658, abs=0.01)
    table = project_compliance(project).communities
    shapes = table.merge(layers["communities"][["community_id", "geometry"]], on="community_id")
    view, _ = maps_thematic.prepare_shortfall(gpd.GeoDataFrame(shapes, crs=WGS84))
    context = maps.prepare_layers({"districts": layers["districts"]})
    base = basemap.prepare_offline(layers)
    m = maps_thematic.shortfall_map(
        view, context=context, basemap=basemap.BasemapChoice("offline", base)
    )
    assert m.get_bounds()[1][1] > 126.7
    assert view.shown == len(layers["communities"])
