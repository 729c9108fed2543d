"""The page guard (issue 25): an unexpected error on a page shows a message with what to do and
keeps the traceback in the log; in the tests (``GEO_APP_SHOW_TRACEBACKS=1``) a bug keeps its
traceback; a planner's error is its message."""

from __future__ import annotations

import logging

from streamlit.testing.v1 import AppTest

from geo_app.app.pages import SHOW_TRACEBACKS_ENV, guarded
from geo_app.i18n import t


# -- the page guard ---------------------------------------------------------------------------
def _broken_page() -> None:
    from geo_app.app.pages import guarded as guard

    def render() -> None:
        import streamlit as st

        st.title("地图浏览")
        raise KeyError("coordinates")

    guard(render)()


def _planner_error_page() -> None:
    from geo_app.app.pages import guarded as guard
    from geo_app.project import ProjectError

    def render() -> None:
        raise ProjectError("项目文件不存在 / project file not found")

    guard(render)()


def test_an_unexpected_error_shows_a_message_not_a_traceback(monkeypatch, caplog):
    monkeypatch.setenv(SHOW_TRACEBACKS_ENV, "0")
    with caplog.at_level(logging.ERROR, logger="geo_app.app.pages"):
        at = AppTest.from_function(_broken_page, default_timeout=60).run()
    assert not at.exception  # no traceback on the page
    assert [e.value for e in at.title] == ["地图浏览"]  # what was drawn stays
    (message,) = [e.value for e in at.error]
    assert message == t("app.page_failed", "zh", error="KeyError: 'coordinates'")
    assert "项目数据没有被修改" in message and "刷新页面" in message  # what happened, what to do
    assert any("Traceback" in r.exc_text for r in caplog.records if r.exc_text)  # in the log


def test_in_the_tests_a_bug_keeps_its_traceback(monkeypatch):
    monkeypatch.setenv(SHOW_TRACEBACKS_ENV, "1")
    at = AppTest.from_function(_broken_page, default_timeout=60).run()
    assert at.exception and "coordinates" in at.exception[0].message


def test_a_planner_error_shows_its_message(monkeypatch):
    monkeypatch.setenv(SHOW_TRACEBACKS_ENV, "1")  # planner errors are messages even in tests
    at = AppTest.from_function(_planner_error_page, default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["项目文件不存在 / project file not found"]


def test_guard_keeps_the_page_function_name():
    def render() -> None:
        pass

    assert guarded(render).__name__ == "render"
