"""The maps' GeoJSON writer gives the JSON of ``GeoDataFrame.to_geo_dict(drop_id=True)``."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geo_app.maps.geojson import geo_dict
from geo_app.project import Project


def _same(frame: gpd.GeoDataFrame) -> None:
    assert json.dumps(geo_dict(frame)) == json.dumps(frame.to_geo_dict(drop_id=True))


@pytest.mark.parametrize(
    "layer", ["districts", "communities", "facilities", "cameras", "buildings", "public_spaces"]
)
def test_demo_layers_give_the_same_json(demo_project_path, layer):
    frame = Project.open(demo_project_path).layer(layer).to_crs(4326)
    assert len(frame) > 10
    _same(frame)


def test_missing_values_empty_and_missing_geometries():
    square = Polygon([(0, 0), (1, 0), (1, 1)])
    frame = gpd.GeoDataFrame(
        {
            "text": ["a", None, "<b>", "社区", "x"],
            "number": [1.5, np.nan, 3.0, 4.25, 0.0],
            "count": [1, 2, 3, 4, 5],
            "flag": [True, False, True, None, False],
        },
        geometry=[
            Point(126.6, 45.7),
            None,
            Polygon(),
            MultiPolygon([square, Polygon([(2, 2), (3, 2), (3, 3)])]),
            LineString([(0, 0), (1, 1), (2, 0)]),
        ],
        crs=4326,
    )
    _same(frame)
    features = geo_dict(frame)["features"]
    assert features[1]["geometry"] is None and features[2]["geometry"] is None
    assert features[1]["properties"]["number"] is None


def test_an_empty_frame():
    frame = gpd.GeoDataFrame({"name": []}, geometry=[], crs=4326)
    assert geo_dict(frame) == {"type": "FeatureCollection", "features": []}
    _same(frame)
