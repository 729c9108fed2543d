"""Reading an OSM extract: tags wanted, the raw ways, relations and nodes, constants."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import WGS84
from layers.errors import PlannerError
from layers.progress import Progress, report

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


FACILITY_TAGS: dict[tuple[str, str], str] = {
    ("amenity", "community_centre"): "community_station",
    ("amenity", "social_facility"): "elderly_daycare",
    ("amenity", "townhall"): "street_centre",
    ("amenity", "police"): "police_room",
    ("amenity", "library"): "cultural_centre",
    ("amenity", "arts_centre"): "cultural_centre",
    ("amenity", "clinic"): "health_centre",
    ("amenity", "doctors"): "health_centre",
    ("healthcare", "centre"): "health_centre",
}
"""OSM tag -> facility kind. Hospitals are city-level, not community facilities: only those named
社区卫生服务 (community health service) become ``health_centre`` (:data:`COMMUNITY_HEALTH`)."""

COMMUNITY_HEALTH = re.compile(r"社区卫生|卫生服务(中心|站)")
HIGHER_GOVERNMENT = re.compile(r"(省|市|区|县)(人民)?政府")
UNIVERSITY = re.compile(r"大学|学院|university|college", re.IGNORECASE)
BOILER_NAME = re.compile(r"锅炉房|锅炉中心|boiler ?(house|room)", re.IGNORECASE)

RESIDENTIAL_BUILDINGS: frozenset[str] = frozenset(
    {
        "apartments",
        "residential",
        "house",
        "yes",
        "detached",
        "semidetached_house",
        "terrace",
        "dormitory",
        "bungalow",
    }
)
"""``building=*`` values counted as housing when inside a residential area."""

CHIMNEY_BUILDING_RADIUS_M = 30.0
"""A chimney's boiler house is taken to be the nearest building within this distance."""

CAMERA_TYPES: dict[str, str] = {"fixed": "bullet", "dome": "dome", "panning": "ptz"}
CAMERA_DEFAULTS: dict[str, tuple[float, float]] = {
    "bullet": (60.0, 40.0),
    "dome": (90.0, 25.0),
    "ptz": (360.0, 60.0),
}
"""Camera kind -> (field of view in degrees, range in metres) assumed for OSM cameras."""

COMPASS: dict[str, float] = {
    name: i * 22.5
    for i, name in enumerate(
        [
            "N",
            "NNE",
            "NE",
            "ENE",
            "E",
            "ESE",
            "SE",
            "SSE",
            "S",
            "SSW",
            "SW",
            "WSW",
            "W",
            "WNW",
            "NW",
            "NNW",
        ]
    )
}

ERA_DEFAULT = "old"
MANAGEMENT_DEFAULT = "basic"
KIND_DEFAULT = "urban"
BOILER_IDLE_DEFAULT = True
BOILER_CONDITION = "待核实 / to be verified"
FACILITY_STATUS = "待核实 / to be verified"


class OsmImportError(PlannerError):
    """The OSM file cannot be read or holds nothing usable; the message is in zh and en."""


@dataclass
class OsmImport:
    """Result of :func:`read_osm_layers`.

    Attributes
    ----------
    layers : dict of str to GeoDataFrame
        Project layers (EPSG:4326) named as in ``layers.schema``; empty layers are left out.
    metadata : DataFrame
        ``layer, key, value``: sources, methods, parameters and defaults (the ``layer_metadata``
        table of a project).
    report : list of str
        Bilingual lines: counts per layer, what a clipped extract lost, assumptions.
    bbox : tuple of float
        ``(minx, miny, maxx, maxy)`` of the extract (WGS 84).
    counts : Counter
        Machine-readable counts behind the report (``ways_trimmed``, ``relations_skipped`` ...).
    """

    layers: dict[str, gpd.GeoDataFrame]
    metadata: pd.DataFrame
    report: list[str]
    bbox: tuple[float, float, float, float]
    counts: Counter = field(default_factory=Counter)


# -- reading the file ---------------------------------------------------------------------------
@dataclass
class _Relation:
    osm_id: int
    tags: dict[str, str]
    ways: list[tuple[int, str]]
    hint_nodes: list[int]


@dataclass
class _Raw:
    bbox: tuple[float, float, float, float]
    boundaries: list[_Relation]
    multipolygons: list[_Relation]
    way_coords: dict[int, list[tuple[float, float] | None]]
    hint_points: dict[int, tuple[float, float]]
    nodes: list[tuple[int, dict[str, str], tuple[float, float]]]
    ways: list[tuple[int, dict[str, str], list[tuple[float, float] | None], bool]]
    counts: Counter


