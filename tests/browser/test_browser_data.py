"""The data page in a real browser (headless Debian Chromium, offline).

Opens ``/data`` of the app on a copy of the demo project, uploads a CSV through the real file
input, checks the mapping, the preview map and the validation report, and downloads the
project as GeoPackage through the export button. Screenshots are saved.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS, chromium_page, map_frame, streamlit_server

CSV = (
    "设施编号,名称,类型,使用面积,所属社区,经度,纬度\n"
    "FX1,新建公益用房甲,public_housing,1000,,126.62,45.75\n"
    "FX2,新建公益用房乙,public_housing,-5,,126.63,45.755\n"
).encode("utf-8-sig")

pytestmark = BROWSER_MARKS


@pytest.fixture
def project_path(demo_project_path, tmp_path) -> Path:
    path = tmp_path / "demo_copy.gpkg"
    shutil.copyfile(demo_project_path, path)
    return path


def test_data_page_upload_report_and_export(project_path, tmp_path):
    before = project_path.read_bytes()
    with (
        streamlit_server(project_path, tmp_path / "streamlit.log") as url,
        chromium_page(1400, 1800) as page,
    ):
        page.goto(f"{url}/data", wait_until="domcontentloaded")
        page.get_by_role("heading", name="数据管理").wait_for(timeout=90_000)
        uploader = page.locator('[data-testid="stFileUploader"]')
        uploader.wait_for(timeout=30_000)
        export = page.get_by_role("button", name="下载 GeoPackage")
        export.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "data_empty.png"), full_page=True)

        # choose the facilities layer, then upload through the real file input
        page.locator('[data-testid="stSelectbox"]').first.click()
        page.get_by_role("option", name="设施 (facilities)").click()
        page.locator('input[type="file"]').set_input_files(
            files=[{"name": "新增设施.csv", "mimeType": "text/csv", "buffer": CSV}]
        )
        page.get_by_text("1 行有问题").first.wait_for(timeout=60_000)
        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-container", timeout=60_000)
        report = page.locator('[data-testid="stDataFrame"]').first
        report.wait_for(timeout=30_000)
        import_button = page.get_by_role("button", name="导入 2 行到「设施」")
        import_disabled = import_button.is_disabled()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(tmp_path / "data_upload.png"), full_page=True)

        with page.expect_download(timeout=60_000) as info:
            export.click()
        download = info.value
        saved = tmp_path / "export.gpkg"
        download.save_as(saved)
        name = download.suggested_filename

    assert import_disabled  # a bad row blocks the import
    assert project_path.read_bytes() == before  # nothing was written
    assert name == project_path.name
    assert saved.read_bytes() == before
