"""The synthetic province (``layers.province``, ``geo_app.workflows.demo.create_province``): demo-shaped
cities at different places, deterministic, with ids distinct per city."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_app.project import Project, ProjectError
from geo_app.workflows.demo import create_province
from layers.province import build_city_layers, city_name, city_offset, city_prefix


@pytest.fixture(scope="module")
def two_cities():
    return build_city_layers(0, seed=0), build_city_layers(1, seed=0)


def test_same_index_and_seed_same_layers(two_cities):
    again = build_city_layers(1, seed=0)
    for name, frame in two_cities[1].items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(frame.drop(columns="geometry", errors="ignore")),
            pd.DataFrame(again[name].drop(columns="geometry", errors="ignore")),
        )
        if "geometry" in frame.columns:  # the ratings table has none
            assert frame.geometry.geom_equals_exact(again[name].geometry, 0).all()


def test_ids_are_distinct_between_cities(two_cities):
    a, b = two_cities
    for layer, column in [
        ("districts", "district_code"),
        ("streets", "street_code"),
        ("communities", "community_id"),
        ("facilities", "facility_id"),
        ("boiler_rooms", "site_id"),
        ("network_nodes", "osmid"),
    ]:
        assert not set(a[layer][column]) & set(b[layer][column]), (layer, column)
    assert a["communities"]["community_id"].str.startswith(city_prefix(0)).all()
    assert b["facilities"]["facility_id"].str.contains(city_prefix(1)).all()
    # references stay consistent inside a city
    assert set(b["communities"]["district_code"]) <= set(b["districts"]["district_code"])
    assert set(b["network_edges"]["u"]) <= set(b["network_nodes"]["osmid"])


def test_cities_stand_at_different_places(two_cities):
    a, b = (c["communities"].geometry.union_all().centroid for c in two_cities)
    assert city_offset(0) != city_offset(1)
    assert abs(a.x - b.x) > 1.0  # degrees apart
    # edge lengths are measured again at the new place (within 1 % of the drawn geometry)
    edges = two_cities[1]["network_edges"]
    drawn = edges.geometry.to_crs("EPSG:4550").length
    assert np.allclose(edges["length"], drawn, rtol=0.01)


def test_create_province_writes_one_project_per_city(tmp_path):
    paths = create_province(tmp_path, 2, seed=3)
    assert [p.name for p in paths] == ["city_2302.gpkg", "city_2303.gpkg"]
    cities = [Project.open(p).settings.city for p in paths]
    assert cities == [city_name(0), city_name(1)] and cities[0] != cities[1]
    assert Project.open(paths[1]).has_layer("network_edges")
    with pytest.raises(ProjectError):
        create_province(tmp_path, 0)
