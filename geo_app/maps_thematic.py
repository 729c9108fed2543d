"""Thematic folium maps: a choropleth of the usable-area shortfall of every community.

Pure functions, no Streamlit; built on the blocks of :mod:`geo_app.maps` (``LayerView``,
escaping, ``Legend``, offline Leaflet). The shortfall is the gap between the usable area a
community must have (Art. 11 by district class, Art. 12 per household for new developments,
Art. 36 for villages) and the area of its facilities, as computed by
:func:`analysis.compliance.check_compliance`.

Classes: communities without a shortfall are green, those below the standard are coloured in
:data:`SHORTFALL_COLOURS` by class of shortfall (breaks from :func:`shortfall_breaks`),
communities the standard does not assess are grey. Popups and tooltips carry the community
name, required/provided/shortfall m2 and the article, every value escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.compliance import is_missing
from analysis.standards import StandardSet
from geo_app import maps
from geo_app.i18n import normalise_lang, t
from geo_app.workflows import cite_rule, column_label, display_table

COMPLIANT_COLOUR = "#4daf4a"
"""Fill of communities without a shortfall."""
NOT_ASSESSED_COLOUR = "#bdbdbd"
"""Fill of communities the standard set does not assess."""
SHORTFALL_COLOURS: tuple[str, ...] = ("#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
"""Fills of the shortfall classes, light to dark (YlOrRd)."""

POPUP_FIELDS: tuple[str, ...] = (
    "community_id",
    "district",
    "street",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "status",
    "article",
    "rule_id",
)
"""Columns of the per-community table shown in a choropleth popup, in order."""

LAYER_NAME = "shortfall"


def shortfall_breaks(values: Sequence[float] | np.ndarray | pd.Series, n_classes: int = 5) -> list:
    """Upper bounds of the shortfall classes: quantiles of the positive shortfalls, rounded up.

    Zero and missing shortfalls are not classed (they are "compliant" and "not assessed").
    The ``k``-th bound is the ``k / n_classes`` quantile (linear interpolation) of the positive
    values, rounded up to a whole m2; duplicate bounds are merged, so fewer classes come back
    when the values are few or equal. The last bound is the largest shortfall (rounded up).

    Examples
    --------
    >>> shortfall_breaks([0, 10, 20, 30, 40, 50], 2)
    [30, 50]
    >>> shortfall_breaks([0, 0, float("nan")])
    []
    """
    if n_classes < 1:
        raise ValueError("n_classes 应至少为 1 / n_classes must be at least 1")
    arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    positive = arr[np.isfinite(arr) & (arr > 0)]
    if positive.size == 0:
        return []
    qs = np.quantile(positive, np.arange(1, n_classes + 1) / n_classes)
    out: list[int] = []
    for q in qs:
        bound = int(math.ceil(round(float(q), 6)))
        if not out or bound > out[-1]:
            out.append(bound)
    return out


def shortfall_class(values: Sequence[float] | np.ndarray | pd.Series, breaks: Sequence[float]):
    """Class of each shortfall: ``-1`` missing, ``0`` none (<= 0), ``k`` in ``(b[k-2], b[k-1]]``.

    Values above the last bound fall into the last class.
    """
    arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = np.full(arr.shape, -1, dtype=int)
    known = np.isfinite(arr)
    out[known & (arr <= 0)] = 0
    positive = known & (arr > 0)
    if len(breaks):
        idx = np.searchsorted(np.asarray(breaks, dtype=float), arr[positive], side="left")
        out[positive] = np.minimum(idx, len(breaks) - 1) + 1
    else:
        out[positive] = 1
    return out


def class_colours(n_breaks: int) -> list[str]:
    """Fill colours of ``n_breaks`` shortfall classes, spread over :data:`SHORTFALL_COLOURS`."""
    if n_breaks <= 0:
        return []
    if n_breaks >= len(SHORTFALL_COLOURS):
        return list(SHORTFALL_COLOURS) + [SHORTFALL_COLOURS[-1]] * (
            n_breaks - len(SHORTFALL_COLOURS)
        )
    pick = np.round(np.linspace(0, len(SHORTFALL_COLOURS) - 1, n_breaks)).astype(int)
    return [SHORTFALL_COLOURS[i] for i in pick]


def fill_colours(classes: np.ndarray, n_breaks: int) -> list[str]:
    """Fill colour of each class from :func:`shortfall_class`."""
    palette = [COMPLIANT_COLOUR] + (class_colours(n_breaks) or [SHORTFALL_COLOURS[-1]])
    return [NOT_ASSESSED_COLOUR if c < 0 else palette[min(c, len(palette) - 1)] for c in classes]


def _m2(value: float, lang: str) -> str:
    unit = "平方米" if lang == "zh" else "m2"
    return f"{value:,.0f} {unit}" if float(value).is_integer() else f"{value:,.1f} {unit}"


def legend_entries(breaks: Sequence[float], lang: str = "zh") -> list[tuple[str, str]]:
    """``(colour, label)`` of each legend row: no shortfall, the classes, not assessed."""
    lang = normalise_lang(lang)
    rows = [(COMPLIANT_COLOUR, t("compliance.legend_none", lang))]
    lower = 0.0
    for colour, upper in zip(class_colours(len(breaks)), breaks, strict=True):
        rows.append((colour, f"{_m2(lower, lang)} – {_m2(float(upper), lang)}"))
        lower = float(upper)
    rows.append((NOT_ASSESSED_COLOUR, t("compliance.legend_na", lang)))
    return rows


def legend_html(breaks: Sequence[float], lang: str = "zh") -> str:
    """HTML of the legend (title, one swatch per class), every text escaped."""
    items = "".join(
        '<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
        f'<span style="display:inline-block;width:14px;height:10px;background:{html.escape(c)};'
        f'border:1px solid #555"></span><span>{html.escape(label)}</span></div>'
        for c, label in legend_entries(breaks, lang)
    )
    return (
        '<div style="background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;'
        'box-shadow:0 1px 4px rgba(0,0,0,0.3);font-size:12px;line-height:1.3">'
        f"<b>{html.escape(t('compliance.legend_title', lang))}</b>{items}</div>"
    )


def _value(column: str, value: object, lang: str) -> str:
    if is_missing(value):
        return t("common.empty", lang)
    if column.endswith("_m2"):
        return _m2(float(value), lang)
    if column == "status":
        return str(display_table(pd.DataFrame({"status": [value]}), lang).iloc[0, 0])
    return maps.format_value("communities", column, value, lang)


def _name(record: dict) -> str:
    name = record.get("name")
    return str(record.get("community_id", "")) if is_missing(name) else str(name)


def tooltip_text(record: dict, lang: str = "zh") -> str:
    """Escaped tooltip: community name and its shortfall (or that it is not assessed)."""
    name = _name(record)
    shortfall = record.get("shortfall_m2")
    if is_missing(shortfall):
        text = f"{name}({t('compliance.legend_na', lang)})"
    else:
        sep = ":" if lang == "zh" else ": "
        text = f"{name}{sep}{t('compliance.col.shortfall_m2', lang)} {_m2(float(shortfall), lang)}"
    return html.escape(text)


def prepare_shortfall(
    table: gpd.GeoDataFrame,
    lang: str = "zh",
    breaks: Sequence[float] | None = None,
    n_classes: int = 5,
    standard: StandardSet | None = None,
) -> tuple[maps.LayerView, list]:
    """The per-community compliance table with polygons as a choropleth :class:`LayerView`.

    Parameters
    ----------
    table : GeoDataFrame
        :attr:`ComplianceResult.communities` joined to the community polygons
        (:func:`analysis.compliance.with_geometry`).
    lang : {"zh", "en"}
        Language of popups and tooltips.
    breaks : sequence of float, optional
        Class bounds; by default :func:`shortfall_breaks` of the table's shortfalls.
    standard : StandardSet, optional
        Cites the article in Chinese (第十一条第一款) and the rule by its title
        (:func:`geo_app.workflows.cite_rule`).

    Returns
    -------
    (LayerView, list)
        The view (GeoJSON properties: ``_tip`` tooltip, ``_fill`` colour, ``f0...`` escaped
        popup values labelled by ``labels``) and the breaks used.
    """
    lang = normalise_lang(lang)
    if table.crs is not None and not table.crs.equals("EPSG:4326"):
        table = table.to_crs("EPSG:4326")
    table = table[~(table.geometry.isna() | table.geometry.is_empty)]
    breaks = list(shortfall_breaks(table["shortfall_m2"], n_classes) if breaks is None else breaks)
    classes = shortfall_class(table["shortfall_m2"], breaks)
    records = table.drop(columns=table.geometry.name).to_dict("records")
    if standard is not None:
        for r in records:
            r["article"], r["rule_id"] = cite_rule(
                standard, r.get("rule_id"), r.get("article"), lang
            )
    fields = [c for c in POPUP_FIELDS if c in table.columns]
    columns: dict[str, list] = {
        "_tip": [tooltip_text(r, lang) for r in records],
        "_fill": fill_colours(classes, len(breaks)),
        "_name": [html.escape(_name(r)) for r in records],
    }
    for i, column in enumerate(fields):
        columns[f"f{i}"] = [html.escape(_value(column, r.get(column), lang)) for r in records]
    light = gpd.GeoDataFrame(
        columns,
        geometry=shapely.transform(table.geometry.values, lambda xy: np.round(xy, 6)),
        crs="EPSG:4326",
    )
    view = maps.LayerView(
        name=LAYER_NAME,
        geojson=light.to_geo_dict(drop_id=True),
        total=len(light),
        shown=len(light),
        geom_kind="polygon",
        bounds=tuple(float(v) for v in light.total_bounds) if len(light) else None,
        labels=tuple(html.escape(column_label(c, lang)) for c in fields),
        centroids=shapely.get_coordinates(shapely.centroid(light.geometry.values)),
        style=maps.LayerStyle("#333333", weight=0.6, fill_opacity=0.75),
    )
    return view, breaks


def _choropleth_style(feature: dict) -> dict:
    return {
        "color": "#333333",
        "weight": 0.6,
        "opacity": 0.9,
        "fill": True,
        "fillColor": feature["properties"].get("_fill", NOT_ASSESSED_COLOUR),
        "fillOpacity": 0.75,
    }


def shortfall_map(
    view: maps.LayerView,
    breaks: Sequence[float],
    lang: str = "zh",
    context: Sequence[maps.LayerView] = (),
    basemap: str = "none",
    assets: str | None = None,
) -> folium.Map:
    """A folium map of the shortfall choropleth with its legend and optional context layers.

    Parameters
    ----------
    view, breaks : from :func:`prepare_shortfall`.
    context : sequence of LayerView
        Other prepared layers (district outlines, street centres ...) drawn with
        :func:`geo_app.maps.add_layer`.
    basemap, assets : as in :func:`geo_app.maps.build_map`.
    """
    lang = normalise_lang(lang)
    if basemap not in maps.BASEMAPS:
        raise ValueError(f"未知底图 {basemap!r} / unknown basemap {basemap!r}")
    m = folium.Map(location=maps.HARBIN_CENTRE, zoom_start=11, tiles=None, control_scale=True)
    tiles = maps.BASEMAPS[basemap]
    if tiles is not None:
        folium.TileLayer(name=t(f"basemap.{basemap}", lang), control=False, **tiles).add_to(m)
    group = folium.FeatureGroup(name=html.escape(t("compliance.map_layer", lang)), show=True)
    if view.shown:
        folium.GeoJson(
            view.geojson,
            name=LAYER_NAME,
            style_function=_choropleth_style,
            popup=folium.GeoJsonPopup(
                fields=["_name", *[f"f{i}" for i in range(len(view.labels))]],
                aliases=[html.escape(column_label("name", lang)), *view.labels],
                max_width=420,
                class_name="geo-app-popup",
            ),
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
            embed=True,
        ).add_to(group)
    group.add_to(m)
    for other in context:  # outlines and points on top of the choropleth
        maps.add_layer(m, other, lang)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    maps.Legend(legend_html(breaks, lang)).add_to(m)
    box = maps.focus_bounds([view]) if view.shown else None
    if box is not None:
        m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    if assets == "inline":
        maps.inline_leaflet(m)
    elif assets:
        maps.use_leaflet_assets(m, assets)
    return m
