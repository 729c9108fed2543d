"""The compliance page: shortfall choropleth, tables, filters, exports (Art. 8, 11, 12, 32, 33, 36).

Unit tests of the pure helpers run on a hand-made world:

==========  ======  =====  ====  ========  ===========================================
community   class   era    hh    provided  expected (Art. 11: core 300, county 200 m2)
==========  ======  =====  ====  ========  ===========================================
C1 (evil)   core    old    900   250       300 required, 50 short
C2          county  old    600   200       200 required, compliant
C3          core    old    700   100       300 required, 200 short
==========  ======  =====  ====  ========  ===========================================

The page itself runs through Streamlit's AppTest on the demo project (``demo_project_path``);
its numbers are compared with :func:`geo_app.workflows.project_compliance`.
"""

from __future__ import annotations

import html
import io
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, box
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

import geo_app.workflows
from analysis.compliance import check_compliance, with_geometry
from geo_app import maps
from geo_app.cli import main
from geo_app.maps import thematic as maps_thematic
from geo_app.present import COMPLIANCE_SHEET_NAMES, compliance_export_bytes, display_table
from geo_app.project import Project
from geo_app.project.paths import ENV_PROJECT
from geo_app.workflows import filter_compliance, project_budgets, project_compliance

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"
EVIL = "<img src=x onerror=alert(1)>"
REQUIRED_COLUMNS = [
    "community_id",
    "district",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "rule_id",
    "article",
    "missing_rooms",
]


# -- a hand-made world -----------------------------------------------------------------------
def small_layers() -> dict[str, gpd.GeoDataFrame]:
    """Two districts (core 道里, county 方正), three communities of the module docstring."""
    districts = gpd.GeoDataFrame(
        {
            "district_code": ["230102", "230124"],
            "name": ["道里区", "方正县"],
            "district_class": ["core", "county"],
        },
        geometry=[box(126.0, 45.7, 126.1, 45.8), box(126.1, 45.7, 126.2, 45.8)],
        crs="EPSG:4326",
    )
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C2", "C3"],
            "name": [EVIL, "乙社区", "丙社区"],
            "street_code": ["S1", "S2", "S1"],
            "district_code": ["230102", "230124", "230102"],
            "kind": ["urban"] * 3,
            "era": ["old"] * 3,
            "management": ["regulated"] * 3,
            "households": [900, 600, 700],
            "population": [2000, 1500, 1600],
        },
        geometry=[
            box(126.01, 45.71, 126.02, 45.72),
            box(126.11, 45.71, 126.12, 45.72),
            box(126.03, 45.71, 126.04, 45.72),
        ],
        crs="EPSG:4326",
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2", "F3"],
            "name": ["一站", "二站", "三站"],
            "kind": ["community_station"] * 3,
            "usable_area_m2": [250.0, 200.0, 100.0],
            "community_id": ["C1", "C2", "C3"],
            "rooms": ["service_hall"] * 3,
        },
        geometry=[Point(126.015, 45.715), Point(126.115, 45.715), Point(126.035, 45.715)],
        crs="EPSG:4326",
    )
    return {"districts": districts, "communities": communities, "facilities": facilities}


@pytest.fixture
def small_result():
    layers = small_layers()
    return check_compliance(
        layers["communities"], layers["facilities"], layers["districts"], standard="harbin-2011"
    )


# -- class breaks and colours ------------------------------------------------------------------
def test_shortfall_breaks_are_the_fixed_bounds_whatever_the_values():
    # the classes come from the standard, not from the communities in view
    assert maps_thematic.shortfall_breaks([0, 10, 20, 30, 40, 50], 2) == [50, 100, 200]
    assert maps_thematic.shortfall_breaks([842, 1277]) == [50, 100, 200]
    assert maps_thematic.shortfall_breaks([0, 0, np.nan]) == [50, 100, 200]


