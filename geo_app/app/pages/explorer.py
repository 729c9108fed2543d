"""Map explorer: every layer of the project on one map, with a district filter.

One toggleable layer per GIS layer (layer control, top right), popups with the attributes
(escaped), a legend, a basemap choice (the layers show without tiles too) and the zh/en labels
of the sidebar language switch. Large layers start switched off and are limited.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from geo_app import maps
from geo_app.app import frame as ui
from geo_app.app import map_widgets as map_widgets
from geo_app.app import state as state
from geo_app.app.readiness_panel import readiness_panel
from geo_app.i18n import layer_label, t
from geo_app.present.district_names import option_names

LIMITS = (500, 1000, 2000, 5000, 10000)


def _district_options() -> dict[str, str]:
    """``{district_code: name}`` of the project's districts, sorted by code (the list of every
    page, :func:`geo_app.app.frame.district_options`)."""
    return option_names(ui.district_options())


def _is_sample(info: state.ProjectInfo) -> bool:
    """Whether the project holds the synthetic demo inventories (``source`` = 示例数据)."""
    for name in ("communities", "facilities"):
        if name in info.layers:
            layer = state.load_layer(name)
            if "source" in layer.columns:
                return bool(layer["source"].astype(str).str.startswith("示例数据").any())
    return False


def render() -> None:
    """Draw the explorer page."""
    lang = ui.current_lang()
    st.title(t("explorer.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("explorer.intro", lang))
    if _is_sample(info):
        st.info(t("app.sample_data", lang))
    readiness_panel(info, lang, key="explorer")

    options = _district_options()
    col_filter, col_base, col_limit = st.columns([4, 2, 2])
    selected = col_filter.multiselect(
        t("explorer.district_filter", lang),
        list(options),
        format_func=lambda code: options.get(code, code),
        placeholder=t("explorer.all_districts", lang),
        help=t("explorer.district_filter_help", lang),
        key="explorer_districts",
    )
    basemap = map_widgets.basemap_select(lang, "explorer_basemap", col_base)
    limit = col_limit.select_slider(
        t("explorer.max_features", lang),
        options=LIMITS,
        value=maps.DEFAULT_MAX_FEATURES,
        help=t("explorer.max_features_help", lang),
        key="explorer_limit",
    )

    as_of = None
    if "community_changes" in info.layers:  # Art. 7: communities in force on a date
        day = st.date_input(
            t("explorer.as_of", lang),
            value=date.today(),
            help=t("explorer.as_of_help", lang),
            key="explorer_as_of",
        )
        as_of = day.isoformat()
    views = state.map_views(lang, selected, limit, as_of=as_of)
    if not views:
        st.info(t("explorer.no_layers", lang))
        return
    for view in views:
        if view.truncated:
            label = layer_label(view.name, lang)
            st.caption(
                t("explorer.truncated", lang, layer=label, shown=view.shown, total=view.total)
            )

    map_widgets.map_notes(views, lang)
    views = map_widgets.with_verdicts(views, lang)
    choice = map_widgets.basemap_choice(basemap, lang)
    assets = ui.leaflet_base_url()
    focus = maps.explorer_focus(views)
    ui.show_map(
        lambda: maps.build_map(
            views,
            lang=lang,
            basemap=choice,
            assets=assets,
            focus=focus,
            focus_share=maps.EXPLORER_FOCUS_SHARE,
        ),
        height=maps.MAP_HEIGHT,
        key="explorer_map",
        cache_key=("explorer", info.key, lang, tuple(sorted(selected)), limit, as_of, basemap),
    )
    map_widgets.export_buttons(
        views,
        lang,
        "explorer_map",
        t("explorer.title", lang),
        box=maps.focus_bounds(focus, share=maps.EXPLORER_FOCUS_SHARE),
    )

    with st.expander(t("explorer.summary", lang)):
        table = pd.DataFrame(
            {
                t("explorer.col_layer", lang): [layer_label(v.name, lang) for v in views],
                t("explorer.col_total", lang): [v.total for v in views],
                t("explorer.col_shown", lang): [v.shown for v in views],
                t("explorer.col_visible", lang): [
                    t("common.yes" if v.style.show else "common.no", lang) for v in views
                ],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")
