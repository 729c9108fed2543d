"""Streamlit controls shared by the map pages: the basemap choice and the export-map buttons.

* :func:`basemap_select` lists the basemaps of :mod:`geo_app.maps.basemap`, the offline one first
  (the default on every page);
* :func:`basemap_choice` turns the choice into a :class:`~geo_app.maps.basemap.BasemapChoice` with
  what it needs: the project's offline basemap (cached per project file version) or the
  Tianditu key of the settings (``parameters.tianditu_key``) or the environment;
* :func:`export_buttons` offers the map on screen as PNG and PDF files
  (:func:`geo_app.maps.export.export_map`), drawn only when a planner clicks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from geo_app import maps
from geo_app.app import caches
from geo_app.app import state as state
from geo_app.i18n import t
from geo_app.maps import LayerView
from geo_app.maps import basemap as basemap
from geo_app.maps import export_options as map_export
from geo_app.maps import thematic as maps_thematic


def offline_basemap() -> basemap.OfflineBasemap:
    """The offline basemap of the open project (cached per project file version)."""
    return caches.offline_basemap(state.load_info().key)


COMMUNITY_VIEWS = maps_thematic.COMMUNITY_VIEWS
"""Map layers of communities whose popups show the verdict and shortfall."""


def with_verdicts(views: Sequence[LayerView], lang: str) -> list[LayerView]:
    """``views`` whose community popups and tooltips carry the verdict (未达标 / 达标 ...) and the
    shortfall under the project's standard, and whose communities are filled by their
    shortfall class (:func:`geo_app.maps.thematic.with_shortfall`; compliance cached per
    project file version)."""
    verdicts, fills = caches.verdicts(state.load_info().key, lang)
    if not verdicts:
        return list(views)
    return maps_thematic.with_shortfall(views, verdicts, fills, lang)


def map_notes(
    views: Sequence[LayerView], lang: str, label: Callable[[str], str] | None = None
) -> None:
    """What the map leaves out (:func:`geo_app.maps.layer_notes`): features whose geometry cannot
    be drawn, layers with nothing to draw, a map with nothing on it."""
    show_notes(maps.layer_notes(views, lang, label))


def show_notes(notes: Sequence[str]) -> None:
    """The notes of :func:`map_notes` (already written), in one box."""
    if notes:
        st.info("  \n".join(notes), icon=":material/layers_clear:")


def basemap_select(lang: str, key: str, container=st) -> str:
    """A select box of the basemaps, the offline one chosen at first."""
    names = list(basemap.BASEMAPS)
    return container.selectbox(
        t("explorer.basemap", lang),
        names,
        index=names.index(basemap.DEFAULT_BASEMAP),
        format_func=lambda name: t(f"basemap.{name}", lang),
        help=t("basemap.help", lang),
        key=key,
    )


def _tianditu_key() -> str | None:
    """The Tianditu key of the open project's settings or of the environment."""
    return basemap.tianditu_key(state.load_info().settings.parameters)


def usable_basemap(name: str, lang: str) -> str:
    """``name``, or the offline basemap (with a warning) for Tianditu without a key."""
    if name == "tianditu" and not _tianditu_key():
        st.warning(t("basemap.tianditu_no_key", lang, env=basemap.TIANDITU_ENV))
        return "offline"
    return name


def basemap_choice(name: str, lang: str) -> basemap.BasemapChoice:
    """The basemap ``name`` with what it needs (:func:`usable_basemap` first: Tianditu without
    a key warns and falls back to the offline basemap)."""
    name = usable_basemap(name, lang)
    if name == "tianditu":
        return basemap.BasemapChoice("tianditu", key=_tianditu_key())
    if name == "offline":
        return basemap.BasemapChoice("offline", offline_basemap())
    return basemap.BasemapChoice(name)


def _export_map(*args) -> bytes:
    """:func:`geo_app.maps.export.export_map`, imported on the click (matplotlib is slow)."""
    from geo_app.maps.export import export_map

    return export_map(*args)


def export_buttons(
    views: Sequence[LayerView] | Callable[[], Sequence[LayerView]],
    lang: str,
    key: str,
    title: str = "",
    label: Callable[[str], str] | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> None:
    """导出地图: PNG and PDF download buttons of the map of ``views`` (drawn on click), over
    ``box`` (default: where the map opens). ``views`` may be a callable giving them on the
    click (a page whose map came from the map store has not prepared them)."""

    def render(fmt: str) -> Callable[[], bytes]:
        options = map_export.ExportOptions(fmt=fmt, lang=lang, title=title)
        shown = views if callable(views) else (lambda: views)
        return lambda: _export_map(shown(), options, offline_basemap(), label, box)

    columns = st.columns([1, 1, 4])
    for column, fmt in zip(columns, map_export.FORMATS, strict=False):
        column.download_button(
            t(f"map_export.button_{fmt}", lang),
            data=render(fmt),
            file_name=map_export.file_name(key, fmt),
            mime=map_export.FORMATS[fmt],
            key=f"{key}_export_{fmt}",
            disabled=not callable(views) and not views,
            on_click="ignore",
            icon=":material/map:",
        )


@dataclass(frozen=True)
class PlanningMapPanel:
    """What differs between the planning pages' maps (coverage, site selection)."""

    key: str
    """Widget key of the map; the basemap select box and the export buttons derive theirs."""
    focus: tuple[str, ...]
    """Layers the map opens on (see :func:`geo_app.maps.planning.planning_map`)."""
    legend_title_key: str
    title_key: str
    focus_share: float = 0.96


def show_planning_map(
    panel: PlanningMapPanel,
    views: Sequence[LayerView],
    basemap_name: str,
    cache_key: tuple,
    lang: str,
) -> None:
    """A planning page's map: cached drawing with the chosen basemap, then the export buttons."""
    from geo_app.app import frame as ui
    from geo_app.maps import planning as maps_planning

    map_notes(views, lang, lambda name: maps_planning.layer_title(name, lang))
    choice = basemap_choice(basemap_name, lang)
    assets = ui.leaflet_base_url()
    ui.show_map(
        lambda: maps_planning.planning_map(
            views,
            lang=lang,
            basemap=choice,
            assets=assets,
            focus=panel.focus,
            legend_title_key=panel.legend_title_key,
            focus_share=panel.focus_share,
        ),
        height=maps.MAP_HEIGHT,
        key=panel.key,
        cache_key=(*cache_key, basemap_name),
    )
    focus = [v for v in views if v.name in panel.focus]
    export_buttons(
        views,
        lang,
        panel.key,
        t(panel.title_key, lang),
        lambda name: maps_planning.layer_title(name, lang),
        maps.focus_bounds(focus or views, share=panel.focus_share),
    )
