"""Folium maps of a project: one toggleable layer per GIS layer, escaped popups, a legend.

Pure functions, no Streamlit: the explorer page, reports and notebooks build their maps here.
The work is split in two steps so that the app can cache the expensive one:

1. :func:`prepare_layers` filters layers to districts, limits large layers, simplifies,
   and turns each layer into a small GeoJSON dict whose only properties are a pre-escaped
   popup and tooltip (:class:`LayerView`).
2. :func:`build_map` puts the views on a ``folium.Map`` with a basemap choice, a layer control
   and a legend.

Every attribute value shown in a popup or tooltip is escaped with :func:`html.escape` here,
because Leaflet inserts popup and tooltip content as HTML: a community called
``<img src=x onerror=alert(1)>`` is shown as that text and never runs.

Offline use: folium loads Leaflet from CDNs. :func:`use_leaflet_assets` points the map at a
served copy of the vendored Leaflet (``geo_app/static/leaflet``) and :func:`inline_leaflet`
embeds it into a standalone HTML file, so the layers show without internet; basemap tiles
are optional and the ``"none"`` basemap adds no tile layer at all.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from geo_app.i18n import field_label, layer_label, normalise_lang, t, value_label
from layers.schema import SCHEMAS

LEAFLET_DIR = Path(__file__).resolve().parent / "static" / "leaflet"
"""Vendored Leaflet 1.9.3 (BSD-2-Clause): ``leaflet.js``, ``leaflet.css``, ``images/``."""

HARBIN_CENTRE = (45.757, 126.642)
"""Map centre (lat, lon) used when a project has no features."""


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn.

    Parameters
    ----------
    colour : str
        Stroke (and fill) colour, also shown in the legend.
    weight : float
        Line width in pixels.
    fill_opacity : float
        Fill opacity of polygons and point markers (0 for outlines only).
    radius : float
        Radius in pixels of point markers.
    show : bool
        Whether the layer is switched on when the map opens.
    large : bool
        Large layers are limited to ``max_features`` features (see :func:`prepare_layers`).
    simplify_deg : float
        Simplification tolerance in degrees for lines and polygons (0: none).
    """

    colour: str
    weight: float = 1.5
    fill_opacity: float = 0.15
    radius: float = 5.0
    show: bool = True
    large: bool = False
    simplify_deg: float = 0.0


LAYER_STYLES: dict[str, LayerStyle] = {
    "districts": LayerStyle("#4b5563", weight=2.5, fill_opacity=0.0, simplify_deg=0.0003),
    "streets": LayerStyle("#7c3aed", weight=1.2, fill_opacity=0.0, simplify_deg=0.0001),
    "communities": LayerStyle("#2563eb", weight=1.0, fill_opacity=0.18),
    "public_spaces": LayerStyle("#16a34a", weight=2.0, fill_opacity=0.35),
    "buildings": LayerStyle("#92400e", weight=0.6, fill_opacity=0.4, show=False, large=True),
    "network_edges": LayerStyle("#6b7280", weight=1.0, show=False, large=True),
    "facilities": LayerStyle("#dc2626", fill_opacity=0.9, radius=5),
    "boiler_rooms": LayerStyle("#ea580c", fill_opacity=0.9, radius=6),
    "candidate_sites": LayerStyle("#0891b2", fill_opacity=0.9, radius=6),
    "cameras": LayerStyle("#111827", fill_opacity=0.9, radius=3, show=False, large=True),
}
"""Style of every map layer; the keys, in this order, are the layers the explorer shows
(polygons first so that points stay on top)."""

MAP_LAYERS: tuple[str, ...] = tuple(LAYER_STYLES)
LARGE_LAYERS: tuple[str, ...] = tuple(k for k, s in LAYER_STYLES.items() if s.large)
DEFAULT_MAX_FEATURES = 2000
"""Default limit of features drawn per large layer."""

