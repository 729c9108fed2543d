"""District site-selection reports (geo_app.reports, ``geo-app report``).

On a copy of the demo project with a saved Art. 13 scenario for 道外区, each format is rendered
once per module: the PDF renders (pdftoppm: no blank page; pdftotext: district, chosen sites,
the numbers of the compliance table; CJK fonts embedded; the table header repeats on the next
page), the Word file opens with python-docx and holds the tables, the HTML holds the offline
map and the tables and loads no script or style from the internet. The English switch (through
the CLI, with the model run now), errors a planner can read, and the pieces with hand-checked
numbers (acquisition modes, Art. 32 heating split, Art. 31 gap counts) are tested too.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from geo_app.cli import main
from geo_app.project import Project, ProjectError
from geo_app.reports import build_report_context, render_report
from geo_app.reports import departments as dep
from geo_app.reports.context import fmt_number, scenarios_for_district
from geo_app.reports.context.costs import cost_table
from geo_app.reports.context.gaps import gap_counts
from geo_app.workflows import filter_compliance, project_compliance, project_standard
from geo_app.workflows.site_selection import SiteSelection, run_site_selection, save_site_selection

DAOWAI = "道外区"
SCENARIO = "道外中心站"
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) 未安装 / not installed"
)


# -- fixtures: one project copy, one context, each format once -----------------------------------
@pytest.fixture(scope="module")
def project_path(demo_project_path, tmp_path_factory) -> Path:
    """A copy of the demo project with the hub scenario of 道外区 saved (1000 m walk, across
    streets)."""
    path = tmp_path_factory.mktemp("reports") / "demo_copy.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    selection = run_site_selection(
        project,
        "hub",
        candidates=("boiler_rooms", "candidate_sites"),
        distance_m=1000.0,
        district=DAOWAI,
        same_street=False,  # across streets (Art. 13 default is the street's own): more sites
    )
    assert len(selection.chosen_sites) >= 2  # the test needs sites to look for
    save_site_selection(project, selection, SCENARIO)
    return path


@pytest.fixture(scope="module")
def context(project_path):
    return build_report_context(Project.open(project_path), DAOWAI, scenario=SCENARIO)


@pytest.fixture(scope="module")
def chosen(project_path) -> pd.DataFrame:
    """The chosen sites as saved in the project (read without the report code)."""
    return pd.DataFrame(Project.open(project_path).scenario_layer(SCENARIO, "chosen_sites"))


@pytest.fixture(scope="module")
def compliance(project_path) -> pd.DataFrame:
    result = project_compliance(Project.open(project_path))
    return filter_compliance(result, ["230104"]).communities


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("report_files")


@pytest.fixture(scope="module")
def pdf(context, out_dir) -> Path:
    return render_report(context, "pdf", out_dir / "daowai.pdf")


@pytest.fixture(scope="module")
def docx_file(context, out_dir) -> Path:
    return render_report(context, "docx", out_dir / "daowai.docx")


@pytest.fixture(scope="module")
def html_file(context, out_dir) -> Path:
    return render_report(context, "html", out_dir / "daowai.html")


def _pdf_pages_text(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


# -- PDF ---------------------------------------------------------------------------------------------
@needs_poppler
def test_pdf_pages_are_not_blank(pdf, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 4
    for page in pages:
        grey = np.asarray(Image.open(page).convert("L"))
        white = float((grey > 250).mean())
        assert white < 0.99, f"{page.name} is blank ({white:.3%} white)"


@needs_poppler
def test_pdf_text_holds_district_sites_and_compliance_numbers(pdf, chosen, compliance):
    text = "".join(_pdf_pages_text(pdf))
    assert "道外区社区用房选址报告" in text
    for site_id, name in zip(chosen["site_id"], chosen["name"], strict=True):
        assert site_id in text
        assert name in text
    # every community of the district with its households, required, provided and shortfall
    flat = re.sub(r"\s+", " ", text)
    for row in compliance.itertuples():
        cells = (
            row.name,
            f"{row.households:,.0f}",
            f"{row.required_m2:,.1f}",
            f"{row.provided_m2:,.1f}",
            f"{row.shortfall_m2:,.1f}",
        )
        pattern = r"\s+(?:\S+\s+){0,3}".join(re.escape(c) for c in cells)
        assert re.search(pattern, flat), f"row of {row.name} not found: {cells}"
    # Art. 13: an idle boiler room is used free; Art. 32 heating split of a core district
    assert "无偿使用闲置锅炉房" in text
    assert "市、区各半" in text


@needs_poppler
def test_pdf_embeds_cjk_fonts_and_repeats_table_headers(pdf):
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts and "Noto-Serif-CJK-SC" in fonts
    pages = _pdf_pages_text(pdf)
    with_header = [i for i, p in enumerate(pages) if "现有面积(平方" in p and "缺口(平方" in p]
    assert len(with_header) >= 2  # 54 communities do not fit one page: the header repeats
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", pages[0])  # page numbers


# -- Word --------------------------------------------------------------------------------------------
def test_docx_opens_and_holds_the_tables(docx_file, compliance, chosen):
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(docx_file))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "三、社区公益用房达标情况" in headings and "五、选址方案" in headings
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in doc.tables}
    header = (
        "社区",
        "街道",
        "建成年代",
        "户数",
        "所需面积(平方米)",
        "现有面积(平方米)",
        "缺口(平方米)",
        "状态",
        "约束性",
        "条款",
        "缺少的功能用房(第八条)",
    )
    assert header in tables
    table = tables[header]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(rows) == len(compliance)
    assert sorted(r[0] for r in rows) == sorted(compliance["name"])
    by_name = {r[0]: r for r in rows}
    for row in compliance.itertuples():
        assert by_name[row.name][6] == f"{row.shortfall_m2:,.1f}"
    sites = next(t for h, t in tables.items() if h[:2] == ("序号", "站点编号"))
    assert [r.cells[1].text for r in sites.rows[1:]] == list(chosen["site_id"])
    # header rows repeat on each page; Chinese has an East Asian font
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    for style in ("Normal", "Heading 1", "Caption"):
        fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("Noto Sans CJK SC", "Noto Serif CJK SC")
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # no theme font overrides it
    assert len(doc.inline_shapes) == 1  # the static map


# -- HTML --------------------------------------------------------------------------------------------
def test_html_holds_offline_map_and_tables(html_file, chosen):
    text = html_file.read_text(encoding="utf-8")
    inner = html.unescape(text)  # the map document sits in the iframe's srcdoc
    assert 'class="map-frame"' in text and "L.map(" in inner
    assert "t-compliance" in text and "t-sites" in text
    for site_id in chosen["site_id"]:
        assert site_id in text
    external = re.findall(r"<(?:script|link|img)[^>]+(?:src|href)=[\"']https?://", inner)
    assert external == []
    assert "leaflet" not in re.findall(r"https?://\S+", inner)


# -- English, run now, CLI, errors -------------------------------------------------------------------
def test_cli_english_report_runs_the_model_now(project_path, tmp_path, capsys):
    out = tmp_path / "daowai_en.html"
    code = main(
        ["report", str(project_path), "--district", "道外", "--out", str(out), "--lang", "en"]
    )
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "1. Summary" in text and "3. Compliance of community housing" in text
    assert "7. Responsible departments (Art. 31)" in text
    assert "一、概要" not in text and "社区公益用房达标情况" not in text
    assert "run with default settings" in text  # no scenario given: the Art. 13 model ran
    assert "Report written" in capsys.readouterr().out


def test_planner_readable_errors(project_path, tmp_path, capsys):
    project = Project.open(project_path)
    with pytest.raises(ProjectError, match="找不到区县.*no district"):
        build_report_context(project, "不存在区")
    with pytest.raises(ProjectError, match=f"找不到选址方案.*{SCENARIO}"):
        build_report_context(project, DAOWAI, scenario="没有这个方案")
    with pytest.raises(ProjectError, match="是为 道外区 做的,不是 南岗区"):
        build_report_context(project, "南岗区", scenario=SCENARIO)
    code = main(
        ["report", str(project_path), "--district", "X区", "--out", str(tmp_path / "a.pdf")]
    )
    assert code == 2 and "找不到区县" in capsys.readouterr().err
    code = main(
        ["report", str(project_path), "--district", DAOWAI, "--out", str(tmp_path / "a.txt")]
    )
    assert code == 2 and "--format" in capsys.readouterr().err
    with pytest.raises(ValueError, match="报告格式"):
        render_report(None, "odt", tmp_path / "a.odt")


def test_scenarios_offered_for_a_district(demo_project_path, project_path):
    none = scenarios_for_district(Project.open(demo_project_path), "230104")
    assert len(none) == 0 and "name" in none.columns  # a project without scenarios
    project = Project.open(project_path)
    assert scenarios_for_district(project, "230104")["name"].tolist() == [SCENARIO]
    assert scenarios_for_district(project, "230103").empty  # made for 道外区 only


def test_district_without_old_gaps_says_no_sites_are_planned(project_path):
    # 平房区 of the demo has no old community below the standard: the Art. 13 model has no demand
    ctx = build_report_context(Project.open(project_path), "平房区")
    assert ctx.scenario_source == "none" and not ctx.has_sites
    assert any("不需要设立第十三条社区中心服务站" in n for n in ctx.notes)
    assert len(ctx.compliance) == 12
    # shown tables are numbered 1, 2, ... without gaps: the empty site tables get no number
    titles = [tb.title for tb in ctx.shown_tables()]
    assert [int(re.match(r"表 (\d+) ", title).group(1)) for title in titles] == list(
        range(1, len(titles) + 1)
    )
    assert ctx.sites.title == ctx.sites.title.lstrip("表 0123456789")


def test_district_where_no_site_is_in_reach_lists_the_unserved(project_path):
    # 香坊区 of the demo: its old communities below the standard have no candidate within 500 m
    ctx = build_report_context(Project.open(project_path), "香坊区")
    assert ctx.scenario_source == "empty" and not ctx.has_sites
    assert len(ctx.unserved) == len(ctx.selection.unserved) > 0
    assert any("500 米内没有" in n for n in ctx.notes)


# -- hand-checked pieces --------------------------------------------------------------------------------
def test_acquisition_modes_follow_art_10_and_13():
    assert dep.acquisition_keys("boiler_rooms", "free", "good", 0.0) == ["boiler_room"]
    assert dep.acquisition_keys("boiler_rooms", None, "poor", 50.0) == [
        "boiler_room",
        "renovate",
        "expand",
    ]
    assert dep.acquisition_keys("candidate_sites", "lease", "fair", 0.0) == ["lease"]
    assert dep.acquisition_keys("candidate_sites", "new", "poor", 80.0) == ["new"]
    assert dep.acquisition_text(["boiler_room"], "en") == (
        "free use of an idle boiler room (Art. 13 para. 2)"
    )
    assert dep.acquisition_text(["transfer", "expand"], "zh") == "划转(第十条)、扩建(第十条)"


def _one_site(area: float) -> SiteSelection:
    empty = pd.DataFrame()
    chosen = pd.DataFrame({"site_id": ["S1"], "usable_area_m2": [area]})
    return SiteSelection("hub", {}, chosen, empty, empty, empty, {})


@pytest.mark.parametrize(
    ("code", "city", "district"),
    [("230104", 4000.0, 4000.0), ("230112", 0.0, 8000.0)],  # 道外: half each; 阿城 pays alone
)
def test_heating_of_new_sites_is_split_by_art_32(project_path, code, city, district):
    project = Project.open(project_path)
    communities = project.layer("communities")
    ids = communities.loc[communities["district_code"].astype(str) == code, "community_id"]
    table, totals = cost_table(
        project, project_standard(project), _one_site(200.0), code, list(ids.astype(str)), "zh"
    )
    # 200 m2 x 40 yuan/m2 (the standard's assumed price) = 8000 yuan a season
    assert totals == {"new_cost": 8000.0, "new_city": city, "new_district": district}
    site = next(r for r in table.rows if "S1" in r[0])
    assert site[1:6] == ["200.0", "40.0", "8,000", fmt_number(city), fmt_number(district)]


def test_gap_counts_by_art_31_field():
    compliance = pd.DataFrame(
        {
            "status": ["below", "below", "compliant"],
            "era": ["old", "new", "old"],
            "missing_rooms": ["police_room,library", "clinic,cultural_room", ""],
        }
    )
    coverage = pd.DataFrame({"nearest_m": [100.0, 700.0, np.nan]})
    centres = pd.DataFrame({"compliant": [True, False]})
    counts = gap_counts(compliance, coverage, centres, None)
    assert counts["area_old"] == 1 and counts["area_new"] == 1
    assert counts["uncovered"] == 2 and counts["street_centre"] == 1
    assert counts["rooms_police"] == 1 and counts["rooms_health"] == 1
    assert counts["rooms_culture"] == 2  # library and cultural room: one field, two stations
    assert counts["rooms_service"] == 0 and counts["boiler_rooms"] == 0


def test_static_map_draws_gaps_and_sites_with_cjk_glyphs(context, tmp_path):
    import warnings

    from analysis.shortfall_classes import shortfall_colours
    from geo_app.maps.static import SITE_COLOUR, render_static_map

    out = tmp_path / "map.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_static_map(context.layers, out, lang="zh", dpi=80)
    assert not [w for w in caught if "missing from" in str(w.message)]  # no tofu boxes
    pixels = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3)
    colours = {tuple(p) for p in np.unique(pixels, axis=0)}

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))

    # communities in their shortfall classes (the colours of every page), and the chosen
    # sites, are drawn
    classes = set(shortfall_colours(context.layers["communities"]["shortfall_m2"]))
    assert len(classes) >= 2
    for colour in (*classes, SITE_COLOUR):
        assert rgb(colour) in colours


def test_bilingual_messages_are_split_by_language():
    from geo_app.reports.context._format import in_lang as _in_lang

    message = "项目中没有候选用房图层(boiler_rooms)/ the project has no candidate layer"
    assert _in_lang(message, "zh") == "项目中没有候选用房图层(boiler_rooms)"
    assert _in_lang(message, "en") == "the project has no candidate layer"
    assert _in_lang("找不到区县 / no district", "en") == "no district"
    assert _in_lang("只有中文", "en") == "只有中文"
