"""The coverage page in a real browser (headless Debian Chromium, no internet).

Opens ``/coverage`` on the demo project, clicks run with the defaults (community service
stations, 10-minute life circle = 500 m) and checks that the Leaflet map shows the walking
isochrones (semi-transparent blue) and the uncovered communities (red) as SVG paths, with the
layer names in the layer control and the legend, and that the metrics and the method note
appear. Screenshots are saved.
"""

from __future__ import annotations

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

from geo_app.maps.planning import ISOCHRONE_COLOUR, LAYER_STYLES, UNCOVERED_COLOUR

pytestmark = BROWSER_MARKS

ISO_OPACITY = LAYER_STYLES["isochrones"].fill_opacity


@pytest.fixture
def server(demo_project_path, tmp_path):
    """A Streamlit server on the demo project; always terminated."""
    with streamlit_server(demo_project_path, tmp_path / "streamlit.log") as url:
        yield url


def test_run_draws_isochrones_and_uncovered_communities(server, tmp_path):
    failed: list[str] = []
    with chromium_page(height=1800) as page:
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(f"{server}/coverage", wait_until="domcontentloaded")
        page.get_by_role("heading", name="覆盖分析").wait_for(timeout=90_000)
        page.get_by_text("尚未分析").wait_for(timeout=30_000)
        page.get_by_role("button", name="开始分析").click()
        page.get_by_text("分析完成").wait_for(timeout=120_000)
        metric = page.locator('[data-testid="stMetric"]').first.inner_text(timeout=30_000)
        note = page.get_by_text("步行路网计算").first.inner_text(timeout=30_000)

        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        names = frame.wait_for_selector(
            ".leaflet-control-layers-overlays", timeout=30_000
        ).inner_text()
        legend = frame.wait_for_selector(".geo-app-legend-layers", timeout=30_000).inner_text()
        iso_selector = f'path[fill="{ISOCHRONE_COLOUR}"][fill-opacity="{ISO_OPACITY}"]'
        frame.wait_for_selector(iso_selector, timeout=30_000)
        isochrones = frame.locator(iso_selector).count()
        uncovered = frame.locator(f'path[stroke="{UNCOVERED_COLOUR}"]').count()
        page.wait_for_timeout(1500)  # let the vectors settle before the screenshot
        shot = tmp_path / "coverage.png"
        page.screenshot(path=str(shot), full_page=True)
        map_shot = tmp_path / "coverage_map.png"
        page.locator("iframe[src*=st_folium]").first.screenshot(path=str(map_shot))

    assert "户数覆盖率" in metric and "%" in metric
    assert "步行路网" in note
    for label in ("步行等时圈", "未覆盖社区", "已覆盖社区", "设施"):
        assert label in names
        assert label in legend
    assert isochrones >= 100  # one per community service station
    assert uncovered >= 10  # the demo leaves some communities beyond 500 m
    assert shot.stat().st_size > 20_000
    assert not [u for u in failed if "leaflet" in u or u.startswith("http://127.0.0.1")]
    print(f"screenshots: {shot} {map_shot}")
