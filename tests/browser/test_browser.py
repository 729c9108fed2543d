"""The app in a real browser: headless Debian Chromium through Playwright, without internet.

Starts ``streamlit run streamlit_app.py`` on the demo project, waits for the health endpoint,
opens the page and checks that the Leaflet map renders inside the map component's frame with
the layer names in the layer control and the legend. Leaflet is served by the app itself
(``geo_app/static/leaflet``), so this passes offline; basemap tiles may fail to load.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

from geo_app.i18n import layer_label
from geo_app.project import Project

EXPECTED_LAYERS = ("districts", "communities", "facilities", "boiler_rooms", "cameras")
EVIL = "<img src=x onerror=alert(1)>"

OPEN_EVIL_POPUP = """() => {
    let target = null;
    window.map.eachLayer((layer) => {
        if (!target && layer.feature &&
            JSON.stringify(layer.feature.properties).includes("&lt;img")) { target = layer; }
    });
    if (!target) { return false; }
    target.fire("click", {latlng: target.getBounds().getCenter()}, true);
    return true;
}"""

pytestmark = BROWSER_MARKS


@pytest.fixture
def project_path(demo_project_path, tmp_path) -> Path:
    """A copy of the demo project whose first community is named like an HTML injection."""
    path = tmp_path / "demo_copy.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    communities = project.layer("communities")
    communities.loc[communities.index[0], "name"] = EVIL
    project.write_layer("communities", communities)
    return path


@pytest.fixture
def server(project_path, tmp_path):
    """A Streamlit server on the project; always terminated."""
    with streamlit_server(project_path, tmp_path / "streamlit.log") as url:
        yield url


def test_map_renders_offline_with_layer_names(server, tmp_path):
    failed: list[str] = []
    dialogs: list[str] = []
    with chromium_page() as page:
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("地图浏览").first.wait_for(timeout=90_000)

        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        overlays = frame.wait_for_selector(".leaflet-control-layers-overlays", timeout=30_000)
        names = overlays.inner_text()
        legend = frame.wait_for_selector(".geo-app-legend-layers", timeout=30_000).inner_text()
        drawn = frame.locator("path.leaflet-interactive").count()
        # the popup of the community named like an injection shows the name as text
        assert frame.evaluate(OPEN_EVIL_POPUP)
        popup = frame.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        popup_text = popup.inner_text()
        popup_images = frame.locator(".leaflet-popup-content img").count()
        page.wait_for_timeout(1500)  # let the vectors settle before the screenshot
        shot = tmp_path / "explorer.png"
        page.screenshot(path=str(shot), full_page=True)

    for layer in EXPECTED_LAYERS:
        assert layer_label(layer, "zh") in names
        assert layer_label(layer, "zh") in legend
    assert EVIL in popup_text
    assert popup_images == 0 and dialogs == []  # shown as text, never run
    assert drawn > 100  # district outlines, communities and facilities are drawn as SVG paths
    assert shot.stat().st_size > 20_000
    # Leaflet came from the app, not from a CDN: the only failures allowed are basemap tiles
    assert not [u for u in failed if "leaflet" in u or u.startswith("http://127.0.0.1")]
    print(f"screenshot: {shot}")
