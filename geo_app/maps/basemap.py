"""Basemaps of the maps: an offline one drawn from the project's own layers, and online tiles.

* ``offline`` (default): a light-grey map drawn from the project (streets and paths of
  ``network_edges``, ``buildings``, and ``water`` / ``green`` areas where an OSM import left
  them), as canvas polylines and polygons; it needs no internet at all.
* ``osm``: OpenStreetMap tiles. ``positron``: CartoDB light tiles.
* ``tianditu``: 天地图, the official basemap (vector and annotation layers, WMTS in Web Mercator
  on CGCS2000, which matches WGS-84 within a few centimetres); it needs a key (``tk``), read
  from the project settings (``parameters.tianditu_key``) or the environment
  (``TIANDITU_KEY``).
* ``amap``: 高德 tiles, drawn in GCJ-02: overlays are shifted into GCJ-02
  (:func:`to_gcj02_geojson`) so that they line up with the tiles.
* ``none``: no basemap.

No Streamlit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo_app.i18n import t
from geo_app.maps.frame import canvas_renderer
from layers.crs import WGS84, wgs84_to_gcj02

BASEMAP_PANE = "geo_app_basemap"
"""Leaflet pane of the offline basemap: above tiles (200), below the overlays (400)."""
DEFAULT_BASEMAP = "offline"
"""Basemap of every map page: the one that works without internet."""

TIANDITU_ENV = "TIANDITU_KEY"
"""Environment variable holding a Tianditu key (``tk``) when the project settings have none."""
TIANDITU_SETTING = "tianditu_key"
"""Key of the Tianditu key in the project settings' ``parameters``."""

_TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTR = {
    "zh": '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> 国家地理信息公共服务平台',
    "en": '&copy; <a href="https://www.tianditu.gov.cn/">Tianditu</a> National Platform for '
    "Common GeoSpatial Information Services",
}
_AMAP_ATTR = {
    "zh": '&copy; <a href="https://www.amap.com/">高德地图</a> (GCJ-02)',
    "en": '&copy; <a href="https://www.amap.com/">Amap</a> (GCJ-02)',
}
_OSM_ATTR = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

TILES: dict[str, tuple[dict, ...]] = {
    "osm": ({"tiles": "OpenStreetMap"},),
    "positron": (
        {
            # explicit URL: xyzservices' CartoDB entry now asks for an API key placeholder
            "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
            "attr": f'{_OSM_ATTR} &copy; <a href="https://carto.com/attributions">CARTO</a>',
            "subdomains": "abcd",
            "max_zoom": 20,
        },
    ),
    "amap": (
        {
            "tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1"
            "&style=8&x={x}&y={y}&z={z}",
            "attr": _AMAP_ATTR,
            "subdomains": "1234",
            "max_zoom": 18,
        },
    ),
}
"""Online tile layers (``folium.TileLayer`` arguments) of each tile basemap; ``{lang}`` is the
label language of the tiles (:data:`TILE_LANG`); an ``attr`` given as ``{lang: text}`` is the
attribution in each UI language."""

TILE_LANG: dict[str, dict[str, str]] = {
    "amap": {"zh": "zh_cn", "en": "en"},
    "tianditu": {"zh": "cva", "en": "eva"},
}
"""Label language of the tiles by UI language: Amap's ``lang`` parameter; Tianditu's
annotation layer (``cva`` Chinese, ``eva`` English annotation). OpenStreetMap and CartoDB
tiles carry the names as mapped (Chinese in Harbin) and have no switch."""

BASEMAPS: dict[str, str] = {
    "offline": "wgs84",
    "osm": "wgs84",
    "tianditu": "wgs84",
    "amap": "gcj02",
    "positron": "wgs84",
    "none": "wgs84",
}
"""Basemap choices in the order the pages list them, with the datum their tiles are drawn in."""

BASE_COLOURS = {
    "water": "#a5c8e4",
    "green": "#d4e8c8",
    "buildings": "#d9d6d0",
    "paths": "#c8c8c8",
    "streets": "#a8a8a8",
}
"""Colours of the offline basemap (light, so the planning layers stand out)."""

