"""The app's entry point: page config, sidebar, sign-in and ``st.navigation`` over the pages.

``streamlit_app.py`` calls :func:`run_app`. The frame shared by the pages is
:mod:`geo_app.app.frame`; the pages are :mod:`geo_app.app.pages`.
"""

from __future__ import annotations

import streamlit as st

from geo_app.app import frame, state
from geo_app.app.pages import page_objects
from geo_app.i18n import t


def run_app() -> None:
    """Entry point of ``streamlit_app.py``: page config, sidebar, sign-in, navigation."""
    lang = frame.language_switch()
    st.set_page_config(page_title=t("app.title", lang), page_icon="🗺️", layout="wide")
    base = state.base_location()
    if state.is_database_url(base) and state.SESSION_ACCOUNT not in st.session_state:
        frame.sign_in_form(lang, base)
        return
    navigation = st.navigation(page_objects(lang))
    st.sidebar.caption(t("app.title", lang))
    frame.account_box(lang)
    frame.project_box(lang)
    navigation.run()
