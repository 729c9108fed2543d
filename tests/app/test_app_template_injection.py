"""No text from data is ever a template on the app's pages (issue 23, item 1): the payloads of
:data:`injection.TEMPLATE_PAYLOADS`, imported through ``geo-app import``
(``tests/geo_app_tests/test_template_injection.py``), are shown literally by the reports page and by
the page maps as the app renders them, and the marker folder of one payload never appears."""

from __future__ import annotations

import re
from pathlib import Path

from injection import (
    KEEP,
    LITERAL,
    MARKER_ENV,
    TEMPLATE_PAYLOADS,
    TEXT_FIELDS,
    assert_nothing_ran,
    shown_literally,
)

from geo_app.project import Project


def test_app_report_page_shows_template_payloads_literally(
    template_project, template_marker, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    from geo_app.project.paths import ENV_PROJECT

    monkeypatch.setenv(ENV_PROJECT, str(template_project))
    monkeypatch.setenv(MARKER_ENV, str(template_marker))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")

    def page() -> None:
        from geo_app.app import frame as ui
        from geo_app.app.pages import guarded, reports

        ui.language_switch()
        guarded(reports.render)()

    app = AppTest.from_function(page, default_timeout=300).run()
    app.selectbox(key="reports_district").set_value("230104")
    app.radio(key="reports_format").set_value("html")
    app.button(key="reports_generate").click().run()
    assert not app.exception
    assert not app.error
    from geo_app.app.pages import reports

    files = [f for built in reports._built_reports().values() for f in built.files.values()]
    assert files, "the page rendered no report"
    text = files[-1].decode("utf-8")
    assert all(shown_literally(p, text) for p in TEMPLATE_PAYLOADS)
    assert_nothing_ran(template_marker)


def test_page_maps_show_template_payloads_literally(template_project, template_marker, monkeypatch):
    """Explorer, compliance, coverage and site-selection maps as the pages render them."""
    from geo_app import maps
    from geo_app.app.map_component import render_map
    from geo_app.workflows import project_compliance

    monkeypatch.setenv(MARKER_ENV, str(template_marker))
    project = Project.open(template_project)
    layers = {name: project.layer(name) for name in TEXT_FIELDS if project.has_layer(name)}
    rendered = render_map(maps.explorer_map(layers, basemap="offline", assets="inline"))
    shown = rendered.script + rendered.header + rendered.html
    assert all(shown_literally(p, shown) for p in TEMPLATE_PAYLOADS)
    # the report map, fully rendered (the path where branca compiled the text again)
    from geo_app.reports import build_report_context, render_report

    context = build_report_context(project, KEEP)
    out = render_report(context, "html", Path(template_marker).parent / "page.html")
    assert LITERAL in out.read_text(encoding="utf-8")
    assert project_compliance(project).communities["name"].str.contains(re.escape(LITERAL)).any()
    assert_nothing_ran(template_marker)
