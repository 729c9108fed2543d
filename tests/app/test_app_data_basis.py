"""The data basis on the pages (issue 25 item 2): undecided verdicts and the readiness panel.

A copy of the demo project whose 道外区 (230104) facilities are removed: its communities
(57 in the demo) have no facility data, so the compliance page counts them undecided (待核实), not below, and
the readiness panel of the compliance and explorer pages names the gap and how to fill it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo_app.project import Project
from geo_app.project.paths import ENV_PROJECT
from geo_app.workflows import project_compliance

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"
DAOWAI = "230104"


@pytest.fixture
def gap_project(demo_project_path, tmp_path) -> Path:
    path = tmp_path / "gap.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    comm = project.layer("communities")
    ids = set(comm.loc[comm["district_code"].astype(str) == DAOWAI, "community_id"])
    fac = project.layer("facilities")
    project.write_layer("facilities", fac[~fac["community_id"].isin(ids)])
    return path


def _page(path: Path, monkeypatch, page: str) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    at = AppTest.from_file(str(ENTRY), default_timeout=180)
    at._page_hash = calc_hash(page)
    return at.run()


def _daowai_count(path: Path) -> int:
    comm = Project.open(path).layer("communities")
    return int((comm["district_code"].astype(str) == DAOWAI).sum())


def test_compliance_page_counts_undecided_apart(gap_project, monkeypatch):
    totals = project_compliance(Project.open(gap_project)).totals()
    n_daowai = _daowai_count(gap_project)
    assert n_daowai >= 50
    assert totals["n_undecided"] == n_daowai  # every 道外 community, and no other
    at = _page(gap_project, monkeypatch, "compliance")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["待核实社区(数据不足)"] == str(n_daowai)
    assert metrics["未达标社区"] == f"{totals['n_below']} / {totals['n_decided']}"
    assert metrics["用房缺口合计(平方米)"] == f"{totals['shortfall_m2']:,.1f}"
    assert any(f"{n_daowai} 个社区待核实" in w.value for w in at.warning)
    panel = [e for e in at.expander if "数据完备情况" in e.label]
    assert panel, "no readiness panel"
    table = panel[0].dataframe[0].value
    assert any("道外区" in text for text in table["情况"])
    assert any("facility-inventory" in text for text in table["如何补齐"])


def test_explorer_panel_and_english(gap_project, monkeypatch):
    at = _page(gap_project, monkeypatch, "explorer")
    assert not at.exception
    assert any("数据完备情况" in e.label for e in at.expander)
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    panel = [e for e in at.expander if "Data readiness" in e.label]
    assert panel and "no facility data" in " ".join(panel[0].dataframe[0].value["what"])


def test_complete_demo_has_no_panel_to_open(demo_project_path, monkeypatch):
    at = _page(demo_project_path, monkeypatch, "explorer")
    assert not at.exception
    assert not [e for e in at.expander if "数据完备情况" in e.label]
    assert any("数据完备" in c.value for c in at.caption)
