"""Gap analysis: hand-computed scores and priorities."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.gaps import GapInputError, check_weights, gap_analysis


@pytest.fixture
def compliance() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "community_id": ["a", "b", "c"],
            "name": ["甲", "乙", "丙"],
            "district_code": ["230102", "230102", "230111"],
            "street_code": ["s1", "s1", "s2"],
            "households": [1000, 500, 800],
            "required_m2": [300.0, 300.0, 200.0],
            "provided_m2": [150.0, 300.0, 50.0],
            "shortfall_m2": [150.0, 0.0, 150.0],
        }
    )


@pytest.fixture
def coverage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "community_id": ["c", "b", "a"],  # order differs on purpose
            "households": [800, 500, 1000],
            "covered_households": [0, 500, 1000],
        }
    )


@pytest.fixture
def accessibility() -> pd.DataFrame:
    return pd.DataFrame(
        {"community_id": ["a", "b", "c"], "accessibility_per_100": [10.0, 40.0, 5.0]}
    )


def test_priority_is_the_weighted_mean_of_the_scores(compliance, coverage, accessibility):
    result = gap_analysis(compliance, coverage, accessibility)
    table = result.communities.set_index("community_id")
    # a: area 150/300 = 0.5, coverage 0, access 1 - 10/20 = 0.5
    assert table.loc["a", "area_score"] == pytest.approx(0.5)
    assert table.loc["a", "coverage_score"] == 0
    assert table.loc["a", "access_score"] == pytest.approx(0.5)
    assert table.loc["a", "priority"] == pytest.approx(0.5 * 0.5 + 0.3 * 0 + 0.2 * 0.5)
    # c: area 150/200 = 0.75, all 800 households uncovered, access 1 - 5/20 = 0.75
    assert table.loc["c", "uncovered_households"] == 800
    assert table.loc["c", "priority"] == pytest.approx(0.5 * 0.75 + 0.3 * 1 + 0.2 * 0.75)
    # b: compliant, covered, accessibility above target
    assert table.loc["b", "priority"] == 0
    assert list(result.communities["community_id"]) == ["c", "a", "b"]
    assert list(result.communities["rank"]) == [1, 2, 3]


def test_weights_are_adjustable_and_shown(compliance, coverage, accessibility):
    result = gap_analysis(compliance, coverage, accessibility, weights={"coverage": 1.0})
    assert result.weights == {"area": 0.0, "coverage": 1.0, "access": 0.0}
    table = result.communities.set_index("community_id")
    assert table.loc["a", "priority"] == 0  # a is covered: only coverage counts now
    assert table.loc["c", "priority"] == 1
    assert "覆盖缺口 1" in result.weights_text("zh")
    assert "coverage gap 1" in result.weights_text("en")


def test_missing_tables_drop_their_weight(compliance):
    result = gap_analysis(compliance)
    assert result.weights["coverage"] == 0 and result.weights["access"] == 0
    table = result.communities.set_index("community_id")
    assert table.loc["c", "priority"] == pytest.approx(0.75)


def test_totals_per_street_and_district(compliance, coverage, accessibility):
    result = gap_analysis(compliance, coverage, accessibility)
    streets = result.streets.set_index("street_code")
    assert streets.loc["s1", "shortfall_m2"] == 150
    assert streets.loc["s1", "communities_short"] == 1
    assert streets.loc["s2", "uncovered_households"] == 800
    districts = result.districts.set_index("district_code")
    assert districts.loc["230102", "households"] == 1500
    assert list(result.districts["district_code"]) == ["230111", "230102"]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"area": -1}, "负数"),
        ({"beauty": 1}, "未知的权重"),
        ({"area": 0}, "不能全为|全部为 0|须大于 0"),
    ],
)
def test_bad_weights_are_explained(compliance, weights, message):
    with pytest.raises(GapInputError, match=message):
        gap_analysis(compliance, weights=weights)


def test_coverage_missing_a_community_is_an_error(compliance, coverage):
    with pytest.raises(GapInputError, match="lacks communities a"):
        gap_analysis(compliance, coverage[coverage["community_id"] != "a"])


def test_default_weights_sum_to_one():
    assert sum(check_weights(None).values()) == pytest.approx(1.0)


def test_gaps_on_the_demo_project(demo_layers):
    from analysis.compliance import check_compliance
    from analysis.coverage import community_coverage, two_step_fca

    comm = demo_layers["communities"]
    fac = demo_layers["facilities"]
    compliance = check_compliance(comm, fac, demo_layers["districts"]).communities
    cov = community_coverage(None, comm, fac, 500, kind="community_station")
    acc = two_step_fca(None, comm, fac, 1000, kind="community_station")
    result = gap_analysis(compliance, cov, acc)
    table = result.communities
    assert len(table) == len(comm)
    assert table["priority"].between(0, 1).all()
    assert table["priority"].is_monotonic_decreasing
    short = table[table["shortfall_m2"] > 0]
    assert short["area_score"].gt(0).all()
