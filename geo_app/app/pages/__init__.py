"""Pages of the Streamlit app, one thin module per page.

Each page module has a ``render() -> None`` function drawing the page. To add a page, write
``geo_app/pages/<name>.py`` and append a :class:`PageSpec` to :data:`PAGES` (its title is a
key of ``geo_app/i18n/messages.toml``); ``streamlit_app.py`` needs no change.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from geo_app.i18n import t
from layers.errors import PlannerError

__all__ = [
    "PAGES",
    "SHOW_TRACEBACKS_ENV",
    "PageSpec",
    "guarded",
    "page_objects",
]


@dataclass(frozen=True)
class PageSpec:
    """One page: module under ``geo_app.app.pages``, title message key, icon and URL path."""

    module: str
    title_key: str
    icon: str
    url_path: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("explorer", "explorer.title", ":material/map:", "explorer", default=True),
    PageSpec("compliance", "compliance.title", ":material/rule:", "compliance"),
    PageSpec("data", "data.title", ":material/upload_file:", "data"),
    PageSpec("surveillance", "surveillance.title", ":material/videocam:", "surveillance"),
    PageSpec("coverage", "coverage.title", ":material/radar:", "coverage"),
    PageSpec("site_selection", "site_selection.title", ":material/location_on:", "site-selection"),
    PageSpec("compare", "compare.title", ":material/compare:", "compare"),
    PageSpec("reports", "reports.title", ":material/description:", "reports"),
    PageSpec("registry", "registry.title", ":material/assignment:", "registry"),
    PageSpec("history", "history.title", ":material/history:", "history"),
)
"""Pages in menu order; the default page opens first."""


SHOW_TRACEBACKS_ENV = "GEO_APP_SHOW_TRACEBACKS"
"""Environment variable: ``1`` lets an unexpected error of a page through with its traceback
(the test suite sets it, so that a bug fails the tests instead of hiding behind the message)."""

LOG = logging.getLogger(__name__)


def guarded(render: Callable[[], None]) -> Callable[[], None]:
    """Wrap a page so that no error reaches the planner as a traceback.

    An error the planner can fix (:class:`~layers.errors.PlannerError`, a project that cannot
    be read ...) shows its message. Any other exception is a bug: its traceback goes to the
    log and the page shows what happened and what to do (``app.page_failed``), unless
    :data:`SHOW_TRACEBACKS_ENV` is ``1``. Streamlit's own control flow (``st.rerun``,
    ``st.stop``: ``BaseException``, not ``Exception``) passes through.
    """

    @functools.wraps(render)
    def page() -> None:
        try:
            render()
        except PlannerError as exc:
            st.error(str(exc))
        except Exception as exc:
            if os.environ.get(SHOW_TRACEBACKS_ENV) == "1":
                raise
            from geo_app.app.frame import current_lang

            LOG.exception("page %s failed", getattr(render, "__module__", render))
            st.error(
                t("app.page_failed", current_lang(), error=f"{type(exc).__name__}: {exc}"),
                icon=":material/error:",
            )

    return page


def lazy_render(module: str) -> Callable[[], None]:
    """The ``render`` of page ``module``, imported when the page is first drawn (a visit of
    the explorer does not load the libraries of the reports or the surveillance model)."""
    name = f"{__name__}.{module}"

    def render() -> None:
        importlib.import_module(name).render()

    render.__module__ = name
    render.__qualname__ = render.__name__ = f"{module}.render"
    return render


def page_objects(lang: str) -> list[st.Page]:
    """``st.Page`` objects of :data:`PAGES` with titles in ``lang``, for ``st.navigation``."""
    pages = []
    for spec in PAGES:
        pages.append(
            st.Page(
                guarded(lazy_render(spec.module)),
                title=t(spec.title_key, lang),
                icon=spec.icon,
                url_path=spec.url_path,
                default=spec.default,
            )
        )
    return pages
