"""Folium maps of the planning pages: walking coverage and site selection.

Pure functions, no Streamlit; built on the blocks of :mod:`geo_app.maps` (``LayerView``,
``LayerStyle``, ``Legend``, offline Leaflet, ``focus_bounds``). Two steps, like the explorer:

1. :func:`prepare_coverage` / :func:`prepare_site_selection` turn a
   :class:`~analysis.coverage.CoverageResult` or a :class:`~geo_app.workflows.site_selection.SiteSelection`
   into light :class:`~geo_app.maps.LayerView` objects whose GeoJSON properties are escaped
   popup values and tooltips;
2. :func:`planning_map` draws them as toggleable layers with a legend.

Coverage map, bottom to top (:data:`COVERAGE_LAYERS`): covered communities (green outline),
uncovered communities (red, filled: the ones to act on), walking isochrones per facility
(semi-transparent blue; with ``overlap="split"`` one colour per facility), the facilities.

Site-selection map (:data:`SITE_LAYERS`): other communities (grey outline), communities served
(green), communities not served (red), candidate sites not chosen (grey dots), radiation lines
from each served community to its site (orange), the chosen sites (large purple dots).

Every popup and tooltip value is escaped with :func:`html.escape` (Leaflet inserts them as HTML).
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.coverage import CoverageResult
from geo_app import present
from geo_app.i18n import facility_kind_label
from geo_app.maps import theme
from geo_app.maps import view as maps
from layers.crs import WGS84
from layers.field_values import is_blank

ISOCHRONE_COLOUR = "#2563eb"
"""Blue of the isochrones (overlap kept)."""
UNCOVERED_COLOUR = "#dc2626"
"""Red of the communities left uncovered / unserved."""
SERVED_COLOUR = "#16a34a"
"""Green of the covered / served communities."""
RADIATION_COLOUR = "#f59e0b"
"""Orange of the radiation lines (community -> site)."""
CHOSEN_COLOUR = "#7c3aed"
"""Purple of the chosen sites."""

SPLIT_PALETTE: tuple[str, ...] = (
    "#2563eb",
    "#0891b2",
    "#7c3aed",
    "#db2777",
    "#ca8a04",
    "#059669",
    "#9333ea",
    "#0d9488",
)
"""Colours of the isochrones split by nearest facility (cycled by facility)."""

LAYER_STYLES: dict[str, maps.LayerStyle] = {
    # coverage map
    "covered_communities": maps.LayerStyle(SERVED_COLOUR, weight=1.0, fill_opacity=0.05),
    "uncovered_communities": maps.LayerStyle(UNCOVERED_COLOUR, weight=2.0, fill_opacity=0.35),
    "isochrones": maps.LayerStyle(
        ISOCHRONE_COLOUR, weight=0.8, fill_opacity=0.18, simplify_deg=0.00003
    ),
    "facilities": maps.LayerStyle("#1e3a8a", fill_opacity=0.95, radius=2.5),
    # site-selection map
    "other_communities": maps.LayerStyle("#9ca3af", weight=0.8, fill_opacity=0.0),
    "served_communities": maps.LayerStyle(SERVED_COLOUR, weight=1.2, fill_opacity=0.25),
    "unserved_communities": maps.LayerStyle(UNCOVERED_COLOUR, weight=2.0, fill_opacity=0.35),
    "other_candidates": maps.LayerStyle("#6b7280", fill_opacity=0.8, radius=3),
    "radiation_lines": maps.LayerStyle(RADIATION_COLOUR, weight=2.5, fill_opacity=0.0),
    "chosen_sites": maps.LayerStyle(CHOSEN_COLOUR, fill_opacity=1.0, radius=6),
}
"""Style of every layer of the two maps."""

COVERAGE_LAYERS: tuple[str, ...] = (
    "covered_communities",
    "uncovered_communities",
    "isochrones",
    "facilities",
)
"""Layers of the coverage map in drawing order."""
COVERAGE_FOCUS: tuple[str, ...] = ("isochrones", "uncovered_communities")
"""Layers the coverage map opens on (the central 80 % of them: the dense urban core)."""
SITE_LAYERS: tuple[str, ...] = (
    "other_communities",
    "served_communities",
    "unserved_communities",
    "other_candidates",
    "radiation_lines",
    "chosen_sites",
)
"""Layers of the site-selection map in drawing order."""
SITE_FOCUS: tuple[str, ...] = ("served_communities", "unserved_communities", "chosen_sites")
"""Layers the site-selection map opens on (their central 96 %)."""

_COMMUNITY_COVERAGE = (
    "name",
    "community_id",
    "households",
    "covered_households",
    "nearest_m",
    "nearest_facility",
    "method",
)
POPUP_FIELDS: dict[str, tuple[str, ...]] = {
    "covered_communities": _COMMUNITY_COVERAGE,
    "uncovered_communities": _COMMUNITY_COVERAGE,
    "isochrones": ("facility_id", "facility_name", "kind", "distance_m", "area_m2", "method"),
    "facilities": ("facility_id", "name", "kind", "usable_area_m2"),
    "other_communities": ("name", "community_id", "households"),
    "served_communities": (
        "name",
        "community_id",
        "households",
        "shortfall_m2",
        "site_id",
        "site_name",
        "distance_m",
        "method",
    ),
    "unserved_communities": ("name", "community_id", "households", "reason"),
    "other_candidates": ("site_id", "name", "source_layer", "offer", "usable_area_m2"),
    "radiation_lines": ("name", "site_id", "site_name", "distance_m", "households", "method"),
    "chosen_sites": (
        "rank",
        "site_id",
        "name",
        "source_layer",
        "offer",
        "usable_area_m2",
        "communities_served",
        "households_served",
        "shortfall_taken_m2",
    ),
}
"""Columns shown in the popup of each layer, in order (those present)."""

_TIP_FIELD = {
    "isochrones": "facility_id",
    "facilities": "name",
    "other_candidates": "name",
    "chosen_sites": "name",
    "radiation_lines": "name",
}
DOT_RIM = theme.DOT_RIM
_SIMPLIFY_DEG = 0.00001  # about a metre: outlines keep their shape, GeoJSON stays light


def _rows(gdf: gpd.GeoDataFrame, fields: list[str], lang: str) -> pd.DataFrame:
    """The popup table of a planning layer: unserved reasons in the language, kind labels."""
    if "reason" in fields and {"reason_zh", "reason_en"} <= set(gdf.columns):
        fields = [*fields, "reason_zh", "reason_en"]  # collapsed into ``reason``
    table = pd.DataFrame(gdf[fields]).reset_index(drop=True)
    if "kind" in table.columns:
        table["kind"] = [v if is_blank(v) else facility_kind_label(v, lang) for v in table["kind"]]
    return table


PLANNING = theme.ThemeSpec(
    sections=("coverage", "site_selection"),
    styles=LAYER_STYLES,
    popup_fields=POPUP_FIELDS,
    display=present.planning_table,
    legend_title_key="coverage.legend_title",
    tooltip_fields=_TIP_FIELD,
    simplify_deg=_SIMPLIFY_DEG,
    rows=_rows,
)
"""The coverage and site-selection maps (:mod:`geo_app.maps.theme`)."""


def layer_title(name: str, lang: str = "zh") -> str:
    """Label of a planning map layer (``coverage.layer.<name>`` or ``site_selection.layer``)."""
    return theme.layer_title(PLANNING, name, lang)


def prepare_view(
    name: str, gdf: gpd.GeoDataFrame, lang: str = "zh", colours: Sequence[str] | None = None
) -> maps.LayerView:
    """One planning layer as a :class:`~geo_app.maps.LayerView` with escaped popups
    (:func:`geo_app.maps.theme.prepare_view` of :data:`PLANNING`)."""
    return theme.prepare_view(PLANNING, name, gdf, lang, colours)


# -- coverage ----------------------------------------------------------------------------------
def coverage_frames(
    result: CoverageResult, facilities: gpd.GeoDataFrame | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The frames of the coverage map, by layer name (empty layers left out).

    ``facilities`` is the project's facility layer: those of the result's kind are drawn and
    give the isochrones their facility name (``facility_name``).
    """
    per = result.communities
    frames: dict[str, gpd.GeoDataFrame] = {
        "covered_communities": per[per["covered"].astype(bool)],
        "uncovered_communities": per[~per["covered"].astype(bool)],
    }
    iso = result.isochrones
    chosen = None
    if facilities is not None and "kind" in facilities.columns:
        chosen = (
            facilities if result.kind is None else facilities[facilities["kind"] == result.kind]
        )
    if len(iso) and "facility_id" in iso.columns:
        if chosen is not None and {"facility_id", "name"} <= set(chosen.columns):
            names = dict(zip(chosen["facility_id"].astype(str), chosen["name"], strict=False))
            iso = iso.assign(facility_name=[names.get(str(f)) for f in iso["facility_id"]])
        frames["isochrones"] = iso
    if chosen is not None:
        frames["facilities"] = chosen
    return {
        name: frames[name]
        for name in COVERAGE_LAYERS
        if name in frames and isinstance(frames[name], gpd.GeoDataFrame) and len(frames[name])
    }