MAJOR_HIGHWAYS = frozenset(
    {"motorway", "trunk", "primary", "secondary", "tertiary", "residential", "unclassified"}
)
"""``highway`` values drawn as streets (wider); other edges are paths."""


def tianditu_key(parameters: Mapping | None = None) -> str | None:
    """The Tianditu key: ``parameters["tianditu_key"]`` of the project settings, else the
    :data:`TIANDITU_ENV` environment variable, else ``None``."""
    key = (parameters or {}).get(TIANDITU_SETTING) or os.environ.get(TIANDITU_ENV)
    text = str(key).strip() if key else ""
    return text or None


def tianditu_tiles(key: str, lang: str = "zh") -> tuple[dict, dict]:
    """The vector (``vec``) and annotation WMTS layers of Tianditu for key ``key``: Chinese
    labels (``cva``), English ones (``eva``) and attribution for ``lang="en"``."""
    note = TILE_LANG["tianditu"]["en" if lang == "en" else "zh"]
    return tuple(
        {
            "tiles": _TIANDITU_URL.format(s="{s}", layer=layer, key=key),
            "attr": _TIANDITU_ATTR["en" if lang == "en" else "zh"],
            "subdomains": "01234567",
            "max_zoom": 18,
        }
        for layer in ("vec", note)
    )


def tile_layers(choice: str, lang: str = "zh") -> tuple[dict, ...]:
    """The ``folium.TileLayer`` arguments of tile basemap ``choice`` with labels (where the tiles
    offer it, :data:`TILE_LANG`) and attribution in ``lang``."""
    lang = "en" if lang == "en" else "zh"
    code = TILE_LANG.get(choice, {}).get(lang, "")
    out = []
    for options in TILES.get(choice, ()):
        attr = options.get("attr")
        out.append(
            {
                **options,
                "tiles": options["tiles"].replace("{lang}", code),
                **({"attr": attr[lang]} if isinstance(attr, dict) else {}),
            }
        )
    return tuple(out)


def check_basemap(choice: str) -> str:
    """``choice`` if it is a known basemap, else a ValueError naming the choices."""
    if choice not in BASEMAPS:
        known = ", ".join(BASEMAPS)
        raise ValueError(f"未知底图 {choice!r},可选:{known} / unknown basemap {choice!r}: {known}")
    return choice


def datum(choice: str) -> str:
    """Datum of the basemap ``choice`` (``wgs84`` or ``gcj02``) the overlays must be drawn in."""
    return BASEMAPS[check_basemap(choice)]


