"""The surveillance page in a real browser (headless Debian Chromium, no internet).

Opens ``/surveillance`` on the demo project, clicks run for the default district (a small one
with scattered communities) and checks that the Leaflet map shows the camera view sectors
(semi-transparent blue) and the blind spots (red) as SVG paths, with the layer names in the
layer control and the legend, and that the metrics appear. A screenshot is saved.
"""

from __future__ import annotations

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

from geo_app.maps.surveillance import BLIND_SPOT_COLOUR, LAYER_STYLES

pytestmark = BROWSER_MARKS

VIEW_COLOUR = LAYER_STYLES["camera_views"].colour


@pytest.fixture
def server(demo_project_path, tmp_path):
    """A Streamlit server on the demo project; always terminated."""
    with streamlit_server(demo_project_path, tmp_path / "streamlit.log") as url:
        yield url


def test_run_draws_sectors_and_blind_spots(server, tmp_path):
    failed: list[str] = []
    with chromium_page(height=2000) as page:
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(f"{server}/surveillance", wait_until="domcontentloaded")
        page.get_by_role("heading", name="监控覆盖").wait_for(timeout=90_000)
        page.get_by_text("尚未分析").wait_for(timeout=30_000)
        page.get_by_role("button", name="开始分析").click()
        page.get_by_text("分析完成").wait_for(timeout=120_000)
        metric = page.locator('[data-testid="stMetric"]').first.inner_text(timeout=30_000)

        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        names = frame.wait_for_selector(
            ".leaflet-control-layers-overlays", timeout=30_000
        ).inner_text()
        legend = frame.wait_for_selector(".geo-app-legend-layers", timeout=30_000).inner_text()
        frame.wait_for_selector(f'path[stroke="{BLIND_SPOT_COLOUR}"]', timeout=30_000)
        blind = frame.locator(f'path[stroke="{BLIND_SPOT_COLOUR}"]').count()
        sectors = frame.locator(f'path[fill="{VIEW_COLOUR}"][fill-opacity="0.25"]').count()
        page.wait_for_timeout(1500)  # let the vectors settle before the screenshot
        shot = tmp_path / "surveillance.png"
        page.screenshot(path=str(shot), full_page=True)
        map_shot = tmp_path / "surveillance_map.png"
        page.locator("iframe[src*=st_folium]").first.screenshot(path=str(map_shot))

    assert "公共部位覆盖率" in metric
    for label in ("监控视域", "盲区", "损坏监控", "建议新增监控"):
        assert label in names
        assert label in legend
    assert blind >= 1  # red blind spots
    assert sectors >= 5  # semi-transparent view sectors of the working cameras
    assert shot.stat().st_size > 20_000
    assert not [u for u in failed if "leaflet" in u or u.startswith("http://127.0.0.1")]
    print(f"screenshots: {shot} {map_shot}")
