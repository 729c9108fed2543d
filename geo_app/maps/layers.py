"""Map layers ready for the page: styles, the district filter, light GeoJSON with escaped popups.

:func:`prepare_layers` filters layers to districts, limits large layers, simplifies, and turns
each layer into a small GeoJSON dict whose only properties are a pre-escaped popup and tooltip
(:class:`LayerView`; texts of :mod:`geo_app.maps.popups`, district and street codes shown by
name). :mod:`geo_app.maps` draws them. No Streamlit, no folium.

Every layer passes :func:`drawable` first: a GeoPackage layer of type "Unknown" (an OSM import,
a planner's file) may hold missing or empty geometries, geometry collections and mixed types,
which GeoJSON viewers (and folium's ``get_bounds``) cannot take. Such features are repaired
where possible (a collection becomes its polygons, lines or points) and left out otherwise;
:attr:`LayerView.dropped` counts them and :func:`layer_notes` says so on the page.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import shapely

from geo_app.i18n import layer_label, t
from geo_app.maps.geojson import geo_dict
from geo_app.maps.popups import (
    TOOLTIP_FIELD,
    code_names,
    column_title,
    format_column,
    named_codes,
    popup_fields,
    tooltip_html,
)
from layers.schema import SCHEMAS


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

FILL_FIELD = "_fill"
"""Feature property holding a feature's own fill colour (the class of its usable-area
shortfall, :func:`with_fills`); outlines keep the layer's colour."""

MAP_LAYERS: tuple[str, ...] = tuple(LAYER_STYLES)
LARGE_LAYERS: tuple[str, ...] = tuple(k for k, s in LAYER_STYLES.items() if s.large)
DEFAULT_MAX_FEATURES = 2000
"""Default limit of features drawn per large layer."""


# -- geometries a map can draw --------------------------------------------------------------
_MULTI = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}


def _flat_parts(geom) -> np.ndarray:
    """The simple parts (points, lines, polygons) of a geometry, collections unpacked."""
    parts = np.asarray([geom], dtype=object)
    while True:
        kinds = shapely.get_type_id(parts)
        if not np.isin(kinds, (4, 5, 6, 7)).any():
            return parts[~shapely.is_empty(parts)]
        parts = shapely.get_parts(parts)


def _collapse_collection(geom):
    """A geometry collection as the multi-geometry of its highest-dimension parts (polygons
    before lines before points; the lesser parts are what ``make_valid`` and clipping leave
    over), or ``None`` when it has no part."""
    parts = _flat_parts(geom)
    if not len(parts):
        return None
    dims = shapely.get_dimensions(parts)
    top = parts[dims == dims.max()]
    return top[0] if len(top) == 1 else _MULTI[int(dims.max())](top)


