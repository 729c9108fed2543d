"""Compliance of communities (Art. 8, 11, 12, 13, 36) on a hand-made world, and the CLI.

Hand-made layers (usable areas in m2):

=========  ======  =========  =====  ====  ==========  ==============================
community  area    class      era    hh    provided    expected
=========  ======  =========  =====  ====  ==========  ==============================
C_core     道里    core       old    1000  150 + 100   300 required, 50 short (Art. 11)
C_hulan    呼兰    outer      old    800   150         200 required, 50 short (Art. 11)
C_county   方正    county     old    600   200         200 required, compliant
C_new      方正    county     new    1234  200         246.8 required (Art. 12), 46.8 short
C_shuang   双城    county     old    500   200         compliant; 100 short if 双城 is core
C_acheng   阿城    outer      old    700   220         compliant
V1         方正    (rural)    old    300   280 / 1200  station 20 short, square ok (Art. 36)
=========  ======  =========  =====  ====  ==========  ==============================

Street centres: 900 m2 in street S1 (placed by its point, no community) -> 100 short;
1000 m2 in S2 -> compliant; S3, S4, S5 have none.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analysis.compliance import (
    COMMUNITY_COLUMNS,
    ComplianceInputError,
    check_compliance,
    filter_table,
    summarize,
    validate_inputs,
)
from analysis.standards import load_standard
from geo_app.cli import main
from geo_app.project import Project, ProjectSettings
from geo_app.workflows import project_compliance, project_standard
from layers.schema import ROOM_CODES

ALL_ROOMS = ",".join(ROOM_CODES)
DISTRICTS = [
    ("230102", "道里区", "core", "S1"),
    ("230111", "呼兰区", "outer", "S2"),
    ("230124", "方正县", "county", "S3"),
    ("230113", "双城区", "county", "S4"),
    ("230112", "阿城区", "outer", "S5"),
]


def _cell(i: int) -> tuple[float, float, float, float]:
    x0 = 126.0 + 0.1 * i
    return x0, 45.7, x0 + 0.1, 45.8


def make_layers() -> dict[str, gpd.GeoDataFrame]:
    """The hand-made world of the module docstring (EPSG:4326)."""
    districts = gpd.GeoDataFrame(
        {
            "district_code": [d[0] for d in DISTRICTS],
            "name": [d[1] for d in DISTRICTS],
            "district_class": [d[2] for d in DISTRICTS],
        },
        geometry=[box(*_cell(i)) for i in range(len(DISTRICTS))],
        crs="EPSG:4326",
    )
    streets = gpd.GeoDataFrame(
        {
            "street_code": [d[3] for d in DISTRICTS],
            "name": [f"{d[1]}街道" for d in DISTRICTS],
            "district_code": [d[0] for d in DISTRICTS],
        },
        geometry=[box(*_cell(i)) for i in range(len(DISTRICTS))],
        crs="EPSG:4326",
    )
    rows = [
        # id, name, district index, kind, era, households, star
        ("C_core", "道里一社区", 0, "urban", "old", 1000, 1),
        ("C_hulan", "呼兰一社区", 1, "urban", "old", 800, 4),
        ("C_county", "方正一社区", 2, "urban", "old", 600, None),
        ("C_new", "方正新区", 2, "urban", "new", 1234, 0),
        ("V1", "方正一村", 2, "rural", "old", 300, 3),
        ("C_shuang", "双城一社区", 3, "urban", "old", 500, 5),
        ("C_acheng", "阿城一社区", 4, "urban", "old", 700, 2),
    ]
    geoms = []
    for k, r in enumerate(rows):
        x0, y0, _, _ = _cell(r[2])
        geoms.append(box(x0 + 0.01, y0 + 0.01 * (k + 1), x0 + 0.02, y0 + 0.01 * (k + 1) + 0.005))
    communities = gpd.GeoDataFrame(
        {
            "community_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "street_code": [DISTRICTS[r[2]][3] for r in rows],
            "district_code": [DISTRICTS[r[2]][0] for r in rows],
            "kind": [r[3] for r in rows],
            "era": [r[4] for r in rows],
            "management": ["regulated"] * len(rows),
            "households": [r[5] for r in rows],
            "population": [r[5] * 3 for r in rows],
            "star_rating": pd.array([r[6] for r in rows], dtype="Int64"),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    centroid = dict(
        zip(communities["community_id"], communities.geometry.representative_point(), strict=True)
    )
    frows = [
        # id, kind, area, community, rooms, point (if no community)
        ("F1", "public_housing", 150.0, "C_core", None, None),
        ("F2", "community_station", 100.0, "C_core", "service_hall,police_room", None),
        ("F3", "cultural_centre", 500.0, "C_core", None, None),
        ("F4", "community_station", 150.0, "C_hulan", ALL_ROOMS, None),
        ("F5", "public_housing", 200.0, "C_county", None, None),
        ("F6", "public_housing", 200.0, "C_new", None, None),
        ("F7", "rural_station", 280.0, "V1", None, None),
        ("F8", "square", 1200.0, "V1", None, None),
        ("F9", "public_housing", 200.0, "C_shuang", None, None),
        ("F10", "community_station", 220.0, "C_acheng", ALL_ROOMS, None),
        ("F11", "street_centre", 900.0, None, None, Point(126.05, 45.75)),
        ("F12", "street_centre", 1000.0, "C_hulan", None, None),
    ]
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": [f[0] for f in frows],
            "name": [f"设施{f[0]}" for f in frows],
            "kind": [f[1] for f in frows],
            "usable_area_m2": [f[2] for f in frows],
            "community_id": [f[3] for f in frows],
            "rooms": [f[4] for f in frows],
            "status": ["open"] * len(frows),
        },
        geometry=[f[5] if f[5] is not None else centroid[f[3]] for f in frows],
        crs="EPSG:4326",
    )
    return {
        "districts": districts,
        "streets": streets,
        "communities": communities,
        "facilities": facilities,
    }


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    return make_layers()


def run(layers: dict, **kw):
    return check_compliance(
        layers["communities"],
        layers["facilities"],
        layers["districts"],
        streets=layers["streets"],
        **kw,
    )


def row(table: pd.DataFrame, community_id: str) -> pd.Series:
    hit = table[table["community_id"] == community_id]
    assert len(hit) == 1
    return hit.iloc[0]


def test_output_has_one_row_per_community_with_required_columns(layers) -> None:
    result = run(layers)
    table = result.communities
    assert list(table.columns) == COMMUNITY_COLUMNS
    assert sorted(table["community_id"]) == sorted(layers["communities"]["community_id"])
    for col in (
        "community_id",
        "name",
        "district",
        "district_code",
        "street_code",
        "required_m2",
        "provided_m2",
        "shortfall_m2",
        "compliant",
        "rule_id",
        "article",
        "missing_rooms",
    ):
        assert col in table.columns


def test_core_district_community_250_is_50_short_under_art11(layers) -> None:
    r = row(run(layers).communities, "C_core")
    # public housing 150 + station 100; the 500 m2 cultural centre does not count
    assert r["provided_m2"] == pytest.approx(250.0)
    assert r["required_m2"] == pytest.approx(300.0)
    assert r["shortfall_m2"] == pytest.approx(50.0)
    assert not r["compliant"]
    assert r["status"] == "below"
    assert (r["rule_id"], r["article"]) == ("art11_public_housing", "Art. 11")
    assert r["district"] == "道里区"
    assert r["funding"] == "district_city_support"  # Art. 13, main urban district


def test_hulan_community_150_is_50_short(layers) -> None:
    r = row(run(layers).communities, "C_hulan")
    assert (r["required_m2"], r["provided_m2"], r["shortfall_m2"]) == (200.0, 150.0, 50.0)
    assert r["district_class"] == "outer"
    assert r["article"] == "Art. 11"
    assert r["funding"] == "own_funds"  # Art. 13: 呼兰 and 阿城 rely on their own funds


def test_county_community_200_is_compliant(layers) -> None:
    r = row(run(layers).communities, "C_county")
    assert (r["required_m2"], r["provided_m2"], r["shortfall_m2"]) == (200.0, 200.0, 0.0)
    assert bool(r["compliant"])
    assert r["status"] == "compliant"
    assert r["funding"] == ""


def test_new_development_of_1234_households_requires_246_8(layers) -> None:
    r = row(run(layers).communities, "C_new")
    # 1234 / 100 * 20 = 246.8 > the county minimum of 200, so Art. 12 governs
    assert r["per_household_m2"] == pytest.approx(246.8)
    assert r["class_minimum_m2"] == pytest.approx(200.0)
    assert r["required_m2"] == pytest.approx(246.8)
    assert r["shortfall_m2"] == pytest.approx(46.8)
    assert (r["rule_id"], r["article"]) == ("art12_new_development", "Art. 12")
    assert r["funding"] == "developer"


def test_new_development_below_class_minimum_keeps_art11(layers) -> None:
    comm = layers["communities"].copy()
    comm.loc[comm["community_id"] == "C_new", "households"] = 500  # 100 m2 < 200 m2
    layers["communities"] = comm
    r = row(run(layers).communities, "C_new")
    assert r["per_household_m2"] == pytest.approx(100.0)
    assert r["required_m2"] == pytest.approx(200.0)
    assert r["rule_id"] == "art11_public_housing"
    assert bool(r["compliant"])


def test_street_centre_of_900_is_flagged_100_short(layers) -> None:
    centres = run(layers).street_centres
    f11 = centres[centres["facility_id"] == "F11"].iloc[0]
    assert f11["street_code"] == "S1"  # placed by its point inside the street polygon
    assert f11["district"] == "道里区"
    assert (f11["provided_m2"], f11["required_m2"], f11["shortfall_m2"]) == (900.0, 1000.0, 100.0)
    assert not f11["compliant"]
    assert f11["article"] == "Art. 11"
    f12 = centres[centres["facility_id"] == "F12"].iloc[0]
    assert f12["street_code"] == "S2" and bool(f12["compliant"])  # exactly 1000 is enough
    without = centres[centres["status"] == "no_centre"]
    assert sorted(without["street_code"]) == ["S3", "S4", "S5"]
    assert (without["shortfall_m2"] == 1000.0).all()


def test_rural_station_280_flagged_square_1200_ok(layers) -> None:
    result = run(layers)
    v = result.rural.set_index("community_id").loc["V1"]
    assert (v["station_m2"], v["station_shortfall_m2"], bool(v["station_ok"])) == (
        280.0,
        20.0,
        False,
    )
    assert (v["square_m2"], v["square_shortfall_m2"], bool(v["square_ok"])) == (1200.0, 0.0, True)
    assert not v["compliant"]
    assert v["article"] == "Art. 36"
    # villages are judged by Art. 36 in the main table, not by Art. 11
    r = row(result.communities, "V1")
    assert (r["rule_id"], r["required_m2"], r["shortfall_m2"]) == (
        "art36_rural_station",
        300.0,
        20.0,
    )
    # the village's rooms are those of Art. 36 (issue 26 item 2), not the Art. 8 checklist
    assert r["missing_rooms"] == "convenience_station,health_station,reading_room,multipurpose_room"
    assert pd.isna(r["has_station"])


def test_art8_missing_rooms_per_station_and_community(layers) -> None:
    result = run(layers)
    core = row(result.communities, "C_core")
    assert core["missing_rooms"] == ",".join(ROOM_CODES[2:])
    assert core["n_missing_rooms"] == 6
    assert bool(core["has_station"])
    assert row(result.communities, "C_hulan")["missing_rooms"] == ""
    county = row(result.communities, "C_county")  # no station at all
    assert not county["has_station"]
    assert county["missing_rooms"] == ALL_ROOMS
    stations = result.stations.set_index("facility_id")
    assert stations.loc["F2", "missing_rooms"] == ",".join(ROOM_CODES[2:])
    assert bool(stations.loc["F4", "compliant"])
    assert stations.loc["F2", "article"] == "Art. 8"
    issues = result.issues()
    msg = issues[(issues["level"] == "station") & (issues["id"] == "C_core")]["message_zh"].iloc[0]
    assert "物业站" in msg and "办事大厅" not in msg


@pytest.mark.parametrize("key", ["双城", "双城区", "230113"])
def test_shuangcheng_class_override_changes_its_requirement(layers, key: str) -> None:
    assert row(run(layers).communities, "C_shuang")["required_m2"] == 200.0
    r = row(run(layers, district_classes={key: "core"}).communities, "C_shuang")
    assert r["district_class"] == "core"
    assert (r["required_m2"], r["shortfall_m2"]) == (300.0, 100.0)


def test_unknown_class_override_is_reported(layers) -> None:
    with pytest.raises(ComplianceInputError) as info:
        run(layers, district_classes={"松花江区": "core"})
    assert info.value.problems["problem"].tolist() == ["unknown_district"]


def test_parameter_overrides_change_the_result(layers) -> None:
    std = load_standard(
        "harbin-2011",
        {
            "art11_public_housing": {"min_area_m2": {"core": 320}},
            "art12_new_development": {"area_per_100_households_m2": 30},
            "art11_street_centre": {"min_area_m2": 800},
        },
    )
    result = run(layers, standard=std)
    assert row(result.communities, "C_core")["shortfall_m2"] == pytest.approx(70.0)
    # 1234 * 30 / 100 = 370.2
    assert row(result.communities, "C_new")["required_m2"] == pytest.approx(370.2)
    centre = result.street_centres.set_index("facility_id").loc["F11"]
    assert bool(centre["compliant"]) and centre["shortfall_m2"] == 0.0


def test_complete_community_standard_applies_to_old_areas_too(layers) -> None:
    result = run(layers, standard="complete-community-2022")
    r = row(result.communities, "C_core")
    # 1000 households * 30 / 100 = 300; no class minimum in this set
    assert (r["required_m2"], r["shortfall_m2"]) == (300.0, 50.0)
    assert r["rule_id"] == "cc_service_housing"
    assert row(result.communities, "V1")["status"] == "not_applicable"
    assert result.street_centres.empty and result.rural.empty


def test_summaries_per_street_and_district(layers) -> None:
    result = run(layers)
    d = result.by_district.set_index("district_code")
    # 方正: C_county (ok), C_new (46.8 short), V1 (Art. 36 station 20 short)
    assert d.loc["230124", "n_communities"] == 3
    assert d.loc["230124", "n_below"] == 2
    assert d.loc["230124", "shortfall_m2"] == pytest.approx(66.8)
    assert d.loc["230124", "required_m2"] == pytest.approx(200 + 246.8 + 300)
    assert d.loc["230124", "n_rural_below"] == 1
    assert d.loc["230124", "n_street_centres_below"] == 1  # S3 has none
    assert d.loc["230102", "n_street_centres_below"] == 1  # the 900 m2 centre
    assert d.loc["230111", "n_street_centres_below"] == 0
    assert d.loc["230102", "share_below"] == 1.0
    s = result.by_street.set_index("street_code")
    assert s.loc["S2", "street"] == "呼兰区街道"
    assert s.loc["S2", "shortfall_m2"] == pytest.approx(50.0)
    # summaries sort by shortfall
    assert result.by_district["shortfall_m2"].is_monotonic_decreasing
    totals = result.totals()
    assert totals["n_below"] == 4
    assert totals["shortfall_m2"] == pytest.approx(50 + 50 + 46.8 + 20)
    assert "4 个低于标准" in result.summary_text()


def test_filter_and_summarize_for_the_page(layers) -> None:
    table = run(layers).communities
    assert sorted(filter_table(table, district="方正")["community_id"]) == [
        "C_county",
        "C_new",
        "V1",
    ]
    assert sorted(filter_table(table, district=["230102", "呼兰区"])["community_id"]) == [
        "C_core",
        "C_hulan",
    ]
    assert filter_table(table, street="S4")["community_id"].tolist() == ["C_shuang"]
    below = filter_table(table, district="方正县", status="below")
    assert sorted(below["community_id"]) == ["C_new", "V1"]
    summary = summarize(below, "district")
    assert summary["shortfall_m2"].tolist() == [pytest.approx(66.8)]
    with pytest.raises(ValueError, match="street"):
        summarize(table, "city")


def test_missing_and_negative_values_are_reported_row_by_row(layers) -> None:
    comm = layers["communities"].copy()
    comm["households"] = comm["households"].astype(float)
    comm.loc[1, "households"] = None  # C_hulan: an old area needs no count (issue 26 item 6)
    comm.loc[2, "households"] = -10  # C_county
    fac = layers["facilities"].copy()
    fac["usable_area_m2"] = fac["usable_area_m2"].astype(object)
    fac.loc[0, "usable_area_m2"] = None  # F1
    fac.loc[4, "usable_area_m2"] = -200.0  # F5
    fac.loc[5, "usable_area_m2"] = "两百"  # F6
    fac.loc[6, "community_id"] = "V99"  # F7: unknown village
    with pytest.raises(ComplianceInputError) as info:
        check_compliance(comm, fac, layers["districts"])
    p = info.value.problems
    got = set(zip(p["layer"], p["row"], p["record_id"], p["field"], p["problem"], strict=True))
    assert got == {
        ("communities", 3, "C_county", "households", "negative"),
        ("facilities", 1, "F1", "usable_area_m2", "missing"),
        ("facilities", 5, "F5", "usable_area_m2", "negative"),
        ("facilities", 6, "F6", "usable_area_m2", "not_a_number"),
        ("facilities", 7, "F7", "community_id", "unknown_community"),
    }
    assert all("第" in m for m in p["message_zh"]) and all("row" in m for m in p["message_en"])
    assert "5" in str(info.value)


def test_other_input_problems(layers) -> None:
    comm = layers["communities"].copy()
    comm["households"] = comm["households"].astype(float)
    comm.loc[0, "households"] = 12.5
    comm.loc[1, "era"] = "medieval"
    comm.loc[2, "district_code"] = "999999"
    comm.loc[3, "community_id"] = "C_core"  # duplicate
    fac = layers["facilities"].copy()
    fac.loc[1, "rooms"] = "service_hall,sauna"
    problems = validate_inputs(comm, fac, layers["districts"])
    kinds = set(zip(problems["record_id"], problems["problem"], strict=True))
    assert ("C_core", "not_integer") in kinds
    assert ("C_hulan", "not_allowed") in kinds
    assert ("C_county", "unknown_district") in kinds
    assert ("C_core", "duplicate") in kinds
    assert ("F2", "unknown_room") in kinds
    # a clean world has no problems
    assert validate_inputs(layers["communities"], layers["facilities"], layers["districts"]).empty


def test_missing_column_is_reported(layers) -> None:
    comm = layers["communities"].drop(columns=["era"])
    with pytest.raises(ComplianceInputError) as info:
        check_compliance(comm, layers["facilities"], layers["districts"])
    assert info.value.problems[["field", "problem"]].values.tolist() == [["era", "missing_column"]]


def test_without_households_only_new_developments_are_undecided(layers) -> None:
    """Issue 26 item 6: Art. 11 and 13 need no household count for old areas; Art. 12
    (「以每百户不少于使用面积20平方米的标准配建」) needs it for a new development."""
    comm = layers["communities"].drop(columns=["households"])
    table = check_compliance(comm, layers["facilities"], layers["districts"]).communities
    assert row(table, "C_core")["status"] == "below"  # old: 250 of 300 m2, as with households
    assert row(table, "C_core")["shortfall_m2"] == pytest.approx(50.0)
    new = row(table, "C_new")
    assert new["status"] == "undecided" and new["undecided_reason"] == "households_missing"
    assert pd.isna(new["shortfall_m2"]) and new["households_basis"] == "missing"
    assert (table["status"] == "undecided").sum() == 1


# -- project and CLI -------------------------------------------------------------------------


def make_project(path: Path, layers: dict, **settings) -> Project:
    project = Project.create(path, ProjectSettings(name="测试", **settings))
    project.write_layers(layers)
    return project


def test_project_settings_pick_the_standard_and_overrides(tmp_path: Path, layers) -> None:
    path = tmp_path / "p.gpkg"
    make_project(
        path,
        layers,
        standard_overrides={"art11_public_housing": {"min_area_m2": {"core": 320}}},
        district_classes={"双城区": "core"},
    )
    project = Project.open(path)
    assert project_standard(project).param("art11_public_housing", "min_area_m2")["core"] == 320
    result = project_compliance(project)
    assert row(result.communities, "C_core")["shortfall_m2"] == pytest.approx(70.0)
    assert row(result.communities, "C_shuang")["required_m2"] == pytest.approx(320.0)
    # another set ignores the overrides of the project's own set
    other = project_standard(project, "complete-community-2022")
    assert other.name == "complete-community-2022" and not other.overrides


def test_cli_writes_csv_with_required_columns(tmp_path: Path, layers, capsys) -> None:
    path = tmp_path / "p.gpkg"
    make_project(path, layers)
    out = tmp_path / "out" / "compliance.csv"
    assert main(["compliance", str(path), "--out", str(out), "--machine-readable"]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"district_code": str})
    for col in (
        "community_id",
        "district",
        "required_m2",
        "provided_m2",
        "shortfall_m2",
        "rule_id",
        "article",
        "missing_rooms",
    ):
        assert col in table.columns
    assert len(table) == 7
    core = table.set_index("community_id").loc["C_core"]
    assert (core["required_m2"], core["shortfall_m2"], core["article"]) == (300.0, 50.0, "Art. 11")
    assert table.set_index("community_id").loc["C_new", "required_m2"] == pytest.approx(246.8)
    assert str(table.set_index("community_id").loc["C_new", "households"]) == "1234"
    printed = capsys.readouterr().out
    assert "4 个低于标准" in printed and "166.8" in printed


def test_cli_writes_xlsx_with_sheets_and_standard_choice(tmp_path: Path, layers, capsys) -> None:
    path = tmp_path / "p.gpkg"
    make_project(path, layers, parameters={"heating_price_yuan_per_m2": 30})
    out = tmp_path / "compliance.xlsx"
    assert main(["compliance", str(path), "--out", str(out), "--machine-readable"]) == 0
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames[0] == "社区达标"
    for sheet in ("街道汇总", "区县汇总", "问题清单", "星级奖励", "供暖费用", "规则参数"):
        assert sheet in book.sheetnames
    header = [c.value for c in next(book["社区达标"].iter_rows(max_row=1))]
    assert header == COMMUNITY_COLUMNS
    heating = pd.read_excel(out, sheet_name="供暖费用", dtype={"district_code": str})
    daoli = heating.set_index("district_code").loc["230102"]
    # 道里: 150 + 100 m2 at 30 yuan = 7500, city and district 3750 each (Art. 32)
    assert (daoli["cost_yuan"], daoli["city_pays_yuan"]) == (7500.0, 3750.0)

    out2 = tmp_path / "cc.xlsx"
    code = main(
        [
            "compliance",
            str(path),
            "--out",
            str(out2),
            "--standard",
            "complete-community-2022",
            "--machine-readable",
        ]
    )
    assert code == 0
    table = pd.read_excel(out2, sheet_name="社区达标")
    assert set(table["rule_id"].dropna()) == {"cc_service_housing"}
    capsys.readouterr()
    out3 = tmp_path / "gb.csv"
    args = ["compliance", str(path), "--out", str(out3), "--standard", "gb50180-2018"]
    assert main([*args, "--machine-readable"]) == 0
    assert "没有适用" in capsys.readouterr().out  # life circles carry no area rule
    assert (pd.read_csv(out3, encoding="utf-8-sig")["status"] == "not_applicable").all()


def test_cli_reports_bad_rows_and_bad_arguments(tmp_path: Path, layers, capsys) -> None:
    fac = layers["facilities"].copy()
    fac.loc[0, "usable_area_m2"] = -1.0
    layers["facilities"] = fac
    path = tmp_path / "p.gpkg"
    make_project(path, layers)
    out = tmp_path / "x.csv"
    assert main(["compliance", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "第 1 行(F1)" in err and "usable_area_m2" in err
    assert not out.exists()
    assert main(["compliance", str(path), "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["compliance", str(path), "--out", str(out), "--standard", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_demo_project_end_to_end(demo_project_path: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo.csv"
    assert (
        main(["compliance", str(demo_project_path), "--out", str(out), "--machine-readable"]) == 0
    )
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"community_id": str})
    project = Project.open(demo_project_path)
    communities = project.layer("communities")
    facilities = project.layer("facilities")
    assert len(table) == len(communities)
    assert table["rule_id"].notna().all()  # harbin-2011 judges every urban and rural community
    # shortfall = max(required - provided, 0) on every row; compliant <=> no shortfall for
    # urban communities; a village's verdict is its whole Art. 36 row (station, square, rooms)
    expected = (table["required_m2"] - table["provided_m2"]).clip(lower=0)
    assert (table["shortfall_m2"] - expected).abs().max() < 0.011
    town = table[table["kind"] == "urban"]
    assert ((town["shortfall_m2"] > 0) == ~town["compliant"].astype(bool)).all()
    rural = project_compliance(project).rural.set_index("community_id")["compliant"]
    villages = table[table["community_id"].isin(rural.index)].set_index("community_id")
    assert (villages["compliant"].astype(bool) == rural.reindex(villages.index)).all()
    assert (villages.loc[villages["shortfall_m2"] > 0, "status"] == "below").all()
    # provided area of urban communities = their public housing + stations, summed independently
    housing = facilities[facilities["kind"].isin(["public_housing", "community_station"])]
    sums = housing.groupby(housing["community_id"].astype(str))["usable_area_m2"].sum()
    urban = table[table["kind"] == "urban"].set_index("community_id")
    got = urban["provided_m2"]
    want = sums.reindex(got.index).fillna(0.0)
    assert (got - want).abs().max() < 0.011
    n_below = int((table["status"] == "below").sum())
    assert f"{n_below} 个低于标准" in capsys.readouterr().out


def test_with_geometry_for_a_choropleth(layers) -> None:
    from analysis.compliance import with_geometry

    result = run(layers)
    below = filter_table(result.communities, status="below")
    shaped = with_geometry(below, layers["communities"])
    assert isinstance(shaped, gpd.GeoDataFrame)
    assert shaped.crs == layers["communities"].crs
    assert sorted(shaped["community_id"]) == sorted(below["community_id"])
    core = shaped.set_index("community_id").loc["C_core"]
    original = layers["communities"].set_index("community_id").geometry.loc["C_core"]
    assert core.geometry.equals(original)
    assert core["shortfall_m2"] == 50.0
