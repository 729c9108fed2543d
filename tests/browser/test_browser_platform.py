"""The shared-database project in a real browser (headless Debian Chromium, offline), signed in
as two levels: a 道里区 district account and one of its streets. The sign-in form, the explorer
(only the account's district), the registry page (register as the street, file as the
district) and the history page show without an exception box; a wrong password is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS, chromium_page, streamlit_server
from platform_accounts import PASSWORDS, push_demo

pytestmark = BROWSER_MARKS
SHOT = Path("/tmp/geo_app_platform_{user}.png")


@pytest.fixture(scope="module")
def browser_url(pg_cluster, demo_project_path: Path) -> str:
    return push_demo(pg_cluster, demo_project_path, "browserdemo")


def _sign_in(page, url: str, user: str, password: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="登录共享数据库").first.wait_for(timeout=90_000)
    page.get_by_label("账号").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _open(page, url: str, path: str, heading: str) -> None:
    """Open a page through the sidebar (a new page load would be a new, signed-out session)."""
    page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first.click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_two_levels_in_the_browser(browser_url: str, tmp_path: Path) -> None:
    with streamlit_server(browser_url, tmp_path / "streamlit.log") as url:
        with chromium_page(1400, 1600) as page:
            _sign_in(page, url, "daoli", "not-the-password")
            page.get_by_text("登录失败").first.wait_for(timeout=60_000)
            assert "not-the-password" not in page.content()

        with chromium_page(1400, 1600) as page:  # a street office
            _sign_in(page, url, "street1", PASSWORDS["street1"])
            page.get_by_role("heading", name="地图浏览").first.wait_for(timeout=90_000)
            _open(page, url, "registry", "公益用房登记")
            page.get_by_label("权属").fill("街道产权")
            page.get_by_label("用途").fill("社区服务站")
            page.get_by_role("button", name="登记").click()
            page.get_by_text("已登记").first.wait_for(timeout=180_000)
            _open(page, url, "history", "修改记录")
            page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
            page.screenshot(path=str(SHOT).format(user="street1"), full_page=True)

        with chromium_page(1400, 1600) as page:  # the district files what the street registered
            _sign_in(page, url, "daoli", PASSWORDS["daoli"])
            page.get_by_role("heading", name="地图浏览").first.wait_for(timeout=90_000)
            page.locator('[data-testid="stMultiSelect"]').first.click()
            options = page.locator('[role="option"]').all_inner_texts()
            assert options == ["道里区"]
            page.keyboard.press("Escape")
            _open(page, url, "registry", "公益用房登记")
            page.get_by_role("tab", name="待区县备案").click()
            page.get_by_text("待区县备案(1 处)").first.wait_for(timeout=30_000)
            page.screenshot(path=str(SHOT).format(user="daoli"), full_page=True)