FEATURE_KEYS: tuple[str, ...] = (
    "building",
    "landuse",
    "man_made",
    "power",
    "amenity",
    "healthcare",
)
"""Keys of the tags that make a node or way a feature (see :func:`_wanted`)."""


def _wanted(tags: Mapping[str, str]) -> bool:
    """Whether an object's tags make it a feature of some layer."""
    building = tags.get("building")
    if building is not None and building != "no":
        return True
    if tags.get("landuse") == "residential":
        return True
    if tags.get("man_made") in ("chimney", "surveillance"):
        return True
    if tags.get("power") == "plant":
        return True
    return _facility_kind(tags) is not None


def _facility_kind(tags: Mapping[str, str]) -> str | None:
    """Facility kind of an object by :data:`FACILITY_TAGS` (None if it is no facility).

    Left out although tagged: private places (``access=private/no``), town halls of a
    province, city, district or county (政府 above the street level), libraries of universities
    and colleges; hospitals unless named as community health service (社区卫生服务).
    """
    if tags.get("access") in ("private", "no"):
        return None
    name = tags.get("name", "")
    amenity = tags.get("amenity")
    if amenity == "hospital":
        return "health_centre" if COMMUNITY_HEALTH.search(name) else None
    if amenity == "townhall" and HIGHER_GOVERNMENT.search(name):
        return None
    if amenity == "library" and UNIVERSITY.search(name + tags.get("operator", "")):
        return None
    for key in ("amenity", "healthcare"):
        value = tags.get(key)
        if value is not None and (key, value) in FACILITY_TAGS:
            return FACILITY_TAGS[(key, value)]
    return None


def _is_boundary(tags: Mapping[str, str]) -> bool:
    return (
        tags.get("boundary") == "administrative"
        and tags.get("type") in ("boundary", "multipolygon")
        and tags.get("admin_level") in ("6", "8")
    )


def _unreadable(path: Path, exc: Exception) -> OsmImportError:
    return OsmImportError(
        f"无法读取 OSM 文件 {path.name}:{exc} / cannot read the OSM file {path.name}: {exc}"
    )


def _read(path: Path, progress: Progress | None) -> _Raw:
    import osmium

    report(progress, 0.02, "读取关系 / reading relations")
    try:
        boundaries, multipolygons, header_bbox = _read_relations(path)
    except (RuntimeError, osmium.InvalidLocationError) as exc:  # unreadable files
        raise _unreadable(path, exc) from exc
    report(progress, 0.08, "读取节点和路径 / reading nodes and ways")
    try:
        nodes, ways, way_coords, hint_points = _read_nodes_and_ways(path, boundaries, multipolygons)
        bbox = header_bbox or _node_extent(path)
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        raise _unreadable(path, exc) from exc
    if bbox is None:
        raise OsmImportError(
            f"OSM 文件 {path.name} 中没有任何节点 / the OSM file {path.name} holds no nodes"
        )
    return _Raw(bbox, boundaries, multipolygons, way_coords, hint_points, nodes, ways, Counter())


def _read_relations(
    path: Path,
) -> tuple[list[_Relation], list[_Relation], tuple[float, float, float, float] | None]:
    """Boundary and wanted multipolygon relations, and the file header's box if valid."""
    import osmium

    boundaries: list[_Relation] = []
    multipolygons: list[_Relation] = []
    processor = osmium.FileProcessor(str(path), osmium.osm.RELATION)
    box = processor.header.box()
    for rel in processor:
        tags = dict(rel.tags)
        boundary = _is_boundary(tags)
        if not boundary and not (tags.get("type") == "multipolygon" and _wanted(tags)):
            continue
        ways = [(m.ref, m.role) for m in rel.members if m.type == "w"]
        hints = [
            m.ref for m in rel.members if m.type == "n" and m.role in ("label", "admin_centre")
        ]
        item = _Relation(rel.id, tags, ways, hints)
        (boundaries if boundary else multipolygons).append(item)
    bbox = None
    if box.valid():
        bbox = (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)
    return boundaries, multipolygons, bbox


