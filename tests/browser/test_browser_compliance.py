"""The compliance page in a real browser (headless Debian Chromium, offline).

Opens ``/compliance`` of the app on the demo project and checks that the shortfall choropleth
renders (one coloured polygon per community, the legend with its classes, escaped popups)
and that the table, the metrics and the download buttons are there. A screenshot is saved.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

from geo_app.project import Project
from geo_app.workflows import project_compliance

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

FILLS = """() => {
    const fills = new Set();
    document.querySelectorAll("path.leaflet-interactive").forEach((p) => {
        const f = p.getAttribute("fill");
        if (f && f !== "none") { fills.add(f); }
    });
    return Array.from(fills);
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


def test_compliance_page_shows_the_choropleth_and_the_table(project_path, tmp_path):
    totals = project_compliance(Project.open(project_path)).totals()
    dialogs: list[str] = []
    with (
        streamlit_server(project_path, tmp_path / "streamlit.log") as url,
        chromium_page(1400, 1600) as page,
    ):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{url}/compliance", wait_until="domcontentloaded")
        page.get_by_role("heading", name="达标评估").wait_for(timeout=90_000)
        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        legend = frame.wait_for_selector(".geo-app-legend-shortfall", timeout=30_000).inner_text()
        overlays = frame.wait_for_selector(".leaflet-control-layers-overlays").inner_text()
        frame.wait_for_function(
            "document.querySelectorAll('path.leaflet-interactive').length > 400",
            timeout=30_000,
        )
        drawn = frame.locator("path.leaflet-interactive").count()
        fills = frame.evaluate(FILLS)
        assert frame.evaluate(OPEN_EVIL_POPUP)
        popup = frame.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        popup_text = popup.inner_text()
        popup_images = frame.locator(".leaflet-popup-content img").count()

        table = page.locator('[data-testid="stDataFrame"]').first
        table.wait_for(timeout=30_000)
        metrics = page.locator('[data-testid="stMetric"]')
        metric_text = metrics.first.inner_text()
        downloads = page.locator('[data-testid="stDownloadButton"]').all_inner_texts()
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载 XLSX").click()
        workbook = tmp_path / "download.xlsx"
        info.value.save_as(workbook)
        page.wait_for_timeout(1500)  # let the vectors settle
        shot = tmp_path / "compliance.png"
        page.screenshot(path=str(shot), full_page=True)

    assert "用房缺口" in legend and "达标(无缺口)" in legend and "未评估" in legend
    assert "< 50 平方米" in legend and "≥ 200 平方米" in legend  # the fixed classes
    assert "用房缺口" in overlays and "区县" in overlays
    assert drawn >= totals["n_communities"]  # one polygon per community (+ district outlines)
    assert len(fills) >= 3  # compliant green and several shortfall classes
    assert (
        EVIL in popup_text and "应有面积(平方米)" in popup_text and "第十二条第一款" in popup_text
    )
    assert popup_images == 0 and dialogs == []
    assert "未达标社区" in metric_text and f"{totals['n_below']} / {totals['n_assessed']}" in (
        metric_text
    )
    assert any("CSV" in d for d in downloads) and any("XLSX" in d for d in downloads)
    sheets = openpyxl.load_workbook(workbook, read_only=True).sheetnames
    assert sheets[0] == "社区达标" and "供暖费用" in sheets
    assert shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")
