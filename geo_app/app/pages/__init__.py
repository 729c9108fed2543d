"""Pages of the Streamlit app, one thin module per page.

Each page module has a ``render() -> None`` function drawing the page. To add a page, write
``geo_app/pages/<name>.py`` and append a :class:`PageSpec` to :data:`PAGES` (its title is a
key of ``geo_app/i18n/messages.toml``); ``streamlit_app.py`` needs no change.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from geo_app.i18n import t
from geo_app.project import ProjectError


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


def guarded(render: Callable[[], None]) -> Callable[[], None]:
    """Wrap a page so that a project that cannot be read shows a message, not a traceback."""

    @functools.wraps(render)
    def page() -> None:
        try:
            render()
        except ProjectError as exc:
            st.error(str(exc))

    return page


def page_objects(lang: str) -> list[st.Page]:
    """``st.Page`` objects of :data:`PAGES` with titles in ``lang``, for ``st.navigation``."""
    pages = []
    for spec in PAGES:
        module = importlib.import_module(f"{__name__}.{spec.module}")
        pages.append(
            st.Page(
                guarded(module.render),
                title=t(spec.title_key, lang),
                icon=spec.icon,
                url_path=spec.url_path,
                default=spec.default,
            )
        )
    return pages
