"""Issue 18, items 3 and 4: honest headline numbers and the planner's language everywhere.

Exports in the UI language with a machine-readable option, percentages, Harbin time, no
"None" on screen, one district list on every page, the coverage headline on the demo, a
reason for every unserved community, and the Art. 11 -> Art. 13 sentence of the report.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis.unserved import UnservedFacts, explain_unserved
from geo_app import present, workflows
from geo_app.cli import main
from geo_app.present import headlines as headlines
from geo_app.present.district_names import district_options
from geo_app.present.export_language import export_lang, localize_frame, zh_number
from geo_app.present.formatting import MISSING, format_share, local_time, plain_number, to_local
from geo_app.project import Project
from geo_app.workflows.site_selection import MODELS, run_site_selection

CODED_ENGLISH = {"urban", "rural", "new", "old", "below", "compliant", "core", "outer", "county"}


@pytest.fixture(scope="module")
def demo(demo_project_path) -> Project:
    return Project.open(demo_project_path)


@pytest.fixture(scope="module")
def compliance(demo):
    return workflows.project_compliance(demo)


# -- exports -------------------------------------------------------------------------------------


def test_localized_csv_has_chinese_headers_and_no_coded_english(compliance):
    data = present.compliance_export_bytes(compliance, "csv", lang="zh")
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert {"社区编号", "名称", "区县类别", "类型", "建成年代", "状态", "缺口(平方米)"} <= set(
        table.columns
    )
    assert not [c for c in table.columns if c.isascii()], "untranslated headers"
    for column in ("区县类别", "类型", "建成年代", "状态", "达标"):
        assert not set(table[column].dropna()) & CODED_ENGLISH, column
    assert set(table["状态"].dropna()) <= {"达标", "未达标", "不适用"}
    assert set(table["建成年代"].dropna()) <= {"老旧小区", "新建小区"}
    assert set(table["条款"].dropna()).isdisjoint({"Art. 11", "Art. 12"})
    english = present.compliance_export_bytes(compliance, "csv", lang="en")
    header = english.decode("utf-8-sig").splitlines()[0]
    assert not header.startswith("community_id") and "below standard" in english.decode("utf-8-sig")


def test_machine_readable_csv_is_the_previous_export(
    compliance, demo_project_path, tmp_path, capsys
):
    raw = present.compliance_export_bytes(compliance, "csv")  # the library default
    assert raw == present.compliance_export_bytes(compliance, "csv", lang="raw")
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:4]) == ["community_id", "name", "district", "district_code"]
    assert {"urban", "below"} <= set(table["kind"]) | set(table["status"])
    # the CLI: localized by default, the old bytes with --machine-readable
    localized, machine = tmp_path / "zh.csv", tmp_path / "raw.csv"
    assert main(["compliance", str(demo_project_path), "--out", str(localized)]) == 0
    args = ["compliance", str(demo_project_path), "--out", str(machine), "--machine-readable"]
    assert main(args) == 0
    capsys.readouterr()
    assert machine.read_bytes() == raw
    assert localized.read_bytes() == present.compliance_export_bytes(compliance, "csv", lang="zh")


def test_localized_xlsx_shares_are_percentages(compliance):
    data = present.compliance_export_bytes(compliance, "xlsx", lang="zh")
    sheet = pd.read_excel(
        io.BytesIO(data), sheet_name=present.COMPLIANCE_SHEET_NAMES["by_district"]
    )
    assert sheet["未达标比例"].astype(str).str.fullmatch(r"\d+\.\d%").all()


def test_export_language_choice():
    assert export_lang("zh") == "zh" and export_lang("en") == "en"
    assert export_lang("zh", machine_readable=True) == "raw" and export_lang("raw") == "raw"
    assert export_lang(None) == "zh"
    frame = pd.DataFrame({"status": ["below"], "message_zh": ["甲"], "message_en": ["a"]})
    assert localize_frame(frame, "raw") is frame
    assert list(localize_frame(frame, "en").iloc[0]) == ["below standard", "a"]
    assert [zh_number(n) for n in (8, 11, 20, 36)] == ["八", "十一", "二十", "三十六"]


# -- percentages, times, blanks ------------------------------------------------------------------


def test_percentage_formatter():
    assert format_share(0.8462) == "84.6%"
    assert format_share(1) == "100.0%" and format_share(0.0) == "0.0%"
    assert format_share(0.12345, digits=2) == "12.35%"
    for blank in (None, float("nan"), pd.NA, "nan", "None"):
        assert format_share(blank) == MISSING
    assert plain_number(1360.0) == "1360" and plain_number(84.6) == "84.6"


def test_times_are_shown_in_asia_shanghai():
    assert local_time("2026-12-06T13:30:00+00:00") == "2026-12-06 21:30"
    assert local_time("2026-12-31T20:15:00") == "2027-01-01 04:15"  # naive = UTC, as stored
    assert local_time(datetime(2026, 6, 1, 0, 0, tzinfo=UTC)) == "2026-06-01 08:00"
    assert to_local("2026-12-06T13:30:00+00:00").utcoffset().total_seconds() == 8 * 3600
    assert local_time(None) == MISSING and local_time("None") == MISSING


# -- one district list ---------------------------------------------------------------------------


def test_district_options_without_a_districts_layer():
    communities = pd.DataFrame({"district_code": ["230102", "230102.0", "999999"]})
    table = district_options(None, communities)
    assert len(table) == 19 and table["district_code"].is_unique
    assert table.set_index("district_code").loc["230102", "communities"] == 2


# -- the coverage headline -----------------------------------------------------------------------


def test_coverage_headline_on_the_demo(demo):
    result = workflows.project_coverage(demo, "community_station", 500.0)
    headline = headlines.coverage_headline(result.communities)
    assert headline.network_communities + headline.estimate_communities == headline.communities
    # 432 generated + 3 of the old-district cluster (layers.demo_cluster: one split in four)
    assert headline.communities == len(demo.layer("communities")) == 435
    assert headline.estimate_communities == 0  # the demo network reaches every community
    assert headline.network_share == pytest.approx(headline.covered_share)
    text = headlines.coverage_headline_text(headline, "zh")
    assert "全部 435 个社区按步行路网测得" in text


def test_coverage_headline_mixed_says_both_counts():
    per = pd.DataFrame(
        {
            "households": [100, 300, 600],
            "covered_households": [100, 0, 600],
            "method": ["network", "euclidean_detour", "network"],
        }
    )
    h = headlines.coverage_headline(per)
    assert (h.network_communities, h.estimate_communities, h.method) == (2, 1, "mixed")
    assert h.covered_share == pytest.approx(0.7) and h.network_share == pytest.approx(1.0)
    text = headlines.coverage_headline_text(h, "zh")
    assert "2 个社区按步行路网测得" in text and "1 个社区" in text and "100.0%" in text


# -- every unserved community has a reason -------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_unserved_community_has_a_reason(demo, model):
    p = 2 if model in ("max-cover", "p-median") else None
    district = "道外区" if model != "max-cover" else "道里区"
    selection = run_site_selection(demo, model, district=district, p=p, time_limit=30)
    unserved = selection.unserved
    assert len(unserved) == selection.summary["unserved_communities"]
    for column in ("reason", "reason_zh", "reason_en"):
        assert unserved[column].astype(str).str.strip().ne("").all(), column
        assert unserved[column].notna().all()
    assert not unserved["reason_zh"].astype(str).str.contains("{", regex=False).any()


def test_reasons_name_the_obstacle():
    cost = sp.csr_matrix(np.array([[0, 0], [300.0, 0], [200.0, 0], [100.0, 400.0]]))
    facts = UnservedFacts(
        cost=cost,
        distance_m=500.0,
        nearest_m=np.array([900.0, 250.0, 150.0, 80.0]),
        site_area=np.array([150.0, 400.0]),
        shortfall=np.array([0.0, 200.0, 200.0, 300.0]),
        site_load=np.array([0.0, 300.0]),
        row_groups=np.array(["s1", "s1", "s2", "s2"]),
        col_groups=np.array(["s2", "s2"]),
    )
    codes = ["no_site_in_reach"] * 4
    table = explain_unserved(np.arange(4), codes, facts)
    assert list(table["reason"]) == [
        "no_site_in_reach",
        "other_street",
        "no_site_large_enough",
        "area_taken_by_others",
    ]
    assert "900 米" in table["reason_zh"][0] and "其他街道" in table["reason_zh"][1]
    assert "150 平方米" in table["reason_zh"][2] and "剩 150 平方米" in table["reason_zh"][3]
    chosen = UnservedFacts(cost=cost, distance_m=500.0, nearest_m=np.full(4, 80.0), p=3)
    text = explain_unserved(np.array([1]), ["not_covered"], chosen)["reason_zh"][0]
    assert "3 处站点" in text


# -- the report links Art. 11 to Art. 13 ---------------------------------------------------------


def test_report_links_the_shortfall_to_the_hub_demand(demo, compliance):
    from analysis.hubs import HubRule

    daowai = workflows.filter_compliance(compliance, ["230104"]).communities
    link = headlines.shortfall_counts(daowai, HubRule())
    below = int((daowai["status"] == "below").sum())
    assert link.below == below
    assert link.hub_demand + link.new_development + link.village + link.other == below
    text = headlines.shortfall_link(daowai, HubRule(), "zh")
    assert text.startswith(f"{below} 个社区用房低于标准") and f"其中 {link.hub_demand} 个" in text
    from geo_app.reports.context import build_report_context

    context = build_report_context(demo, "道外区")
    assert text in context.summary_text


def test_coverage_cli_exports_in_the_planner_language(demo_project_path, tmp_path, capsys):
    base = ["coverage", str(demo_project_path), "--facility-kind", "community_station"]
    localized, machine = tmp_path / "zh.csv", tmp_path / "raw.csv"
    assert main([*base, "--distance", "500", "--out", str(localized)]) == 0
    assert main([*base, "--distance", "500", "--out", str(machine), "--machine-readable"]) == 0
    capsys.readouterr()
    zh = pd.read_csv(localized, encoding="utf-8-sig", dtype=str)
    raw = pd.read_csv(machine, encoding="utf-8-sig", dtype=str)
    assert list(raw.columns[:4]) == [
        "community_id",
        "households",
        "covered_households",
        "covered_share",
    ]
    assert list(zh.columns[:4]) == ["社区编号", "户数", "覆盖户数", "户数覆盖率"]
    assert zh["户数覆盖率"].str.endswith("%").all() and set(zh["已覆盖"]) <= {"是", "否"}
    assert set(zh["计算方法"]) == {"步行路网"} and set(raw["method"]) == {"network"}
