"""Small maps of the compared districts, all at one scale, and their shared legend."""

from __future__ import annotations

import html
from collections.abc import Sequence

import geopandas as gpd
import numpy as np

from geo_app.i18n import normalise_lang, t
from geo_app.workflows.compare.model import STATION_KINDS, DistrictComparison

MAP_WIDTH_PX = 440
"""Width (px) a district map is assumed to have on the page (two maps per row)."""
MAP_HEIGHT_PX = 360
STATION_COLOUR = "#1e3a8a"
"""Colour of the service stations on the district maps (dark blue)."""


def same_scale_zoom(
    bounds: Sequence[tuple[float, float, float, float] | None],
    width_px: float = MAP_WIDTH_PX,
    height_px: float = MAP_HEIGHT_PX,
    *,
    min_zoom: int = 1,
    max_zoom: int = 16,
) -> int:
    """The largest web-Mercator zoom level at which every box of ``bounds`` (lon/lat
    ``(minx, miny, maxx, maxy)``) fits a ``width_px`` x ``height_px`` map.

    At zoom ``z`` the world is ``256 * 2**z`` pixels wide; a box spans ``dlon / 360`` of it
    across and ``(merc(maxy) - merc(miny)) / (2 pi)`` down, with ``merc(lat) =
    ln(tan(pi / 4 + lat / 2))``. The largest box decides, so that all maps share one scale.
    """
    zooms = []
    for box in bounds:
        if box is None:
            continue
        minx, miny, maxx, maxy = (float(v) for v in box)
        fx = max(maxx - minx, 1e-9) / 360.0
        merc = [np.log(np.tan(np.pi / 4 + np.radians(v) / 2)) for v in (miny, maxy)]
        fy = max(merc[1] - merc[0], 1e-9) / (2 * np.pi)
        zooms.append(min(np.log2(width_px / (256 * fx)), np.log2(height_px / (256 * fy))))
    if not zooms:
        return 11
    return int(np.clip(np.floor(min(zooms)), min_zoom, max_zoom))


def district_bounds(comparison: DistrictComparison) -> dict[str, tuple | None]:
    """Lon/lat box of the communities of each compared district, by district name."""
    out: dict[str, tuple | None] = {}
    table = comparison.communities
    for code, name in zip(comparison.districts["district_code"], comparison.names, strict=True):
        if table is None:
            out[name] = None
            continue
        part = table[table["district_code"] == str(code)]
        part = part[~(part.geometry.isna() | part.geometry.is_empty)]
        out[name] = tuple(float(v) for v in part.total_bounds) if len(part) else None
    return out


def _fill_style(feature: dict) -> dict:
    return {
        "color": "#333333",
        "weight": 0.5,
        "opacity": 0.9,
        "fill": True,
        "fillColor": feature["properties"].get("_fill", "#bdbdbd"),
        "fillOpacity": 0.75,
    }


def district_maps(
    comparison: DistrictComparison,
    lang: str = "zh",
    *,
    districts_layer: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    assets: str | None = None,
    width_px: float = MAP_WIDTH_PX,
    height_px: float = MAP_HEIGHT_PX,
    legend: bool = True,
) -> tuple[dict[str, object], int]:
    """One small folium map per compared district, all at the same zoom level.

    Each map shows the communities coloured by their area shortfall (Art. 11, 12; the same
    classes in every map, so colours compare), the district outline and the service stations.
    The zoom is :func:`same_scale_zoom` of the largest district's communities; each map is
    centred on its district. ``legend=False`` leaves the shortfall legend out (a page shows
    :func:`shortfall_legend` once for all maps). Returns ``({name: folium.Map}, zoom)``.
    """
    from geo_app.maps import thematic as maps_thematic
    from geo_app.maps import view as maps

    lang = normalise_lang(lang)
    boxes = district_bounds(comparison)
    zoom = same_scale_zoom(list(boxes.values()), width_px, height_px)
    table = comparison.communities
    breaks = None
    if table is not None and "shortfall_m2" in table.columns:
        breaks = maps_thematic.shortfall_breaks(table["shortfall_m2"])
    stations = None
    if facilities is not None and "kind" in facilities.columns:
        stations = facilities[facilities["kind"].isin(STATION_KINDS)]
    out: dict[str, object] = {}
    for code, name in zip(comparison.districts["district_code"], comparison.names, strict=True):
        box = boxes[name]
        centre = (
            ((box[1] + box[3]) / 2, (box[0] + box[2]) / 2)
            if box is not None
            else maps.HARBIN_CENTRE
        )
        m = maps.new_map(centre, zoom, lang, zoom_snap=1)
        if table is not None and breaks is not None:
            part = table[table["district_code"] == str(code)]
            view, _ = maps_thematic.prepare_shortfall(part, lang, breaks=breaks)
            maps.add_layer(m, view, lang, title=t("compliance.map_layer", lang), style=_fill_style)
        context: dict[str, gpd.GeoDataFrame] = {}
        if districts_layer is not None:
            context["districts"] = districts_layer
        if stations is not None:
            context["facilities"] = stations
        for view in maps.prepare_layers(context, lang, [str(code)]) if context else []:
            if view.name == "facilities":  # small dark dots, apart from the red shortfall fills
                view.style = maps.LayerStyle(STATION_COLOUR, fill_opacity=0.95, radius=3)
                title = t("compare.stations", lang)
            else:
                title = None
            maps.add_layer(m, view, lang, title=title)
        if legend and breaks is not None:
            maps.Legend(maps_thematic.legend_html(breaks, lang)).add_to(m)
        if assets == "inline":
            maps.inline_leaflet(m)
        elif assets:
            maps.use_leaflet_assets(m, assets)
        out[name] = m
    return out, zoom


def shortfall_legend(comparison: DistrictComparison, lang: str = "zh") -> str | None:
    """HTML of the shortfall legend shared by the :func:`district_maps` (escaped texts), plus
    the station symbol; ``None`` without compliance data."""
    from geo_app.maps import thematic as maps_thematic

    table = comparison.communities
    if table is None or "shortfall_m2" not in table.columns:
        return None
    breaks = maps_thematic.shortfall_breaks(table["shortfall_m2"])
    station = (
        '<div style="display:flex;align-items:center;gap:6px;margin:2px 0;font-size:12px">'
        f'<span style="display:inline-block;border-radius:50%;background:{STATION_COLOUR};'
        'width:8px;height:8px"></span>'
        f"<span>{html.escape(t('compare.stations', lang))}</span></div>"
    )
    return maps_thematic.legend_html(breaks, lang) + station
