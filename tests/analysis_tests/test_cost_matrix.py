"""Cost matrices of the location models: demand points to candidate sites."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis.cost_matrix import METHOD_CODES, cost_matrix, overall_method, pairs_matrix

METRIC = "EPSG:4551"
X0, Y0 = 546_700.0, 5_067_000.0


def _points(xy, index) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=METRIC, index=index
    )
    return frame.to_crs("EPSG:4326")


def test_straight_line_matrix_within_the_cutoff():
    demand = _points([(0, 0), (300, 0), (5000, 0)], index=[10, 11, 12])
    sites = _points([(100, 0), (400, 0)], index=[0, 1])
    matrix = cost_matrix(None, demand, sites, 500.0)
    assert matrix.cost.shape == (3, 2)
    assert matrix.reachable.tolist() == [True, True, False]
    assert matrix.distances(np.array([0, 1]), np.array([0, 1])) == pytest.approx(
        [130.0, 130.0], abs=0.5
    )
    assert matrix.method_names(np.array([0]), np.array([0])) == ["euclidean_detour"]
    assert matrix.distances(np.array([], dtype=int), np.array([], dtype=int)).size == 0


def test_pairs_keep_zero_distances_reachable_and_their_methods():
    pairs = pd.DataFrame(
        {
            "origin": ["a", "b"],
            "destination": ["x", "x"],
            "distance_m": [0.0, 50.0],
            "method": ["network", "euclidean_detour"],
        }
    )
    matrix = pairs_matrix(pairs, pd.Index(["a", "b", "c"]), pd.Index(["x", "y"]))
    assert matrix.reachable.tolist() == [True, True, False]
    assert matrix.cost[0, 0] > 0
    assert matrix.method_names(np.array([0, 1]), np.array([0, 0])) == list(METHOD_CODES)


def test_overall_method():
    assert overall_method(pd.Series(["network", "network"])) == "network"
    assert overall_method(pd.Series(["network", "euclidean_detour"])) == "mixed"
    assert overall_method(pd.Series([], dtype=object)) == "none"
