"""No script injection, in the real browser: payloads (``<script>``, ``"><img onerror>``,
``javascript:``) in the text fields of every layer (``tests/injection.py``) are shown as text
and run nothing on the explorer map (every overlay switched on, popups and tooltips opened),
on the compliance page (map, legend, table) and in the HTML report (its map too).

A dialog handler records every ``alert``: any entry fails the test, and so does an element the
payloads would create (an ``img src=x``, a ``javascript:`` link, a script ``alert(1)``).
"""

from __future__ import annotations

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server
from injection import INJECTED_NODES, KEEP, MARKER_ENV, PAYLOADS, TEMPLATE_PAYLOADS, inject

pytestmark = BROWSER_MARKS

SHOW_ALL_OVERLAYS = """() => {
    let n = 0;
    document.querySelectorAll(".leaflet-control-layers-selector").forEach((box) => {
        if (box.type === "checkbox" && !box.checked) { box.click(); n += 1; }
    });
    return n;
}"""

FIND_MAP = """() => {
    if (window.map) { return true; }
    if (!window.L) { return false; }
    const found = Object.values(window).find((v) => v instanceof window.L.Map);
    if (found) { window.map = found; }
    return !!found;
}"""

# hover and click up to ``limit`` features per layer whose data hold a payload, one after the
# other (the tooltip and popup are bound to the layer's GeoJSON group); return what they show
OPEN_PAYLOAD_FEATURES = """([limit, needle]) => {
    const seen = new Map();
    const shown = [];
    const features = [];
    window.map.eachLayer((layer) => {
        if (layer.feature && JSON.stringify(layer.feature.properties).includes(needle)) {
            features.push(layer);
        }
    });
    for (const layer of features) {
        const key = Object.keys(layer._eventParents || {none: 1})[0];
        const count = seen.get(key) || 0;
        if (count >= limit) { continue; }
        seen.set(key, count + 1);
        const latlng = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
        layer.fire("mouseover", {latlng: latlng}, true);
        document.querySelectorAll(".leaflet-tooltip").forEach((t) => shown.push(t.innerText));
        layer.fire("mouseout", {latlng: latlng}, true);
        layer.fire("click", {latlng: latlng}, true);
        document.querySelectorAll(".leaflet-popup-content").forEach((p) => shown.push(p.innerText));
        window.map.closePopup();
    }
    return shown;
}"""


@pytest.fixture(scope="module")
def evil_project(demo_project_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("injection") / "evil.gpkg"
    changed = inject(demo_project_path, path)
    assert changed["communities"] > 100 and changed["facilities"] > 100
    return path


def _watch(page, dialogs: list[str]) -> None:
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))


def _injected_nodes(page) -> list[int]:
    """Totals over the page and all its frames of the elements the payloads would create."""
    totals = [0, 0, 0]
    for frame in page.frames:
        try:
            counts = frame.evaluate(INJECTED_NODES)
        except Exception:  # a frame that navigated away meanwhile
            continue
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return totals


def _shown_payloads(texts: list[str]) -> set[str]:
    return {p for p in PAYLOADS for text in texts if p in text}


