"""One view builder for every map kind: a small :class:`ThemeSpec` says what a kind draws.

A map kind (coverage and site selection, surveillance ...) is a spec: the style of each layer,
the columns of its popups and tooltips, the display function of its tables, the message
sections naming its layers and the legend title. :func:`prepare_view` turns one frame into a
:class:`~geo_app.maps.layers.LayerView` with escaped popup values and tooltips;
:func:`theme_map` draws the views with the kind's legend through
:func:`geo_app.maps.view.build_map`. A new map kind is a new spec, never a copy of the builder.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo_app.i18n import catalogue, normalise_lang, t
from geo_app.maps import view as maps
from geo_app.maps.popups import popup_label
from layers.crs import WGS84
from layers.field_values import is_blank

DOT_RIM = "#111827"
"""Dark rims: the dots of thematic maps sit on light fills."""

Table = Callable[[pd.DataFrame, str], pd.DataFrame]
"""A table and a language -> the table as shown (labels, rounding, headers)."""


def _raw_table(gdf: gpd.GeoDataFrame, fields: list[str], lang: str) -> pd.DataFrame:
    return pd.DataFrame(gdf[fields]).reset_index(drop=True)


@dataclass(frozen=True)
class ThemeSpec:
    """What one kind of map draws.

    Attributes
    ----------
    sections : tuple of str
        Message sections naming the layers: ``<section>.layer.<name>``, the first that exists.
    styles : mapping of str to LayerStyle
        Style of each layer.
    popup_fields : mapping of str to tuple of str
        Columns shown in the popup of each layer, in order (those present).
    display : callable
        ``display(table, lang)``: the popup table as shown.
    legend_title_key : str
        Message key of the legend title.
    tooltip_fields : mapping of str to str
        Column named in each layer's tooltip after its title (default ``default_tooltip``).
    default_tooltip : str
    simplify_deg : float
        Outline simplification of the layers (a style's ``simplify_deg`` wins).
    rows : callable
        ``rows(gdf, fields, lang)``: the popup table before :attr:`display` (default: the
        fields as they are).
    """

    sections: tuple[str, ...]
    styles: Mapping[str, maps.LayerStyle]
    popup_fields: Mapping[str, tuple[str, ...]]
    display: Table
    legend_title_key: str
    tooltip_fields: Mapping[str, str] = field(default_factory=dict)
    default_tooltip: str = "name"
    simplify_deg: float = 0.00001
    rows: Callable[[gpd.GeoDataFrame, list[str], str], pd.DataFrame] = _raw_table


def layer_title(spec: ThemeSpec, name: str, lang: str = "zh") -> str:
    """Label of a layer of ``spec`` (``<section>.layer.<name>``; the name when there is none)."""
    for section in spec.sections:
        key = f"{section}.layer.{name}"
        if key in catalogue():
            return t(key, lang)
    return name


def tooltips(spec: ThemeSpec, name: str, gdf: gpd.GeoDataFrame, lang: str) -> list[str]:
    """Escaped tooltip of each feature: the layer title and the feature's name or id."""
    title = layer_title(spec, name, lang)
    column = spec.tooltip_fields.get(name, spec.default_tooltip)
    if column not in gdf.columns:
        return [html.escape(title)] * len(gdf)
    sep = ":" if lang == "zh" else ": "
    return [html.escape(title if is_blank(v) else f"{title}{sep}{v}") for v in gdf[column].tolist()]


def prepare_view(
    spec: ThemeSpec,
    name: str,
    gdf: gpd.GeoDataFrame,
    lang: str = "zh",
    colours: Sequence[str] | None = None,
) -> maps.LayerView:
    """One layer of ``spec`` as a :class:`~geo_app.maps.layers.LayerView` with escaped popups.

    Parameters
    ----------
    spec : ThemeSpec
    name : str
        The layer (a key of ``spec.styles``).
    gdf : GeoDataFrame
        Its features, any CRS; features a web map cannot draw are left out and counted.
    lang : {"zh", "en"}
    colours : sequence of str, optional
        One colour per feature, overriding the layer colour.

    Returns
    -------
    LayerView
    """
    lang = normalise_lang(lang)
    style = spec.styles[name]
    if gdf.crs is not None and not gdf.crs.equals(WGS84):
        gdf = gdf.to_crs(WGS84)
    geoms, keep = maps.drawable_geometries(gdf.geometry.values)
    dropped = int((~keep).sum())
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))[keep]
    fields = [c for c in spec.popup_fields.get(name, ()) if c in gdf.columns]
    shown = spec.display(spec.rows(gdf, fields, lang), lang) if fields else pd.DataFrame()
    columns: dict[str, list[str]] = {maps.TOOLTIP_FIELD: tooltips(spec, name, gdf, lang)}
    empty = t("common.empty", lang)
    for i, column in enumerate(shown.columns):
        columns[f"f{i}"] = [html.escape(empty if is_blank(v) else str(v)) for v in shown[column]]
    if colours is not None:
        chosen = np.asarray(list(colours), dtype=object)[keep]
        columns[maps.COLOUR_FIELD] = [str(c) for c in chosen]
    ids = gdf["community_id"].astype(str).tolist() if "community_id" in gdf.columns else ()
    headers = [popup_label(c, lang) for c in shown.columns]
    simplify = style.simplify_deg or spec.simplify_deg
    view = maps.light_view(name, gdf, columns, headers, style, simplify, ids)
    view.dropped += dropped
    return view


def style_function(style: maps.LayerStyle) -> Callable[[dict], dict]:
    """Leaflet style of a thematic layer (dark dot rims; a feature's colour wins)."""
    return maps.feature_style(style, DOT_RIM)


def add_view(
    spec: ThemeSpec, m: folium.Map, view: maps.LayerView, lang: str = "zh"
) -> folium.FeatureGroup:
    """Add one prepared layer to ``m`` as a toggleable ``FeatureGroup`` named in ``lang``."""
    title = layer_title(spec, view.name, lang)
    return maps.add_layer(m, view, lang, title=title, style=style_function(view.style), show=True)


def legend_html(
    spec: ThemeSpec, views: Sequence[maps.LayerView], lang: str = "zh", title_key: str = ""
) -> str:
    """HTML of the legend: a swatch and the escaped label of each layer."""
    title = t(title_key or spec.legend_title_key, lang)
    return maps.legend_html(views, lang, title=title, label=lambda n: layer_title(spec, n, lang))


def theme_map(  # noqa: PLR0913 - the options of one map call, given by name
    spec: ThemeSpec,
    views: Sequence[maps.LayerView],
    lang: str = "zh",
    basemap: str | maps.BasemapChoice = maps.DEFAULT_BASEMAP,
    assets: str | None = None,
    focus: Sequence[maps.LayerView] | None = None,
    focus_share: float = 0.96,
    legend_title_key: str = "",
) -> folium.Map:
    """A folium map of prepared layers of ``spec`` with a layer control and its legend.

    Opens on the central ``focus_share`` of the features of ``focus`` (default: all views);
    ``basemap`` and ``assets`` are as in :func:`geo_app.maps.view.build_map`.
    """
    lang = normalise_lang(lang)
    return maps.build_map(
        views,
        lang,
        basemap,
        assets,
        theme=maps.MapTheme(
            label=lambda name: layer_title(spec, name, lang),
            legend_title=t(legend_title_key or spec.legend_title_key, lang),
            rim=DOT_RIM,
        ),
        focus=list(focus) if focus else list(views),
        focus_share=focus_share,
    )
