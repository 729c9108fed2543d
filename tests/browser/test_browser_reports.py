"""The reports page in a real browser (headless Debian Chromium, no internet).

Opens ``/reports`` on the demo project, picks the PDF format (district 道外区, the Art. 13 model
run now), clicks generate and checks that the download button of the PDF appears with the
report's summary, and that no exception box is shown. A screenshot is saved.
"""

from __future__ import annotations

import pytest
from app_browser import BROWSER_MARKS, chromium_page, streamlit_server

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(demo_project_path, tmp_path):
    """A Streamlit server on the demo project; always terminated."""
    with streamlit_server(demo_project_path, tmp_path / "streamlit.log") as url:
        yield url


def test_generate_pdf_report_offers_download(server, tmp_path):
    with chromium_page(height=1600) as page:
        page.goto(f"{server}/reports", wait_until="domcontentloaded")
        page.get_by_role("heading", name="报告").first.wait_for(timeout=90_000)
        page.get_by_text("尚未生成报告").wait_for(timeout=30_000)
        page.get_by_text("PDF", exact=True).click()
        page.get_by_role("button", name="生成报告").click()
        button = page.locator('[data-testid="stDownloadButton"]')
        button.wait_for(timeout=120_000)
        label = button.inner_text()
        done = page.get_by_text("已生成道外区报告").inner_text(timeout=30_000)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
        summary = page.locator('[data-testid="stDataFrame"]').count()
        exceptions = page.locator('[data-testid="stException"]').count()
        page.wait_for_timeout(500)
        shot = tmp_path / "reports.png"
        page.screenshot(path=str(shot), full_page=True)

    assert "道外区_报告.pdf" in label
    assert "PDF" in done
    assert summary == 1
    assert exceptions == 0
    assert shot.stat().st_size > 20_000
    print(f"screenshot: {shot}")