def test_shortfall_class_and_colours():
    classes = maps_thematic.shortfall_class([np.nan, 0, 5, 49.9, 50, 100, 199, 200, 1200])
    assert classes.tolist() == [-1, 0, 1, 1, 2, 3, 3, 4, 4]
    colours = maps_thematic.fill_colours(classes)
    assert colours[0] == maps_thematic.NOT_ASSESSED_COLOUR
    assert colours[1] == maps_thematic.COMPLIANT_COLOUR
    assert colours[2:] == [
        maps_thematic.SHORTFALL_COLOURS[0],
        maps_thematic.SHORTFALL_COLOURS[0],
        maps_thematic.SHORTFALL_COLOURS[1],
        maps_thematic.SHORTFALL_COLOURS[2],
        maps_thematic.SHORTFALL_COLOURS[2],
        maps_thematic.SHORTFALL_COLOURS[3],
        maps_thematic.SHORTFALL_COLOURS[3],
    ]


def test_legend_lists_the_fixed_classes_in_both_languages():
    zh = maps_thematic.legend_entries(lang="zh")
    assert [label for _, label in zh] == [
        "达标(无缺口)",
        "< 50 平方米",
        "50–100 平方米",
        "100–200 平方米",
        "≥ 200 平方米",
        "未评估",
    ]
    en = maps_thematic.legend_entries(lang="en")
    assert [label for _, label in en] == [
        "compliant (no shortfall)",
        "< 50 m2",
        "50–100 m2",
        "100–200 m2",
        "≥ 200 m2",
        "not assessed",
    ]
    # the breaks of older callers change nothing: one legend everywhere
    assert maps_thematic.legend_html([20, 50], "zh") == maps_thematic.legend_html(lang="zh")
    assert "用房缺口" in maps_thematic.legend_html(lang="zh")


def test_choropleth_popups_are_escaped_and_carry_the_numbers(small_result):
    table = small_result.communities
    assert table.set_index("community_id")["shortfall_m2"].to_dict() == {
        "C1": 50.0,
        "C2": 0.0,
        "C3": 200.0,
    }
    shapes = with_geometry(table, small_layers()["communities"])
    view, breaks = maps_thematic.prepare_shortfall(shapes, "zh", n_classes=2)
    assert breaks == [50, 100, 200]  # fixed classes, n_classes is ignored
    props = {f["properties"]["f0"]: f["properties"] for f in view.geojson["features"]}
    evil = props["C1"]
    assert evil["_name"] == html.escape(EVIL)
    assert "&lt;img" in evil["_tip"] and "<img" not in evil["_tip"]
    assert "缺口(平方米) 50 平方米" in evil["_tip"]
    values = {k: v for k, v in evil.items() if k.startswith("f")}
    labels = dict(zip([f"f{i}" for i in range(len(view.labels))], view.labels, strict=True))
    shown = {labels[k]: v for k, v in values.items()}
    assert shown["应有面积(平方米)"] == "300 平方米"
    assert shown["现有面积(平方米)"] == "250 平方米"
    assert shown["缺口(平方米)"] == "50 平方米"
    assert shown["条款"] == "Art. 11"
    assert shown["状态"] == "未达标"
    # colours: C2 compliant (green), C1 (50 m2) the 50-100 class, C3 (200 m2) the last class
    assert props["C2"]["_fill"] == maps_thematic.COMPLIANT_COLOUR
    assert props["C1"]["_fill"] == maps_thematic.SHORTFALL_COLOURS[1]
    assert props["C3"]["_fill"] == maps_thematic.SHORTFALL_COLOURS[-1]

    cited, _ = maps_thematic.prepare_shortfall(shapes, "zh", standard=small_result.standard)
    popup = cited.geojson["features"][0]["properties"]
    assert "第十一条第二款" in popup.values() and "社区公益用房使用面积" in popup.values()

    m = maps_thematic.shortfall_map(view, breaks, "zh", assets="inline")
    page = m.get_root().render()
    legends = [c for c in m._children.values() if isinstance(c, maps.Legend)]
    assert len(legends) == 1
    assert "用房缺口" in legends[0].html and "100–200 平方米" in legends[0].html
    assert html.escape(EVIL) in page or "&amp;lt;img" in page or "\\u0026lt;img" in page
    assert EVIL not in page  # only its escaped text is in the page
    assert "unpkg" not in page and "cdn.jsdelivr" not in page  # Leaflet inlined, offline


