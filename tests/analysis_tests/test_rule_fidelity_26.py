"""Issue 26: rule fidelity, round three -- hand-computed cases against the text of the measures.

Built on the hand-made world of ``test_compliance.py`` (道里/呼兰/方正/双城/阿城, one village);
every test quotes the article it checks (哈尔滨市社区建设管理办法(试行), /work/shared/seed) and
states the answer computed by hand. Item 6 of the issue (missing households) is not here.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from test_compliance import ALL_ROOMS, make_layers, row
from test_rule_fidelity import add_facility, run, set_community

from analysis.budgets import heating_costs
from analysis.compliance import failed_terms
from analysis.standards import load_standard
from geo_app.present import compliance_export_bytes, display_table


def add_community(layers: dict, cid: str, like: str, **values) -> None:
    """A copy of community ``like`` under the id ``cid`` (same street, district, geometry)."""
    comm = layers["communities"]
    new = comm[comm["community_id"] == like].copy()
    new["community_id"], new["name"] = cid, f"社区{cid}"
    for key, value in values.items():
        if key not in comm.columns:
            comm[key] = pd.Series([None] * len(comm), dtype=object)
        new[key] = value
    layers["communities"] = pd.concat([comm, new], ignore_index=True).set_crs(comm.crs)


def drop_facilities(layers: dict, *ids: str) -> None:
    fac = layers["facilities"]
    layers["facilities"] = fac[~fac["facility_id"].isin(ids)].reset_index(drop=True)


def issues_of(result, level: str):
    issues = result.issues()
    return issues[issues["level"] == level]


# -- 1. Art. 8: a committee without a station ---------------------------------------------------


def test_a_committee_without_a_station_fails_one_committee_one_station() -> None:
    """第八条第三款:「社区实行“一居(居委会)一站”的管理体制。」

    方正一社区 (C_county) has public housing F5 but no 社区服务工作站: 0 stations is not one,
    so Art. 8 (required) fails and the issue list says 「没有社区服务工作站」 once.
    """
    result = run(make_layers())
    r = row(result.communities, "C_county")
    assert (r["n_stations"], bool(r["one_station_ok"])) == (0, False)
    assert result.standard.rule("art8_one_station").strictness == "required"
    mine = result.issues().query("id == 'C_county'")
    one = mine[mine["level"] == "one_station"]
    assert one["message_zh"].item().startswith("没有社区服务工作站")
    assert one["strictness"].item() == "required"
    assert (mine["level"] == "station").sum() == 0  # not listed twice
    assert bool(row(result.communities, "C_hulan")["one_station_ok"])  # F4: one station
    # a project that drops the minimum still sees the message at the station level (the old
    # code compared a numpy bool with `is False` and wrote "station lacks: ..." instead)
    relaxed = run(
        make_layers(), standard=load_standard(overrides={"art8_one_station": {"min_stations": 0}})
    )
    assert bool(row(relaxed.communities, "C_county")["one_station_ok"])
    station = relaxed.issues().query("level == 'station' and id == 'C_county'")
    assert station["message_zh"].item() == "没有社区服务工作站"


# -- 2. Art. 36: one verdict per village ------------------------------------------------------------


def test_a_village_short_of_its_square_is_below_in_every_output() -> None:
    """第三十六条:「启动社区建设的村要以推进“两站”(便民服务站、卫生服务站)、“两室”(图书阅览室、
    多功能活动室)、“一广场”(室外活动广场)为重点……力争建成使用面积300平方米以上的村级社区综合
    服务站和使用面积1000平方米以上的室外活动广场」

    V1 started; station F7 300 m2 with all four rooms, square F8 500 m2: station ok, rooms ok,
    square 500 m2 short -> below in the CSV, the XLSX community and village sheets and the
    issue list alike (the old CSV said compliant).
    """
    layers = make_layers()
    fac = layers["facilities"]
    fac.loc[fac["facility_id"] == "F7", "usable_area_m2"] = 300.0
    fac.loc[fac["facility_id"] == "F7", "rooms"] = (
        "convenience_station,health_station,reading_room,multipurpose_room"
    )
    fac.loc[fac["facility_id"] == "F8", "usable_area_m2"] = 500.0
    set_community(layers, "V1", community_started=True)
    result = run(layers)
    v = row(result.communities, "V1")
    assert (v["status"], bool(v["compliant"]), v["shortfall_m2"]) == ("below", False, 0.0)
    village = result.rural.set_index("community_id").loc["V1"]
    assert village["square_shortfall_m2"] == 500.0 and not bool(village["compliant"])
    csv = pd.read_csv(io.BytesIO(compliance_export_bytes(result, "csv")), encoding="utf-8-sig")
    assert csv.set_index("community_id").loc["V1", "status"] == "below"
    book = openpyxl.load_workbook(io.BytesIO(compliance_export_bytes(result, "xlsx")))
    sheet = pd.DataFrame(book["社区达标"].values)
    sheet = pd.DataFrame(sheet.values[1:], columns=sheet.iloc[0])
    assert sheet.set_index("community_id").loc["V1", "status"] == "below"
    mine = result.issues().query("id == 'V1'")
    assert list(mine["level"]) == ["rural"]  # one row, not a second "0 m2 short" one
    assert "广场 500 平方米" in mine["message_zh"].item()
    assert (
        display_table(result.communities, "zh").set_index("社区编号").loc["V1", "状态"] == "未达标"
    )


def test_a_village_lacking_rooms_shows_them_in_the_table() -> None:
    """第三十六条:「“两站”(便民服务站、卫生服务站)、“两室”(图书阅览室、多功能活动室)」

    V1's station (320 m2, square 1200 m2) has two of the four rooms: missing_rooms of the
    per-community table lists the other two (it used to stay empty for villages) and the
    village is below; Art. 8 counts leave the village out.
    """
    layers = make_layers()
    fac = layers["facilities"]
    fac.loc[fac["facility_id"] == "F7", "usable_area_m2"] = 320.0
    fac.loc[fac["facility_id"] == "F7", "rooms"] = "convenience_station,health_station"
    result = run(layers)
    v = row(result.communities, "V1")
    assert v["missing_rooms"] == "reading_room,multipurpose_room"
    assert (v["n_missing_rooms"], v["status"]) == (2, "below")
    # Art. 8 rooms: C_core (F2 lacks 6), C_county, C_new, C_shuang (no station) -- not V1
    assert result.totals()["n_missing_rooms"] == 4


# -- 3. Art. 13 para. 4: central stations ------------------------------------------------------------


def test_a_central_station_is_credited_to_the_communities_it_serves_and_heated() -> None:
    """第十三条第四款:「老城区现有社区公益用房无法集中设置的,在保证标准前提下,可灵活设置公益用房,
    由街道组织设立社区中心服务站和相应活动场所,辐射周边社区居民。」
    第三十二条第四款:「社区公益用房供热费……供热费用纳入财政预算,城区(暂不含阿城区)由市、区政府
    各承担50%」

    Street S1 (道里) sets up central station CT1 of 400 m2 for C_core and a second old
    community C_core2 (listed "C_core、C_core2", as shared stations list their committees):
    200 m2 each. C_core 250 + 200 = 450 >= 300 -> compliant (was 50 short); C_core2 0 + 200 ->
    100 short. CT2 (100 m2) lists the new development C_new: not the old town, not credited.
    Heating of 道里: 150 + 100 + 400 = 650 m2 x 40 = 26000 yuan, 13000 each (was 250 m2).
    """
    layers = make_layers()
    add_community(layers, "C_core2", like="C_core", households=800)
    add_facility(layers, "CT1", "central_station", 400.0, "C_core、C_core2")
    add_facility(layers, "CT2", "central_station", 100.0, "C_new")
    result = run(layers)
    core, core2 = row(result.communities, "C_core"), row(result.communities, "C_core2")
    assert (core["provided_m2"], core["status"]) == (450.0, "compliant")  # old: 250, below
    assert core["central_station_m2"] == 200.0
    assert (core2["provided_m2"], core2["shortfall_m2"]) == (200.0, 100.0)
    assert row(result.communities, "C_new")["provided_m2"] == 200.0  # CT2 not credited
    assert row(result.communities, "C_core")["n_stations"] == 1  # not an Art. 8 station
    central = result.central_stations.set_index(["facility_id", "community_id"])
    assert central.loc[("CT1", "C_core2"), "share_m2"] == 200.0
    assert not bool(central.loc[("CT2", "C_new"), "credited"])
    assert "不是老城区社区" in issues_of(result, "central_station")["message_zh"].item()
    heat = heating_costs(layers["facilities"], layers["communities"], layers["districts"])
    daoli = heat.by_district.set_index("district_code").loc["230102"]
    assert (daoli["heated_m2"], daoli["cost_yuan"], daoli["city_pays_yuan"]) == (
        650.0,
        26000.0,
        13000.0,
    )


# -- 4. Art. 12: the developer's part and the rest ------------------------------------------------------


def test_the_developer_owes_20_m2_per_100_households_and_no_more() -> None:
    """第十二条第一款:「新建居住区或新建住宅的开发建设单位……以每百户不少于使用面积20平方米的标准
    配建社区公益用房」; 第十一条第二款: 300 m2 in the urban districts, 200 m2 in 呼兰、阿城.

    阿城 new estate of 500 households with 50 m2: Art. 11 asks 200 m2, the developer owes
    500 x 20 / 100 = 100 m2 -> its part 100 - 50 = 50 m2, the other 100 m2 are not named by
    the measures. 道里 new development of 0 households without housing: 300 m2 short, the
    developer owes nothing, the whole 300 m2 are not named (the old code named the developer).
    """
    layers = make_layers()
    set_community(layers, "C_acheng", era="new", households=500)
    fac = layers["facilities"]
    fac.loc[fac["facility_id"] == "F10", "usable_area_m2"] = 50.0
    set_community(layers, "C_core", era="new", households=0)
    drop_facilities(layers, "F1", "F2")
    # the office declares its facility data complete: no facility there means none (else the
    # district without any facility is undecided, analysis.compliance.basis)
    table = run(layers, facility_inventory="*").communities
    c = row(table, "C_core")
    assert c["funding"] == "not_named"  # old: developer
    a = row(table, "C_acheng")
    assert (a["required_m2"], a["shortfall_m2"]) == (200.0, 150.0)
    assert (a["developer_gap_m2"], a["remainder_gap_m2"]) == (50.0, 100.0)
    assert (a["funding"], a["remainder_funding"]) == ("developer", "not_named")
    assert (c["required_m2"], c["developer_gap_m2"], c["remainder_gap_m2"]) == (300.0, 0.0, 300.0)
    assert pd.isna(row(table, "C_hulan")["developer_gap_m2"])  # old: Art. 13, not Art. 12
    shown = display_table(table, "zh").set_index("社区编号")
    assert shown.loc["C_core", "资金渠道"].startswith("措施未规定")
    assert shown.loc["C_acheng", "其余缺口出资方"].startswith("措施未规定")


# -- 5. Art. 12 paras. 1, 3, 4 -------------------------------------------------------------------------


def test_no_completion_acceptance_while_the_developer_has_not_built_its_part() -> None:
    """第十二条第三款:「未按照规划和设计文件配建社区公益用房的住宅建设项目,不得组织竣工验收。」

    方正新区 (C_new, 1234 households): the developer owes 246.8 m2, 200 built -> 46.8 short:
    不得组织竣工验收. The 阿城 estate of the previous case whose developer built its 100 m2 (but
    not the Art. 11 remainder) may be accepted; old communities are outside the rule (NA).
    """
    layers = make_layers()
    set_community(layers, "C_acheng", era="new", households=500)
    fac = layers["facilities"]
    fac.loc[fac["facility_id"] == "F10", "usable_area_m2"] = 120.0
    result = run(layers)
    assert bool(row(result.communities, "C_new")["acceptance_blocked"])
    assert row(result.communities, "C_new")["developer_gap_m2"] == pytest.approx(46.8)
    assert not bool(row(result.communities, "C_acheng")["acceptance_blocked"])
    assert pd.isna(row(result.communities, "C_core")["acceptance_blocked"])
    issue = issues_of(result, "acceptance")
    assert list(issue["id"]) == ["C_new"]
    assert "不得组织竣工验收" in issue["message_zh"].item()
    assert issue["strictness"].item() == "required"
    assert result.totals()["n_acceptance_blocked"] == 1


def test_the_registry_records_the_hand_over_to_the_government() -> None:
    """第十二条第一款:「竣工后移交所在区、县(市)政府,产权归区、县(市)政府所有,区、县(市)政府
    凭移交手续到相关部门办理权属登记。」

    F6 (方正新区, a new development) is registered with the developer's ownership; recording its
    hand-over makes 方正县人民政府 its owner, with the date; until then it waits in ``transfer``.
    Old communities' housing (F5) never waits for a hand-over.
    """
    from layers.registry import record_transfer, register, waiting

    layers = make_layers()
    fac, comm = layers["facilities"], layers["communities"]
    reg = register(
        None,
        fac,
        "F6",
        ownership="开发建设单位",
        use="社区办公用房",
        registered_by="方正县街道",
        registered_at="2026-03-01",
    )
    before = waiting(reg, fac, comm)["transfer"]
    assert list(before["facility_id"]) == ["F6"]
    done = record_transfer(reg, ["F6"], to_government="方正县人民政府", transferred_at="2026-03-05")
    r = done.set_index("facility_id").loc["F6"]
    assert (r["ownership"], r["transferred_to"], r["transferred_at"]) == (
        "方正县人民政府",
        "方正县人民政府",
        "2026-03-05",
    )
    assert waiting(done, fac, comm)["transfer"].empty
    with pytest.raises(ValueError, match="unregistered"):
        record_transfer(reg, ["F5"], to_government="方正县人民政府", transferred_at="2026-03-05")


@pytest.mark.parametrize("status", ["rented_out", "出租", "sold", "挪作他用"])
def test_housing_rented_out_sold_or_used_otherwise_does_not_count(status: str) -> None:
    """第十二条第四款:「对擅自将社区公益用房出租、出卖或挪作他用的,由区、县(市)政府予以纠正」

    F5 (200 m2, 方正一社区) rented out / sold / used otherwise: C_county provides 0 of 200 m2 ->
    200 short (was compliant); F5 is listed for correction.
    """
    layers = make_layers()
    fac = layers["facilities"]
    fac.loc[fac["facility_id"] == "F5", "status"] = status
    result = run(layers)
    r = row(result.communities, "C_county")
    assert (r["provided_m2"], r["shortfall_m2"], r["status"]) == (0.0, 200.0, "below")
    listed = result.misused_housing
    assert list(listed["facility_id"]) == ["F5"]
    assert listed["status"].item() in ("rented_out", "sold", "other_use")
    issue = issues_of(result, "misused_housing")
    assert issue["id"].item() == "F5" and "予以纠正" in issue["message_zh"].item()
    assert result.totals()["n_misused_housing"] == 1


# -- 7. Art. 33: a held term without a record -------------------------------------------------------


def test_a_term_without_a_record_is_not_rated_and_a_never_named_community_is_flagged() -> None:
    """第三十三条:「全市每两年命名一批“星级和谐社区”……对连续两届达不到“星级和谐社区”标准的社区,
    对其党组织书记进行调整,对其居委会主任依法罢免。」

    Terms 1-3 were held. C1: 0 stars in 1 and 3, no record for 2 -> not rated in 2 -> three
    failed terms in a row, flagged (the old code broke the run). C2 is in the communities layer
    but never named -> failed 1-3, flagged. C3 was set up in 2015 (term (2015-2011)//2+1 = 3):
    terms 1 and 2 do not count; 0 stars in 3 -> one failed term, not flagged. C4: 3 stars in
    term 3 after two failed -> not flagged.
    """
    ratings = pd.DataFrame(
        {
            "community_id": ["C1", "C1", "C3", "C4", "C4", "C4"],
            "term": [1, 3, 3, 1, 2, 3],
            "stars": [0, 0, 0, 0, 0, 3],
        }
    )
    communities = pd.DataFrame(
        {"community_id": ["C1", "C2", "C3", "C4"], "valid_from": [None, None, "2015-04-01", None]}
    )
    table = failed_terms(ratings, communities=communities).set_index("community_id")
    assert (table.loc["C1", "failed_terms"], table.loc["C1", "unrated_terms"]) == ("1,2,3", "2")
    assert bool(table.loc["C1", "two_failed"])
    assert (table.loc["C2", "n_terms"], table.loc["C2", "failed_terms"]) == (0, "1,2,3")
    assert bool(table.loc["C2", "two_failed"])
    assert (table.loc["C3", "failed_terms"], table.loc["C3", "n_consecutive_failed"]) == ("3", 1)
    assert not bool(table.loc["C3", "two_failed"])
    assert not bool(table.loc["C4", "two_failed"])


# -- 8. Art. 35: villages started, per county and township ---------------------------------------------


def test_share_of_villages_started_against_the_2010_and_2015_milestones() -> None:
    """第三十五条:「到2010年底,全市50%的村启动农村社区建设,在“十二五”规划期内全面开展。」

    方正 (street S3): V1 started 2009, V2 2010-06-01, V3 2013, V4 not started -> by 2010-12-31
    2 of 4 = 50% (met); by 2015-12-31 3 of 4 (missed). 阿城 (S5): V5 started without a date,
    V6 in 2008 -> 2010: 1 of 2 = 50% (met); 2015: 1 sure + 1 unknown of 2: cannot be told (NA).
    City: 2010: 3 of 6 = 50% (met); 2015: 4 sure + 1 unknown < 6 (missed).
    """
    layers = make_layers()
    set_community(layers, "V1", community_started=True, started_at="2009")
    add_community(layers, "V2", like="V1", community_started=True, started_at="2010-06-01")
    add_community(layers, "V3", like="V1", community_started=True, started_at="2013")
    add_community(layers, "V4", like="V1", community_started=False, started_at=None)
    for cid, started, when in (("V5", True, None), ("V6", True, "2008")):
        add_community(
            layers,
            cid,
            like="V1",
            community_started=started,
            started_at=when,
            district_code="230112",
            street_code="S5",
        )
    result = run(layers)
    t = result.village_start
    met = {
        (r.level, "" if pd.isna(r.district_code) else r.district_code, r.milestone): (
            None if pd.isna(r.met) else bool(r.met)
        )
        for r in t.itertuples(index=False)
    }
    assert met[("county", "230124", "2010-12-31")] is True
    assert met[("county", "230124", "2015-12-31")] is False
    assert met[("county", "230112", "2010-12-31")] is True
    assert met[("county", "230112", "2015-12-31")] is None
    assert met[("city", "", "2010-12-31")] is True
    assert met[("city", "", "2015-12-31")] is False
    fz = t[(t["level"] == "township") & (t["street_code"] == "S3")].set_index("milestone")
    assert (fz.loc["2015-12-31", "n_started_by"], fz.loc["2015-12-31", "n_villages"]) == (3, 4)
    assert fz.loc["2010-12-31", "share_started_by"] == 0.5
    assert list(issues_of(result, "village_start")["id"]) == ["230124"]
    assert result.totals()["n_village_start_missed"] == 1  # 方正; 阿城 cannot be told
    book = openpyxl.load_workbook(io.BytesIO(compliance_export_bytes(result, "xlsx")))
    assert "村启动进度" in book.sheetnames


# -- 9. Art. 20 police room (required) and Art. 18 property station (target) --------------------------


def test_every_urban_community_needs_a_police_room() -> None:
    """第二十条:「强化社区治安防范。……健全完善社区警务室」

    Police rooms: F2 (C_core) and F4/F10 (ALL_ROOMS) have one; C_county, C_new and C_shuang have
    no station and no police-room facility -> police_ok False, required. A police_room facility
    in C_county closes it.
    """
    layers = make_layers()
    result = run(layers)
    sec = result.security.set_index("community_id")
    assert bool(sec.loc["C_core", "police_ok"]) and bool(sec.loc["C_acheng", "police_ok"])
    assert not bool(sec.loc["C_county", "police_ok"])
    issues = issues_of(result, "security")
    police = issues[issues["rule_id"] == "art20_police_room"]
    assert sorted(police["id"]) == ["C_county", "C_new", "C_shuang"]
    assert set(police["strictness"]) == {"required"}
    assert set(police["message_zh"]) == {"没有社区警务室"}
    add_facility(layers, "P1", "police_room", 30.0, "C_county")
    fixed = run(layers).security.set_index("community_id")
    assert bool(fixed.loc["C_county", "police_ok"])


def test_basic_property_management_areas_need_a_property_service_station() -> None:
    """第十八条第二款:「暂不具备规范物业管理的住宅区实行基本物业管理。……成立社区物业服务站……
    物业服务站日常管理纳入社区服务工作站。」

    C_core (basic management) has station F2 without the property station -> a target gap;
    C_hulan (basic) has F4 with all rooms -> ok; regulated areas are not checked (NA).
    """
    layers = make_layers()
    set_community(layers, "C_core", management="basic")
    set_community(layers, "C_hulan", management="basic")
    result = run(layers)
    sec = result.security.set_index("community_id")
    assert not bool(sec.loc["C_core", "property_ok"])
    assert bool(sec.loc["C_hulan", "property_ok"])
    assert pd.isna(sec.loc["C_acheng", "property_ok"])
    issue = issues_of(result, "security").query("rule_id == 'art18_property_station'")
    assert list(issue["id"]) == ["C_core"] and issue["strictness"].item() == "target"
    assert "物业服务站" in issue["message_zh"].item()
    # without the management field nothing is checked
    layers["communities"] = layers["communities"].drop(columns="management")
    assert run(layers).security["property_ok"].isna().all()
    assert ALL_ROOMS.count("property_station") == 1