BASEMAPS: dict[str, dict | None] = {
    "osm": {"tiles": "OpenStreetMap"},
    "positron": {
        # explicit URL: xyzservices' CartoDB entry now asks for an API key placeholder
        "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "attr": (
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
            'contributors &copy; <a href="https://carto.com/attributions">CARTO</a>'
        ),
        "subdomains": "abcd",
        "max_zoom": 20,
    },
    "none": None,
}
"""Basemap choices: folium ``TileLayer`` arguments, or ``None`` for no tile layer."""

TOOLTIP_FIELD = "_tip"
_MAX_POPUP_FIELDS = 14


# -- formatting and escaping ----------------------------------------------------------------
def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(layer: str, field_name: str, value: object, lang: str = "zh") -> str:
    """Display text (not yet escaped) of one attribute value.

    Missing values show as a dash, booleans as 是/否 (yes/no), floats with at most two
    decimals, coded values (facility kinds, Art. 8 rooms, era ...) with their labels.
    """
    if _is_missing(value):
        return t("common.empty", lang)
    if isinstance(value, bool | np.bool_):
        return t("common.yes" if value else "common.no", lang)
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:.2f}".rstrip("0")
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, str):
        return value_label(layer, field_name, value, lang)
    return str(value)


def popup_fields(layer: str, columns: Iterable[str]) -> list[str]:
    """Columns shown in the popup: schema fields first (in schema order), then the others."""
    columns = [c for c in columns if c != "geometry" and not str(c).startswith("_")]
    schema = SCHEMAS.get(layer)
    declared = [f for f in (schema.field_names if schema else []) if f in columns]
    others = [c for c in columns if c not in declared]
    return (declared + others)[:_MAX_POPUP_FIELDS]


def _title_of(layer: str, record: Mapping) -> str:
    schema = SCHEMAS.get(layer)
    for key in ("name", schema.id_field if schema else None):
        if key and key in record and not _is_missing(record[key]):
            return str(record[key])
    return ""


def popup_html(layer: str, record: Mapping, lang: str = "zh", fields: Sequence[str] = ()) -> str:
    """HTML of the popup of one feature: layer and name, then a table of labelled values.

    Every label and value is escaped with :func:`html.escape`, so the result is safe to
    insert as HTML whatever the attribute text contains.
    """
    lang = normalise_lang(lang)
    fields = list(fields) or popup_fields(layer, record.keys())
    title = _title_of(layer, record)
    head = html.escape(layer_label(layer, lang))
    if title:
        head += f": {html.escape(title)}" if lang == "en" else f":{html.escape(title)}"
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:6px">'
        f"{html.escape(field_label(layer, name, lang))}</th>"
        f"<td>{html.escape(format_value(layer, name, record.get(name), lang))}</td></tr>"
        for name in fields
    )
    return f'<div class="geo-app-popup"><b>{head}</b><table>{rows}</table></div>'


def tooltip_html(layer: str, record: Mapping, lang: str = "zh") -> str:
    """Escaped one-line tooltip: the feature's name (or identifier) and its layer."""
    title = _title_of(layer, record)
    label = layer_label(layer, lang)
    return html.escape(f"{title} ({label})" if title else label)


# -- filtering and preparing ----------------------------------------------------------------
def filter_to_districts(
    layers: Mapping[str, gpd.GeoDataFrame], district_codes: Iterable[str]
) -> dict[str, gpd.GeoDataFrame]:
    """Keep only the features in the districts ``district_codes`` (all when empty).

    Layers with a ``district_code`` column are filtered on it; the others (facilities,
    boiler rooms, cameras, buildings, network ...) spatially, keeping features that
    intersect the selected district polygons. Without a ``districts`` layer only the
    attribute filter can apply and the other layers are returned unchanged.
    """
    codes = {str(c) for c in district_codes}
    if not codes:
        return dict(layers)
    area = None
    districts = layers.get("districts")
    if districts is not None and "district_code" in districts.columns:
        chosen = districts[districts["district_code"].astype(str).isin(codes)]
        geoms = chosen.geometry[~(chosen.geometry.isna() | chosen.geometry.is_empty)]
        area = shapely.union_all(shapely.make_valid(geoms.values)) if len(geoms) else None
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, gdf in layers.items():
        if "district_code" in gdf.columns:
            out[name] = gdf[gdf["district_code"].astype(str).isin(codes)]
        elif area is None:
            out[name] = gdf
        else:
            hits = gdf.sindex.query(area, predicate="intersects")
            out[name] = gdf.iloc[np.sort(hits)]
    return out


