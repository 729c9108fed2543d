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
from geo_app.app import map_component
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
    basemap = map_widgets.usable_basemap(basemap, lang)
    page = _explorer_map(info, lang, tuple(sorted(selected)), limit, as_of, basemap)
    if page.rendered is None:
        st.info(t("explorer.no_layers", lang))
        return
    for caption in page.extras["captions"]:
        st.caption(caption)
    map_widgets.show_notes(page.extras["notes"])
    map_component.show(page.rendered, height=maps.MAP_HEIGHT, key="explorer_map")
    map_widgets.export_buttons(
        lambda: map_widgets.with_verdicts(
            state.map_views(lang, selected, limit, as_of=as_of), lang
        ),
        lang,
        "explorer_map",
        t("explorer.title", lang),
        box=tuple(page.extras["box"]) if page.extras["box"] else None,
    )

    with st.expander(t("explorer.summary", lang)):
        columns = ("col_layer", "col_total", "col_shown", "col_visible")
        table = pd.DataFrame(
            page.extras["summary"], columns=[t(f"explorer.{c}", lang) for c in columns]
        )
        st.dataframe(table, hide_index=True, width="stretch")


def _explorer_map(
    info: state.ProjectInfo,
    lang: str,
    selected: tuple[str, ...],
    limit: int,
    as_of: str | None,
    basemap: str,
) -> map_component.PageMap:
    """The explorer's map and what the page shows beside it, built once per project version
    and choices and kept across server starts (:func:`geo_app.app.map_component.page_map`)."""
    assets = ui.leaflet_base_url()

    def build() -> tuple[maps.Map | None, dict]:
        views = state.map_views(lang, selected, limit, as_of=as_of)
        if not views:
            return None, {}
        extras = _beside_map(views, lang)
        views = map_widgets.with_verdicts(views, lang)
        focus = maps.explorer_focus(views)
        box = maps.focus_bounds(focus, share=maps.EXPLORER_FOCUS_SHARE)
        extras["box"] = list(box) if box else None
        m = maps.build_map(
            views,
            lang=lang,
            basemap=map_widgets.basemap_choice(basemap, lang),
            assets=assets,
            focus=focus,
            focus_share=maps.EXPLORER_FOCUS_SHARE,
        )
        return m, extras

    key = ("explorer", info.key, lang, selected, limit, as_of, basemap, assets)
    return map_component.page_map(key, build)


def _beside_map(views: list[maps.LayerView], lang: str) -> dict:
    """Texts beside the map: truncated layers, what the map leaves out, the layer summary."""
    captions = [
        t("explorer.truncated", lang, layer=layer_label(v.name, lang), shown=v.shown, total=v.total)
        for v in views
        if v.truncated
    ]
    summary = [
        [
            layer_label(v.name, lang),
            v.total,
            v.shown,
            t("common.yes" if v.style.show else "common.no", lang),
        ]
        for v in views
    ]
    return {"captions": captions, "notes": maps.layer_notes(views, lang), "summary": summary}
