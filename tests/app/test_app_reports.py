"""The reports page through AppTest on a copy of the demo project with saved scenarios.

The page offers the scenarios made for the chosen district (or the whole project) besides
"run now", generates the report with a progress bar and offers it for download; the summary
numbers shown are those of the report.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo_app.app.pages import PAGES
from geo_app.project import Project
from geo_app.project.paths import ENV_PROJECT
from geo_app.workflows import filter_compliance, project_compliance
from geo_app.workflows.site_selection import run_site_selection, save_site_selection

DAOWAI = "230104"


def _page() -> None:
    from geo_app.app import frame as ui
    from geo_app.app.pages import guarded, reports

    ui.language_switch()
    guarded(reports.render)()


@pytest.fixture(scope="module")
def project_path(demo_project_path, tmp_path_factory) -> Path:
    """Demo copy with hub scenarios for 道外区 and 南岗区."""
    path = tmp_path_factory.mktemp("app_reports") / "demo_copy.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    both = ("boiler_rooms", "candidate_sites")
    hub = run_site_selection(project, "hub", candidates=both, distance_m=1000.0, district=DAOWAI)
    save_site_selection(project, hub, "道外中心站")
    other = run_site_selection(
        project, "hub", candidates=both, distance_m=1000.0, district="南岗区"
    )
    save_site_selection(project, other, "南岗中心站")
    return path


@pytest.fixture
def app(project_path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(project_path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return AppTest.from_function(_page, default_timeout=120).run()


def test_page_is_listed_and_opens_in_chinese(app):
    assert "reports" in {p.url_path for p in PAGES}
    assert not app.exception
    assert [t.value for t in app.title] == ["报告"]
    assert app.selectbox(key="reports_district").value == DAOWAI
    # only the scenario of 道外区 is offered, after "run now"
    scenario = app.selectbox(key="reports_scenario")
    assert scenario.options == ["即时计算(第十三条模型)", "道外中心站"]
    assert app.radio(key="reports_format").value == "html"
    assert app.radio(key="reports_lang_zh").value == "zh"
    assert app.info[0].value.startswith("尚未生成报告")
    assert not app.get("download_button")


def test_generate_a_word_report_and_download_it(app, project_path):
    app.selectbox(key="reports_scenario").set_value("道外中心站")
    app.radio(key="reports_format").set_value("docx")
    app.button(key="reports_generate").click().run()
    assert not app.exception
    assert not app.error
    assert "已生成道外区报告(Word" in app.success[0].value
    buttons = app.get("download_button")
    assert len(buttons) == 1 and buttons[0].label.endswith("道外区_报告.docx")
    summary = app.dataframe[0].value
    values = dict(zip(summary.iloc[:, 0], summary.iloc[:, 1], strict=True))
    communities = filter_compliance(project_compliance(Project.open(project_path)), [DAOWAI])
    totals = communities.totals()
    assert values["社区数"] == str(totals["n_communities"])
    assert values["未达标社区"] == str(totals["n_below"])
    assert values["用房缺口合计(平方米)"] == f"{totals['shortfall_m2']:,.1f}"
    # another district: its own scenario list; the old report is marked as stale
    app.selectbox(key="reports_district").set_value("230103").run()
    assert app.selectbox(key="reports_scenario").options == ["即时计算(第十三条模型)", "南岗中心站"]
    assert any("选项已更改" in w.value for w in app.warning)


def test_english_labels(app):
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Reports"]
    assert app.selectbox(key="reports_scenario").options[0] == "Run now (Art. 13 model)"
    assert app.button(key="reports_generate").label == "Generate report"
    assert app.radio(key="reports_lang_en").value == "en"  # follows the app language