@dataclass(eq=False)
class LayerView:
    """One layer ready for the map.

    Attributes
    ----------
    name : str
        Layer name (``communities`` ...).
    geojson : dict
        FeatureCollection whose features carry only escaped display texts: ``_tip`` (the
        tooltip) and ``f0, f1, ...`` (the popup values, labelled by ``labels``).
    total : int
        Features of the layer after the district filter.
    shown : int
        Features drawn (fewer than ``total`` when a large layer was limited).
    labels : tuple of str
        Escaped field labels of the popup values ``f0, f1, ...``.
    geom_kind : str
        ``"point"``, ``"line"`` or ``"polygon"`` (of the first feature).
    bounds : tuple or None
        ``(minx, miny, maxx, maxy)`` of the drawn features.
    centroids : numpy.ndarray
        ``(n, 2)`` lon/lat of the drawn features' centroids (where the map opens).
    """

    name: str
    geojson: dict
    total: int
    shown: int
    geom_kind: str = "polygon"
    bounds: tuple[float, float, float, float] | None = None
    labels: tuple[str, ...] = ()
    centroids: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    style: LayerStyle = field(default_factory=lambda: LayerStyle("#000000"))

    @property
    def truncated(self) -> bool:
        """Whether fewer features are drawn than the layer has."""
        return self.shown < self.total


def _records(name: str, gdf: gpd.GeoDataFrame) -> list[dict]:
    """Name and identifier of each feature (what tooltips show)."""
    schema = SCHEMAS.get(name)
    keys = [c for c in ("name", schema.id_field if schema else None) if c and c in gdf.columns]
    return gdf[keys].to_dict("records") if keys else [{} for _ in range(len(gdf))]


def geometry_kind(geoms: gpd.GeoSeries) -> str:
    """``"point"``, ``"line"`` or ``"polygon"`` for a layer (polygon when mixed or empty)."""
    kinds = set(geoms.geom_type.dropna())
    if kinds and all("Point" in k for k in kinds):
        return "point"
    if kinds and all("LineString" in k for k in kinds):
        return "line"
    return "polygon"


def light_view(
    name: str,
    gdf: gpd.GeoDataFrame,
    columns: dict[str, list[str]],
    headers: Sequence[str],
    style: LayerStyle,
    simplify_deg: float,
) -> LayerView:
    """A :class:`LayerView` of ``gdf`` (WGS 84) carrying only ``columns`` (escaped texts).

    Non-point geometries are simplified by ``simplify_deg`` and coordinates rounded to 1e-6 deg so
    the GeoJSON sent to the page stays light; ``headers`` are the popup headers, escaped here.
    """
    geoms = gdf.geometry.values
    if len(geoms) and not (gdf.geom_type == "Point").all():
        geoms = shapely.simplify(geoms, simplify_deg, preserve_topology=True)
    light = gpd.GeoDataFrame(
        columns,
        geometry=shapely.transform(geoms, lambda xy: np.round(xy, 6)),
        crs="EPSG:4326",
    )
    return LayerView(
        name=name,
        geojson=light.to_geo_dict(drop_id=True),
        total=len(light),
        shown=len(light),
        geom_kind=geometry_kind(gdf.geometry),
        bounds=tuple(float(v) for v in light.total_bounds) if len(light) else None,
        labels=tuple(html.escape(str(c)) for c in headers),
        centroids=shapely.get_coordinates(shapely.centroid(light.geometry.values)),
        style=style,
    )


def _geom_kind(geoms: gpd.GeoSeries) -> str:
    if geoms.empty:
        return "polygon"
    kind = str(geoms.iloc[0].geom_type)
    if "Point" in kind:
        return "point"
    return "line" if "LineString" in kind else "polygon"


def _light_geometry(geoms: gpd.GeoSeries, tolerance: float) -> np.ndarray:
    values = geoms.values
    if tolerance > 0:
        values = shapely.simplify(values, tolerance, preserve_topology=True)
    return shapely.transform(values, lambda xy: np.round(xy, 6))