def test_english_popups(small_result):
    shapes = with_geometry(small_result.communities, small_layers()["communities"])
    view, _ = maps_thematic.prepare_shortfall(shapes, "en")
    labels = [html.unescape(label) for label in view.labels]
    # popup labels read as labels, not as field names (issue 25, item 4)
    assert "Shortfall (m2)" in labels and "Article" in labels and "District" in labels
    tips = [f["properties"]["_tip"] for f in view.geojson["features"]]
    assert "丙社区: shortfall (m2) 200 m2" in tips


# -- tables and exports --------------------------------------------------------------------------
def test_display_table_has_chinese_headers_and_labels(small_result):
    zh = display_table(small_result.communities, "zh", geo_app.present.COMPLIANCE_COLUMNS)
    assert list(zh.columns[:3]) == ["社区编号", "名称", "区县"]
    assert "缺口(平方米)" in zh.columns and "条款" in zh.columns
    assert sorted(zh["状态"]) == ["未达标", "未达标", "达标"]
    assert set(zh["建成年代"]) == {"老旧小区"}
    assert zh["缺口(平方米)"].dtype.kind == "f"  # numbers stay numbers: the table sorts
    en = display_table(small_result.communities, "en", geo_app.present.COMPLIANCE_COLUMNS)
    assert "shortfall (m2)" in en.columns
    assert sorted(en["status"]) == ["below standard", "below standard", "compliant"]
    # with the standard, articles are cited in Chinese and rules by their titles
    cited = display_table(small_result.communities, "zh", standard=small_result.standard)
    assert set(cited["条款"]) == {"第十一条第二款"}
    assert set(cited["规则"]) == {"社区公益用房使用面积"}
    cited_en = display_table(small_result.communities, "en", standard=small_result.standard)
    assert set(cited_en["article"]) == {"Art. 11"}
    assert set(cited_en["rule"]) == {"Usable area of community public-benefit housing"}
    issues = display_table(small_result.issues(), "zh")
    assert "说明" in issues.columns and "message_zh" not in issues.columns
    assert issues["说明"].str.contains("缺 50 平方米").any()


def test_filter_compliance_narrows_every_table(small_result):
    view = filter_compliance(small_result, districts=["230102"])
    assert sorted(view.communities["community_id"]) == ["C1", "C3"]
    assert view.totals()["n_below"] == 2 and view.totals()["shortfall_m2"] == 250.0
    assert view.by_district["district_code"].tolist() == ["230102"]
    by_name = filter_compliance(small_result, districts=["方正"])  # name without 县
    assert by_name.communities["community_id"].tolist() == ["C2"]
    assert by_name.totals()["n_below"] == 0
    street = filter_compliance(small_result, streets=["S2"])
    assert street.communities["community_id"].tolist() == ["C2"]
    assert filter_compliance(small_result) is small_result


def test_csv_export_bytes_are_readable_with_the_required_columns(small_result):
    data = compliance_export_bytes(small_result, "csv")
    assert data.startswith("\ufeff".encode())  # BOM: Excel shows the Chinese names
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"community_id": str})
    assert set(REQUIRED_COLUMNS) <= set(frame.columns)
    assert len(frame) == 3
    assert frame.set_index("community_id").loc["C1", "name"] == EVIL
    assert frame["shortfall_m2"].sum() == 250.0
    with pytest.raises(ValueError, match="csv 或 xlsx"):
        compliance_export_bytes(small_result, "pdf")


