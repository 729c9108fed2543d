"""The coverage page: project workflows (hand-made project), the page through AppTest (demo).

The hand-made project has no walking network, so distances are straight line x 1.3 and every
number is computed by hand. The page tests compare the page's numbers with the library called
with the same arguments on the demo project.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box
from streamlit.testing.v1 import AppTest

from analysis.gaps import gap_analysis
from geo_app import present, workflows
from geo_app.app.pages import PAGES
from geo_app.cli import coverage as cli_coverage
from geo_app.project import Project, ProjectError
from geo_app.project.paths import ENV_PROJECT
from geo_app.workflows.site_selection import run as site_selection

CRS = "EPSG:4551"
X0, Y0 = 546_700.0, 5_067_000.0


def _frame(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=CRS).to_crs("EPSG:4326")


def _square(x: float, y: float, half: float = 50.0):
    return box(X0 + x - half, Y0 + y - half, X0 + x + half, Y0 + y + half)


@pytest.fixture
def tiny_project(tmp_path) -> Path:
    """Old communities A (x = 0), B (300 m), C (2000 m), D (2600 m) of 道里区; station f1
    (300 m2) in A, station f2 (300 m2) in D.

    At 500 m (straight line x 1.3): A (0 m) and B (390 m) reach f1, D reaches f2; C is 780 m
    from f2: uncovered. 2SFCA: f1 shares 300 m2 among A + B = 300 households -> 100 m2 per
    100 households for A and B; f2 shares 300 m2 among D's 400 households -> 75; C gets 0.
    """
    path = tmp_path / "tiny.gpkg"
    communities = _frame(
        [_square(0, 0), _square(300, 0), _square(2000, 0), _square(2600, 0)],
        community_id=["A", "B", "C", "D"],
        name=["甲社区", "乙社区", "丙社区", "丁社区"],
        street_code=["230102001", "230102001", "230102002", "230102002"],
        district_code=["230102"] * 4,
        kind=["urban"] * 4,
        era=["old"] * 4,
        management=["basic"] * 4,
        households=[100, 200, 300, 400],
        population=[250, 500, 750, 1000],
    )
    facilities = _frame(
        [Point(X0, Y0), Point(X0 + 2600, Y0)],
        facility_id=["f1", "f2"],
        name=["一号站", "二号站"],
        kind=["community_station"] * 2,
        usable_area_m2=[300.0, 300.0],
        community_id=["A", "D"],
        rooms=["service_hall"] * 2,
    )
    districts = _frame(
        [box(X0 - 1000, Y0 - 1000, X0 + 4000, Y0 + 1000)],
        district_code=["230102"],
        name=["道里区"],
        district_class=["core"],
    )
    project = Project.create(path)
    project.write_layers(
        {"communities": communities, "facilities": facilities, "districts": districts}
    )
    return path


# -- workflows ---------------------------------------------------------------------------------
def test_project_helpers_have_one_definition():
    assert cli_coverage.project_coverage is workflows.project_coverage
    assert cli_coverage.project_network is workflows.project_network
    assert cli_coverage.walking_speed is workflows.walking_speed
    assert site_selection.project_network is workflows.project_network


def test_project_coverage_and_metrics_by_hand(tiny_project):
    project = Project.open(tiny_project)
    assert workflows.project_network(project) is None
    result = workflows.project_coverage(project, "community_station", 500.0)
    per = result.communities.set_index("community_id")
    assert per["covered"].to_dict() == {"A": True, "B": True, "C": False, "D": True}
    assert per.loc["C", "nearest_m"] == pytest.approx(780.0, abs=0.5)
    metrics = workflows.coverage_metrics(result)
    assert metrics["households"] == 1000 and metrics["covered_households"] == 700
    assert metrics["uncovered_households"] == 300
    assert metrics["covered_share"] == pytest.approx(0.7)
    assert (metrics["communities"], metrics["covered_communities"]) == (4, 3)
    assert metrics["method"] == "euclidean_detour"
    assert metrics["fallback_communities"] == 4
    assert metrics["isochrones"] == 2
    with pytest.raises(ProjectError, match="未知设施类型.*unknown facility kind"):
        workflows.project_coverage(project, "kiosk", 500.0)


def test_project_accessibility_by_hand(tiny_project):
    table = workflows.project_accessibility(Project.open(tiny_project), "community_station", 500.0)
    assert list(table["community_id"]) == ["C", "D", "A", "B"]  # lowest accessibility first
    by_id = table.set_index("community_id")
    assert by_id["accessibility_per_100"].to_dict() == pytest.approx(
        {"A": 100.0, "B": 100.0, "C": 0.0, "D": 75.0}
    )
    assert by_id.loc["A", "name"] == "甲社区" and by_id.loc["C", "district_code"] == "230102"
    assert by_id["facilities_in_reach"].to_dict() == {"A": 1, "B": 1, "C": 0, "D": 1}


def test_project_gaps_by_hand(tiny_project):
    project = Project.open(tiny_project)
    coverage = workflows.project_coverage(project, "community_station", 500.0)
    access = workflows.project_accessibility(project, "community_station", 500.0)
    compliance = workflows.project_compliance(project).communities.set_index("community_id")
    # Art. 11 core district: 300 m2 per community; A and D have their own 300 m2 station
    assert compliance["shortfall_m2"].to_dict() == {"A": 0.0, "B": 300.0, "C": 300.0, "D": 0.0}
    result = workflows.project_gaps(project, coverage, access)
    table = result.communities.set_index("community_id")
    # default weights 0.5 / 0.3 / 0.2: A, D 0 (75 m2 per 100 households is above 20);
    # B area 1 -> 0.5; C area, coverage, access all 1 -> 1
    assert table["priority"].to_dict() == pytest.approx({"A": 0.0, "B": 0.5, "C": 1.0, "D": 0.0})
    assert list(result.communities["community_id"][:2]) == ["C", "B"]
    only_coverage = workflows.project_gaps(
        project, coverage, access, weights={"area": 0, "coverage": 1, "access": 0}
    )
    priority = only_coverage.communities.set_index("community_id")["priority"]
    assert priority.to_dict() == pytest.approx({"A": 0.0, "B": 0.0, "C": 1.0, "D": 0.0})


def test_planning_table_labels_and_formats(tiny_project):
    result = workflows.project_coverage(Project.open(tiny_project), "community_station", 500.0)
    zh = present.planning_table(
        result.communities, "zh", workflows.COVERAGE_COMMUNITY_COLUMNS
    ).set_index("社区编号")
    assert zh.loc["B", "户数覆盖率(%)"] == 100.0 and zh.loc["C", "户数覆盖率(%)"] == 0.0
    assert zh.loc["C", "计算方法"] == "直线 × 1.3"
    assert zh.loc["C", "最近设施步行距离(米)"] == pytest.approx(780.0, abs=0.5)
    en = present.planning_table(result.districts, "en", workflows.COVERAGE_AREA_COLUMNS)
    assert list(en.columns[:3]) == ["District code", "Name", "Communities"]
    assert en["Households covered (%)"].tolist() == [70.0]
    assert en["Method"].tolist() == ["Straight line × 1.3"]


# -- the page (AppTest) ------------------------------------------------------------------------
def _page() -> None:
    from geo_app.app import frame as ui
    from geo_app.app.pages import coverage, guarded

    ui.language_switch()
    guarded(coverage.render)()


def _app(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return AppTest.from_function(_page, default_timeout=120).run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _tab_table(at: AppTest, tab: int, index: int = 0) -> pd.DataFrame:
    """District, street, community, accessibility, gaps."""
    return at.tabs[tab].dataframe[index].value


def test_page_is_listed_and_opens_in_chinese(demo_project_path, monkeypatch):
    assert "coverage" in {p.url_path for p in PAGES}
    at = _app(demo_project_path, monkeypatch)
    assert not at.exception
    assert [t.value for t in at.title] == ["覆盖分析"]
    assert at.selectbox(key="coverage_kind").value == "community_station"
    assert (
        at.selectbox(key="coverage_kind")
        .format_func("community_station")
        .startswith("社区服务工作站")
    )
    assert at.selectbox(key="coverage_circle").value == "10"
    assert at.number_input(key="coverage_distance").disabled
    assert at.info[0].value.startswith("尚未分析")
    assert not at.metric


def test_run_shows_the_library_numbers(demo_project_path, monkeypatch):
    at = _app(demo_project_path, monkeypatch)
    at.button(key="coverage_run").click().run()
    assert not at.exception
    project = Project.open(demo_project_path)
    expected = workflows.project_coverage(project, "community_station", 500.0)
    metrics = workflows.coverage_metrics(expected)
    shown = _metrics(at)
    assert shown["户数覆盖率"] == f"{metrics['covered_share']:.1%}"
    assert shown["未覆盖户数"] == f"{metrics['uncovered_households']:,.0f}"
    assert shown["覆盖社区 / 社区总数"] == (
        f"{metrics['covered_communities']} / {metrics['communities']}"
    )
    # the demo's network reaches every community (was "mixed" with 233 estimated, issue 18)
    assert metrics["method"] == "network" and shown["距离计算方法"] == "步行路网"
    assert metrics["fallback_communities"] == 0
    assert shown["路网测得部分覆盖率"] == shown["户数覆盖率"]
    method = next(m for m in at.metric if m.label == "路网测得部分覆盖率")
    assert method.delta == f"路网 {metrics['communities']} 个 · 直线估算 0 个"
    assert any("步行路网计算" in i.value for i in at.info)  # the method is stated
    assert any(f"全部 {metrics['communities']} 个社区按步行路网测得" in i.value for i in at.info)
    districts = _tab_table(at, 0)
    assert len(districts) == len(expected.districts)
    assert districts["覆盖户数"].sum() == expected.districts["covered_households"].sum()
    assert len(_tab_table(at, 1)) == len(expected.streets)
    communities = _tab_table(at, 2)
    assert len(communities) == len(expected.communities)
    assert (communities["已覆盖"] == "否").sum() == len(expected.uncovered)
    access = workflows.project_accessibility(project, "community_station", 500.0)
    shown_access = _tab_table(at, 3)
    assert shown_access["每百户可达面积(平方米)"].tolist() == pytest.approx(
        access["accessibility_per_100"].round(1).tolist()
    )
    gaps = workflows.project_gaps(project, expected, access)
    shown_gaps = _tab_table(at, 4)
    assert shown_gaps["社区编号"].tolist() == gaps.communities["community_id"].tolist()
    assert any("面积缺口 0.5 · 覆盖缺口 0.3 · 可达性 0.2" in m.value for m in at.markdown)

    # new weights re-rank at once (no new coverage run); same as gap_analysis with them
    calls = []
    original = workflows.project_coverage
    monkeypatch.setattr(
        workflows, "project_coverage", lambda *a, **k: calls.append(k) or original(*a, **k)
    )
    at.slider(key="coverage_w_area").set_value(0.0)
    at.slider(key="coverage_w_coverage").set_value(1.0)
    at.slider(key="coverage_w_access").set_value(0.0).run()
    assert not at.exception and calls == []
    compliance = workflows.project_compliance(project).communities
    reweighted = gap_analysis(
        compliance,
        pd.DataFrame(expected.communities),
        access,
        weights={"area": 0.0, "coverage": 1.0, "access": 0.0},
    )
    shown_gaps = _tab_table(at, 4)
    assert shown_gaps["社区编号"].tolist() == reweighted.communities["community_id"].tolist()
    assert shown_gaps["优先级"].tolist() == pytest.approx(
        reweighted.communities["priority"].round(3).tolist()
    )

    # the language switch reuses the result
    at.radio(key="lang").set_value("en").run()
    assert not at.exception and calls == []
    assert [t.value for t in at.title] == ["Coverage"]
    assert _metrics(at)["Households covered"] == f"{metrics['covered_share']:.1%}"
    assert at.button(key="coverage_run").label == "Run analysis"
    assert "Households covered (%)" in _tab_table(at, 0).columns

    # street centres within 5 minutes, split: stale until the click, then the library's numbers
    at.selectbox(key="coverage_kind").set_value("street_centre")
    at.selectbox(key="coverage_circle").set_value("5")
    at.radio(key="coverage_overlap").set_value("split").run()
    assert calls == [] and at.warning[0].value.startswith("The parameters changed")
    at.button(key="coverage_run").click().run()
    assert not at.exception and len(calls) == 1 and calls[0]["overlap"] == "split"
    street = workflows.coverage_metrics(original(project, "street_centre", 300.0))
    assert _metrics(at)["Households covered"] == f"{street['covered_share']:.1%}"
    assert any("300 m" in c.value for c in at.caption)


def test_project_without_network_says_so(tiny_project, monkeypatch):
    at = _app(tiny_project, monkeypatch)
    at.selectbox(key="coverage_circle").set_value("custom").run()
    at.number_input(key="coverage_distance").set_value(400.0)
    at.button(key="coverage_run").click().run()
    assert not at.exception
    assert any("项目没有步行路网" in w.value for w in at.warning)
    # 400 m: B is 390 m away, still covered
    assert _metrics(at)["户数覆盖率"] == "70.0%"
    assert _metrics(at)["距离计算方法"] == "直线 × 1.3"