def prepare_layer(
    name: str,
    gdf: gpd.GeoDataFrame,
    lang: str = "zh",
    max_features: int | None = DEFAULT_MAX_FEATURES,
) -> LayerView:
    """Turn one layer into a :class:`LayerView` (escaped popups, light geometry).

    Large layers (``LayerStyle.large``) keep their first ``max_features`` features.
    Features with missing or empty geometry are dropped.
    """
    style = LAYER_STYLES.get(name, LayerStyle("#000000"))
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    total = len(gdf)
    if style.large and max_features is not None and total > max_features:
        gdf = gdf.iloc[:max_features]
    fields = popup_fields(name, gdf.columns)
    columns: dict[str, list[str]] = {
        TOOLTIP_FIELD: [tooltip_html(name, r, lang) for r in _records(name, gdf)]
    }
    for i, column in enumerate(fields):
        columns[f"f{i}"] = [
            html.escape(format_value(name, column, v, lang)) for v in gdf[column].tolist()
        ]
    light = gpd.GeoDataFrame(
        columns,
        geometry=_light_geometry(gdf.geometry, style.simplify_deg),
        crs="EPSG:4326",
    )
    bounds = tuple(float(v) for v in light.total_bounds) if len(light) else None
    return LayerView(
        name=name,
        geojson=light.to_geo_dict(drop_id=True),
        labels=tuple(html.escape(field_label(name, c, lang)) for c in fields),
        total=total,
        shown=len(light),
        geom_kind=_geom_kind(gdf.geometry),
        bounds=bounds,
        centroids=shapely.get_coordinates(shapely.centroid(light.geometry.values)),
        style=style,
    )


def _has_geometry(frame: object) -> bool:
    if not isinstance(frame, gpd.GeoDataFrame):
        return False
    try:
        frame.geometry  # noqa: B018 - raises when there is no active geometry column
    except AttributeError:
        return False
    return True


def prepare_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    lang: str = "zh",
    district_codes: Iterable[str] = (),
    max_features: int | None = DEFAULT_MAX_FEATURES,
) -> list[LayerView]:
    """Filter to districts and prepare every map layer present, in :data:`MAP_LAYERS` order.

    Tables without geometry are skipped.
    """
    present = {k: v for k, v in layers.items() if k in LAYER_STYLES and _has_geometry(v)}
    filtered = filter_to_districts(present, district_codes)
    return [
        prepare_layer(name, filtered[name], lang, max_features)
        for name in MAP_LAYERS
        if name in filtered
    ]


