"""The data basis of the compliance verdicts (issue 25 item 2, issue 26 item 6), by hand.

A small world of two core districts, 道外区 (230104) and 南岗区 (230103), and 阿城区 (230112,
outer). 南岗 and 阿城 have facility data of the office; 道外 has only an OpenStreetMap community
centre. Every expected number is computed by hand from the text of the measures:

* Art. 11 ¶2: 「社区公益用房……按照城区(不含呼兰区、阿城区)使用面积300平方米,县(市)和呼兰区、
  阿城区使用面积200平方米的标准进行建设」: 300 m2 in 道外/南岗, 200 m2 in 阿城;
* Art. 12 ¶1: 「新建居住区或新建住宅的开发建设单位,要……以每百户不少于使用面积20平方米的标准配建
  社区公益用房」: a new development of h households needs max(class minimum, h / 100 x 20);
* Art. 13 ¶1: 「老旧住宅区社区公益用房达不到规定标准的,主城区以区政府投入为主……」: an old area
  is held to the Art. 11 minimum alone, no household count needed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analysis.compliance import UNDECIDED_REASONS, check_compliance, summarize
from layers.basis import community_basis

DISTRICTS = [
    ("230104", "道外区", "core"),
    ("230103", "南岗区", "core"),
    ("230112", "阿城区", "outer"),
]


def world() -> dict[str, pd.DataFrame]:
    districts = gpd.GeoDataFrame(
        {
            "district_code": [d[0] for d in DISTRICTS],
            "name": [d[1] for d in DISTRICTS],
            "district_class": [d[2] for d in DISTRICTS],
        },
        geometry=[box(126 + i, 45, 126.9 + i, 45.9) for i in range(3)],
        crs="EPSG:4326",
    )
    streets = gpd.GeoDataFrame(
        {"street_code": ["S1", "S2", "S3"], "name": ["道外街", "南岗街", "阿城街"]}
        | {"district_code": [d[0] for d in DISTRICTS]},
        geometry=[box(126 + i, 45, 126.9 + i, 45.9) for i in range(3)],
        crs="EPSG:4326",
    )
    rows = [
        # id, district, era, households, era_basis, households_basis
        ("W_old", "230104", "old", 1000, "known", "surveyed"),  # 道外, no facility data
        ("W_osm", "230104", "old", 1000, "known", "surveyed"),  # 道外, OSM centre 350 m2
        ("N_old", "230103", "old", None, "known", None),  # 南岗, households blank
        ("N_new", "230103", "new", None, "known", None),  # 南岗 new development, no count
        ("N_new2", "230103", "new", 2000, "known", "surveyed"),  # 400 m2 required
        ("A_era1", "230112", "old", 800, "assumed", "estimated"),  # 200 vs 160: same
        ("A_era2", "230112", "old", 2000, "assumed", "estimated"),  # 200 vs 400
        ("A_era3", "230112", "old", 2000, "assumed", "estimated"),  # 200 vs 400
        ("A_era4", "230112", "old", 2000, "assumed", "estimated"),  # 200 vs 400
    ]
    communities = pd.DataFrame(
        {
            "community_id": [r[0] for r in rows],
            "name": [f"社区{r[0]}" for r in rows],
            "street_code": [{"230104": "S1", "230103": "S2", "230112": "S3"}[r[1]] for r in rows],
            "district_code": [r[1] for r in rows],
            "kind": "urban",
            "era": [r[2] for r in rows],
            "management": "regulated",
            "households": pd.array([r[3] for r in rows], dtype="Int64"),
            "era_basis": [r[4] for r in rows],
            "households_basis": [r[5] for r in rows],
        }
    )
    frows = [
        # id, kind, area, community, osm_id
        ("F_osm", "community_station", 350.0, "W_osm", "osm_w1"),
        ("F_n1", "public_housing", 250.0, "N_old", None),
        ("F_n2", "public_housing", 350.0, "N_new", None),
        ("F_n3", "public_housing", 350.0, "N_new2", None),
        ("F_a1", "public_housing", 150.0, "A_era1", None),
        ("F_a2", "public_housing", 300.0, "A_era2", None),
        ("F_a3", "public_housing", 450.0, "A_era3", None),
        ("F_a4", "public_housing", 150.0, "A_era4", None),
    ]
    facilities = pd.DataFrame(
        {
            "facility_id": [f[0] for f in frows],
            "name": [f"设施{f[0]}" for f in frows],
            "kind": [f[1] for f in frows],
            "usable_area_m2": [f[2] for f in frows],
            "community_id": [f[3] for f in frows],
            "rooms": None,
            "osm_id": [f[4] for f in frows],
        }
    )
    return {
        "communities": communities,
        "facilities": facilities,
        "districts": districts,
        "streets": streets,
    }


def run(w: dict, **kw):
    return check_compliance(
        w["communities"], w["facilities"], w["districts"], streets=w["streets"], **kw
    )


def row(result, cid: str) -> pd.Series:
    table = result.communities
    return table[table["community_id"] == cid].iloc[0]


@pytest.fixture
def result():
    return run(world())


def test_no_facility_data_is_undecided_not_below(result) -> None:
    """道外 has no facility data of the office: 300 m2 required, 0 known -> undecided."""
    r = row(result, "W_old")
    assert r["status"] == "undecided" and r["undecided_reason"] == "no_facility_data"
    assert r["facility_basis"] == "absent"
    assert pd.isna(r["shortfall_m2"]) and pd.isna(r["compliant"])
    assert r["provisional_shortfall_m2"] == pytest.approx(300.0)  # 300 - 0, not in the total
    assert r["funding"] == ""


def test_known_area_above_the_requirement_decides_compliant(result) -> None:
    """An OSM centre of 350 m2 is a lower bound; 350 >= 300 whatever else there is."""
    r = row(result, "W_osm")
    assert r["status"] == "compliant" and bool(r["compliant"])
    assert r["provided_m2"] == pytest.approx(350.0) and r["facility_basis"] == "absent"


def test_old_area_without_households_is_decided(result) -> None:
    """Issue 26 item 6: Art. 11/13 need no count for an old area: 300 - 250 = 50 m2 short."""
    r = row(result, "N_old")
    assert r["status"] == "below" and r["shortfall_m2"] == pytest.approx(50.0)
    assert r["households_basis"] == "missing" and r["undecided_reason"] == ""
    assert r["funding"] == "district_city_support"  # Art. 13, main urban district


def test_new_development_without_households_is_undecided(result) -> None:
    """Art. 12 needs the count: 350 m2 meets the 300 m2 minimum but not an unknown h/100x20."""
    r = row(result, "N_new")
    assert r["status"] == "undecided" and r["undecided_reason"] == "households_missing"
    assert r["provisional_shortfall_m2"] == pytest.approx(0.0)
    # with a count the same rows are decided: 2000 households -> 400 m2, 350 provided -> 50
    r2 = row(result, "N_new2")
    assert r2["status"] == "below" and r2["shortfall_m2"] == pytest.approx(50.0)
    assert r2["rule_id"] == "art12_new_development"


def test_assumed_era_decides_only_where_both_readings_agree(result) -> None:
    """阿城 (outer): old 200 m2 (Art. 11); new max(200, h/100x20) (Art. 12)."""
    # 800 households: new needs max(200, 160) = 200 = old -> decided: 200 - 150 = 50 short
    a1 = row(result, "A_era1")
    assert a1["status"] == "below" and a1["shortfall_m2"] == pytest.approx(50.0)
    # 2000 households: old 200, new 400; 300 provided meets one reading only
    a2 = row(result, "A_era2")
    assert a2["status"] == "undecided" and a2["undecided_reason"] == "era_assumed"
    assert a2["provisional_shortfall_m2"] == pytest.approx(0.0)  # compliant as an old area
    # 450 >= 400 meets both readings
    assert row(result, "A_era3")["status"] == "compliant"
    # 150 is below both, but 50 or 250 m2 short: the amount is not decided
    a4 = row(result, "A_era4")
    assert a4["status"] == "undecided" and a4["provisional_shortfall_m2"] == pytest.approx(50.0)
    assert a4["households_basis"] == "estimated" and a4["era_basis"] == "assumed"


def test_totals_and_summaries_keep_undecided_apart(result) -> None:
    t = result.totals()
    # decided: W_osm, A_era3 compliant; N_old 50, N_new2 50, A_era1 50 below
    assert (t["n_assessed"], t["n_decided"], t["n_undecided"]) == (9, 5, 4)
    assert (t["n_compliant"], t["n_below"]) == (2, 3)
    assert t["shortfall_m2"] == pytest.approx(150.0)
    assert t["provisional_shortfall_m2"] == pytest.approx(300.0 + 0.0 + 0.0 + 50.0)
    d = result.by_district.set_index("district_code")
    assert d.loc["230104", "n_undecided"] == 1 and d.loc["230104", "n_below"] == 0
    assert d.loc["230104", "shortfall_m2"] == 0.0
    assert d.loc["230112", "share_below"] == pytest.approx(1 / 2)  # A_era1 of 2 decided
    text = result.summary_text()
    assert "3 个低于标准" in text and "另有 4 个数据不足、待核实" in text
    data = result.issues()
    data = data[data["level"] == "data"]
    assert sorted(data["id"]) == ["A_era2", "A_era4", "N_new", "W_old"]
    assert data["message_zh"].str.startswith("待核实:").all()
    below = summarize(result.communities[result.communities["status"] == "undecided"])
    assert below["shortfall_m2"].sum() == 0.0  # undecided rows add nothing to a shortfall


def test_declared_inventory_decides_the_district() -> None:
    """道外 declared complete: W_old has truly nothing, 300 m2 short (Art. 11)."""
    result = run(world(), facility_inventory=["道外区"])
    r = row(result, "W_old")
    assert r["status"] == "below" and r["shortfall_m2"] == pytest.approx(300.0)
    assert r["facility_basis"] == "present"
    assert run(world(), facility_inventory="*").totals()["n_undecided"] == 3


def test_rooms_and_centres_without_facility_data_are_not_findings() -> None:
    """Art. 8 「一居一站」 and the Art. 11 street centre: with no facility data for 道外 a
    missing station or centre is not known to be missing."""
    w = world()
    w["facilities"] = pd.concat(
        [
            w["facilities"],
            pd.DataFrame(
                {
                    "facility_id": ["C2", "C3"],
                    "name": ["南岗中心", "阿城中心"],
                    "kind": "street_centre",
                    "usable_area_m2": [1200.0, 1200.0],
                    "community_id": ["N_old", "A_era1"],
                    "rooms": None,
                    "osm_id": None,
                }
            ),
        ],
        ignore_index=True,
    )
    result = run(w)
    r = row(result, "W_old")
    assert pd.isna(r["has_station"]) and r["n_missing_rooms"] == 0 and r["missing_rooms"] == ""
    assert bool(row(result, "N_old")["has_station"]) is False  # 南岗 has data: no station
    centres = result.street_centres.set_index("street_code")
    assert centres.loc["S1", "status"] == "undecided" and not centres.loc["S1", "decided"]
    assert result.totals()["n_street_centres_below"] == 0
    assert result.totals()["n_street_centres_undecided"] == 1
    assert "W_old" not in set(result.issues().query("level == 'station'")["id"])


def test_basis_of_a_planners_file_without_basis_fields() -> None:
    comm = pd.DataFrame({"households": [10, None, 5], "era": ["old", "new", "new"]})
    comm["households_basis"] = [None, "surveyed", "estimated"]
    basis = community_basis(comm)
    assert basis["households_basis"].tolist() == ["surveyed", "missing", "estimated"]
    assert basis["era_basis"].tolist() == ["known"] * 3
    assert basis["community_source"].tolist() == ["office"] * 3


def test_undecided_reasons_have_both_languages() -> None:
    for zh, en in UNDECIDED_REASONS.values():
        assert zh and en and zh != en
    assert "第十二条" in UNDECIDED_REASONS["households_missing"][0]


def test_points_of_facilities_do_not_need_geometry() -> None:
    """The basis works on plain tables (no geometry) and on GeoDataFrames alike."""
    w = world()
    w["facilities"] = gpd.GeoDataFrame(
        w["facilities"], geometry=[Point(126.5, 45.5)] * len(w["facilities"]), crs="EPSG:4326"
    )
    assert run(w).totals()["n_undecided"] == 4
    assert np.isnan(row(run(w), "W_old")["shortfall_m2"])
