"""The site-selection page: table and download helpers (hand-made old district), the page
through AppTest (hand-made project and the demo project).

The hand-made project has no walking network, so distances are straight line x 1.3.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box
from streamlit.testing.v1 import AppTest

from geo_app import present, workflows
from geo_app.app.pages import PAGES
from geo_app.present.formatting import local_time
from geo_app.project import Project
from geo_app.project.paths import ENV_PROJECT
from geo_app.workflows import site_selection as site_selection
from geo_app.workflows.site_selection import (
    compare_scenarios,
    run_site_selection,
    save_site_selection,
    write_site_selection,
)

CRS = "EPSG:4551"
X0, Y0 = 546_700.0, 5_067_000.0
DAOWAI = "230104"
BOTH = ("boiler_rooms", "candidate_sites")


def _frame(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=CRS).to_crs("EPSG:4326")


def _square(x: float, y: float, half: float = 40.0):
    return box(X0 + x - half, Y0 + y - half, X0 + x + half, Y0 + y + half)


S1 = (90.0, 100.0)
CENTRES = {"A": (0.0, 0.0), "B": (200.0, 0.0), "C": (0.0, 250.0), "D": (3000.0, 0.0)}
HOUSEHOLDS = {"A": 1000, "B": 800, "C": 600, "D": 500}


def _walk(cid: str) -> float:
    """Straight line x 1.3 from community ``cid`` to the boiler room S1."""
    x, y = CENTRES[cid]
    return math.hypot(x - S1[0], y - S1[1]) * 1.3


@pytest.fixture
def old_district(tmp_path) -> Path:
    """Old communities A, B, C of 道外区 each 100 m2 short of Art. 11's 300 m2 (a 200 m2
    station each) around the idle boiler room S1 (350 m2): one hub serves all three. S2
    (120 m2) could serve one; D, 3 km away, has no site in reach."""
    path = tmp_path / "old.gpkg"
    ids = list(CENTRES)
    communities = _frame(
        [_square(*CENTRES[i]) for i in ids],
        community_id=ids,
        name=["甲社区", "乙社区", "丙社区", "丁社区"],
        street_code=["230104001"] * 4,
        district_code=[DAOWAI] * 4,
        kind=["urban"] * 4,
        era=["old"] * 4,
        management=["basic"] * 4,
        households=[HOUSEHOLDS[i] for i in ids],
        population=[HOUSEHOLDS[i] * 2 for i in ids],
    )
    facilities = _frame(
        [Point(X0 + CENTRES[i][0], Y0 + CENTRES[i][1]) for i in ids],
        facility_id=[f"f{i}" for i in ids],
        name=[f"{i}站" for i in ids],
        kind=["community_station"] * 4,
        usable_area_m2=[200.0] * 4,
        community_id=ids,
        rooms=["service_hall"] * 4,
    )
    districts = _frame(
        [box(X0 - 1000, Y0 - 1000, X0 + 4000, Y0 + 1000)],
        district_code=[DAOWAI],
        name=["道外区"],
        district_class=["core"],
    )
    boilers = _frame(
        [Point(X0 + S1[0], Y0 + S1[1]), Point(X0, Y0 - 150)],
        site_id=["S1", "S2"],
        name=["一号锅炉房", "二号锅炉房"],
        owner_unit=["市供热公司"] * 2,
        owner_type=["state_enterprise"] * 2,
        idle=[True, True],
        usable_area_m2=[350.0, 120.0],
        condition=["fair"] * 2,
    )
    project = Project.create(path)
    project.write_layers(
        {
            "communities": communities,
            "facilities": facilities,
            "districts": districts,
            "boiler_rooms": boilers,
        }
    )
    return path


@pytest.fixture
def hub_selection(old_district):
    return run_site_selection(Project.open(old_district), "hub", candidates=("boiler_rooms",))


# -- helpers -----------------------------------------------------------------------------------
def test_site_summary_groups_the_assignments_by_site(hub_selection):
    table = site_selection.site_summary(hub_selection)
    assert list(table.columns) == list(site_selection.SITE_COLUMNS)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["site_id"] == "S1" and row["name"] == "一号锅炉房"
    assert row["communities_served"] == 3 and row["households_served"] == 2400
    assert row["shortfall_taken_m2"] == pytest.approx(300.0)
    walks = {c: _walk(c) for c in "ABC"}
    mean = sum(walks[c] * HOUSEHOLDS[c] for c in "ABC") / 2400
    assert row["mean_distance_m"] == pytest.approx(mean, abs=0.2)
    assert row["max_distance_m"] == pytest.approx(walks["C"], abs=0.1)
    assert row["served_names"] == "甲社区、乙社区、丙社区"  # nearest first
    assert site_selection.site_summary(hub_selection, sep=", ")["served_names"].iloc[0] == (
        "甲社区, 乙社区, 丙社区"
    )
    unserved = present.planning_table(hub_selection.unserved, "zh", site_selection.UNSERVED_COLUMNS)
    assert unserved.to_dict("list") == {
        "社区编号": ["D"],
        "名称": ["丁社区"],
        "户数": [500],
        # the distance the model used (no network: straight line x 1.3), not the 2912 m line
        "原因": [
            f"最近的候选用房按直线距离 × 1.3 估算约 {_walk('D'):.0f} 米(没有可用的步行路网),"
            "超出步行距离 500 米"
        ],
    }


def test_download_bytes_are_the_cli_result_file(hub_selection, tmp_path):
    out = write_site_selection(hub_selection, tmp_path / "cli.gpkg")
    download = tmp_path / "download.gpkg"
    download.write_bytes(site_selection.site_selection_gpkg_bytes(hub_selection))
    names = sorted(str(n) for n, _ in pyogrio.list_layers(download))
    assert names == sorted(str(n) for n, _ in pyogrio.list_layers(out))
    assert names == ["assignments", "chosen_sites", "radiation_lines", "unserved"]
    for layer in names:
        pd.testing.assert_frame_equal(
            pyogrio.read_dataframe(download, layer=layer), pyogrio.read_dataframe(out, layer=layer)
        )
    lines = pyogrio.read_dataframe(download, layer="radiation_lines")
    assert sorted(lines["community_id"]) == ["A", "B", "C"]


def test_default_district_is_daowai_when_present():
    options = pd.DataFrame(
        {"district_code": ["230102", DAOWAI], "name": ["道里区", "道外区"], "communities": [5, 3]}
    )
    assert site_selection.default_site_district(options) == DAOWAI
    assert site_selection.default_site_district(options.iloc[:1]) is None
    assert site_selection.default_site_district(options.iloc[:0]) is None


def test_scenario_table_shows_model_labels(old_district, hub_selection):
    project = Project.open(old_district)
    save_site_selection(project, hub_selection, "方案一")
    table = present.planning_table(
        compare_scenarios(project), "en", site_selection.SCENARIO_COLUMNS
    )
    assert table["Name"].tolist() == ["方案一"]
    assert table["Model"].tolist() == ["Art. 13 central service stations"]
    assert table["Candidates"].tolist() == ["Idle boiler rooms"]
    assert table["Sites chosen"].tolist() == [1]


# -- the page (AppTest) ------------------------------------------------------------------------
def _page() -> None:
    from geo_app.app import frame as ui
    from geo_app.app.pages import guarded, site_selection

    ui.language_switch()
    guarded(site_selection.render)()


def _app(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return AppTest.from_function(_page, default_timeout=120).run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_models_on_the_hand_made_district(old_district, monkeypatch):
    at = _app(old_district, monkeypatch)
    assert not at.exception
    assert at.selectbox(key="site_district").value == DAOWAI
    assert at.multiselect(key="site_candidates").value == ["boiler_rooms"]  # the layer present
    at.button(key="site_run").click().run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["选定站点"] == "1"
    assert metrics["服务社区 / 需求社区"] == "3 / 4"
    assert metrics["服务户数"] == "2,400"
    assert any("项目没有步行路网" in w.value for w in at.warning)
    sites = at.tabs[0].dataframe[0].value
    assert sites["服务的社区"].tolist() == ["甲社区、乙社区、丙社区"]
    reasons = at.tabs[2].dataframe[0].value["原因"].tolist()  # the obstacle with its numbers
    # the distance the model used: no network, so straight line x 1.3 (not the 2912 m line)
    assert reasons == [
        f"最近的候选用房按直线距离 × 1.3 估算约 {_walk('D'):.0f} 米(没有可用的步行路网),"
        "超出步行距离 500 米"
    ]
    assert not any("平均步行" in w.value for w in at.warning)  # the hub walks within 500 m

    # same street needs the streets layer: a message, no traceback
    at.checkbox(key="site_same_street").check()
    at.button(key="site_run").click().run()
    assert not at.exception
    assert "同街道约束需要街道图层" in at.error[0].value

    # p-median with one site assigns every community, whatever the walk: S1 beats S2 (D,
    # 3 km away, walks a little less to S1 too)
    at.selectbox(key="site_model").set_value("p-median").run()
    assert not at.number_input(key="site_p").disabled
    assert at.checkbox(key="site_same_street").disabled
    at.number_input(key="site_p").set_value(1)
    at.button(key="site_run").click().run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["选定站点"] == "1" and metrics["服务社区 / 需求社区"] == "4 / 4"
    assert at.tabs[0].dataframe[0].value["用房编号"].tolist() == ["S1"]
    mean = sum(_walk(c) * HOUSEHOLDS[c] for c in "ABCD") / 2900
    assert metrics["平均步行距离(米)"] == f"{mean:.0f}"
    # the p-median has no walking limit: the page warns that the average is beyond 500 m
    (walks,) = [w.value for w in at.warning if "平均步行" in w.value]
    assert walks.startswith(f"平均步行 {mean:,.0f} 米,超出 500 米的步行距离")
    assert "1/4 个社区(17% 的户数)步行超过 500 米" in walks


def test_page_on_the_demo_project(demo_project_path, tmp_path, monkeypatch):
    assert "site-selection" in {p.url_path for p in PAGES}
    path = tmp_path / "demo_copy.gpkg"  # the page saves scenarios into the project
    shutil.copyfile(demo_project_path, path)
    at = _app(path, monkeypatch)
    assert not at.exception
    assert [t.value for t in at.title] == ["选址规划"]
    assert at.selectbox(key="site_model").value == "hub"
    assert at.selectbox(key="site_model").format_func("hub") == "第十三条社区中心服务站"
    assert at.selectbox(key="site_district").value == DAOWAI
    assert at.multiselect(key="site_candidates").value == list(BOTH)
    assert at.number_input(key="site_distance").value == 500.0
    assert at.number_input(key="site_p").disabled
    assert not at.checkbox(key="site_same_street").disabled
    assert at.info[0].value.startswith("尚未选址") and not at.metric

    at.button(key="site_run").click().run()
    assert not at.exception
    project = Project.open(path)
    G = workflows.project_network(project)
    expected = run_site_selection(
        project, "hub", candidates=BOTH, distance_m=500.0, district=DAOWAI, G=G
    )
    summary = expected.summary
    metrics = _metrics(at)
    assert metrics["选定站点"] == str(summary["chosen_sites"])
    assert metrics["服务社区 / 需求社区"] == (
        f"{summary['served_communities']} / {summary['demand_communities']}"
    )
    assert metrics["服务户数"] == f"{summary['served_households']:,.0f}"
    assert metrics["平均步行距离(米)"] == f"{summary['mean_distance_m']:.0f}"
    sites = at.tabs[0].dataframe[0].value
    assert sites["用房编号"].tolist() == expected.chosen_sites["site_id"].tolist()
    assert len(at.tabs[1].dataframe[0].value) == len(expected.assignments)
    unserved = at.tabs[2].dataframe[0].value
    assert unserved["社区编号"].tolist() == expected.unserved["community_id"].tolist()
    assert set(unserved["原因"]) <= set(expected.unserved["reason_zh"])
    assert at.get("download_button")

    # language switch: labels change, the run is reused
    calls = []
    from geo_app.workflows import site_selection as module

    original = module.run_site_selection
    monkeypatch.setattr(
        module, "run_site_selection", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    at.radio(key="lang").set_value("en").run()
    assert not at.exception and calls == []
    assert [t.value for t in at.title] == ["Site selection"]
    assert _metrics(at)["Sites chosen"] == str(summary["chosen_sites"])
    assert at.button(key="site_run").label == "Run site selection"
    assert "Site id" in at.tabs[0].dataframe[0].value.columns
    at.radio(key="lang").set_value("zh").run()

    # save as a scenario: it appears in the comparison table
    at.text_input(key="site_save_name").set_value("道外区中心站")
    at.button(key="site_save").click().run()
    assert not at.exception
    assert at.success[0].value == "已保存方案“道外区中心站”到项目。"
    compare = at.dataframe[-1].value
    assert compare["名称"].tolist() == ["道外区中心站"]
    assert compare["区县"].tolist() == ["道外区"]
    assert compare["选定站点数"].tolist() == [summary["chosen_sites"]]

    # set cover in the same district: stale until the click, then the library's numbers
    at.selectbox(key="site_model").set_value("set-cover").run()
    assert at.warning[0].value.startswith("参数已更改")
    at.button(key="site_run").click().run()
    assert not at.exception and calls and calls[-1][1] == "set-cover"
    cover = original(
        Project.open(path), "set-cover", candidates=BOTH, distance_m=500.0, district=DAOWAI, G=G
    )
    metrics = _metrics(at)
    assert metrics["选定站点"] == str(cover.summary["chosen_sites"])
    assert metrics["服务户数"] == f"{cover.summary['served_households']:,.0f}"
    # both scenarios can be compared after saving the second one
    at.text_input(key="site_save_name").set_value("道外区全覆盖")
    at.button(key="site_save").click().run()
    compare = at.dataframe[-1].value
    assert compare["名称"].tolist() == ["道外区中心站", "道外区全覆盖"]
    assert compare["模型"].tolist() == ["第十三条社区中心服务站", "最少站点全覆盖"]


def test_hub_defaults_come_from_the_art13_rule(demo_project_path, monkeypatch):
    # issue 14: the street organises the central station (Art. 13), so the same-street rule is
    # on by default where the project has streets; the walking limit is the rule's 500 m
    at = _app(demo_project_path, monkeypatch)
    assert not at.exception
    assert at.checkbox(key="site_same_street").value is True
    assert at.number_input(key="site_distance").value == 500.0


def test_saved_scenarios_show_harbin_time_and_no_none(demo_project_path, tmp_path, monkeypatch):
    path = tmp_path / "p.gpkg"
    shutil.copy(demo_project_path, path)
    project = Project.open(path)
    selection = run_site_selection(project, "hub", district="道外区")
    save_site_selection(project, selection, "中心站 道外")
    created = project.scenarios()["created"].iloc[-1]
    monkeypatch.setenv(ENV_PROJECT, str(path))
    at = AppTest.from_function(_site_page_with_language, default_timeout=120).run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert local_time(created) in set(shown.iloc[:, 1].astype(str))
    assert not shown.astype(str).isin(["None", "nan"]).any().any()


def _site_page_with_language() -> None:
    from geo_app.app import frame as ui
    from geo_app.app.pages import guarded, site_selection

    ui.language_switch()
    guarded(site_selection.render)()
