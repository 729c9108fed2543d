"""The app in a real browser: headless Debian Chromium through Playwright, without internet.

Starts ``streamlit run streamlit_app.py`` on the demo project, waits for the health endpoint,
opens the page and checks that the Leaflet map renders inside the map component's frame with
the layer names in the layer control and the legend. Leaflet is served by the app itself
(``geo_app/static/leaflet``), so this passes offline; basemap tiles may fail to load.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geo_app.i18n import layer_label
from geo_app.project import Project

CHROMIUM = Path("/usr/bin/chromium")
ENTRY = Path(__file__).resolve().parents[1] / "streamlit_app.py"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium 不在 /usr/bin/chromium / Debian chromium not installed",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit not healthy after {timeout} s")


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
    port = _free_port()
    env = {
        **os.environ,
        "GEO_APP_PROJECT": str(project_path),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    log = open(tmp_path / "streamlit.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ENTRY),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        env=env,
        cwd=str(ENTRY.parent),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def _map_frame(page, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "st_folium" in frame.url:
                return frame
        page.wait_for_timeout(250)
    raise TimeoutError("map component frame not found")


def test_map_renders_offline_with_layer_names(server, tmp_path):
    from playwright.sync_api import sync_playwright

    failed: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_text("地图浏览").first.wait_for(timeout=90_000)

            frame = _map_frame(page)
            frame.wait_for_selector(".leaflet-container", timeout=90_000)
            overlays = frame.wait_for_selector(".leaflet-control-layers-overlays", timeout=30_000)
            names = overlays.inner_text()
            legend = frame.wait_for_selector(".geo-app-legend", timeout=30_000).inner_text()
            drawn = frame.locator("path.leaflet-interactive").count()
            # the popup of the community named like an injection shows the name as text
            assert frame.evaluate(OPEN_EVIL_POPUP)
            popup = frame.wait_for_selector(".leaflet-popup-content", timeout=10_000)
            popup_text = popup.inner_text()
            popup_images = frame.locator(".leaflet-popup-content img").count()
            page.wait_for_timeout(1500)  # let the vectors settle before the screenshot
            shot = tmp_path / "explorer.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()

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
