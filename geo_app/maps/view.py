"""Folium maps of a project: one toggleable layer per GIS layer, escaped popups, a legend.

Pure functions, no Streamlit: the explorer page, reports and notebooks build their maps here.
The work is split in two steps so that the app can cache the expensive one:

1. :func:`~geo_app.maps.layers.prepare_layers` (in :mod:`geo_app.maps.layers`) filters layers to districts, limits large layers, simplifies,
   and turns each layer into a small GeoJSON dict whose only properties are a pre-escaped
   popup and tooltip (:class:`LayerView`; texts of :mod:`geo_app.maps.popups`, district and
   street codes shown by name).
2. :func:`build_map` puts the views on a map of :func:`geo_app.maps.frame.new_map` (wheel zoom
   after a click, offline Leaflet) over a basemap of :mod:`geo_app.maps.basemap` (offline by
   default), with a layer control and a legend. Big layers are drawn on a canvas.

The names of :mod:`geo_app.maps.layers`, :mod:`geo_app.maps.popups` and :mod:`geo_app.maps.frame`
that pages, reports and the
thematic maps use are importable from here too.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import folium
import geopandas as gpd
import numpy as np

from geo_app.i18n import layer_label, normalise_lang, t
from geo_app.maps import basemap as _basemap
from geo_app.maps import legend as shortfall_legend
from geo_app.maps.basemap import BASEMAPS as BASEMAPS
from geo_app.maps.basemap import DEFAULT_BASEMAP as DEFAULT_BASEMAP
from geo_app.maps.basemap import BasemapChoice
from geo_app.maps.frame import HARBIN_CENTRE as HARBIN_CENTRE
from geo_app.maps.frame import LEAFLET_DIR as LEAFLET_DIR
from geo_app.maps.frame import MAP_HEIGHT as MAP_HEIGHT
from geo_app.maps.frame import Legend as Legend
from geo_app.maps.frame import Map as Map
from geo_app.maps.frame import canvas_renderer, finish_map, new_map
from geo_app.maps.frame import inline_leaflet as inline_leaflet
from geo_app.maps.frame import use_leaflet_assets as use_leaflet_assets
from geo_app.maps.layers import DEFAULT_MAX_FEATURES as DEFAULT_MAX_FEATURES
from geo_app.maps.layers import FILL_FIELD as FILL_FIELD
from geo_app.maps.layers import LARGE_LAYERS as LARGE_LAYERS
from geo_app.maps.layers import LAYER_STYLES as LAYER_STYLES
from geo_app.maps.layers import MAP_LAYERS as MAP_LAYERS
from geo_app.maps.layers import LayerStyle as LayerStyle
from geo_app.maps.layers import LayerView as LayerView
from geo_app.maps.layers import drawable as drawable
from geo_app.maps.layers import drawable_geometries as drawable_geometries
from geo_app.maps.layers import filter_to_districts as filter_to_districts
from geo_app.maps.layers import geometry_kind as geometry_kind
from geo_app.maps.layers import layer_notes as layer_notes
from geo_app.maps.layers import light_view as light_view
from geo_app.maps.layers import prepare_layer as prepare_layer
from geo_app.maps.layers import prepare_layers as prepare_layers
from geo_app.maps.layers import with_fills as with_fills
from geo_app.maps.layers import with_popup_fields as with_popup_fields
from geo_app.maps.popups import TOOLTIP_FIELD as TOOLTIP_FIELD
from geo_app.maps.popups import format_value as format_value
from geo_app.maps.popups import popup_html as popup_html
from layers.crs import wgs84_to_gcj02


# -- the map ----------------------------------------------------------------------------------
def legend_html(
    views: Sequence[LayerView],
    lang: str = "zh",
    *,
    title: str | None = None,
    label: Callable[[str], str] | None = None,
) -> str:
    """HTML of the legend: a coloured swatch and the label of each layer (escaped).

    ``title`` (default: 图例 / Legend) and ``label`` (layer name -> label, default: the layer's
    label in ``lang``) let thematic maps reuse it. Areas show their fill tint, lines of weight 4
    or more a thicker bar.
    """
    label = label or (lambda name: layer_label(name, lang))
    items = []
    for view in views:
        colour = html.escape(view.style.colour)
        if view.geom_kind == "point":
            swatch = f"border-radius:50%;background:{colour};width:10px;height:10px;"
        elif view.geom_kind == "line":
            height = 4 if view.style.weight >= 4 else 3
            swatch = f"background:{colour};width:16px;height:{height}px;"
        else:
            opacity = max(view.style.fill_opacity, 0.0)
            swatch = (
                f"border:2px solid {colour};width:12px;height:10px;"
                f"background:color-mix(in srgb, {colour} {opacity * 100:.0f}%, transparent);"
            )
        items.append(
            f'<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
            f'<span style="display:inline-block;{swatch}"></span>'
            f"<span>{html.escape(label(view.name))}</span></div>"
        )
    title = t("explorer.legend", lang) if title is None else title
    return (
        '<div style="background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;'
        'box-shadow:0 1px 4px rgba(0,0,0,0.3);font-size:12px;line-height:1.3">'
        f"<b>{html.escape(title)}</b>{''.join(items)}</div>"
    )


COLOUR_FIELD = "_colour"
"""Feature property that overrides the layer colour of one feature (see :func:`feature_style`)."""
ZOOM_SNAP = 0.25
"""Zoom steps of the opening view: a quarter level, so that the map opens filled by the place
it opens on (whole levels leave up to half of it empty)."""
SHORTFALL_FILL_OPACITY = 0.55
"""Fill opacity of communities filled by their shortfall class (:data:`FILL_FIELD`)."""


def feature_style(style: LayerStyle, rim: str = "#ffffff") -> Callable[[dict], dict]:
    """Leaflet style of the features of a layer drawn with ``style``.

    Points are filled dots with a ``rim`` (white on the explorer, readable where dots crowd;
    dark on thematic maps); lines are stroked only; polygons are filled with
    ``style.fill_opacity``. A feature property :data:`COLOUR_FIELD` overrides the colour; a
    polygon's :data:`FILL_FIELD` (its shortfall class) its fill, at least
    :data:`SHORTFALL_FILL_OPACITY` opaque.
    """

    def by_geometry(feature: dict) -> dict:
        kind = str((feature.get("geometry") or {}).get("type", ""))
        props = feature.get("properties") or {}
        colour = props.get(COLOUR_FIELD) or style.colour
        if "Point" in kind:
            return {
                "color": rim,
                "weight": 1,
                "opacity": 0.9,
                "fill": True,
                "fillColor": colour,
                "fillOpacity": style.fill_opacity,
            }
        fill = "LineString" not in kind
        own = props.get(FILL_FIELD) if fill else None
        return {
            "color": colour,
            "weight": style.weight,
            "opacity": 0.9,
            "fill": fill,
            "fillColor": own or colour,
            "fillOpacity": (
                max(style.fill_opacity, SHORTFALL_FILL_OPACITY)
                if own
                else (style.fill_opacity if fill else 0.0)
            ),
        }

    return by_geometry


OUTLINE_PANE = "geo_app_outlines"
"""Leaflet pane of outlines drawn over a thematic map (district borders over the shortfall
choropleth): above the overlays (400), below markers (600), and not clickable, so that a click
inside a community opens the community's popup, not the district's."""
OUTLINE_PANE_Z = 450


def add_outline_pane(m: folium.Map) -> str:
    """Add :data:`OUTLINE_PANE` to ``m`` (pointer events off) and return its name."""
    folium.map.CustomPane(OUTLINE_PANE, z_index=OUTLINE_PANE_Z, pointer_events=False).add_to(m)
    return OUTLINE_PANE


def add_layer(
    m: folium.Map,
    view: LayerView,
    lang: str = "zh",
    *,
    title: str | None = None,
    style: Callable[[dict], dict] | None = None,
    show: bool | None = None,
    pane: str | None = None,
) -> folium.FeatureGroup:
    """Add one :class:`LayerView` to ``m`` as a toggleable, named ``FeatureGroup``.

    ``title`` (default: the layer's label in ``lang``), ``style`` (default: the view's style) and
    ``show`` (default: the style's) let thematic maps reuse this with their own labels and colours.
    With ``pane`` (e.g. :func:`add_outline_pane`) the layer is drawn into that pane without
    popups, tooltips or clicks: an outline over the features that answer.
    """
    name = title if title is not None else layer_label(view.name, lang)
    group = folium.FeatureGroup(
        name=html.escape(name), show=view.style.show if show is None else show
    )
    if view.shown:
        marker = None
        extra: dict = {}
        if view.has_points:  # also the points of a mixed layer: dots, not pin images
            marker = folium.CircleMarker(radius=view.style.radius)
        if view.style.large and view.geom_kind != "point":  # buildings, edges: one canvas
            extra["renderer"] = canvas_renderer(pane)
        answers = pane is None
        if not answers:
            extra.update(pane=pane, interactive=False)
        folium.GeoJson(
            view.geojson,
            name=view.name,
            marker=marker,
            style_function=style or feature_style(view.style),
            popup=folium.GeoJsonPopup(
                fields=[f"f{i}" for i in range(len(view.labels))],
                aliases=list(view.labels),
                max_width=420,
                class_name="geo-app-popup",
            )
            if view.labels and answers
            else None,
            tooltip=folium.GeoJsonTooltip(fields=[TOOLTIP_FIELD], labels=False)
            if answers
            else None,
            embed=True,
            **extra,
        ).add_to(group)
    group.add_to(m)
    return group


def focus_bounds(
    views: Sequence[LayerView], share: float = 0.96
) -> tuple[float, float, float, float] | None:
    """Box where the map opens: around the central ``share`` of the features.

    The planning inventories count (district and street outlines only when nothing else is
    there), and the box spans the quantiles of their centroids, so that a few remote villages
    do not zoom the map out to the whole municipality.
    """
    focus = [v for v in views if v.name not in ("districts", "streets") and v.shown]
    focus = focus or [v for v in views if v.shown]
    if not focus:
        return None
    xy = np.concatenate([v.centroids for v in focus])
    tail = (1.0 - share) / 2.0
    low, high = np.quantile(xy, [tail, 1.0 - tail], axis=0)
    if np.allclose(low, high):
        low, high = low - 0.005, high + 0.005
    return (float(low[0]), float(low[1]), float(high[0]), float(high[1]))


@dataclass(frozen=True)
class MapTheme:
    """How a thematic map names and draws its layers (see :func:`build_map`).

    Attributes
    ----------
    label : callable, optional
        Layer name -> label (layers are then all shown at first).
    legend_title : str, optional
        Title of the legend (default: 图例 / Legend).
    rim : str
        Rim colour of dots (:func:`feature_style`).
    """

    label: Callable[[str], str] | None = None
    legend_title: str | None = None
    rim: str = "#ffffff"


def in_datum(views: Sequence[LayerView], datum: str) -> list[LayerView]:
    """``views`` with coordinates in ``datum``: unchanged for ``wgs84``; for ``gcj02`` (Amap
    tiles) shifted with :func:`geo_app.maps.basemap.to_gcj02_geojson` so that they line up."""
    if datum != "gcj02":
        return list(views)
    out = []
    for view in views:
        shifted = _basemap.to_gcj02_geojson(view.geojson)
        centroids = view.centroids
        if len(centroids):
            lon, lat = wgs84_to_gcj02(centroids[:, 0], centroids[:, 1])
            centroids = np.column_stack([lon, lat])
        bounds = _basemap.to_gcj02_box(view.bounds) if view.bounds else None
        out.append(replace(view, geojson=shifted, centroids=centroids, bounds=bounds))
    return out


def build_map(
    views: Sequence[LayerView],
    lang: str = "zh",
    basemap: str | BasemapChoice = DEFAULT_BASEMAP,
    assets: str | None = None,
    legend: bool = True,
    *,
    theme: MapTheme | None = None,
    focus: Sequence[LayerView] | None = None,
    focus_share: float = 0.96,
) -> folium.Map:
    """Build a map from prepared layers: the explorer's, or a thematic one.

    Parameters
    ----------
    views : sequence of LayerView
        From :func:`prepare_layers`; each becomes a named, toggleable layer.
    lang : {"zh", "en"}
        Language of layer names, legend, popups.
    basemap : str or BasemapChoice
        One of :data:`geo_app.maps.basemap.BASEMAPS` (``"offline"`` draws the project's own streets
        and buildings when given as a :class:`~geo_app.maps.basemap.BasemapChoice` with them;
        ``"amap"`` shifts the overlays into GCJ-02; ``"none"``: no basemap).
    assets : str, optional
        ``None`` keeps folium's CDN links, ``"inline"`` embeds Leaflet
        (:func:`inline_leaflet`), any other string is the URL serving ``LEAFLET_DIR``
        (:func:`use_leaflet_assets`).
    legend : bool
        Add the :class:`Legend` control.
    theme : MapTheme, optional
        Labels, legend title and dot rims of a thematic map.
    focus, focus_share
        Layers the map opens on (default: all) and the central share of their features
        (:func:`focus_bounds`).

    Layers with nothing to draw are left out of the map, its layer control and its legend
    (:func:`~geo_app.maps.layers.layer_notes` gives the page's message about them).
    """
    choice = _basemap.as_choice(basemap)
    lang = normalise_lang(lang)
    theme = theme or MapTheme()
    m = new_map(lang=lang, zoom_snap=ZOOM_SNAP)
    _basemap.draw_basemap(m, choice, lang)
    views = [v for v in views if v.shown]  # nothing to draw: left out (see layer_notes)
    names = {id(v): v.name for v in views}
    focus_ids = {id(v) for v in (views if focus is None else focus)}
    shifted = in_datum(views, choice.datum)
    for original, view in zip(views, shifted, strict=True):
        add_layer(
            m,
            view,
            lang,
            title=None if theme.label is None else theme.label(names[id(original)]),
            style=feature_style(view.style, theme.rim),
            show=None if theme.label is None else True,
        )
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    if legend and views:
        Legend(legend_html(views, lang, title=theme.legend_title, label=theme.label)).add_to(m)
    if legend and any(v.filled for v in views):  # communities filled by their shortfall class
        Legend(shortfall_legend.legend_html(lang), kind="shortfall").add_to(m)
    chosen = [v for o, v in zip(views, shifted, strict=True) if id(o) in focus_ids] or shifted
    return finish_map(m, focus_bounds(chosen, share=focus_share), assets)


EXPLORER_FOCUS: tuple[str, ...] = ("communities",)
"""Layers the explorer opens on: the project's communities (others when it has none)."""
EXPLORER_FOCUS_SHARE = 0.9
"""Central share of the communities the explorer opens on: a few remote villages do not zoom
it out to the whole municipality."""


def explorer_focus(views: Sequence[LayerView]) -> list[LayerView]:
    """The views the explorer opens on (:data:`EXPLORER_FOCUS`; all views when none of them is
    drawn)."""
    return [v for v in views if v.name in EXPLORER_FOCUS and v.shown] or list(views)


def explorer_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    lang: str = "zh",
    basemap: str | BasemapChoice = DEFAULT_BASEMAP,
    district_codes: Iterable[str] = (),
    max_features: int | None = DEFAULT_MAX_FEATURES,
    assets: str | None = None,
) -> folium.Map:
    """One call from layers to map: :func:`prepare_layers` then :func:`build_map` (with the
    offline basemap of ``layers`` when ``basemap`` is ``"offline"``), opening on the
    communities (:func:`explorer_focus`)."""
    views = prepare_layers(layers, lang, district_codes, max_features)
    if basemap == "offline":
        box = focus_bounds(views, share=1.0)
        basemap = BasemapChoice("offline", _basemap.prepare_offline(layers, pad_box(box)))
    return build_map(
        views,
        lang=lang,
        basemap=basemap,
        assets=assets,
        focus=explorer_focus(views),
        focus_share=EXPLORER_FOCUS_SHARE,
    )


def pad_box(
    box: tuple[float, float, float, float] | None, pad: float = 0.02
) -> tuple[float, float, float, float] | None:
    """``box`` widened by ``pad`` degrees on every side (about 2 km by default)."""
    if box is None:
        return None
    return box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
