"""The page "区县对比 / Compare" in a real browser (headless Debian Chromium, offline).

Opens ``/compare`` on the demo project: two districts are picked by default, their metric
cards, bar charts and one map per district (same zoom level, Leaflet served locally) show, and
no Streamlit exception box appears. A screenshot of the whole page (a tall viewport:
Streamlit scrolls inside its own container) is saved to /tmp.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS, chromium_page, streamlit_server

from geo_app.project import Project
from geo_app.workflows.compare import default_districts, district_table

pytestmark = BROWSER_MARKS

SHOT = Path("/tmp/geo_app_compare.png")


def _map_frames(page, count: int, timeout: float = 90.0) -> list:
    """The ``count`` iframes of the folium map components (streamlit-folium)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = [f for f in page.frames if "st_folium" in f.url]
        if len(frames) >= count:
            return frames
        page.wait_for_timeout(250)
    raise TimeoutError(f"fewer than {count} map frames")


def test_compare_page_shows_cards_charts_and_same_scale_maps(demo_project_path, tmp_path):
    names = default_districts(district_table(Project.open(demo_project_path)), 2)
    with (
        streamlit_server(demo_project_path, tmp_path / "streamlit.log") as url,
        chromium_page(1400, 4000) as page,
    ):
        page.goto(f"{url}/compare", wait_until="domcontentloaded")
        page.get_by_role("heading", name="区县对比").first.wait_for(timeout=90_000)
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=90_000)
        chosen = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
        cards = page.locator('[data-testid="stMetric"]').all_inner_texts()
        frames = _map_frames(page, 2)
        zooms = []
        for frame in frames:
            frame.wait_for_selector(".leaflet-container", timeout=60_000)
            frame.wait_for_function(
                "document.querySelectorAll('path.leaflet-interactive').length > 10",
                timeout=30_000,
            )
            zooms.append(frame.evaluate("() => window.map ? window.map.getZoom() : null"))
        stations = [f.locator("path[fill='#1e3a8a']").count() for f in frames]
        legend = page.get_by_text("社区服务站").first.inner_text(timeout=30_000)
        charts = page.locator('[data-testid="stVegaLiteChart"]').count()
        table = page.locator('[data-testid="stDataFrame"]').count()
        errors = page.locator('[data-testid="stException"]').count()
        page.wait_for_timeout(1500)  # let charts and vectors settle
        page.screenshot(path=str(SHOT), full_page=True)

    for name in names:
        assert name in chosen
    assert sum("用房面积达标率" in c for c in cards) == 2
    assert any("第 1 名" in c for c in cards)
    assert len(frames) == 2
    assert zooms[0] is not None and zooms[0] == zooms[1]  # the same scale
    # one shared legend (shortfall classes, stations) on the page; stations on every map
    assert "社区服务站" in legend
    assert all(n > 10 for n in stations)
    assert charts >= 6
    assert table == 1
    assert errors == 0
    assert SHOT.stat().st_size > 50_000
    print(f"screenshot: {SHOT}")


@pytest.mark.parametrize("lang", ["en"])
def test_compare_page_in_english_has_no_exception(demo_project_path, tmp_path, lang):
    with (
        streamlit_server(demo_project_path, tmp_path / "streamlit.log") as url,
        chromium_page(1400, 1000) as page,
    ):
        page.goto(f"{url}/compare", wait_until="domcontentloaded")
        page.get_by_role("heading", name="区县对比").first.wait_for(timeout=90_000)
        page.get_by_text("English").click()
        page.get_by_role("heading", name="Compare districts").first.wait_for(timeout=60_000)
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
        text = page.locator('[data-testid="stMetric"]').first.inner_text()
        errors = page.locator('[data-testid="stException"]').count()
    assert errors == 0
    assert "Households" in text