# -- the map ----------------------------------------------------------------------------------
class Legend(MacroElement):
    """A Leaflet control (bottom left) listing layers with their colours."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomleft"});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create("div", "geo-app-legend");
            div.innerHTML = {{ this.html | tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html_text


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


def feature_style(style: LayerStyle, rim: str = "#ffffff") -> Callable[[dict], dict]:
    """Leaflet style of the features of a layer drawn with ``style``.

    Points are filled dots with a ``rim`` (white on the explorer, readable where dots crowd;
    dark on thematic maps); lines are stroked only; polygons are filled with
    ``style.fill_opacity``. A feature property :data:`COLOUR_FIELD` overrides the colour.
    """

    def by_geometry(feature: dict) -> dict:
        kind = str((feature.get("geometry") or {}).get("type", ""))
        colour = (feature.get("properties") or {}).get(COLOUR_FIELD) or style.colour
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
        return {
            "color": colour,
            "weight": style.weight,
            "opacity": 0.9,
            "fill": fill,
            "fillColor": colour,
            "fillOpacity": style.fill_opacity if fill else 0.0,
        }

    return by_geometry


def add_layer(
    m: folium.Map,
    view: LayerView,
    lang: str = "zh",
    *,
    title: str | None = None,
    style: Callable[[dict], dict] | None = None,
    show: bool | None = None,
) -> folium.FeatureGroup:
    """Add one :class:`LayerView` to ``m`` as a toggleable, named ``FeatureGroup``.

    ``title`` (default: the layer's label in ``lang``), ``style`` (default: the view's style) and
    ``show`` (default: the style's) let thematic maps reuse this with their own labels and colours.
    """
    name = title if title is not None else layer_label(view.name, lang)
    group = folium.FeatureGroup(
        name=html.escape(name), show=view.style.show if show is None else show
    )
    if view.shown:
        marker = None
        if view.geom_kind == "point":
            marker = folium.CircleMarker(radius=view.style.radius)
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
            if view.labels
            else None,
            tooltip=folium.GeoJsonTooltip(fields=[TOOLTIP_FIELD], labels=False),
            embed=True,
        ).add_to(group)
    group.add_to(m)
    return group


def use_leaflet_assets(m: folium.Map, base_url: str) -> folium.Map:
    """Load Leaflet from ``base_url`` (serving ``LEAFLET_DIR``) instead of the CDNs.

    Only Leaflet itself is loaded: the explorer uses no jQuery, Bootstrap or awesome-markers,
    so nothing else has to come from the internet.
    """
    base = base_url.rstrip("/")
    m.default_js = [("leaflet", f"{base}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{base}/leaflet.css")]
    return m


@cache
def _leaflet_sources() -> tuple[str, str]:
    return (
        (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8"),
        (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8"),
    )


def inline_leaflet(m: folium.Map) -> folium.Map:
    """Embed the vendored Leaflet into the page, for standalone HTML files used offline."""
    js, css = _leaflet_sources()
    m.default_js = []
    m.default_css = []
    header = m.get_root().header
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_inline")
    return m


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


def build_map(
    views: Sequence[LayerView],
    lang: str = "zh",
    basemap: str = "osm",
    assets: str | None = None,
    legend: bool = True,
    *,
    label: Callable[[str], str] | None = None,
    legend_title: str | None = None,
    rim: str = "#ffffff",
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
    basemap : {"osm", "positron", "none"}
        Tile layer; ``"none"`` adds no tile layer (the layers are embedded and still show).
    assets : str, optional
        ``None`` keeps folium's CDN links, ``"inline"`` embeds Leaflet
        (:func:`inline_leaflet`), any other string is the URL serving ``LEAFLET_DIR``
        (:func:`use_leaflet_assets`).
    legend : bool
        Add the :class:`Legend` control.
    label, legend_title, rim
        Thematic maps: layer name -> label (layers are then all shown at first), the legend's
        title and the rim colour of dots (:func:`feature_style`).
    focus, focus_share
        Layers the map opens on (default: all) and the central share of their features
        (:func:`focus_bounds`).
    """
    if basemap not in BASEMAPS:
        known = ", ".join(BASEMAPS)
        raise ValueError(
            f"未知底图 {basemap!r},可选:{known} / unknown basemap {basemap!r}: {known}"
        )
    lang = normalise_lang(lang)
    m = folium.Map(location=HARBIN_CENTRE, zoom_start=11, tiles=None, control_scale=True)
    tiles = BASEMAPS[basemap]
    if tiles is not None:
        folium.TileLayer(name=t(f"basemap.{basemap}", lang), control=False, **tiles).add_to(m)
    for view in views:
        add_layer(
            m,
            view,
            lang,
            title=None if label is None else label(view.name),
            style=feature_style(view.style, rim),
            show=None if label is None else True,
        )
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    if legend and views:
        Legend(legend_html(views, lang, title=legend_title, label=label)).add_to(m)
    box = focus_bounds(views if focus is None else focus, share=focus_share)
    if box is not None:
        m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    if assets == "inline":
        inline_leaflet(m)
    elif assets:
        use_leaflet_assets(m, assets)
    return m


def explorer_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    lang: str = "zh",
    basemap: str = "osm",
    district_codes: Iterable[str] = (),
    max_features: int | None = DEFAULT_MAX_FEATURES,
    assets: str | None = None,
) -> folium.Map:
    """One call from layers to map: :func:`prepare_layers` then :func:`build_map`."""
    views = prepare_layers(layers, lang, district_codes, max_features)
    return build_map(views, lang=lang, basemap=basemap, assets=assets)
