"""The Streamlit frame shared by all pages: language switch, project box, map display.

Pages (``geo_app/app/pages/*``) call :func:`current_lang`, :func:`require_project` and
:func:`show_map`; :mod:`geo_app.app.main` draws the sidebar with it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from geo_app import maps
from geo_app.app import map_component as map_component
from geo_app.app import state as state
from geo_app.i18n import DEFAULT_LANG, LANGUAGE_NAMES, LANGUAGES, normalise_lang, t
from geo_app.present import district_names as district_names
from geo_app.present.formatting import MISSING, blank_to_dash, is_blank, plain_number

LANG_KEY = "lang"
"""``st.session_state`` key of the language ("zh" or "en"), shared by all pages."""


def current_lang() -> str:
    """The language chosen in the sidebar (Chinese by default)."""
    return normalise_lang(st.session_state.get(LANG_KEY, DEFAULT_LANG))


def language_switch() -> str:
    """Sidebar radio 中文 / English bound to ``st.session_state["lang"]``; returns the language."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = DEFAULT_LANG
    st.sidebar.radio(
        "语言 / Language",
        LANGUAGES,
        format_func=LANGUAGE_NAMES.get,
        key=LANG_KEY,
        horizontal=True,
    )
    return current_lang()


def project_box(lang: str) -> None:
    """Sidebar box with the open project's name, city, standard set, file and layers."""
    box = st.sidebar.container(border=True)
    box.markdown(f"**{t('project.box_title', lang)}**")
    try:
        info = state.load_info()
    except state.ProjectError:
        box.warning(t("project.none", lang))
        return
    settings = info.settings
    sep = ":" if lang == "zh" else ": "
    box.markdown(
        f"{t('project.name', lang)}{sep}{settings.name}  \n"
        f"{t('project.city', lang)}{sep}{settings.city}  \n"
        f"{t('project.standard_set', lang)}{sep}`{settings.standard_set}`  \n"
        f"{t('project.layers', lang)}{sep}{len(info.counts)}"
    )
    if info.in_database:
        box.caption(f"{t('project.database', lang)}{sep}{info.path.stem}")
    else:
        box.caption(f"{t('project.file', lang)}{sep}{info.path.name}")


def district_options() -> pd.DataFrame:
    """The district list of every page (:func:`geo_app.present.district_names.district_options` of the
    open project): the same divisions, names and order everywhere."""
    layers = state.load_layers(("communities", "districts"))
    return district_names.district_options(layers.get("districts"), layers.get("communities"))


def require_project() -> state.ProjectInfo | None:
    """Project info, or ``None`` after showing why the project cannot be opened (no traceback).

    A page calls this first and returns early on ``None``.
    """
    message = state.project_error()
    if message is not None:
        st.error(message)
        return None
    return state.load_info()


def _percent_text(value: object) -> str:
    return MISSING if is_blank(value) else f"{float(value):.1f}%"


def screen_table(shown: pd.DataFrame, percent: Sequence[str] = ()):
    """What :func:`show_table` hands to ``st.dataframe``: no "None"/"nan", shares with "%".

    Text gaps become "—"; numeric columns stay numbers (they sort as numbers) and are styled:
    gaps as "—", ``percent`` columns (percentage points, 84.6) as "84.6%".
    """
    shown = blank_to_dash(shown)
    numeric = [
        c
        for c in shown.columns
        if pd.api.types.is_numeric_dtype(shown[c]) and shown[c].isna().any()
    ]
    styled = [c for c in dict.fromkeys([*numeric, *percent]) if c in shown.columns]
    if not styled or not shown.columns.is_unique:
        return shown
    formats = {c: _percent_text if c in percent else plain_number for c in styled}
    return shown.style.format(formats, na_rep=MISSING)


def show_table(
    shown: pd.DataFrame | None,
    empty_text: str,
    key: str | None = None,
    percent: Sequence[str] = (),
) -> None:
    """A sortable table of display values, or an info box saying ``empty_text`` when empty.

    ``percent``: columns holding percentage points (84.6), shown as "84.6%".
    """
    if shown is None or shown.empty:
        st.info(empty_text)
        return
    st.dataframe(screen_table(shown, percent), hide_index=True, width="stretch", key=key)


def show_frame(
    frame: pd.DataFrame | None,
    to_display,
    empty_text: str,
    key: str | None = None,
    percent: Sequence[str] = (),
):
    """`show_table` of ``to_display(frame)``, skipping the formatting of a missing or empty frame."""
    shown = None if frame is None or not len(frame) else to_display(frame)
    show_table(shown, empty_text, key, percent)


def leaflet_base_url() -> str:
    """URL of the vendored Leaflet, relative to the map component's frame.

    Streamlit serves the files of a declared component at ``/component/<name>/``; declaring
    ``geo_app/static/leaflet`` as a component (never rendered) makes the server hand out
    ``leaflet.js`` and ``leaflet.css`` itself, so the map needs no CDN. The map component's
    frame lives at ``/component/streamlit_folium.st_folium/index.html``, hence ``../``.
    """
    assets = components.declare_component("leaflet_assets", path=str(maps.LEAFLET_DIR))
    return f"../{assets.name}"


def show_map(
    m: maps.Map | Callable[[], maps.Map],
    height: int = 620,
    key: str = "map",
    cache_key: Hashable | None = None,
) -> None:
    """Show a folium map through streamlit-folium without rerunning the page on pan/zoom.

    With ``cache_key`` (everything the map shows: project version, language, filters...),
    ``m`` may be a callable building the map, and the rendered map is cached between reruns
    and sessions (:mod:`geo_app.app.map_component`).
    """
    from streamlit_folium import st_folium

    if cache_key is not None:
        build = m if callable(m) else (lambda: m)
        map_component.show(map_component.rendered(cache_key, build), height=height, key=key)
        return
    st_folium(
        m,
        height=height,
        use_container_width=True,
        returned_objects=[],
        key=key,
    )


def sign_in_form(lang: str, base_url: str) -> None:
    """The sign-in form of a database project; the password goes to the database only."""
    from geo_app.project.sign_in import sign_in

    st.title(t("signin.title", lang))
    st.caption(t("signin.intro", lang))
    with st.form("signin", clear_on_submit=True):  # the password field is emptied at once
        user = st.text_input(t("signin.user", lang), key="signin_user")
        password = st.text_input(t("signin.password", lang), type="password", key="signin_pw")
        submitted = st.form_submit_button(t("signin.submit", lang), type="primary")
    if submitted:
        try:
            st.session_state[state.SESSION_ACCOUNT] = sign_in(base_url, user, password)
        except state.ProjectError as exc:
            st.error(t("signin.failed", lang, error=exc))
            return
        st.rerun()


def account_box(lang: str) -> None:
    """Sidebar line with the signed-in account and a sign-out button."""
    account = st.session_state.get(state.SESSION_ACCOUNT)
    if account is None:
        return
    level = t(f"signin.level.{account.level}", lang)
    st.sidebar.caption(
        t("signin.signed_in", lang, user=account.user, level=level, unit=account.unit)
    )
    if st.sidebar.button(t("signin.sign_out", lang), key="signout"):
        st.session_state.pop(state.SESSION_ACCOUNT, None)
        st.rerun()
