"""The page "区县对比 / Compare" through Streamlit's AppTest on the demo project.

The page's cards and table are compared with :func:`geo_app.workflows.compare.project_district_metrics`
run directly on the same project.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo_app.app.pages import PAGES
from geo_app.project import Project
from geo_app.project.paths import ENV_PROJECT
from geo_app.workflows.compare import default_districts, district_table, project_district_metrics

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def _app(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at._page_hash = calc_hash("compare")  # st.Page hashes its url_path: open it directly
    return at.run()


@pytest.fixture(scope="module")
def expected(demo_project_path):
    project = Project.open(demo_project_path)
    names = default_districts(district_table(project), 2)
    return project_district_metrics(project, names)


def test_page_is_listed(demo_project_path):
    assert "compare" in {p.url_path for p in PAGES}


def test_page_opens_with_the_two_largest_districts(demo_project_path, monkeypatch, expected):
    at = _app(demo_project_path, monkeypatch)
    assert not at.exception
    assert [t.value for t in at.title] == ["区县对比"]
    chosen = at.multiselect(key="compare_districts")
    assert chosen.value == expected.names
    assert len(chosen.value) == 2
    assert "道里区" in chosen.options
    # one card per key metric and district; the households card shows the computed number
    households = [m for m in at.metric if m.label.startswith("户数")]
    assert [m.value for m in households] == [
        f"{expected.metrics.at['households', n]:,.0f}" for n in expected.names
    ]
    rate = [m for m in at.metric if m.label == "用房面积达标率"]
    assert [m.value for m in rate] == [
        f"{expected.metrics.at['compliance_rate', n] * 100:.1f}%" for n in expected.names
    ]
    assert {m.delta for m in rate} == {"第 1 名", "第 2 名"}
    # the full table: one row per metric, a value and a rank column per district
    table = at.dataframe[0].value
    assert len(table) == len(expected.metrics)
    for name in expected.names:
        assert name in table.columns and f"{name}名次" in table.columns
    assert [b.label for b in at.get("download_button")] == ["下载 CSV", "下载 Excel"]


def test_picking_other_districts_and_english(demo_project_path, monkeypatch):
    at = _app(demo_project_path, monkeypatch)
    at.multiselect(key="compare_districts").set_value(["道外区", "平房区", "呼兰区"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"道外区", "平房区", "呼兰区"} <= set(table.columns)
    assert len([m for m in at.metric if m.label.startswith("户数")]) == 3
    at.multiselect(key="compare_districts").set_value(["道外区"]).run()
    assert not at.exception
    assert at.info[0].value == "请至少选择 2 个区县。"
    assert not at.metric
    at.radio(key="lang").set_value("en").run()
    assert [t.value for t in at.title] == ["Compare districts"]
    assert at.info[0].value == "Choose at least 2 districts."
