"""Standard sets as data: loading, rule metadata, values of the measures and overrides."""

from __future__ import annotations

import pytest

from analysis.standards import (
    PROVENANCES,
    StandardError,
    available_standards,
    load_standard,
)


def test_three_sets_ship_with_the_package() -> None:
    assert available_standards() == ["complete-community-2022", "gb50180-2018", "harbin-2011"]


@pytest.mark.parametrize("name", ["harbin-2011", "gb50180-2018", "complete-community-2022"])
def test_every_rule_has_id_article_texts_params_and_provenance(name: str) -> None:
    std = load_standard(name)
    assert std.name == name
    assert std.rules
    for rule_id, rule in std.rules.items():
        assert rule.id == rule_id
        assert rule.article and rule.article_zh
        assert rule.text_zh and rule.text_en
        assert rule.params
        assert rule.provenance in PROVENANCES
        for param in rule.params:
            assert rule.param_provenance(param) in PROVENANCES


def test_harbin_numbers_are_those_of_the_measures() -> None:
    std = load_standard("harbin-2011")
    # Art. 11: 300 m2 core, 200 m2 呼兰/阿城 (outer) and counties; street centres 1000 m2
    assert std.param("art11_public_housing", "min_area_m2") == {
        "core": 300.0,
        "outer": 200.0,
        "county": 200.0,
    }
    assert std.rule("art11_public_housing").article == "Art. 11"
    assert std.param("art11_street_centre", "min_area_m2") == 1000.0
    # Art. 12: 20 m2 per 100 households for new developments
    assert std.param("art12_new_development", "area_per_100_households_m2") == 20.0
    assert std.param("art12_new_development", "eras") == ["new"]
    # Art. 8: the eight rooms in the order of the article
    assert std.param("art8_station_rooms", "rooms")[:2] == ["service_hall", "police_room"]
    assert len(std.param("art8_station_rooms", "rooms")) == 8
    # Art. 33 rewards and the 60% street flag
    assert std.param("art33_star_rewards", "reward_yuan") == {
        "1": 5000,
        "2": 8000,
        "3": 10000,
        "4": 15000,
        "5": 20000,
    }
    assert std.param("art33_star_rewards", "city_pays_from_star") == 4
    assert std.param("art33_star_rewards", "street_min_share") == 0.6
    # Art. 32: 50/50 in the urban districts, 阿城 (230112) pays alone
    assert std.param("art32_heating", "city_share") == 0.5
    assert "230112" in std.param("art32_heating", "sole_payer_districts")
    # Art. 36: 300 m2 station, 1000 m2 square
    assert std.param("art36_rural_station", "min_station_m2") == 300.0
    assert std.param("art36_rural_station", "min_square_m2") == 1000.0


def test_heating_price_is_flagged_as_an_assumption() -> None:
    rule = load_standard().rule("art32_heating")
    assert rule.provenance == "regulation"
    assert rule.param_provenance("city_share") == "regulation"
    assert rule.param_provenance("price_yuan_per_m2") == "assumption"


def test_life_circles_and_complete_community() -> None:
    gb = load_standard("gb50180-2018")
    distances = {r.param("minutes"): r.param("distance_m") for r in gb.rules_for("life_circle")}
    assert distances == {5: 300.0, 10: 500.0, 15: 1000.0}
    assert all(r.provenance == "national_standard" for r in gb.rules.values())
    cc = load_standard("complete-community-2022")
    assert cc.param("cc_service_housing", "area_per_100_households_m2") == 30.0


def test_scalar_override_changes_only_that_parameter() -> None:
    std = load_standard("harbin-2011", {"art11_street_centre": {"min_area_m2": 1200}})
    assert std.param("art11_street_centre", "min_area_m2") == 1200.0
    assert isinstance(std.param("art11_street_centre", "min_area_m2"), float)
    assert std.rule("art11_street_centre").overridden == ("min_area_m2",)
    assert std.rule("art11_public_housing").overridden == ()
    assert std.overrides == {"art11_street_centre": {"min_area_m2": 1200}}
    # the shipped set is untouched
    assert load_standard("harbin-2011").param("art11_street_centre", "min_area_m2") == 1000.0


def test_table_override_merges_key_by_key() -> None:
    std = load_standard("harbin-2011", {"art11_public_housing": {"min_area_m2": {"core": 320}}})
    assert std.param("art11_public_housing", "min_area_m2") == {
        "core": 320.0,
        "outer": 200.0,
        "county": 200.0,
    }
    frame = std.to_frame()
    row = frame[(frame["rule_id"] == "art11_public_housing") & (frame["param"] == "min_area_m2")]
    assert bool(row["overridden"].iloc[0])


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"art99_nothing": {"x": 1}}, "art99_nothing"),
        ({"art11_street_centre": {"min_area": 1}}, "min_area"),
        ({"art11_street_centre": {"min_area_m2": "big"}}, "min_area_m2"),
        ({"art11_street_centre": {"min_area_m2": -5}}, "-5"),
        ({"art11_public_housing": {"min_area_m2": {"suburb": 250}}}, "suburb"),
        ({"art12_new_development": {"eras": "new"}}, "eras"),
        ({"art11_street_centre": 1000}, "art11_street_centre"),
    ],
)
def test_bad_overrides_raise_clear_bilingual_errors(overrides: dict, fragment: str) -> None:
    with pytest.raises(StandardError) as info:
        load_standard("harbin-2011", overrides)
    message = str(info.value)
    assert fragment in message
    assert " / " in message  # zh / en


def test_unknown_standard_and_unknown_rule_lookup() -> None:
    with pytest.raises(StandardError, match="harbin-2099"):
        load_standard("harbin-2099")
    with pytest.raises(StandardError, match="no rule"):
        load_standard().rule("art7")
    with pytest.raises(StandardError, match="no parameter"):
        load_standard().param("art11_street_centre", "max_area_m2")
