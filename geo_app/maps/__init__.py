"""Maps of the house (folium, no Streamlit): one package for every map a planner sees.

- :mod:`~geo_app.maps.frame`: the Leaflet frame (:func:`new_map`, wheel zoom after a click,
  offline Leaflet, canvas renderer), :mod:`~geo_app.maps.literal`: rendered text is never a
  template;
- :mod:`~geo_app.maps.layers` and :mod:`~geo_app.maps.popups`: layers prepared for a map
  (:class:`LayerView`), escaped popups and tooltips;
- :mod:`~geo_app.maps.view`: :func:`build_map` and :func:`explorer_map`;
- themes per map kind: :mod:`~geo_app.maps.thematic` (shortfall choropleth),
  :mod:`~geo_app.maps.planning` (coverage, site selection), :mod:`~geo_app.maps.surveillance`,
  :mod:`~geo_app.maps.small_maps` (district comparison);
- :mod:`~geo_app.maps.basemap` (offline, OSM, 天地图, 高德), :mod:`~geo_app.maps.legend` (the
  fixed shortfall classes);
- :mod:`~geo_app.maps.static` (static maps for reports) and :mod:`~geo_app.maps.export`
  (a page's map as PNG or PDF).

Imports only :mod:`geo_app.project`, :mod:`geo_app.workflows`, :mod:`geo_app.present` and
:mod:`geo_app.i18n` of the application; reports, the CLI and the app import it.
"""

from geo_app.maps.view import (
    BASEMAPS,
    COLOUR_FIELD,
    DEFAULT_BASEMAP,
    DEFAULT_MAX_FEATURES,
    HARBIN_CENTRE,
    LARGE_LAYERS,
    LAYER_STYLES,
    LEAFLET_DIR,
    MAP_HEIGHT,
    MAP_LAYERS,
    TOOLTIP_FIELD,
    BasemapChoice,
    LayerStyle,
    LayerView,
    Legend,
    Map,
    MapTheme,
    add_layer,
    build_map,
    canvas_renderer,
    explorer_map,
    feature_style,
    filter_to_districts,
    finish_map,
    focus_bounds,
    format_value,
    geometry_kind,
    in_datum,
    inline_leaflet,
    legend_html,
    light_view,
    new_map,
    pad_box,
    popup_html,
    prepare_layer,
    prepare_layers,
    use_leaflet_assets,
    with_popup_fields,
)

__all__ = [
    "BASEMAPS",
    "COLOUR_FIELD",
    "DEFAULT_BASEMAP",
    "DEFAULT_MAX_FEATURES",
    "HARBIN_CENTRE",
    "LARGE_LAYERS",
    "LAYER_STYLES",
    "LEAFLET_DIR",
    "MAP_HEIGHT",
    "MAP_LAYERS",
    "TOOLTIP_FIELD",
    "BasemapChoice",
    "LayerStyle",
    "LayerView",
    "Legend",
    "Map",
    "MapTheme",
    "add_layer",
    "build_map",
    "canvas_renderer",
    "explorer_map",
    "feature_style",
    "filter_to_districts",
    "finish_map",
    "focus_bounds",
    "format_value",
    "geometry_kind",
    "in_datum",
    "inline_leaflet",
    "legend_html",
    "light_view",
    "new_map",
    "pad_box",
    "popup_html",
    "prepare_layer",
    "prepare_layers",
    "use_leaflet_assets",
    "with_popup_fields",
]
