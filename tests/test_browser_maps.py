"""The maps of the app in a real browser (headless Debian Chromium, no internet).

One app server on the demo project for all tests:

* a wheel turn over a map scrolls the page and leaves the map's zoom alone (wheel zoom only
  after a click or with Ctrl);
* the 导出地图 PNG button downloads a PNG file;
* the offline basemap draws the project's streets with every non-local request blocked;
* the shortfall legend is the same (texts and colours) on the compliance and compare pages.

Screenshots are saved to /tmp (``geo_app_maps_*.png``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

from geo_app.maps.basemap import BASE_COLOURS

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
