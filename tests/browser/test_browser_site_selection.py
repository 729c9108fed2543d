"""The site-selection page in a real browser (headless Debian Chromium, no internet).

Opens ``/site-selection`` on the demo project, chooses all districts (the default model is
the Art. 13 hub), clicks run and checks that the Leaflet map shows the radiation lines
(orange) from the served communities to the chosen sites (purple dots), with the layer names
in the layer control and the legend, and that the metrics and the table of sites appear.
Screenshots are saved.
"""

from __future__ import annotations

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

from geo_app.maps.planning import CHOSEN_COLOUR, RADIATION_COLOUR

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(demo_project_path, tmp_path):
    """A Streamlit server on the demo project; always terminated."""
    with streamlit_server(demo_project_path, tmp_path / "streamlit.log") as url:
        yield url


def test_run_draws_radiation_lines_and_sites(server, tmp_path):
    failed: list[str] = []
    with chromium_page(height=2000) as page:
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(f"{server}/site-selection", wait_until="domcontentloaded")
        page.get_by_role("heading", name="选址规划").wait_for(timeout=90_000)
        page.get_by_text("尚未选址").wait_for(timeout=30_000)
        district = page.locator('[data-testid="stSelectbox"]').filter(has_text="区县")
        district.first.click()  # open the district box (道外区 by default)
        page.get_by_role("option", name="全部区县").click()
        page.get_by_role("button", name="开始选址").click()
        page.get_by_text("选址完成").wait_for(timeout=120_000)
        metric = page.locator('[data-testid="stMetric"]').first.inner_text(timeout=30_000)

        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        names = frame.wait_for_selector(
            ".leaflet-control-layers-overlays", timeout=30_000
        ).inner_text()
        legend = frame.wait_for_selector(".geo-app-legend-layers", timeout=30_000).inner_text()
        frame.wait_for_selector(f'path[stroke="{RADIATION_COLOUR}"]', timeout=30_000)
        lines = frame.locator(f'path[stroke="{RADIATION_COLOUR}"]').count()
        sites = frame.locator(f'path[fill="{CHOSEN_COLOUR}"]').count()
        page.wait_for_timeout(1500)  # let the vectors settle before the screenshot
        shot = tmp_path / "site_selection.png"
        page.screenshot(path=str(shot), full_page=True)
        map_shot = tmp_path / "site_selection_map.png"
        page.locator("iframe[src*=st_folium]").first.screenshot(path=str(map_shot))
        table = page.locator('[data-testid="stDataFrame"]').count()

    assert "选定站点" in metric
    for label in ("辐射线", "选定站点", "已服务社区", "未服务社区"):
        assert label in names
        assert label in legend
    assert lines >= 10  # one per served community (21 on the demo, all districts)
    assert sites >= 5
    assert table >= 1
    assert shot.stat().st_size > 20_000
    assert not [u for u in failed if "leaflet" in u or u.startswith("http://127.0.0.1")]
    print(f"screenshots: {shot} {map_shot}")