# -- the offline basemap -------------------------------------------------------------------
@dataclass(eq=False)
class OfflineBasemap:
    """The project's own layers as light GeoJSON, drawn as a basemap without internet.

    Attributes
    ----------
    parts : dict
        ``{part: FeatureCollection}`` for the parts present, bottom to top: ``water``,
        ``green``, ``buildings``, ``paths``, ``streets`` (each one multi-geometry feature).
    """

    parts: dict[str, dict] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Whether there is nothing to draw."""
        return not self.parts


def _clip(gdf: gpd.GeoDataFrame, box: tuple[float, float, float, float] | None):
    gdf = gdf.to_crs(WGS84) if gdf.crs is not None and not gdf.crs.equals(WGS84) else gdf
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if box is not None:
        gdf = gdf.iloc[np.sort(gdf.sindex.query(shapely.box(*box), predicate="intersects"))]
    return gdf


def _simple_parts(geoms: np.ndarray) -> np.ndarray:
    """The simple parts (points, lines, polygons) of ``geoms``: multi-geometries and
    collections unpacked to any depth (a layer may mix polygons and multipolygons)."""
    parts = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    while len(parts) and np.isin(shapely.get_type_id(parts), (4, 5, 6, 7)).any():
        parts = shapely.get_parts(parts)
    return parts[~shapely.is_empty(parts)] if len(parts) else parts


def _collection(geoms: np.ndarray, tolerance: float, dimension: int = 2) -> dict | None:
    """One feature holding all ``geoms`` simplified and rounded to 1e-5 degree (about 1 m).

    The feature is a MultiPolygon (``dimension`` 2: areas) or a MultiLineString (1: streets):
    parts of other dimensions (a point in a buildings layer) are left out, and a geometry
    collection is never produced (GeoJSON viewers and folium's ``get_bounds`` cannot take it).
    """
    parts = _simple_parts(np.asarray(geoms, dtype=object))
    parts = parts[shapely.get_dimensions(parts) == dimension] if len(parts) else parts
    if not len(parts):
        return None
    parts = shapely.simplify(parts, tolerance, preserve_topology=True)
    parts = shapely.transform(parts, lambda xy: np.round(xy, 5))
    parts = _simple_parts(parts)
    parts = parts[shapely.get_dimensions(parts) == dimension] if len(parts) else parts
    if not len(parts):
        return None
    merged = (shapely.multipolygons if dimension == 2 else shapely.multilinestrings)(parts)
    return gpd.GeoSeries([merged], crs=WGS84).__geo_interface__


def _unique_edges(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One edge per pair of nodes (a walking network holds each street in both directions)."""
    if not {"u", "v"} <= set(edges.columns):
        return edges
    low = np.minimum(edges["u"].to_numpy(), edges["v"].to_numpy())
    high = np.maximum(edges["u"].to_numpy(), edges["v"].to_numpy())
    return edges[~pd_duplicated(low, high)]


def pd_duplicated(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Whether each ``(low, high)`` pair was seen before in the arrays."""
    pairs = np.stack([low.astype(str), high.astype(str)], axis=1)
    _, first = np.unique(pairs, axis=0, return_index=True)
    seen = np.ones(len(pairs), dtype=bool)
    seen[first] = False
    return seen


def prepare_offline(
    layers: Mapping[str, gpd.GeoDataFrame],
    box: tuple[float, float, float, float] | None = None,
) -> OfflineBasemap:
    """The offline basemap of ``layers`` (``network_edges``, ``buildings``, ``water``,
    ``green``; those present), limited to ``box`` (minx, miny, maxx, maxy in WGS-84) if given."""
    parts: dict[str, dict] = {}
    for name in ("water", "green", "buildings"):
        frame = layers.get(name)
        if isinstance(frame, gpd.GeoDataFrame) and len(frame):
            collection = _collection(_clip(frame, box).geometry.values, 0.00001)
            if collection is not None:
                parts[name] = collection
    edges = layers.get("network_edges")
    if isinstance(edges, gpd.GeoDataFrame) and len(edges):
        edges = _unique_edges(_clip(edges, box))
        major = (
            edges["highway"].astype(str).isin(MAJOR_HIGHWAYS).to_numpy()
            if "highway" in edges.columns
            else np.ones(len(edges), dtype=bool)
        )
        for name, keep in (("paths", ~major), ("streets", major)):
            collection = _collection(edges.geometry.values[keep], 0.00002, dimension=1)
            if collection is not None:
                parts[name] = collection
    return OfflineBasemap(parts)


def _base_style(name: str):
    colour = BASE_COLOURS[name]
    if name in ("streets", "paths"):
        weight = 2.0 if name == "streets" else 1.0
        return lambda _f: {"color": colour, "weight": weight, "opacity": 1.0, "fill": False}
    return lambda _f: {
        "color": colour,
        "weight": 0.5,
        "opacity": 1.0,
        "fill": True,
        "fillColor": colour,
        "fillOpacity": 1.0,
    }


def add_offline(m: folium.Map, base: OfflineBasemap, lang: str = "zh") -> folium.FeatureGroup:
    """Draw ``base`` on ``m`` as canvas layers in a pane under the overlays (not interactive),
    so it lies under them whenever it is added."""
    folium.map.CustomPane(BASEMAP_PANE, z_index=250).add_to(m)
    group = folium.FeatureGroup(name=t("basemap.offline", lang), control=False, show=True)
    for name, collection in base.parts.items():
        folium.GeoJson(
            collection,
            name=f"basemap_{name}",
            style_function=_base_style(name),
            interactive=False,
            pane=BASEMAP_PANE,
            renderer=canvas_renderer(BASEMAP_PANE),
            embed=True,
            control=False,
        ).add_to(group)
    group.add_to(m)
    return group


def add_basemap(
    m: folium.Map,
    choice: str,
    lang: str = "zh",
    offline: OfflineBasemap | None = None,
    key: str | None = None,
) -> None:
    """Add the basemap ``choice`` to ``m`` (before the overlays, so it lies under them).

    ``offline`` is drawn for ``"offline"``; ``key`` is the Tianditu key (``"tianditu"`` without a
    key raises a ValueError saying where to put one).
    """
    check_basemap(choice)
    if choice == "offline":
        if offline is not None and not offline.empty:
            add_offline(m, offline, lang)
        return
    if choice == "tianditu":
        if not key:
            raise ValueError(t("basemap.tianditu_no_key", lang, env=TIANDITU_ENV))
        tiles = tianditu_tiles(key, lang)
    else:
        tiles = tile_layers(choice, lang)
    for i, options in enumerate(tiles):
        name = t(f"basemap.{choice}", lang) + ("" if i == 0 else f" ({i + 1})")
        folium.TileLayer(name=name, control=False, overlay=i > 0, **options).add_to(m)


# -- GCJ-02 ----------------------------------------------------------------------------------
def _to_gcj02_xy(xy: np.ndarray) -> np.ndarray:
    if not len(xy):
        return xy
    lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    return np.round(np.column_stack([lon, lat]), 6)


def to_gcj02_geojson(collection: dict) -> dict:
    """A copy of the WGS-84 FeatureCollection ``collection`` with coordinates in GCJ-02
    (:func:`layers.crs.wgs84_to_gcj02`), so that it lines up with GCJ-02 tiles (Amap)."""
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs=WGS84)
    if not len(frame):
        return collection
    geoms = shapely.transform(frame.geometry.values, _to_gcj02_xy)
    props = [f.get("properties") or {} for f in collection["features"]]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)}
            for p, g in zip(props, geoms, strict=True)
        ],
    }


def to_gcj02_box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A WGS-84 box (minx, miny, maxx, maxy) in GCJ-02."""
    xy = _to_gcj02_xy(np.array([[box[0], box[1]], [box[2], box[3]]], dtype=float))
    return float(xy[0, 0]), float(xy[0, 1]), float(xy[1, 0]), float(xy[1, 1])


@dataclass(frozen=True, eq=False)
class BasemapChoice:
    """A basemap choice with what it needs: the offline layers, the Tianditu key.

    Attributes
    ----------
    name : str
        One of :data:`BASEMAPS`.
    offline : OfflineBasemap, optional
        Drawn when ``name`` is ``"offline"`` (:func:`prepare_offline`).
    key : str, optional
        The Tianditu key (:func:`tianditu_key`).
    """

    name: str = DEFAULT_BASEMAP
    offline: OfflineBasemap | None = None
    key: str | None = None

    @property
    def datum(self) -> str:
        """``wgs84`` or ``gcj02``: the datum overlays are drawn in on this basemap."""
        return datum(self.name)


def as_choice(basemap: str | BasemapChoice | None) -> BasemapChoice:
    """``basemap`` as a :class:`BasemapChoice` (a name, a choice, or ``None`` for the default)."""
    if isinstance(basemap, BasemapChoice):
        check_basemap(basemap.name)
        return basemap
    return BasemapChoice(check_basemap(basemap or DEFAULT_BASEMAP))


def draw_basemap(m: folium.Map, basemap: str | BasemapChoice | None, lang: str = "zh") -> None:
    """Add ``basemap`` (:func:`as_choice`) to ``m`` with :func:`add_basemap`."""
    choice = as_choice(basemap)
    add_basemap(m, choice.name, lang, choice.offline, choice.key)
