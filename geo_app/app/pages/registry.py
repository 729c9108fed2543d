"""Art. 14 registry: what waits for the street (register) and the district (file)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo_app.app import caches
from geo_app.app import frame as ui
from geo_app.app import state as state
from geo_app.i18n import t
from geo_app.present.platform_tables import registry_display
from geo_app.project import ProjectError
from geo_app.project.postgis.platform import EditConflictError, check_unchanged
from geo_app.workflows.registry import (
    file_housing,
    project_registry,
    register_housing,
    registry_waiting,
)
from layers.registry import REGISTRY_LAYER, RegistryError

FLASH = "registry_done"


def _done(message: str) -> None:
    """Show ``message`` after a rerun that draws the lists anew."""
    caches.clear()
    st.session_state[FLASH] = message
    st.rerun()


def _account_name() -> str:
    account = st.session_state.get(state.SESSION_ACCOUNT)
    return account.user if account is not None else "planner"


SEEN = "registry_seen"


def _unchanged(project) -> bool:
    """Whether the registry is as this session saw it (else a conflict message, Art. 24)."""
    try:
        check_unchanged(project.store, REGISTRY_LAYER, st.session_state.get(SEEN))
    except EditConflictError as exc:
        st.error(str(exc))
        return False
    return True


def _register_form(project, waiting, lang: str) -> None:
    with st.form("registry_register"):
        facility = st.selectbox(t("registry.facility", lang), waiting["facility_id"].tolist())
        ownership = st.text_input(t("registry.ownership", lang))
        use = st.text_input(t("registry.use", lang))
        area = st.number_input(t("registry.area", lang), min_value=0.0, value=None)
        day = st.date_input(t("registry.date", lang), value=date.today())
        if not st.form_submit_button(t("registry.register", lang), type="primary"):
            return
    if not _unchanged(project):
        return
    try:
        register_housing(
            project,
            facility,
            ownership=ownership,
            use=use,
            registered_by=_account_name(),
            registered_at=day,
            usable_area_m2=area,
        )
    except (RegistryError, ProjectError) as exc:
        st.error(str(exc))
        return
    _done(t("registry.done_register", lang, facility=facility))


def _file_form(project, waiting, lang: str) -> None:
    with st.form("registry_file"):
        chosen = st.multiselect(t("registry.facility", lang), waiting["facility_id"].tolist())
        civil = st.checkbox(t("registry.civil_affairs", lang), value=True)
        assets = st.checkbox(t("registry.state_assets", lang), value=True)
        day = st.date_input(t("registry.date", lang), value=date.today())
        if not st.form_submit_button(t("registry.file", lang), type="primary") or not chosen:
            return
    if not _unchanged(project):
        return
    try:
        file_housing(
            project,
            chosen,
            civil_affairs_at=day if civil else None,
            state_assets_at=day if assets else None,
        )
    except (RegistryError, ProjectError) as exc:
        st.error(str(exc))
        return
    _done(t("registry.done_file", lang, n=len(chosen)))


def render() -> None:
    """Draw the registry page."""
    lang = ui.current_lang()
    st.title(t("registry.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("registry.intro", lang))
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))
    project = state.open_project(info.key)
    registry = project_registry(project)  # read once for the three tabs
    waiting = registry_waiting(project, registry)
    street, district = waiting["street"], waiting["district"]
    tab_street, tab_district, tab_all = st.tabs(
        [
            t("registry.waiting_street", lang, n=len(street)),
            t("registry.waiting_district", lang, n=len(district)),
            t("registry.registered", lang, n=len(registry)),
        ]
    )
    with tab_street:
        ui.show_table(registry_display(street, lang), t("registry.nothing", lang), key="reg_street")
        if len(street):
            _register_form(project, street, lang)
    with tab_district:
        ui.show_table(
            registry_display(district, lang), t("registry.nothing", lang), key="reg_district"
        )
        if len(district):
            _file_form(project, district, lang)
    with tab_all:
        ui.show_table(
            registry_display(registry, lang),
            t("registry.nothing", lang),
            key="reg_all",
        )
    st.session_state[SEEN] = check_unchanged(project.store, REGISTRY_LAYER, None)
