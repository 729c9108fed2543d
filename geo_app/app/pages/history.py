"""Change history of a shared-database project (Art. 24): who changed what and when, restore."""

from __future__ import annotations

import streamlit as st

from geo_app.app import caches
from geo_app.app import frame as ui
from geo_app.app import state as state
from geo_app.i18n import layer_label, t
from geo_app.present.formatting import local_series
from geo_app.present.platform_tables import history_display
from geo_app.project.postgis.platform import history, restore_feature

SHOWN_ROWS = 300


def render() -> None:
    """Draw the history page."""
    lang = ui.current_lang()
    st.title(t("history.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("history.intro", lang))
    if not info.in_database:
        st.info(t("history.only_database", lang))
        return
    col_layer, col_fid = st.columns([3, 2])
    layers = [None, *info.layers]
    layer = col_layer.selectbox(
        t("history.layer", lang),
        layers,
        format_func=lambda n: t("history.all_layers", lang) if n is None else layer_label(n, lang),
        key="history_layer",
    )
    fid = col_fid.number_input(t("history.feature", lang), min_value=0, value=0, step=1)
    store = state.open_project(info.key).store
    table = history(store, layer=layer, fid=int(fid) or None, limit=SHOWN_ROWS)
    if table.empty:
        st.info(t("history.empty", lang))
        return
    shown = table.assign(changed_at=local_series(table["changed_at"]))  # Harbin time, not UTC
    ui.show_table(history_display(shown, lang), t("history.empty", lang), key="history_table")
    restorable = table[table["before"].notna()]
    if restorable.empty:
        return
    entry = st.selectbox(
        t("history.entry", lang),
        restorable["history_id"].tolist(),
        key="history_entry",
    )
    if st.button(t("history.restore", lang, id=entry), key="history_restore"):
        restore_feature(store, int(entry))
        row = restorable.set_index("history_id").loc[entry]
        st.success(t("history.restored", lang, layer=row["layer"], fid=row["fid"]))
        caches.clear()