def test_explorer_and_compliance_show_payloads_as_text(evil_project, tmp_path):
    dialogs: list[str] = []
    with (
        streamlit_server(evil_project, tmp_path / "streamlit.log") as url,
        chromium_page(1400, 1400) as page,
    ):
        _watch(page, dialogs)
        page.goto(url, wait_until="domcontentloaded")
        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        legend = frame.wait_for_selector(".geo-app-legend-layers", timeout=30_000).inner_text()
        switched = frame.evaluate(SHOW_ALL_OVERLAYS)
        page.wait_for_timeout(3000)  # the switched-on overlays draw
        shown = frame.evaluate(OPEN_PAYLOAD_FEATURES, [12, "alert(1)"])
        page.wait_for_timeout(1000)
        explorer_nodes = _injected_nodes(page)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()

        page.goto(f"{url}/compliance", wait_until="domcontentloaded")
        page.get_by_role("heading", name="达标评估").wait_for(timeout=90_000)
        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        compliance_shown = frame.evaluate(OPEN_PAYLOAD_FEATURES, [12, "alert(1)"])
        page.wait_for_timeout(1500)
        compliance_nodes = _injected_nodes(page)

    assert dialogs == [], f"a payload ran: {dialogs}"
    assert explorer_nodes == [0, 0, 0] and compliance_nodes == [0, 0, 0]
    assert switched >= 1 and len(shown) >= 20 and len(compliance_shown) >= 5
    # shown as the planner typed them, every payload, in popups and tooltips
    assert _shown_payloads(shown) == set(PAYLOADS)
    assert _shown_payloads(compliance_shown) == set(PAYLOADS)
    assert "监控" in legend and "Traceback" not in sidebar


def test_html_report_shows_payloads_as_text(evil_project, tmp_path):
    from geo_app.project import Project
    from geo_app.reports import build_report_context, render_report

    context = build_report_context(Project.open(evil_project), KEEP)
    path = render_report(context, "html", tmp_path / "report.html")
    dialogs: list[str] = []
    with chromium_page(1400, 1400) as page:
        _watch(page, dialogs)
        page.goto(path.as_uri(), wait_until="load")
        body = page.locator("body").inner_text()
        report_map = None
        for _ in range(120):
            report_map = next(
                (f for f in page.frames if f != page.main_frame and f.evaluate(FIND_MAP)),
                None,
            )
            if report_map is not None:
                break
            page.wait_for_timeout(250)
        assert report_map is not None, "the report's interactive map did not load"
        report_map.evaluate(SHOW_ALL_OVERLAYS)
        page.wait_for_timeout(1500)
        shown = report_map.evaluate(OPEN_PAYLOAD_FEATURES, [12, "alert(1)"])
        page.wait_for_timeout(1000)
        nodes = _injected_nodes(page)

    assert dialogs == [], f"a payload ran: {dialogs}"
    assert nodes == [0, 0, 0]
    assert _shown_payloads([body]) >= {PAYLOADS[0], PAYLOADS[1]}  # tables name communities
    assert len(shown) >= 5 and _shown_payloads(shown)


def test_html_report_map_popups_show_template_payloads_literally(
    demo_project_path, tmp_path, monkeypatch
):
    """Issue 23: names such as ``{{7*7}}`` open in the report map's popups and tooltips as
    typed (not ``49``), and the marker payload created nothing while the report was built."""
    from geo_app.project import Project
    from geo_app.reports import build_report_context, render_report

    marker = tmp_path / "TEMPLATE_RAN"
    monkeypatch.setenv(MARKER_ENV, str(marker))
    evil = tmp_path / "evil_template.gpkg"
    inject(demo_project_path, evil, TEMPLATE_PAYLOADS)
    context = build_report_context(Project.open(evil), KEEP)
    path = render_report(context, "html", tmp_path / "report.html")
    assert not marker.exists()
    with chromium_page(1400, 1400) as page:
        page.goto(path.as_uri(), wait_until="load")
        report_map = None
        for _ in range(120):
            report_map = next(
                (f for f in page.frames if f != page.main_frame and f.evaluate(FIND_MAP)),
                None,
            )
            if report_map is not None:
                break
            page.wait_for_timeout(250)
        assert report_map is not None, "the report's interactive map did not load"
        report_map.evaluate(SHOW_ALL_OVERLAYS)
        page.wait_for_timeout(1500)
        shown = report_map.evaluate(OPEN_PAYLOAD_FEATURES, [40, "{{"])
    assert len(shown) >= 5
    literal = [p for p in TEMPLATE_PAYLOADS if any(p in text for text in shown)]
    assert TEMPLATE_PAYLOADS[0] in literal and len(literal) >= 3, shown[:5]
    assert not any(text.startswith("49") for text in shown)
