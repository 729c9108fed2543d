"""The data-readiness panel of the explorer and compliance pages (:mod:`geo_app.workflows.readiness`).

One expander: the headline (gaps, assumptions, estimates), one row per item with the steps to
fill it, the data source and the lines of an OpenStreetMap import report. Open when data is
missing; a caption when the data is complete.
"""

from __future__ import annotations

import streamlit as st

from geo_app.app import state as state
from geo_app.i18n import t
from geo_app.workflows.readiness import Readiness, data_readiness


@st.cache_data(max_entries=8, show_spinner=False)
def readiness(key: state.FileKey) -> Readiness:
    """The readiness of the project file version ``key`` (cached)."""
    return data_readiness(state.open_project(key))


def readiness_panel(info: state.ProjectInfo, lang: str, *, key: str) -> Readiness:
    """Draw the panel for the project of ``info``; ``key`` names the page's widgets."""
    ready = readiness(info.key)
    sep = "：" if lang == "zh" else ": "
    label = f"{t('readiness.title', lang)}{sep}{ready.headline(lang)}"
    if ready.ok:
        st.caption(label)
        return ready
    missing = bool(ready.by_level("missing"))
    with st.expander(label, expanded=missing):
        st.caption(t("readiness.intro", lang))
        st.dataframe(ready.to_frame(lang), hide_index=True, width="stretch", key=f"{key}_readiness")
        if ready.source:
            st.caption(t("readiness.source", lang, source=ready.source))
        if ready.import_report:
            st.markdown(f"**{t('readiness.import_report', lang)}**")
            st.markdown("\n".join(f"- {line}" for line in ready.import_report))
    return ready
