"""Folium map of a surveillance result (Art. 20): camera views, blind spots, suggested cameras.

Pure functions, no Streamlit; built on the blocks of :mod:`geo_app.maps` (``LayerView``,
``LayerStyle``, ``Legend``, offline Leaflet, ``focus_bounds``). Two steps, like the explorer:

1. :func:`prepare_surveillance` turns a :class:`~analysis.surveillance.SurveillanceResult`
   (plus the project's cameras and communities) into light :class:`~geo_app.maps.LayerView`
   objects whose GeoJSON properties are pre-escaped popup values and tooltips;
2. :func:`surveillance_map` draws them as toggleable layers with a legend.

Layers, bottom to top (:data:`LAYER_ORDER`): communities (outline), public spaces (green),
views of suggested cameras (semi-transparent purple), views of working cameras
(semi-transparent blue sectors), blind spots (red), suggested cameras (small purple dots),
working cameras (blue dots), broken cameras (large orange dots). Every popup value is escaped with
:func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd

from analysis.surveillance import SurveillanceResult
from geo_app.maps import theme
from geo_app.maps import view as maps
from geo_app.workflows import analysed_cameras, surveillance_table

BLIND_SPOT_COLOUR = "#e31a1c"
"""Red of the blind spots."""

LAYER_STYLES: dict[str, maps.LayerStyle] = {
    "communities": maps.LayerStyle("#6b7280", weight=1.2, fill_opacity=0.0),
    "public_spaces": maps.LayerStyle("#16a34a", weight=2.0, fill_opacity=0.2),
    "suggested_views": maps.LayerStyle("#7c3aed", weight=0.6, fill_opacity=0.15),
    "camera_views": maps.LayerStyle("#2563eb", weight=0.8, fill_opacity=0.25),
    "blind_spots": maps.LayerStyle(BLIND_SPOT_COLOUR, weight=4.0, fill_opacity=0.5),
    "suggested_cameras": maps.LayerStyle("#7c3aed", fill_opacity=0.8, radius=3.5),
    "cameras_working": maps.LayerStyle("#1d4ed8", fill_opacity=0.95, radius=5),
    "cameras_broken": maps.LayerStyle("#f97316", fill_opacity=1.0, radius=7),
}
"""Style of each layer of the surveillance map."""

LAYER_ORDER: tuple[str, ...] = tuple(LAYER_STYLES)
"""Layers in drawing order (polygons first, points on top)."""

POPUP_FIELDS: dict[str, tuple[str, ...]] = {
    "communities": ("name", "community_id", "management"),
    "public_spaces": (
        "space_id",
        "kind",
        "community_id",
        "length_m",
        "covered_length_m",
        "area_m2",
        "covered_area_m2",
        "covered_share",
    ),
    "camera_views": ("camera_id", "kind", "bearing_deg", "fov_deg", "range_m"),
    "suggested_views": ("camera_id", "bearing_deg"),
    "blind_spots": ("space_id", "kind", "community_id", "length_m", "area_m2"),
    "cameras_working": ("camera_id", "kind", "status", "bearing_deg", "fov_deg", "range_m"),
    "cameras_broken": ("rank", "camera_id", "kind", "gain_length_m", "gain_area_m2"),
    "suggested_cameras": (
        "install_rank",
        "camera_id",
        "kind",
        "bearing_deg",
        "fov_deg",
        "range_m",
        "source",
        "new_length_m",
        "new_area_m2",
        "covered_share_after",
    ),
}
"""Columns shown in the popup of each layer, in order."""

_ID = {
    "communities": "name",
    "public_spaces": "space_id",
    "blind_spots": "space_id",
}
_SIMPLIFY_DEG = 0.000005  # about half a metre: sectors keep their shape, GeoJSON stays light
DOT_RIM = theme.DOT_RIM

SURVEILLANCE = theme.ThemeSpec(
    sections=("surveillance",),
    styles=LAYER_STYLES,
    popup_fields=POPUP_FIELDS,
    display=surveillance_table,
    legend_title_key="surveillance.legend_title",
    tooltip_fields=_ID,
    default_tooltip="camera_id",
    simplify_deg=_SIMPLIFY_DEG,
)
"""The surveillance map (:mod:`geo_app.maps.theme`)."""


def layer_title(name: str, lang: str = "zh") -> str:
    """Label of a surveillance map layer (``surveillance.layer.<name>``)."""
    return theme.layer_title(SURVEILLANCE, name, lang)


def prepare_view(name: str, gdf: gpd.GeoDataFrame, lang: str = "zh") -> maps.LayerView:
    """One surveillance layer as a :class:`~geo_app.maps.LayerView` with escaped popups
    (values of :func:`geo_app.workflows.surveillance_table`; :data:`SURVEILLANCE`)."""
    return theme.prepare_view(SURVEILLANCE, name, gdf, lang)


def surveillance_frames(
    result: SurveillanceResult,
    cameras: gpd.GeoDataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """The frames drawn on the map, by layer name (empty layers left out).

    ``cameras`` is the project's camera layer: the working cameras analysed (those with a
    view) are drawn from it; broken cameras come from the repair list (with rank and gain).
    ``communities`` are drawn when they hold a community of the result's table.
    """
    frames: dict[str, gpd.GeoDataFrame] = {}
    if communities is not None and "community_id" in communities.columns:
        ids = set(result.by_community["community_id"].astype(str))
        frames["communities"] = communities[communities["community_id"].astype(str).isin(ids)]
    frames["public_spaces"] = result.spaces
    frames["camera_views"] = result.views
    placement = result.placement
    if placement is not None:
        frames["suggested_views"] = placement.views.merge(
            pd.DataFrame(placement.cameras[["camera_id", "kind", "fov_deg", "range_m"]]),
            on="camera_id",
            how="left",
        )
    frames["blind_spots"] = result.blind_spots
    if cameras is not None and len(cameras):
        working = analysed_cameras(cameras, result)
        frames["cameras_working"] = working[working["status"] == "working"]
    frames["cameras_broken"] = result.repair
    if placement is not None:
        frames["suggested_cameras"] = placement.cameras
    return {
        name: frames[name]
        for name in LAYER_ORDER
        if name in frames and isinstance(frames[name], gpd.GeoDataFrame) and len(frames[name])
    }


def prepare_surveillance(
    result: SurveillanceResult,
    cameras: gpd.GeoDataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
) -> list[maps.LayerView]:
    """All layers of :func:`surveillance_frames` as views, in :data:`LAYER_ORDER`."""
    frames = surveillance_frames(result, cameras, communities)
    return [prepare_view(name, gdf, lang) for name, gdf in frames.items()]


style_function = theme.style_function


def legend_html(views: Sequence[maps.LayerView], lang: str = "zh") -> str:
    """HTML of the legend: a swatch and the escaped label of each layer."""
    return theme.legend_html(SURVEILLANCE, views, lang)


def surveillance_map(
    views: Sequence[maps.LayerView],
    lang: str = "zh",
    basemap: str | maps.BasemapChoice = maps.DEFAULT_BASEMAP,
    assets: str | None = None,
) -> folium.Map:
    """A folium map of prepared surveillance layers with a layer control and a legend.

    Opens on the public spaces, views and blind spots (not on large rural communities).
    ``basemap`` and ``assets`` are as in :func:`geo_app.maps.build_map`.
    """
    focus = [v for v in views if v.name != "communities"]
    return theme.theme_map(SURVEILLANCE, views, lang, basemap, assets, focus, 1.0)
