"""The app on a shared-database project (sign-in, access by level, history, registry) and the
registry page on a GeoPackage project, through Streamlit's AppTest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from platform_accounts import PASSWORDS, push_demo
from streamlit.testing.v1 import AppTest

from geo_app.project import Project
from geo_app.project.paths import ENV_PROJECT
from geo_app.project.postgis.store import PostGISStore

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def open_page(at: AppTest, url_path: str) -> AppTest:
    hashes = [h for h, i in at._registered_pages.items() if i.get("url_pathname") == url_path]
    assert hashes, f"page {url_path} not registered"
    at._page_hash = hashes[0]
    return at.run()


@pytest.fixture(scope="module")
def app_url(pg_cluster, demo_project_path: Path) -> str:
    return push_demo(pg_cluster, demo_project_path, "appdemo")


def _app(location: str, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, location)
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    monkeypatch.delenv("PGPASSWORD", raising=False)  # the app signs in with the form only
    return AppTest.from_file(str(ENTRY), default_timeout=120).run()


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _sign_in(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="signin_user").set_value(user)
    at.text_input(key="signin_pw").set_value(password)
    return _button(at, "登录").click().run()


def test_database_project_asks_to_sign_in_and_refuses_a_wrong_password(app_url, monkeypatch):
    at = _app(app_url, monkeypatch)
    assert not at.exception
    assert [t.value for t in at.title] == ["登录共享数据库"]
    at = _sign_in(at, "daoli", "wrong-password")
    assert not at.exception
    assert any("登录失败" in e.value for e in at.error)
    assert all("wrong-password" not in e.value for e in at.error)
    assert [t.value for t in at.title] == ["登录共享数据库"]


def test_district_account_sees_only_its_district(app_url, monkeypatch):
    at = _sign_in(_app(app_url, monkeypatch), "daoli", PASSWORDS["daoli"])
    assert not at.exception
    assert [t.value for t in at.title] == ["地图浏览"]
    assert at.multiselect(key="explorer_districts").options == ["道里区"]
    assert any("daoli" in c.value for c in at.sidebar.caption)


def _admin(cluster, url: str) -> Project:
    return Project(PostGISStore(url, password=cluster.admin_password))


def test_street_account_registry_lists_only_its_facilities(pg_cluster, app_url, monkeypatch):
    at = _sign_in(_app(app_url, monkeypatch), "street1", PASSWORDS["street1"])
    at = open_page(at, "registry")
    assert not at.exception
    waiting = at.dataframe[0].value
    own = _admin(pg_cluster, app_url).layer("communities")
    street_code = own[own["community_id"].isin(waiting.iloc[:, 4])]["street_code"].unique()
    assert len(waiting) > 0 and len(street_code) == 1


def test_history_page_shows_the_accounts_changes(app_url, monkeypatch):
    at = _sign_in(_app(app_url, monkeypatch), "street1", PASSWORDS["street1"])
    at = open_page(at, "registry")
    facility = at.selectbox[0].options[0]
    at.text_input[0].set_value("街道产权")
    at.text_input[1].set_value("社区服务站")
    at = _button(at, "登记").click().run()
    assert not at.exception
    assert any(facility in s.value for s in at.success)
    at = open_page(at, "history")
    assert not at.exception
    table = at.dataframe[0].value
    assert "street1" in set(table["账号"]) and "housing_registry" in set(table["图层"])


def test_registry_page_on_a_geopackage(tmp_path, demo_project_path, monkeypatch):
    path = tmp_path / "P.gpkg"
    shutil.copyfile(demo_project_path, path)
    at = open_page(_app(str(path), monkeypatch), "registry")
    assert not at.exception
    n_waiting = len(at.dataframe[0].value)
    facility = at.selectbox[0].options[0]
    at.text_input[0].set_value("区政府产权")
    at.text_input[1].set_value("社区服务站")
    at = _button(at, "登记").click().run()
    assert not at.exception
    registry = Project.open(path).layer("housing_registry")
    assert registry["facility_id"].tolist() == [facility]
    assert len(at.dataframe[0].value) == n_waiting - 1
    history = open_page(at, "history")
    assert any("GeoPackage" in i.value for i in history.info)


def test_edit_from_a_stale_page_is_refused_naming_who_changed_it(pg_cluster, app_url, monkeypatch):
    """Art. 24, no lost edits: the registry changed after the page was drawn."""
    from geo_app.workflows.registry import register_housing

    at = _sign_in(_app(app_url, monkeypatch), "street1", PASSWORDS["street1"])
    at = open_page(at, "registry")
    waiting = at.selectbox[0].options
    # meanwhile the city registers one of the street's facilities itself
    register_housing(
        _admin(pg_cluster, app_url),
        waiting[-1],
        ownership="市政府产权",
        use="社区用房",
        registered_by="city",
        registered_at="2026-12-05",
    )
    at.selectbox[0].set_value(waiting[0])
    at.text_input[0].set_value("街道产权")
    at.text_input[1].set_value("社区服务站")
    at = _button(at, "登记").click().run()
    assert not at.exception
    assert any("geoapp_admin" in e.value and "nothing was written" in e.value for e in at.error)
    registry = _admin(pg_cluster, app_url).layer("housing_registry")
    assert waiting[0] not in set(registry["facility_id"])
    # the page now shows the new data: the same edit goes through
    at.selectbox[0].set_value(waiting[0])
    at.text_input[0].set_value("街道产权")
    at.text_input[1].set_value("社区服务站")
    at = _button(at, "登记").click().run()
    assert not at.error
    assert waiting[0] in set(_admin(pg_cluster, app_url).layer("housing_registry")["facility_id"])