def isochrone_colours(isochrones: gpd.GeoDataFrame, split: bool) -> list[str]:
    """Colour of each isochrone: :data:`ISOCHRONE_COLOUR`, or with ``split`` one palette colour
    per facility (in order of first appearance), so neighbouring catchments differ."""
    if not split or "facility_id" not in isochrones.columns:
        return [ISOCHRONE_COLOUR] * len(isochrones)
    order = {f: i for i, f in enumerate(dict.fromkeys(isochrones["facility_id"].tolist()))}
    return [SPLIT_PALETTE[order[f] % len(SPLIT_PALETTE)] for f in isochrones["facility_id"]]


def prepare_coverage(
    result: CoverageResult,
    facilities: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
    split: bool = False,
) -> list[maps.LayerView]:
    """All layers of :func:`coverage_frames` as views, in :data:`COVERAGE_LAYERS` order."""
    views = []
    for name, gdf in coverage_frames(result, facilities).items():
        colours = isochrone_colours(gdf, split) if name == "isochrones" else None
        views.append(prepare_view(name, gdf, lang, colours))
    return views


# -- site selection ----------------------------------------------------------------------------
def site_frames(
    selection,
    communities: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """The frames of the site-selection map, by layer name (empty layers left out).

    Served and unserved communities are drawn with the outlines of ``communities`` (the
    project's layer; without it, as the points of ``assignments``). ``other_communities`` are
    the communities of the same districts that were not part of the demand (e.g. those the
    hub model does not consider). ``candidates`` (as :func:`geo_app.workflows.site_selection.
    candidate_sites` returns) adds the sites not chosen.
    """
    assign = selection.assignments
    frames: dict[str, gpd.GeoDataFrame] = {}
    served_ids = assign["community_id"].astype(str)
    unserved = selection.unserved
    unserved_ids = (
        unserved["community_id"].astype(str) if len(unserved) else pd.Series([], dtype=str)
    )
    if communities is not None and "community_id" in communities.columns:
        ids = communities["community_id"].astype(str)
        info = pd.DataFrame(assign).drop(columns=["geometry", "name"], errors="ignore")
        info = info.assign(community_id=served_ids.to_numpy())
        served = communities[ids.isin(set(served_ids))][["community_id", "name", "geometry"]]
        served = served.assign(community_id=served["community_id"].astype(str))
        frames["served_communities"] = served.merge(info, on="community_id", how="left")
        reasons = pd.DataFrame(unserved).drop(columns=["name"], errors="ignore")
        reasons = reasons.assign(community_id=unserved_ids.to_numpy())
        lacking = communities[ids.isin(set(unserved_ids))][["community_id", "name", "geometry"]]
        lacking = lacking.assign(community_id=lacking["community_id"].astype(str))
        frames["unserved_communities"] = lacking.merge(reasons, on="community_id", how="left")
        demand = set(served_ids) | set(unserved_ids)
        if demand and "district_code" in communities.columns:
            districts = set(communities.loc[ids.isin(demand), "district_code"].astype(str))
            rest = communities[
                ~ids.isin(demand) & communities["district_code"].astype(str).isin(districts)
            ]
            frames["other_communities"] = rest
    else:
        frames["served_communities"] = assign
    if candidates is not None and "site_id" in candidates.columns:
        chosen = set(selection.chosen_sites["site_id"].astype(str))
        others = candidates[~candidates["site_id"].astype(str).isin(chosen)].to_crs(WGS84)
        shown = [f for f in frames.values() if len(f)]
        if shown:  # only the candidates around the demand communities
            minx, miny, maxx, maxy = np.array([f.to_crs(WGS84).total_bounds for f in shown]).T
            pad = 0.01  # about a kilometre
            others = others.cx[
                minx.min() - pad : maxx.max() + pad, miny.min() - pad : maxy.max() + pad
            ]
        frames["other_candidates"] = others
    frames["radiation_lines"] = selection.radiation_lines
    frames["chosen_sites"] = selection.chosen_sites
    return {
        name: frames[name]
        for name in SITE_LAYERS
        if name in frames and isinstance(frames[name], gpd.GeoDataFrame) and len(frames[name])
    }


def prepare_site_selection(
    selection,
    communities: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
) -> list[maps.LayerView]:
    """All layers of :func:`site_frames` as views, in :data:`SITE_LAYERS` order."""
    frames = site_frames(selection, communities, candidates)
    return [prepare_view(name, gdf, lang) for name, gdf in frames.items()]


# -- the map -----------------------------------------------------------------------------------
style_function = theme.style_function


def add_view(m: folium.Map, view: maps.LayerView, lang: str = "zh") -> folium.FeatureGroup:
    """Add one prepared layer to ``m`` as a toggleable ``FeatureGroup`` named in ``lang``."""
    return theme.add_view(PLANNING, m, view, lang)


def legend_html(views: Sequence[maps.LayerView], lang: str = "zh", title_key: str = "") -> str:
    """HTML of the legend: a swatch and the escaped label of each layer."""
    return theme.legend_html(PLANNING, views, lang, title_key)


def planning_map(  # noqa: PLR0913 - the options of one map call, given by name
    views: Sequence[maps.LayerView],
    lang: str = "zh",
    basemap: str | maps.BasemapChoice = maps.DEFAULT_BASEMAP,
    assets: str | None = None,
    focus: Sequence[str] | None = None,
    legend_title_key: str = "",
    focus_share: float = 0.96,
) -> folium.Map:
    """A folium map of prepared planning layers with a layer control and a legend.

    Opens on the central ``focus_share`` of the features of the layers named in ``focus``
    (default: all; see :func:`geo_app.maps.focus_bounds`), so that a few remote villages do not
    zoom the map out; ``basemap`` and ``assets`` are as in :func:`geo_app.maps.build_map`.
    """
    chosen = [v for v in views if focus is None or v.name in focus]
    return theme.theme_map(
        PLANNING, views, lang, basemap, assets, chosen, focus_share, legend_title_key
    )


def coverage_map(
    result: CoverageResult,
    facilities: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
    basemap: str | maps.BasemapChoice = maps.DEFAULT_BASEMAP,
    assets: str | None = None,
    split: bool = False,
) -> folium.Map:
    """One call from a coverage result to its map (:func:`prepare_coverage`, then
    :func:`planning_map`)."""
    views = prepare_coverage(result, facilities, lang, split)
    return planning_map(
        views,
        lang,
        basemap,
        assets,
        focus=COVERAGE_FOCUS,
        legend_title_key="coverage.legend_title",
        focus_share=0.8,
    )


def site_selection_map(
    selection,
    communities: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
    basemap: str | maps.BasemapChoice = maps.DEFAULT_BASEMAP,
    assets: str | None = None,
) -> folium.Map:
    """One call from a site selection to its map, opening on the demand communities and sites."""
    views = prepare_site_selection(selection, communities, candidates, lang)
    return planning_map(
        views,
        lang,
        basemap,
        assets,
        focus=SITE_FOCUS,
        legend_title_key="site_selection.legend_title",
    )