def _well_placed(geoms: np.ndarray) -> np.ndarray:
    """Whether every coordinate of each geometry is finite longitude / latitude."""
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(xy).all(axis=1) | (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    ok = np.ones(len(geoms), dtype=bool)
    ok[np.unique(owner[bad])] = False
    return ok


def drawable_geometries(geoms) -> tuple[np.ndarray, np.ndarray]:
    """``(geometries, keep)``: the geometries a web map can draw and which of them to keep.

    Missing and empty geometries are not kept; a geometry collection becomes the
    multi-geometry of its polygons (else lines, else points); geometries with coordinates that
    are not finite longitude / latitude (a layer in metres saved without its CRS) are not kept.
    """
    geoms = np.asarray(geoms, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    collections = np.flatnonzero(keep & (shapely.get_type_id(geoms) == 7))
    if len(collections):
        geoms = geoms.copy()
        for i in collections:
            geoms[i] = _collapse_collection(geoms[i])
        keep[collections] = ~shapely.is_missing(geoms[collections])
    keep[keep] = _well_placed(geoms[keep])
    return geoms, keep


def drawable(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """The features of ``gdf`` (WGS 84) a web map can draw (:func:`drawable_geometries`), and
    how many were left out."""
    geoms, keep = drawable_geometries(gdf.geometry.values)
    dropped = int((~keep).sum())
    if geoms is gdf.geometry.values or np.array_equal(
        shapely.get_type_id(geoms), shapely.get_type_id(gdf.geometry.values)
    ):
        out = gdf
    else:
        out = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    return (out[keep] if dropped else out), dropped


def _still_drawable(geoms: np.ndarray) -> np.ndarray:
    """Whether simplified and rounded geometries still have something to draw."""
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def layer_notes(views: Sequence[LayerView], lang: str = "zh", label=None) -> list[str]:
    """Messages for the page about what a map leaves out: features whose geometry cannot be
    drawn, layers with nothing to draw, or a map with nothing on it at all.

    ``label`` (layer name -> label) defaults to the layer's label in ``lang``.
    """
    label = label or (lambda name: layer_label(name, lang))
    notes = []
    for view in views:
        if view.dropped and view.shown:
            notes.append(t("map.dropped", lang, layer=label(view.name), n=view.dropped))
        elif view.dropped:
            notes.append(t("map.left_out", lang, layer=label(view.name), n=view.dropped))
    if views and not any(v.shown for v in views):
        notes.append(t("map.nothing_drawn", lang))
    return notes


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
    style : LayerStyle
        How the layer is drawn.
    ids : tuple of str
        Identifiers of the drawn features (the schema's id field; empty when unknown), to join
        more popup values (:func:`with_popup_fields`).
    dropped : int
        Features left out because their geometry cannot be drawn (:func:`drawable`).
    filled : bool
        Whether features carry their own fill colour (:data:`FILL_FIELD`, the shortfall class:
        the map then shows the shortfall legend).
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
    ids: tuple[str, ...] = ()
    dropped: int = 0
    filled: bool = False

    @property
    def truncated(self) -> bool:
        """Whether fewer features are drawn than the layer has."""
        return self.shown < self.total

    @property
    def has_points(self) -> bool:
        """Whether some drawn features are points (drawn as dots, also in a mixed layer)."""
        return self.geom_kind == "point" or any(
            "Point" in str((f.get("geometry") or {}).get("type", ""))
            for f in self.geojson.get("features", [])
        )


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
    ids: Sequence[str] = (),
) -> LayerView:
    """A :class:`LayerView` of ``gdf`` (WGS 84) carrying only ``columns`` (escaped texts).

    ``gdf`` holds only drawable features (:func:`drawable`; ``columns`` and ``ids``, the
    feature identifiers to join popup values on, have one value per row).
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
    kept = _still_drawable(light.geometry.values)
    light = light[kept]
    return LayerView(
        name=name,
        geojson=geo_dict(light),
        total=len(light),
        shown=len(light),
        geom_kind=geometry_kind(gdf.geometry),
        bounds=tuple(float(v) for v in light.total_bounds) if len(light) else None,
        labels=tuple(html.escape(str(c)) for c in headers),
        centroids=shapely.get_coordinates(shapely.centroid(light.geometry.values)),
        style=style,
        ids=tuple(str(i) for i in np.asarray(list(ids), dtype=object)[kept]) if len(ids) else (),
        dropped=len(gdf) - len(light),
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
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> LayerView:
    """Turn one layer into a :class:`LayerView` (escaped popups, light geometry).

    Large layers (``LayerStyle.large``) keep their first ``max_features`` features.
    Features whose geometry cannot be drawn are left out and counted (:func:`drawable`).
    ``names`` (from :func:`geo_app.maps.popups.code_names`) shows district and street codes by
    name.
    """
    style = LAYER_STYLES.get(name, LayerStyle("#000000"))
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    gdf, dropped = drawable(gdf)
    total = len(gdf)
    if style.large and max_features is not None and total > max_features:
        gdf = gdf.iloc[:max_features]
    fields = popup_fields(name, gdf.columns)
    columns: dict[str, list[str]] = {
        TOOLTIP_FIELD: [tooltip_html(name, r, lang) for r in _records(name, gdf)]
    }
    schema = SCHEMAS.get(name)
    ids = ()
    if schema is not None and schema.id_field in gdf.columns:
        ids = tuple(str(v) for v in gdf[schema.id_field].tolist())
    for i, column in enumerate(fields):
        values = named_codes(column, gdf[column].tolist(), names or {})
        columns[f"f{i}"] = format_column(name, column, values, lang)
    light = gpd.GeoDataFrame(
        columns,
        geometry=_light_geometry(gdf.geometry, style.simplify_deg),
        crs="EPSG:4326",
    )
    kept = _still_drawable(light.geometry.values)
    if not kept.all():
        light = light[kept]
        ids = tuple(np.asarray(ids, dtype=object)[kept]) if ids else ids
    bounds = tuple(float(v) for v in light.total_bounds) if len(light) else None
    return LayerView(
        name=name,
        geojson=geo_dict(light),
        labels=tuple(html.escape(column_title(name, c, lang, names)) for c in fields),
        total=total - int((~kept).sum()),
        shown=len(light),
        geom_kind=_geom_kind(gdf.geometry),
        bounds=bounds,
        centroids=shapely.get_coordinates(shapely.centroid(light.geometry.values)),
        style=style,
        ids=ids,
        dropped=dropped + int((~kept).sum()),
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

    Tables without geometry are skipped; district and street codes show by name.
    """
    present = {k: v for k, v in layers.items() if k in LAYER_STYLES and _has_geometry(v)}
    filtered = filter_to_districts(present, district_codes)
    names = code_names(layers)
    return [
        prepare_layer(name, filtered[name], lang, max_features, names)
        for name in MAP_LAYERS
        if name in filtered
    ]


def with_popup_fields(
    view: LayerView, values: Mapping[str, Sequence[str]], labels: Sequence[str]
) -> LayerView:
    """A copy of ``view`` whose popups end with the fields ``labels``, valued ``values[id]``
    by feature identifier (features without values show a dash); the first value is also added
    to the tooltip. Labels and values are escaped here."""
    features = view.geojson.get("features", [])
    ids = view.ids if len(view.ids) == len(features) else ("",) * len(features)
    start = len(view.labels)
    out = []
    for feature, key in zip(features, ids, strict=True):
        props = dict(feature.get("properties") or {})
        extra = values.get(key)
        for i in range(len(labels)):
            text = extra[i] if extra is not None else "—"
            props[f"f{start + i}"] = html.escape(str(text))
        if extra is not None and TOOLTIP_FIELD in props:
            props[TOOLTIP_FIELD] = f"{props[TOOLTIP_FIELD]} · {html.escape(str(extra[0]))}"
        out.append({**feature, "properties": props})
    geojson = {**view.geojson, "features": out}
    headers = (*view.labels, *(html.escape(str(label)) for label in labels))
    return replace(view, geojson=geojson, labels=headers)


def with_fills(view: LayerView, fills: Mapping[str, str], default: str = "") -> LayerView:
    """A copy of ``view`` whose features are filled with ``fills[id]`` (by feature identifier;
    ``default``, or the layer's fill, for the others): see :data:`FILL_FIELD`."""
    features = view.geojson.get("features", [])
    ids = view.ids if len(view.ids) == len(features) else ("",) * len(features)
    out = []
    for feature, key in zip(features, ids, strict=True):
        props = dict(feature.get("properties") or {})
        colour = fills.get(key, default)
        if colour:
            props[FILL_FIELD] = html.escape(str(colour))
        out.append({**feature, "properties": props})
    return replace(view, geojson={**view.geojson, "features": out}, filled=True)
