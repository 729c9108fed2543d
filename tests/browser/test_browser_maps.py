"""The maps of the app in a real browser (headless Debian Chromium, no internet).

One app server on the demo project for all tests:

* a wheel turn over a map scrolls the page and leaves the map's zoom alone (wheel zoom only
  after a click or with Ctrl);
* the 导出地图 PNG button downloads a PNG file;
* the offline basemap draws the project's streets with every non-local request blocked;
* the shortfall legend is the same (texts and colours) on the compliance and compare pages;
* a click on a community of the compliance map opens the community's popup (its verdict and
  shortfall), not the district's under it, and enables wheel zoom (issue 25, item 4).

Screenshots are saved to /tmp (``geo_app_maps_*.png``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

from analysis.distances import representative_points
from geo_app.maps.basemap import BASE_COLOURS
from geo_app.maps.legend import area_text
from geo_app.project import Project
from geo_app.workflows import project_compliance

pytestmark = BROWSER_MARKS

SHOTS = Path("/tmp")

SCROLLED = """() => Math.max(window.scrollY,
    ...Array.from(document.querySelectorAll('*')).map((e) => e.scrollTop))"""

STREET_PIXELS = """(rgb) => {
    let hits = 0;
    document.querySelectorAll(".leaflet-geo_app_basemap-pane canvas").forEach((c) => {
        const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 0 && Math.abs(data[i] - rgb[0]) < 12 &&
                Math.abs(data[i + 1] - rgb[1]) < 12 && Math.abs(data[i + 2] - rgb[2]) < 12) {
                hits += 1;
            }
        }
    });
    return hits;
}"""

LEGEND = """(root) => {
    const box = root.querySelector(".geo-app-shortfall-legend");
    if (!box) { return null; }
    const swatches = Array.from(box.querySelectorAll("span"))
        .filter((s) => !s.textContent.trim())
        .map((s) => getComputedStyle(s).backgroundColor);
    return {text: box.innerText.trim(), swatches: swatches};
}"""


def _rgb(colour: str) -> list[int]:
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]


@pytest.fixture(scope="module")
def app_url(demo_project_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("maps_browser") / "streamlit.log"
    with streamlit_server(demo_project_path, log) as url:
        yield url


def _open_map(page, url: str, path: str):
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    frame = map_frame(page, timeout=150)
    frame.wait_for_selector(".leaflet-container", timeout=150_000)
    frame.wait_for_selector(".geo-app-legend", timeout=90_000)
    page.wait_for_timeout(1500)
    return frame


def test_wheel_over_a_map_scrolls_the_page_not_the_map(app_url):
    with chromium_page(1400, 1000) as page:
        frame = _open_map(page, app_url, "compliance")
        iframe = page.locator("iframe[title*='st_folium']").first
        iframe.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = iframe.bounding_box()
        zoom_before = frame.evaluate("() => window.map.getZoom()")
        scroll_before = page.evaluate(SCROLLED)
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(3):
            page.mouse.wheel(0, 300)
            page.wait_for_timeout(300)
        page.wait_for_timeout(800)
        zoom_after = frame.evaluate("() => window.map.getZoom()")
        scroll_after = page.evaluate(SCROLLED)
        hint = frame.locator(".geo-app-wheel-hint").count()
        page.screenshot(path=str(SHOTS / "geo_app_maps_wheel.png"))
    assert zoom_after == zoom_before
    assert scroll_after > scroll_before + 100
    assert hint == 1


def test_export_map_button_downloads_a_png(app_url):
    with chromium_page(1400, 1400) as page:
        _open_map(page, app_url, "")
        button = page.get_by_role("button", name="导出地图 PNG")
        button.wait_for(timeout=60_000)
        with page.expect_download(timeout=120_000) as info:
            button.click()
        download = info.value
        data = Path(download.path()).read_bytes()
    assert download.suggested_filename.startswith("explorer_map_")
    assert download.suggested_filename.endswith(".png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 50_000


def test_offline_basemap_draws_streets_without_network(app_url):
    blocked: list[str] = []

    def only_local(route):
        host = route.request.url.split("/")[2] if "://" in route.request.url else ""
        if host.startswith(("127.0.0.1", "localhost")) or route.request.url.startswith(
            ("data:", "blob:", "about:")
        ):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with chromium_page(1400, 1000) as page:
        page.context.route("**/*", only_local)
        frame = _open_map(page, app_url, "")
        frame.wait_for_function(
            "document.querySelectorAll('.leaflet-geo_app_basemap-pane canvas').length > 0",
            timeout=60_000,
        )
        page.wait_for_timeout(1500)
        tiles = frame.locator(".leaflet-tile").count()
        pixels = frame.evaluate(STREET_PIXELS, _rgb(BASE_COLOURS["streets"]))
        page.screenshot(path=str(SHOTS / "geo_app_maps_offline.png"))
    assert tiles == 0  # no web tiles: the basemap is drawn from the project
    assert pixels > 2_000  # grey streets on the canvas
    assert not [u for u in blocked if "tile" in u]


def test_shortfall_legend_is_the_same_on_compliance_and_compare(app_url):
    with chromium_page(1400, 1600) as page:
        frame = _open_map(page, app_url, "compliance")
        on_compliance = frame.evaluate(LEGEND, frame.locator("body").element_handle())
        page.goto(f"{app_url}/compare", wait_until="domcontentloaded")
        page.locator(".geo-app-shortfall-legend").first.wait_for(timeout=150_000)
        on_compare = page.evaluate(LEGEND, page.locator("body").element_handle())
    assert on_compliance is not None and on_compare is not None
    assert on_compliance == on_compare
    assert "≥ 200 平方米" in on_compliance["text"]
    assert len(on_compliance["swatches"]) == 6


@pytest.fixture(scope="module")
def short_community(demo_project_path) -> dict:
    """A 道外区 community below the standard: its name, shortfall and a point inside it."""
    project = Project.open(demo_project_path)
    table = project_compliance(project).communities
    below = table[(table["district_code"] == "230104") & (table["status"] == "below")]
    below = below.sort_values("shortfall_m2", ascending=False)
    row = below.iloc[0]
    communities = project.layer("communities")
    shape = communities[communities["community_id"] == row["community_id"]]
    point = representative_points(shape.to_crs("EPSG:4326")).iloc[0]
    return {"name": row["name"], "shortfall": row["shortfall_m2"], "lat": point.y, "lon": point.x}


CENTRE_ON = """([lat, lon]) => {
    window.map.setView([lat, lon], 15, {animate: false});
    const box = window.map.getContainer().getBoundingClientRect();
    const pt = window.map.latLngToContainerPoint([lat, lon]);
    return {x: box.left + pt.x, y: box.top + pt.y};
}"""


def _point_on_page(page, frame, where: dict) -> tuple[float, float]:
    """Centre the map on ``where`` and return its position on the page (pixels)."""
    iframe = page.locator("iframe[title*='st_folium']").first
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    inside = frame.evaluate(CENTRE_ON, [where["lat"], where["lon"]])
    page.wait_for_timeout(1200)
    box = iframe.bounding_box()
    return box["x"] + inside["x"], box["y"] + inside["y"]


def test_click_on_a_community_opens_its_verdict_not_the_district(app_url, short_community):
    with chromium_page(1400, 1000) as page:
        frame = _open_map(page, app_url, "compliance")
        x, y = _point_on_page(page, frame, short_community)
        page.mouse.click(x, y)
        popup = frame.wait_for_selector(".leaflet-popup-content", timeout=30_000).inner_text()
        page.screenshot(path=str(SHOTS / "geo_app_maps_popup.png"))
    assert short_community["name"] in popup
    assert "状态" in popup and "未达标" in popup
    assert area_text(float(short_community["shortfall"]), "zh") in popup  # e.g. 1,223.1 平方米
    assert "区县类别" not in popup  # not the district's popup


def test_wheel_zooms_after_a_click_on_a_feature(app_url, short_community):
    with chromium_page(1400, 1000) as page:
        frame = _open_map(page, app_url, "compliance")
        x, y = _point_on_page(page, frame, short_community)
        page.mouse.move(x, y + 120)  # below the point: the popup opens above it
        zoom_before = frame.evaluate("() => window.map.getZoom()")
        page.mouse.wheel(0, -300)  # before any click: scrolls the page, the map keeps its zoom
        page.wait_for_timeout(800)
        assert frame.evaluate("() => window.map.getZoom()") == zoom_before
        for _ in range(3):  # on a loaded machine the popup's pan may move the point away
            x, y = _point_on_page(page, frame, short_community)  # the page has scrolled
            page.mouse.click(x, y)  # on the community (a feature, not the map's background)
            frame.wait_for_selector(".leaflet-popup-content", timeout=30_000)
            page.wait_for_timeout(500)
            page.mouse.move(x, y + 120)
            for _ in range(2):
                page.mouse.wheel(0, -300)
                page.wait_for_timeout(500)
            page.wait_for_timeout(800)
            zoom_after = frame.evaluate("() => window.map.getZoom()")
            if zoom_after > zoom_before:
                break
    assert zoom_after > zoom_before
