"""``analysis.coverage.coverage_at_distances`` / ``coverage_from_pairs``: several distances (and
facility subsets) read from one distance computation give exactly the tables of
``community_coverage`` called once per distance, on the demo city's network and layers."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.coverage import (
    community_coverage,
    coverage_at_distances,
    coverage_from_pairs,
    facilities_of_kind,
)
from analysis.distances import point_distances
from layers.network import load_walking_network

# 300/500/1000 share the default search radius (2000 m); 1500 widens it to 3000 m, so the
# one computation must also drop the pairs beyond each distance's own radius
DISTANCES = (300.0, 500.0, 1000.0, 1500.0)


@pytest.fixture(scope="module")
def demo(demo_layers):
    G = load_walking_network((demo_layers["network_nodes"], demo_layers["network_edges"]))
    return G, demo_layers["communities"].copy(), demo_layers["facilities"].copy()


@pytest.mark.parametrize("search_m", [None, 800.0])
def test_every_distance_equals_community_coverage_alone(demo, search_m):
    G, communities, facilities = demo
    tables = coverage_at_distances(
        G, communities, facilities, DISTANCES, kind="community_station", search_m=search_m
    )
    assert list(tables) == list(DISTANCES)
    for d, table in tables.items():
        alone = community_coverage(
            G, communities, facilities, d, kind="community_station", search_m=search_m
        )
        pd.testing.assert_frame_equal(table, alone, check_exact=True)
    # the distances matter: the tables differ from one another
    assert tables[300.0]["covered"].sum() < tables[1000.0]["covered"].sum()


def test_pairs_to_more_facilities_give_the_same_table(demo):
    """Distances to every facility, read for one kind, equal the distances to that kind."""
    G, communities, facilities = demo
    some = communities.iloc[::3]
    pairs = point_distances(G, some, facilities, 2000.0)
    stations = facilities_of_kind(facilities, "community_station")
    assert pairs["destination"].isin(stations.index).mean() < 1  # a true superset
    table = coverage_from_pairs(G, some, stations, pairs, 500.0)
    alone = community_coverage(G, some, stations, 500.0)
    pd.testing.assert_frame_equal(table, alone, check_exact=True)


def test_a_chunk_of_communities_has_the_rows_of_the_whole(demo):
    G, communities, facilities = demo
    whole = community_coverage(G, communities, facilities, 500.0, kind="community_station")
    chunk = communities.iloc[100:160]
    part = coverage_at_distances(G, chunk, facilities, [500.0], kind="community_station")[500.0]
    pd.testing.assert_frame_equal(part, whole.loc[chunk.index], check_exact=True)


def test_without_a_network_the_fallback_also_matches(demo):
    _, communities, facilities = demo
    tables = coverage_at_distances(None, communities, facilities, (300.0, 1000.0), kind=None)
    for d, table in tables.items():
        alone = community_coverage(None, communities, facilities, d)
        pd.testing.assert_frame_equal(table, alone, check_exact=True)
        assert set(table["method"]) == {"euclidean_detour"}


def test_distances_must_be_positive(demo):
    G, communities, facilities = demo
    with pytest.raises(ValueError, match="positive"):
        coverage_at_distances(G, communities, facilities, [500.0, 0.0])
    with pytest.raises(ValueError, match="positive"):
        coverage_at_distances(G, communities, facilities, [])