def _read_nodes_and_ways(
    path: Path, boundaries: list[_Relation], multipolygons: list[_Relation]
) -> tuple[list, list, dict[int, list[tuple[float, float] | None]], dict[int, tuple[float, float]]]:
    """Wanted nodes and ways, the coordinates of relation member ways, and label node points."""
    import osmium

    member_ways = {w for rel in boundaries + multipolygons for w, _ in rel.ways}
    way_coords: dict[int, list[tuple[float, float] | None]] = {}
    nodes: list[tuple[int, dict[str, str], tuple[float, float]]] = []
    ways: list[tuple[int, dict[str, str], list[tuple[float, float] | None], bool]] = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    processor.with_locations()
    # untagged nodes only feed the location cache; skip them before Python sees them
    node_filter = osmium.filter.KeyFilter(*FEATURE_KEYS)
    node_filter.enable_for(osmium.osm.NODE)
    processor.with_filter(node_filter)
    for obj in processor:
        if obj.is_node():
            if obj.location.valid() and _wanted(obj.tags):
                nodes.append((obj.id, dict(obj.tags), (obj.location.lon, obj.location.lat)))
            continue
        member = obj.id in member_ways
        wanted = len(obj.tags) > 0 and _wanted(obj.tags)
        if not (member or wanted):
            continue
        coords = [(n.lon, n.lat) if n.location.valid() else None for n in obj.nodes]
        if member:
            way_coords[obj.id] = coords
        if wanted:
            closed = len(obj.nodes) >= 4 and obj.nodes[0].ref == obj.nodes[-1].ref
            ways.append((obj.id, dict(obj.tags), coords, closed))
    hint_ids = {n for rel in boundaries for n in rel.hint_nodes}
    return nodes, ways, way_coords, _hint_points(processor.node_location_storage, hint_ids)


def _hint_points(storage, node_ids: set[int]) -> dict[int, tuple[float, float]]:
    """Locations of the label/admin-centre nodes found in the location cache."""
    points: dict[int, tuple[float, float]] = {}
    for node_id in node_ids:
        try:
            loc = storage.get(node_id)
        except KeyError:
            continue
        if loc.valid():
            points[node_id] = (loc.lon, loc.lat)
    return points


def _node_extent(path: Path) -> tuple[float, float, float, float] | None:
    """Bounding box of all node locations (for files without a header box)."""
    import osmium

    lons: list[float] = []
    lats: list[float] = []
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if node.location.valid():
            lons.append(node.location.lon)
            lats.append(node.location.lat)
    if not lons:
        return None
    return (min(lons), min(lats), max(lons), max(lats))


# -- row helpers ------------------------------------------------------------------------
def _name(tags: Mapping[str, str]) -> str | None:
    for key in ("name", "name:zh", "name:zh-Hans", "official_name"):
        value = tags.get(key)
        if value and value.strip():
            return value.strip()
    return None


def _levels(value: str | None) -> float | None:
    """Parse ``building:levels`` ("6", "5.5", "3;5", "3-5" -> the largest number)."""
    if not value:
        return None
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", value)]
    if not numbers:
        return None
    top = max(numbers)
    return top if 0 < top < 200 else None


def _bearing(tags: Mapping[str, str]) -> float | None:
    value = (tags.get("camera:direction") or tags.get("direction") or "").strip().upper()
    if not value:
        return None
    if value in COMPASS:
        return COMPASS[value]
    try:
        return float(value) % 360.0
    except ValueError:
        return None


def _osm_id(kind: str, osm_id: int) -> str:
    return f"osm_{kind}{osm_id}"


def _gdf(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


def _area_m2(gdf: gpd.GeoDataFrame, crs: str) -> np.ndarray:
    if gdf.empty:
        return np.zeros(0)
    return gdf.geometry.to_crs(crs).area.to_numpy()


def _point_join(
    points: gpd.GeoSeries,
    polygons: gpd.GeoDataFrame,
    columns: list[str],
    crs: str,
    *,
    nearest: bool,
) -> tuple[pd.DataFrame, int]:
    """Attributes of the polygon containing each point (the nearest one when ``nearest``).

    Returns the joined columns (index of ``points``) and the number of points placed by
    nearest distance.
    """
    out = pd.DataFrame(index=points.index, columns=columns, dtype=object)
    if polygons.empty or points.empty:
        return out, 0
    left = gpd.GeoDataFrame(geometry=points, crs=WGS84)
    hit = gpd.sjoin(left, polygons[[*columns, "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    out.loc[hit.index, columns] = hit[columns].to_numpy()
    n_nearest = 0
    if nearest:
        missing = out[columns[0]].isna()
        if missing.any():
            lm = left[missing.to_numpy()].to_crs(crs)
            near = gpd.sjoin_nearest(lm, polygons[[*columns, "geometry"]].to_crs(crs), how="left")
            near = near[~near.index.duplicated(keep="first")]
            out.loc[near.index, columns] = near[columns].to_numpy()
            n_nearest = int(len(near))
    return out, n_nearest
