"""No text from data is ever evaluated as a template (issue 23, item 1).

branca renders each folium element to text and compiled that text again as a Jinja template, so
a community named ``{{7*7}}`` showed as ``49`` on the HTML report's map, a name reaching Python
objects ran code, and an unbalanced ``{{`` stopped the report with a ``TemplateSyntaxError``.
Here the payloads of :data:`injection.TEMPLATE_PAYLOADS` are imported into a demo copy through
``geo-app import``; the HTML, PDF and Word reports (CLI), the app's report page and every map kind
of the pages must show them literally, and the marker folder that one payload would create must
not appear. The report map's popups are opened in Chromium in ``test_browser_injection.py``.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from injection import KEEP, LITERAL, TEMPLATE_PAYLOADS, assert_nothing_ran, run_cli, shown_literally

from geo_app.project import Project

ROOT = Path(__file__).resolve().parents[2]


def test_branca_elements_keep_their_text():
    """``Element(text)`` (what branca makes of every rendered macro) is not compiled."""
    import folium
    from branca.element import Div, Element

    from geo_app.maps import literal as folium_literal

    assert folium_literal.installed()
    assert Element("{{7*7}} {% if %}").render() == "{{7*7}} {% if %}"
    m = folium.Map(tiles=None)
    folium.Marker([45.7, 126.6], tooltip="{{7*7}}", popup=folium.Popup("{{ 8*8 }}")).add_to(m)
    folium.GeoJson(
        {"type": "Point", "coordinates": [126.6, 45.7]},
        tooltip="{{ 9*9 }}",
        popup=folium.Popup(folium.IFrame("{% if %}"), max_width=200),
    ).add_to(m)
    html = m.get_root().render()
    for text in ("{{7*7}}", "{{ 8*8 }}", "{{ 9*9 }}"):
        assert text in html
    assert not re.search(r"\b(49|64|81)\b", html)
    # the one real template string branca gives an Element still works
    div = Div()
    div.html.add_child(Element("<b>x</b>"))
    assert "<b>x</b>" in div.html.render()


def test_every_module_that_imports_folium_installs_the_guard():
    """A map can only be built after the guard is in place: each module importing folium (or
    branca) imports ``geo_app.maps.literal`` itself or through the map frame."""
    importers = []
    for path in (ROOT / "geo_app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in {"folium", "branca"} for n in names):
                importers.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
                break
    assert len(importers) >= 5
    code = (
        "import importlib, sys\n"
        f"for name in {sorted(set(importers))!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "import branca.element\n"
        "sys.exit(0 if getattr(branca.element.Element, '_geo_app_literal', False) else 3)\n"
    )
    for name in sorted(set(importers)):
        one = code.replace(f"{sorted(set(importers))!r}", repr([name]))
        done = subprocess.run(
            [sys.executable, "-c", one], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{name}: {done.stderr[-500:]}"


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_cli_reports_show_template_payloads_literally(
    template_project, template_env, template_marker, tmp_path, fmt
):
    out = tmp_path / f"report.{fmt}"
    done = run_cli(
        "report",
        str(template_project),
        "--district",
        KEEP,
        "--format",
        fmt,
        "--out",
        str(out),
        env=template_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert_nothing_ran(template_marker)
    if fmt == "html":
        text = out.read_text(encoding="utf-8")
        # in the map's GeoJSON and in the tables
        assert all(shown_literally(p, text) for p in TEMPLATE_PAYLOADS)
    elif fmt == "pdf":
        if not shutil.which("pdftotext"):
            pytest.skip("poppler-utils 未安装 / not installed")
        text = subprocess.run(
            ["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert LITERAL in text.replace(" ", "")
    else:
        with zipfile.ZipFile(out) as zf:
            xml = zf.read("word/document.xml").decode("utf-8")
        assert LITERAL in xml


def test_static_map_prints_mathtext_literally(template_project, tmp_path):
    """A district title with ``$\\undefinedcmd$`` (mathtext) is drawn as text, not parsed."""
    from geo_app.maps import prepare_layers
    from geo_app.maps.export import ExportOptions, export_map

    project = Project.open(template_project)
    views = prepare_layers({"communities": project.layer("communities")}, "zh")
    data = export_map(views, ExportOptions(title=TEMPLATE_PAYLOADS[5] + " 标题"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