def test_xlsx_export_matches_the_cli_workbook(demo_project_path, tmp_path, capsys):
    project = Project.open(demo_project_path)
    result = project_compliance(project)
    stars, heating = project_budgets(project)
    data = compliance_export_bytes(result, "xlsx", stars=stars, heating=heating)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames[0] == "社区达标"
    assert {"星级奖励", "供暖费用", "问题清单", "规则参数"} <= set(book.sheetnames)
    sheet = pd.read_excel(io.BytesIO(data), sheet_name="社区达标")
    assert set(REQUIRED_COLUMNS) <= set(sheet.columns)
    assert len(sheet) == len(result.communities)
    assert round(sheet["shortfall_m2"].sum(), 1) == result.totals()["shortfall_m2"]
    # the CLI writes the same workbook through the same writer
    out = tmp_path / "cli.xlsx"
    assert (
        main(["compliance", str(demo_project_path), "--out", str(out), "--machine-readable"]) == 0
    )
    capsys.readouterr()
    for key in ("communities", "by_district", "heating"):
        name = COMPLIANCE_SHEET_NAMES[key]
        pd.testing.assert_frame_equal(
            pd.read_excel(out, sheet_name=name), pd.read_excel(io.BytesIO(data), sheet_name=name)
        )


# -- the page through AppTest ---------------------------------------------------------------------
def _app(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at._page_hash = calc_hash("compliance")  # st.Page hashes its url_path: open it directly
    return at.run()


@pytest.fixture
def app(demo_project_path, monkeypatch) -> AppTest:
    """The compliance page on the demo project, after its first run."""
    return _app(demo_project_path, monkeypatch)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


TABLES = ("communities", "by_street", "by_district", "issues", "stars", "star_streets", "heating")
"""The page's dataframes in page order (AppTest does not expose dataframe keys)."""


def _table(at: AppTest, name: str = "communities") -> pd.DataFrame:
    return at.dataframe[TABLES.index(name)].value


def test_page_opens_in_chinese_with_the_project_numbers(app, demo_project_path):
    assert not app.exception
    assert [t.value for t in app.title] == ["达标评估"]
    assert app.selectbox(key="compliance_standard").value == "harbin-2011"
    totals = project_compliance(Project.open(demo_project_path)).totals()
    metrics = _metrics(app)
    assert metrics["未达标社区"] == f"{totals['n_below']} / {totals['n_assessed']}"
    assert metrics["用房缺口合计(平方米)"] == f"{totals['shortfall_m2']:,.1f}"
    assert metrics["功能用房不全的服务站"] == str(totals["n_missing_rooms"])
    assert metrics["不足 1000 平方米的街道中心"] == str(totals["n_street_centres_below"])
    assert metrics["不达标的村"] == str(totals["n_rural_below"])
    table = _table(app)
    assert len(table) == totals["n_communities"]
    assert {"社区编号", "应有面积(平方米)", "现有面积(平方米)", "缺口(平方米)", "条款"} <= set(
        table.columns
    )
    assert set(table["状态"]) <= {"达标", "未达标", "不适用"}
    assert {"第十一条第二款", "第十二条第一款"} <= set(table["条款"])
    assert [tab.label for tab in app.tabs] == [
        "街道汇总",
        "区县汇总",
        "问题清单",
        "星级奖励(第三十三条)",
        "供暖费用(第三十二条)",
        "一居一站、治安与星级届次",
    ]


def test_filters_narrow_the_table_and_the_metrics(app, demo_project_path):
    result = project_compliance(Project.open(demo_project_path))
    daoli = result.communities[result.communities["district_code"] == "230102"]
    assert 0 < len(daoli) < len(result.communities)
    app.multiselect(key="compliance_districts").set_value(["230102"]).run()
    assert not app.exception
    table = _table(app)
    assert len(table) == len(daoli) and set(table["区县"]) == {"道里区"}
    expected = filter_compliance(result, ["230102"]).totals()
    assert _metrics(app)["未达标社区"] == f"{expected['n_below']} / {expected['n_assessed']}"
    assert _metrics(app)["用房缺口合计(平方米)"] == f"{expected['shortfall_m2']:,.1f}"
    # the street filter offers only the streets of the chosen district
    street_filter = app.multiselect(key="compliance_streets")
    assert len(street_filter.options) == daoli["street_code"].nunique()
    street = daoli["street_code"].iloc[0]
    street_filter.set_value([street]).run()
    assert not app.exception
    assert len(_table(app)) == int((daoli["street_code"] == street).sum())
    by_district = _table(app, "by_district")
    assert by_district.iloc[:, 0].tolist() == ["230102"]


def test_language_switch(app):
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Compliance"]
    assert "Communities below standard" in _metrics(app)
    table = _table(app)
    assert "shortfall (m2)" in table.columns
    assert set(table["status"]) <= {"compliant", "below standard", "not applicable"}
    assert app.multiselect(key="compliance_districts").label == "Districts"


def test_standard_choice_changes_the_numbers(app, demo_project_path):
    app.selectbox(key="compliance_standard").set_value("complete-community-2022").run()
    assert not app.exception
    totals = project_compliance(Project.open(demo_project_path), "complete-community-2022").totals()
    assert _metrics(app)["未达标社区"] == f"{totals['n_below']} / {totals['n_assessed']}"
    assert _metrics(app)["用房缺口合计(平方米)"] == f"{totals['shortfall_m2']:,.1f}"
    # a standard without area rules says so instead of showing zeros silently
    app.selectbox(key="compliance_standard").set_value("gb50180-2018").run()
    assert not app.exception
    assert any("gb50180-2018" in i.value for i in app.info)


def test_reruns_use_the_cached_computation(app, monkeypatch):
    calls = []
    original = geo_app.workflows.project_compliance

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(geo_app.workflows, "project_compliance", counting)
    app.multiselect(key="compliance_districts").set_value(["230103"]).run()
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert calls == []


def test_input_problems_are_a_table_not_a_traceback(demo_project_path, tmp_path, monkeypatch):
    path = tmp_path / "bad.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    communities = project.layer("communities")
    communities["households"] = communities["households"].astype(float)
    communities.loc[communities.index[[2, 5]], "households"] = [-10.0, np.nan]
    project.write_layer("communities", communities)
    at = _app(path, monkeypatch)
    assert not at.exception
    # a blank count is no input problem (issue 26 item 6: only rows that need it are undecided)
    assert "1 处问题" in at.error[0].value
    problems = at.dataframe[0].value
    assert problems["行"].tolist() == [3]
    assert problems["字段"].tolist() == ["households"]
    assert problems["说明"].str.contains("不能为负数").any()


def test_page_shows_strictness_and_the_art33_two_failed_terms(app, demo_project_path):
    # issue 14: which shortfalls are binding (required) and which are targets, and the
    # communities below the star standard in two consecutive terms (the demo has ratings)
    result = project_compliance(Project.open(demo_project_path))
    totals = result.totals()
    assert totals["n_two_failed_terms"] > 0
    assert _metrics(app)["连续两届未达星级"] == str(totals["n_two_failed_terms"])
    table = _table(app)
    below = table[table["状态"] == "未达标"]
    expected = result.communities.loc[result.communities["status"] == "below", "strictness"]
    labels = {"required": "强制", "target": "目标"}
    assert sorted(below["约束性(强制/目标)"]) == sorted(expected.map(labels))
    assert int(table["连续两届未达星级"].astype("boolean").sum()) == totals["n_two_failed_terms"]
    terms = [d.value for d in app.dataframe if "连续两届未达标" in d.value.columns]
    assert len(terms) == 1
    assert int(terms[0]["连续两届未达标"].astype(bool).sum()) == totals["n_two_failed_terms"]
