"""The Art. 13 hub model on small made-up old districts with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from analysis.hubs import (
    REASON_COMPETITION,
    REASON_NO_SITE,
    REASON_TOO_SMALL,
    HubInputError,
    central_stations,
)

INF = np.inf

# communities A, B, C, D x sites S1 (150 m2), S2 (400 m2), S3 (100 m2)
COST = np.array(
    [
        [200.0, 450.0, INF],  # A
        [480.0, 300.0, INF],  # B
        [INF, 250.0, INF],  # C
        [INF, 600.0, 100.0],  # D: S2 is beyond 500 m
    ]
)
SHORTFALL = np.array([100.0, 100.0, 100.0, 50.0])
CAPACITY = np.array([150.0, 400.0, 100.0])


def test_fewest_hubs_then_shortest_walk():
    result = central_stations(COST, SHORTFALL, CAPACITY)
    # S2 takes A, B and C (300 <= 400 m2); only S3 reaches D: two hubs are the minimum
    assert result.selected == [1, 2]
    assert result.assignment.tolist() == [1, 1, 1, 2]
    assert result.n_hubs == 2
    assert result.weighted_distance == pytest.approx(450 + 300 + 250 + 100)
    assert result.load_m2.tolist() == [0.0, 300.0, 50.0]
    assert result.unserved.empty
    assert result.optimal


def test_hub_area_must_hold_the_sum_of_shortfalls():
    small = CAPACITY.copy()
    small[1] = 250.0  # S2 now holds only two of A, B, C
    result = central_stations(COST, SHORTFALL, small)
    # C can only use S2; A moves to S1 (200 m) or B to S1 (480 m): A is the shorter walk
    assert result.selected == [0, 1, 2]
    assert result.assignment.tolist() == [0, 1, 1, 2]
    assert result.load_m2[1] <= 250.0


def test_household_weights_decide_ties_between_equal_hub_counts():
    cost = np.array([[100.0, 400.0], [400.0, 100.0]])
    shortfall = np.array([50.0, 50.0])
    capacity = np.array([100.0, 100.0])
    # one hub suffices; it goes where the larger community is
    result = central_stations(cost, shortfall, capacity, households=[10, 1000])
    assert result.selected == [1]
    result = central_stations(cost, shortfall, capacity, households=[1000, 10])
    assert result.selected == [0]


def test_same_street_only():
    streets_rows = ["s1", "s2", "s2", "s2"]  # A is in street s1, where S1 is
    streets_cols = ["s1", "s2", "s2"]
    result = central_stations(
        COST, SHORTFALL, CAPACITY, row_groups=streets_rows, col_groups=streets_cols
    )
    assert result.assignment.tolist() == [0, 1, 1, 2]
    assert result.selected == [0, 1, 2]


def test_unserved_communities_and_why():
    cost = np.array(
        [
            [INF, INF, INF],  # E: nothing in reach
            [INF, 100.0, INF],  # F: 500 m2 short, S2 has 400
            [INF, INF, 50.0],  # G: S3 only
            [INF, INF, 80.0],  # H: S3 only, competes with G
        ]
    )
    result = central_stations(cost, [50.0, 500.0, 100.0, 100.0], CAPACITY)
    reasons = dict(zip(result.unserved["row"], result.unserved["reason"], strict=True))
    assert reasons[0] == REASON_NO_SITE
    assert reasons[1] == REASON_TOO_SMALL
    served_g_or_h = {2, 3} - set(reasons)
    assert len(served_g_or_h) == 1 and REASON_COMPETITION in reasons.values()
    assert result.assignment[2] == 2  # G walks 50 m, H 80 m: G is served
    assert "步行距离内没有可用用房" in result.unserved["reason_zh"].tolist()


def test_sparse_input_equals_dense():
    sparse = sp.coo_matrix(np.where(np.isfinite(COST), COST, 0.0))
    sparse = sp.coo_matrix(
        (sparse.data, (sparse.row, sparse.col)), shape=COST.shape
    )  # zeros would be reachable: none here
    dense = central_stations(COST, SHORTFALL, CAPACITY)
    other = central_stations(sparse.tocsr(), SHORTFALL, CAPACITY)
    assert other.selected == dense.selected
    assert other.assignment.tolist() == dense.assignment.tolist()


def test_walking_distance_limit():
    result = central_stations(COST, SHORTFALL, CAPACITY, max_distance_m=260)
    # A (200 m to S1), C (250 m to S2), D (100 m to S3); B is 300 m from S2
    assert result.assignment.tolist() == [0, -1, 1, 2]
    assert result.unserved["reason"].tolist() == [REASON_NO_SITE]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shortfall_m2": [1, 2]}, "length"),
        ({"shortfall_m2": [1, -2, 3, 4]}, "negative"),
        ({"capacity_m2": [1, np.nan, 3]}, "missing"),
        ({"max_distance_m": 0}, "positive"),
        ({"row_groups": ["a"] * 4}, "same-street"),
    ],
)
def test_bad_inputs_are_explained(kwargs, message):
    args = {"cost": COST, "shortfall_m2": SHORTFALL, "capacity_m2": CAPACITY}
    args.update(kwargs)
    with pytest.raises(HubInputError, match=message):
        central_stations(**args)


# Five old-district communities x three candidate hubs (two idle boiler rooms, one offered
# room), metres; 10 households each.
HUB_COST = np.array(
    [
        [200, 400, INF],
        [300, 450, INF],
        [INF, 250, 600],
        [INF, INF, 100],
        [900, INF, INF],
    ],
    dtype=float,
)
HUB_SHORTFALL = np.array([100.0, 150.0, 120.0, 80.0, 50.0])
HUB_HH = np.full(5, 10.0)


def test_one_hub_radiates_to_three_neighbours():
    # community 4: nearest site 900 m > 500 m; community 3: only site 2 (60 m2 < 80 m2);
    # 0, 1, 2 all reach site 1 (400 m2 >= 370 m2): one hub
    r = central_stations(HUB_COST, HUB_SHORTFALL, [300, 400, 60], households=HUB_HH)
    assert r.selected == [1] and r.n_hubs == 1
    assert r.assignment.tolist() == [1, 1, 1, -1, -1]
    assert dict(zip(r.unserved["row"], r.unserved["reason"], strict=True)) == {
        3: REASON_TOO_SMALL,
        4: REASON_NO_SITE,
    }
    assert r.weighted_distance == 10 * (400 + 450 + 250)
    assert r.load_m2[1] == 370.0


def test_two_hubs_then_the_shortest_split():
    # site 1 holds only 300 m2 < 370: two hubs. Splits: s0{0,1}+s1{2} = 2000+3000+2500 = 7500,
    # s0{0}+s1{1,2} = 2000+4500+2500 = 9000, s0{1}+s1{0,2} = 4000+3000+2500 = 9500
    r = central_stations(HUB_COST, HUB_SHORTFALL, [300, 300, 60], households=HUB_HH)
    assert r.selected == [0, 1]
    assert r.assignment.tolist()[:3] == [0, 0, 1]
    assert r.weighted_distance == 7500


def test_same_street_contention_serves_the_nearer_community():
    rows, cols = ["A", "A", "B", "B", "A"], ["A", "B", "B"]
    r = central_stations(
        HUB_COST, HUB_SHORTFALL, [200, 400, 60], households=HUB_HH, row_groups=rows, col_groups=cols
    )
    # street A's only hub (200 m2) cannot hold 100 + 150: the nearer community 0 is served
    assert r.assignment.tolist() == [0, -1, 1, -1, -1]
    assert dict(zip(r.unserved["row"], r.unserved["reason"], strict=True)) == {
        1: REASON_COMPETITION,
        3: REASON_TOO_SMALL,
        4: REASON_NO_SITE,
    }
