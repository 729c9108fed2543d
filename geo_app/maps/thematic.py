"""Thematic folium maps: a choropleth of the usable-area shortfall of every community.

Pure functions, no Streamlit; built on the blocks of :mod:`geo_app.maps` (``LayerView``,
escaping, ``Legend``, offline Leaflet). The shortfall is the gap between the usable area a
community must have (Art. 11 by district class, Art. 12 per household for new developments,
Art. 36 for villages) and the area of its facilities, as computed by
:func:`analysis.compliance.check_compliance`.

Classes: the fixed classes of :mod:`analysis.shortfall_classes` (none, < 50, 50-100, 100-200,
>= 200 m2, not assessed), with the legend of :mod:`geo_app.maps.legend`: the same colours
and labels on every page and in the reports. Popups and tooltips carry the community
name, required/provided/shortfall m2 and the article, every value escaped.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis import shortfall_classes as _classes
from analysis.compliance import is_missing, undecided_text
from analysis.shortfall_classes import (
    COMPLIANT_COLOUR as COMPLIANT_COLOUR,
)
from analysis.shortfall_classes import (
    NOT_ASSESSED_COLOUR,
    SHORTFALL_BOUNDS,
)
from analysis.shortfall_classes import (
    SHORTFALL_COLOURS as SHORTFALL_COLOURS,
)
from analysis.standards import StandardSet
from geo_app.i18n import normalise_lang, t
from geo_app.maps import basemap as basemap_module
from geo_app.maps import legend as shortfall_legend
from geo_app.maps import view as maps
from geo_app.maps.geojson import geo_dict
from geo_app.maps.popups import popup_label
from geo_app.present import cite_rule, column_label, display_table

POPUP_FIELDS: tuple[str, ...] = (
    "community_id",
    "district",
    "street",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "status",
    "undecided_reason",
    "article",
    "rule_id",
)
"""Columns of the per-community table shown in a choropleth popup, in order (the reason of an
undecided verdict is empty for the others)."""

LAYER_NAME = "shortfall"


def shortfall_breaks(values: object = None, n_classes: object = None) -> list[float]:
    """Bounds of the shortfall classes: the fixed :data:`~analysis.shortfall_classes.
    SHORTFALL_BOUNDS` of the standard, whatever the communities in view (``values`` and
    ``n_classes`` are accepted for older callers and ignored), so colours compare across maps.

    Examples
    --------
    >>> shortfall_breaks([0, 10, 2000])
    [50.0, 100.0, 200.0]
    """
    return list(SHORTFALL_BOUNDS)


def shortfall_class(values, breaks: object = None) -> np.ndarray:
    """Class of each shortfall (:func:`analysis.shortfall_classes.shortfall_class`)."""
    return _classes.shortfall_class(values)


def fill_colours(classes: Sequence[int] | np.ndarray, n_breaks: object = None) -> list[str]:
    """Fill colour of each class from :func:`shortfall_class`."""
    return [_classes.class_colour(int(c)) for c in classes]


def legend_entries(breaks: object = None, lang: str = "zh") -> list[tuple[str, str]]:
    """``(colour, label)`` of each legend row (:func:`geo_app.maps.legend.legend_entries`)."""
    return shortfall_legend.legend_entries(lang)


def legend_html(breaks: object = None, lang: str = "zh") -> str:
    """HTML of the shortfall legend, the same on every page
    (:func:`geo_app.maps.legend.legend_html`)."""
    return shortfall_legend.legend_html(lang)


_m2 = shortfall_legend.area_text


def _value(column: str, value: object, lang: str) -> str:
    if is_missing(value):
        return t("common.empty", lang)
    if column.endswith("_m2"):
        return _m2(float(value), lang)
    if column == "status" and isinstance(value, str):
        return _status_text(value, lang)
    if column == "status":
        return str(display_table(pd.DataFrame({"status": [value]}), lang).iloc[0, 0])
    if column == "undecided_reason":
        return undecided_text(value, lang)
    return maps.format_value("communities", column, value, lang)


@functools.lru_cache(maxsize=64)
def _status_text(value: str, lang: str) -> str:
    """The verdict shown for a status code (once per code, not once per community)."""
    return str(display_table(pd.DataFrame({"status": [value]}), lang).iloc[0, 0])


def community_verdicts(table, lang: str = "zh") -> dict[str, tuple[str, str]]:
    """``{community_id: (verdict, shortfall)}`` of a compliance table, as map popups show them
    (未达标 / 达标 ..., ``120 平方米``); see :func:`geo_app.maps.with_popup_fields`."""
    lang = normalise_lang(lang)
    records = pd.DataFrame(table)[["community_id", "status", "shortfall_m2"]].to_dict("records")
    return {
        str(r["community_id"]): (
            _value("status", r["status"], lang),
            _value("shortfall_m2", r["shortfall_m2"], lang),
        )
        for r in records
    }


def verdict_labels(lang: str = "zh") -> tuple[str, str]:
    """Popup labels of :func:`community_verdicts`: the status and the shortfall columns."""
    return (
        popup_label(column_label("status", lang), lang),
        popup_label(column_label("shortfall_m2", lang), lang),
    )


COMMUNITY_VIEWS = frozenset(
    {
        "communities",
        "covered_communities",
        "uncovered_communities",
        "served_communities",
        "unserved_communities",
        "other_communities",
    }
)
"""Map layers of communities: their popups show the verdict and shortfall, their fill the
shortfall class (:func:`with_shortfall`)."""


def community_fills(table) -> dict[str, str]:
    """``{community_id: colour}`` of the shortfall class of every community of a compliance
    table (the colours of :mod:`analysis.shortfall_classes`, as on the compliance map)."""
    frame = pd.DataFrame(table)[["community_id", "shortfall_m2"]]
    colours = fill_colours(shortfall_class(frame["shortfall_m2"]))
    return dict(zip(frame["community_id"].astype(str), colours, strict=True))


def with_shortfall(
    views: Sequence[maps.LayerView],
    verdicts: dict[str, tuple[str, str]],
    fills: dict[str, str],
    lang: str = "zh",
) -> list[maps.LayerView]:
    """``views`` whose community layers (:data:`COMMUNITY_VIEWS`) show each community's
    verdict and shortfall in popup and tooltip and are filled by its shortfall class (the map
    then carries the shortfall legend); ``verdicts`` from :func:`community_verdicts`, ``fills``
    from :func:`community_fills`."""
    labels = verdict_labels(lang)
    out = []
    for view in views:
        if view.name in COMMUNITY_VIEWS:
            view = maps.with_popup_fields(view, verdicts, labels)
            view = maps.with_fills(view, fills, NOT_ASSESSED_COLOUR)
        out.append(view)
    return out


def _name(record: dict) -> str:
    name = record.get("name")
    return str(record.get("community_id", "")) if is_missing(name) else str(name)


def tooltip_text(record: dict, lang: str = "zh") -> str:
    """Escaped tooltip: community name and its shortfall (or that it is not assessed)."""
    name = _name(record)
    shortfall = record.get("shortfall_m2")
    if record.get("status") == "undecided":
        text = f"{name}({_status_text('undecided', lang)})"
    elif is_missing(shortfall):
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
    breaks, n_classes : ignored
        Kept for older callers: the classes are fixed (:func:`shortfall_breaks`).
    standard : StandardSet, optional
        Cites the article in Chinese (第十一条第一款) and the rule by its title
        (:func:`geo_app.present.cite_rule`).

    Returns
    -------
    (LayerView, list)
        The view (GeoJSON properties: ``_tip`` tooltip, ``_fill`` colour, ``f0...`` escaped
        popup values labelled by ``labels``) and the breaks used.
    """
    lang = normalise_lang(lang)
    if table.crs is not None and not table.crs.equals("EPSG:4326"):
        table = table.to_crs("EPSG:4326")
    table, dropped = maps.drawable(table)
    breaks = shortfall_breaks()
    classes = shortfall_class(table["shortfall_m2"])
    records = table.drop(columns=table.geometry.name).to_dict("records")
    if standard is not None:
        for r in records:
            r["article"], r["rule_id"] = cite_rule(
                standard, r.get("rule_id"), r.get("article"), lang
            )
    fields = [c for c in POPUP_FIELDS if c in table.columns]
    columns: dict[str, list] = {
        "_tip": [tooltip_text(r, lang) for r in records],
        "_fill": fill_colours(classes),
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
        geojson=geo_dict(light),
        total=len(light),
        shown=len(light),
        geom_kind="polygon",
        bounds=tuple(float(v) for v in light.total_bounds) if len(light) else None,
        labels=tuple(html.escape(popup_label(column_label(c, lang), lang)) for c in fields),
        centroids=shapely.get_coordinates(shapely.centroid(light.geometry.values)),
        style=maps.LayerStyle("#333333", weight=0.6, fill_opacity=0.75),
        ids=tuple(str(v) for v in table["community_id"]) if "community_id" in table else (),
        dropped=dropped,
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
    breaks: object = None,
    lang: str = "zh",
    context: Sequence[maps.LayerView] = (),
    basemap: str | maps.BasemapChoice = maps.DEFAULT_BASEMAP,
    assets: str | None = None,
) -> folium.Map:
    """A folium map of the shortfall choropleth with its legend and optional context layers.

    Parameters
    ----------
    view : from :func:`prepare_shortfall`.
    breaks : ignored (the classes are fixed; kept for older callers).
    context : sequence of LayerView
        Other prepared layers drawn with :func:`geo_app.maps.add_layer`: outlines (districts,
        streets) into the non-clickable :data:`geo_app.maps.OUTLINE_PANE` over the
        choropleth, so a click on a community opens its verdict; points (street centres ...)
        on top, with their popups.
    basemap, assets : as in :func:`geo_app.maps.build_map`.
    """
    lang = normalise_lang(lang)
    choice = basemap_module.as_choice(basemap)
    m = maps.new_map(lang=lang, zoom_snap=maps.ZOOM_SNAP)
    basemap_module.draw_basemap(m, choice, lang)
    view, *context = maps.in_datum([view, *context], choice.datum)
    group = folium.FeatureGroup(name=html.escape(t("compliance.map_layer", lang)), show=True)
    if view.shown:
        folium.GeoJson(
            view.geojson,
            name=LAYER_NAME,
            style_function=_choropleth_style,
            popup=folium.GeoJsonPopup(
                fields=["_name", *[f"f{i}" for i in range(len(view.labels))]],
                aliases=[html.escape(popup_label(column_label("name", lang), lang)), *view.labels],
                max_width=420,
                class_name="geo-app-popup",
            ),
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
            embed=True,
        ).add_to(group)
    group.add_to(m)
    outlines = None
    for other in (c for c in context if c.shown):  # outlines and points over the choropleth
        if other.has_points:
            maps.add_layer(m, other, lang)
            continue
        outlines = outlines or maps.add_outline_pane(m)  # seen, but clicks reach communities
        maps.add_layer(m, other, lang, pane=outlines)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    maps.Legend(legend_html(lang=lang), kind="shortfall").add_to(m)
    box = maps.focus_bounds([view]) if view.shown else None
    return maps.finish_map(m, box, assets)
