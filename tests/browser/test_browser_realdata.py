"""Every page of the app in a real browser on real data and on empty data (issue 25, item 1).

Two projects a planner really meets, each served by the app and opened page by page in headless
Debian Chromium (no internet):

* the project ``geo-app import-osm`` builds from the central-Harbin OpenStreetMap extract
  (``../shared/data/harbin/harbin.osm.pbf``): its layers are typed "Unknown" in the GeoPackage
  (polygons and multipolygons, points and polygons mixed), which once crashed the map pages
  with ``KeyError: 'coordinates'``;
* a project whose layers are all present and empty (:mod:`empty_project`).

Every page must open without a traceback (the test suite lets a page's bug through with its
traceback, ``GEO_APP_SHOW_TRACEBACKS=1``, so a bug shows here) and without the "program error"
message a planner would see instead; the map pages (explorer, compliance; coverage and site
selection after a run) draw their Leaflet map. Screenshots: ``/tmp/geo_app_realdata_*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server
from empty_project import write_empty_project

from geo_app.app.pages import PAGES
from geo_app.cli import main
from geo_app.i18n import t

pytestmark = [*BROWSER_MARKS, pytest.mark.realdata]

SHOTS = Path("/tmp")
OSM_EXTRACT = Path("data/harbin/harbin.osm.pbf")
RUN_BUTTONS = {"coverage": "开始分析", "site-selection": "开始选址", "surveillance": "开始分析"}
"""Pages whose map appears after a run, and the label of their run button."""
MAP_PAGES = ("explorer", "compliance", "coverage", "site-selection")
FAILED_TEXT = t("app.page_failed", "zh", error="").split(":")[0]
"""The start of the message a page shows instead of a traceback (本页出现程序错误...)."""

DRAWN = """() => document.querySelectorAll(
    '.leaflet-overlay-pane path.leaflet-interactive, .leaflet-overlay-pane canvas,'
    + ' .leaflet-marker-pane *').length"""


@pytest.fixture(scope="module")
def osm_project(shared_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("osm_browser") / "osm.gpkg"
    assert main(["import-osm", str(shared_dir / OSM_EXTRACT), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def empty_project(demo_project_path, tmp_path_factory) -> Path:
    return write_empty_project(demo_project_path, tmp_path_factory.mktemp("empty") / "empty.gpkg")


def _settle(page, timeout_ms: int = 300_000) -> None:
    """Wait until the page's script run has finished (Streamlit's running widget is gone)."""
    page.wait_for_timeout(1500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    page.wait_for_timeout(1000)


def _problems(page) -> list[str]:
    """Tracebacks and program-error messages on the page."""
    found = [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]
    body = page.inner_text("body")
    if "Page not found" in body:
        found.append("page not found")
    if "Traceback" in body or "KeyError" in body:
        found.append("traceback text in the page")
    if FAILED_TEXT in body:
        found.append(FAILED_TEXT)
    return found


def _map_drawn(page) -> int:
    """Number of drawn map elements in the page's Leaflet map (the map must be there)."""
    frame = map_frame(page, timeout=120)
    frame.wait_for_selector(".leaflet-container .leaflet-control-zoom", timeout=120_000)
    page.wait_for_timeout(1500)
    return int(frame.evaluate(DRAWN))


def _visit_every_page(url: str, name: str, map_pages: tuple[str, ...]) -> dict[str, dict]:
    """Open every page (running the pages that need a run); per page its problems and, for
    ``map_pages``, the number of drawn map elements."""
    seen: dict[str, dict] = {}
    with chromium_page(1400, 1400) as page:
        for spec in PAGES:
            path = spec.url_path
            page.goto(f"{url}/{'' if spec.default else path}", wait_until="domcontentloaded")
            page.wait_for_selector("h1", timeout=120_000)
            _settle(page)
            button = RUN_BUTTONS.get(path)
            if button and page.get_by_role("button", name=button).count():
                page.get_by_role("button", name=button).first.click()
                _settle(page)
            entry = {"problems": _problems(page)}
            if path in map_pages and not entry["problems"]:
                entry["drawn"] = _map_drawn(page)
            page.screenshot(path=str(SHOTS / f"geo_app_realdata_{name}_{path}.png"))
            seen[path] = entry
    return seen


def test_every_page_opens_on_the_osm_import(osm_project, tmp_path):
    with streamlit_server(osm_project, tmp_path / "streamlit.log") as url:
        seen = _visit_every_page(url, "osm", MAP_PAGES)
    assert {p: s["problems"] for p, s in seen.items() if s["problems"]} == {}
    for path in MAP_PAGES:  # the OSM layers are drawn: communities, shortfall, coverage, sites
        assert seen[path]["drawn"] > 0, path
    assert seen["explorer"]["drawn"] > 1000  # 1,639 communities, 93 streets ...


def test_every_page_opens_on_a_project_with_empty_layers(empty_project, tmp_path):
    with streamlit_server(empty_project, tmp_path / "streamlit.log") as url:
        seen = _visit_every_page(url, "empty", ("explorer",))
        with chromium_page() as page:
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_text(t("map.nothing_drawn", "zh")[:20]).wait_for(timeout=120_000)
    assert {p: s["problems"] for p, s in seen.items() if s["problems"]} == {}
    assert seen["explorer"]["drawn"] == 0  # the map is there, with nothing to draw on it
