"""Budgets: Art. 33 star-rating rewards and Art. 32 heating split, computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.budgets import heating_costs, star_rewards
from analysis.compliance import ComplianceInputError
from analysis.standards import load_standard

DISTRICTS = pd.DataFrame(
    {
        "district_code": ["230102", "230111", "230112", "230124", "230113"],
        "name": ["道里区", "呼兰区", "阿城区", "方正县", "双城区"],
        "district_class": ["core", "outer", "outer", "county", "county"],
    }
)

# street S1 (道里): stars 1, 2, 3, 4, 5 -> all rated
# street S2 (道里): stars 0, None, 3 -> 1 of 3 rated (33%) -> flagged
# street S3 (方正): stars 1, 1, 1, 0, 0 -> 3 of 5 = 60% -> not flagged (60% is enough)
# street S4 (呼兰): stars 4, 0, 0, 0, None -> 1 of 5 = 20% -> flagged
STARS = [
    ("S1", "230102", [1, 2, 3, 4, 5]),
    ("S2", "230102", [0, None, 3]),
    ("S3", "230124", [1, 1, 1, 0, 0]),
    ("S4", "230111", [4, 0, 0, 0, None]),
]


def star_communities() -> pd.DataFrame:
    rows = []
    for street, district, stars in STARS:
        for i, s in enumerate(stars):
            rows.append(
                {
                    "community_id": f"{street}-{i}",
                    "name": f"{street}社区{i}",
                    "street_code": street,
                    "district_code": district,
                    "star_rating": s,
                }
            )
    frame = pd.DataFrame(rows)
    frame["star_rating"] = frame["star_rating"].astype("Int64")
    return frame


def test_star_rewards_per_community_and_payer() -> None:
    result = star_rewards(star_communities(), DISTRICTS)
    c = result.by_community.set_index("community_id")
    assert (c.loc["S1-0", "reward_yuan"], c.loc["S1-0", "payer"]) == (5000.0, "district")
    assert (c.loc["S1-1", "reward_yuan"], c.loc["S1-1", "payer"]) == (8000.0, "district")
    assert (c.loc["S1-2", "reward_yuan"], c.loc["S1-2", "payer"]) == (10000.0, "district")
    assert (c.loc["S1-3", "reward_yuan"], c.loc["S1-3", "payer"]) == (15000.0, "city")
    assert (c.loc["S1-4", "reward_yuan"], c.loc["S1-4", "payer"]) == (20000.0, "city")
    assert (c.loc["S2-0", "reward_yuan"], c.loc["S2-0", "payer"]) == (0.0, "")
    assert c.loc["S2-1", "reward_yuan"] == 0.0  # not rated
    assert (c["article"] == "Art. 33").all()


def test_star_rewards_totalled_per_district_and_city() -> None:
    result = star_rewards(star_communities(), DISTRICTS)
    d = result.by_district.set_index("district_code")
    # 道里: district pays 5000 + 8000 + 10000 (S1) + 10000 (S2) = 33000; city 15000 + 20000
    assert d.loc["230102", "district_pays_yuan"] == 33000.0
    assert d.loc["230102", "city_pays_yuan"] == 35000.0
    assert d.loc["230102", "n_rated"] == 6
    assert d.loc["230102", "n_3_star"] == 2
    # 方正: 3 x 5000 by the county
    assert (d.loc["230124", "district_pays_yuan"], d.loc["230124", "city_pays_yuan"]) == (
        15000.0,
        0.0,
    )
    # 呼兰: one 4-star community paid by the city
    assert (d.loc["230111", "district_pays_yuan"], d.loc["230111", "city_pays_yuan"]) == (
        0.0,
        15000.0,
    )
    assert d.loc["230111", "district"] == "呼兰区"
    assert result.city_total_yuan == 35000.0 + 15000.0
    assert result.district_total_yuan == 33000.0 + 15000.0


def test_streets_under_60_percent_are_flagged() -> None:
    result = star_rewards(star_communities(), DISTRICTS)
    s = result.by_street.set_index("street_code")
    assert s.loc["S1", "share_rated"] == 1.0
    assert s.loc["S2", "share_rated"] == pytest.approx(1 / 3, abs=1e-4)
    assert s.loc["S3", "share_rated"] == pytest.approx(0.6)
    assert sorted(result.flagged_streets()["street_code"]) == ["S2", "S4"]
    assert (s["article"] == "Art. 33").all()


def test_star_reward_overrides() -> None:
    std = load_standard(
        "harbin-2011",
        {"art33_star_rewards": {"reward_yuan": {"1": 6000}, "street_min_share": 0.7}},
    )
    result = star_rewards(star_communities(), DISTRICTS, standard=std)
    d = result.by_district.set_index("district_code")
    assert d.loc["230124", "district_pays_yuan"] == 18000.0  # 3 x 6000
    assert sorted(result.flagged_streets()["street_code"]) == ["S2", "S3", "S4"]


def test_bad_star_ratings_are_reported_row_by_row() -> None:
    comm = star_communities()
    comm["star_rating"] = comm["star_rating"].astype(object)
    comm.loc[0, "star_rating"] = 6
    comm.loc[1, "star_rating"] = -1
    comm.loc[2, "star_rating"] = 2.5
    with pytest.raises(ComplianceInputError) as info:
        star_rewards(comm, DISTRICTS)
    p = info.value.problems
    assert list(zip(p["row"], p["problem"], strict=True)) == [
        (1, "above_maximum"),
        (2, "negative"),
        (3, "not_integer"),
    ]


# -- Art. 32 ---------------------------------------------------------------------------------

HEAT_COMMUNITIES = pd.DataFrame(
    {
        "community_id": ["D1", "H1", "A1", "F1", "S1"],
        "district_code": ["230102", "230111", "230112", "230124", "230113"],
    }
)
HEAT_FACILITIES = pd.DataFrame(
    {
        "facility_id": ["a", "b", "c", "d", "e", "f", "g"],
        "kind": [
            "public_housing",
            "community_station",
            "cultural_centre",  # not heated under Art. 32
            "community_station",
            "public_housing",
            "public_housing",
            "public_housing",
        ],
        "usable_area_m2": [150.0, 100.0, 999.0, 200.0, 220.0, 200.0, 180.0],
        "community_id": ["D1", "D1", "D1", "H1", "A1", "F1", "S1"],
    }
)


def test_heating_split_by_art32() -> None:
    result = heating_costs(HEAT_FACILITIES, HEAT_COMMUNITIES, DISTRICTS, price_yuan_per_m2=30.0)
    d = result.by_district.set_index("district_code")
    # 道里 (core): 250 m2 x 30 = 7500, city and district 3750 each
    assert (d.loc["230102", "heated_m2"], d.loc["230102", "cost_yuan"]) == (250.0, 7500.0)
    assert (d.loc["230102", "city_pays_yuan"], d.loc["230102", "district_pays_yuan"]) == (
        3750.0,
        3750.0,
    )
    # 呼兰 is an urban district in Art. 32 (only 阿城 is excepted): 200 x 30 = 6000 split
    assert (d.loc["230111", "payer"], d.loc["230111", "city_pays_yuan"]) == ("split", 3000.0)
    # 阿城 pays alone: 220 x 30 = 6600
    assert (d.loc["230112", "payer"], d.loc["230112", "district_pays_yuan"]) == ("district", 6600.0)
    assert d.loc["230112", "city_pays_yuan"] == 0.0
    # counties pay alone: 方正 200 x 30, 双城 (county when the measures were issued) 180 x 30
    assert d.loc["230124", "district_pays_yuan"] == 6000.0
    assert d.loc["230113", "district_pays_yuan"] == 5400.0
    assert result.total_yuan == 7500.0 + 6000.0 + 6600.0 + 6000.0 + 5400.0
    assert result.city_total_yuan == 3750.0 + 3000.0
    assert result.district_total_yuan == result.total_yuan - result.city_total_yuan
    assert (d["article"] == "Art. 32").all()


def test_heating_default_price_overrides_and_shuangcheng_class() -> None:
    default = heating_costs(HEAT_FACILITIES, HEAT_COMMUNITIES, DISTRICTS)
    assert default.by_district.set_index("district_code").loc["230102", "cost_yuan"] == 250 * 40.0
    std = load_standard("harbin-2011", {"art32_heating": {"city_share": 0.6}})
    result = heating_costs(
        HEAT_FACILITIES,
        HEAT_COMMUNITIES,
        DISTRICTS,
        standard=std,
        price_yuan_per_m2=10,
        district_classes={"双城": "core"},
    )
    d = result.by_district.set_index("district_code")
    assert d.loc["230102", "city_pays_yuan"] == pytest.approx(1500.0)  # 2500 x 0.6
    assert d.loc["230113", "payer"] == "split"
    assert d.loc["230113", "city_pays_yuan"] == pytest.approx(1080.0)  # 1800 x 0.6


def test_heating_missing_or_negative_area_is_reported() -> None:
    fac = HEAT_FACILITIES.copy()
    fac.loc[0, "usable_area_m2"] = None
    fac.loc[3, "usable_area_m2"] = -1.0
    fac.loc[2, "usable_area_m2"] = None  # cultural centre: not heated, not needed
    with pytest.raises(ComplianceInputError) as info:
        heating_costs(fac, HEAT_COMMUNITIES, DISTRICTS)
    p = info.value.problems
    assert list(zip(p["record_id"], p["problem"], strict=True)) == [
        ("a", "missing"),
        ("d", "negative"),
    ]
    with pytest.raises(ValueError, match="negative"):
        heating_costs(HEAT_FACILITIES, HEAT_COMMUNITIES, DISTRICTS, price_yuan_per_m2=-3)
