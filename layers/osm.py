"""Read an OpenStreetMap extract (``.osm`` / ``.osm.pbf``) into the layers of a project.

``read_osm_layers(path)`` returns an :class:`OsmImport`: the layers of ``layers.schema`` built
from OSM tags, a ``layer_metadata`` table (layer, key, value) stating every estimate and
default, and a report of what a clipped extract lost. The mapping:

* ``districts`` (区县): ``boundary=administrative`` + ``admin_level=6`` relations, clipped to
  the extract's bounding box; ``district_code`` from ``division_code`` or the Chinese name,
  ``district_class`` per Art. 11 (core / outer / county, 双城 through the project setting).
* ``streets`` (街道/乡镇): ``admin_level=8`` relations; ``street_code`` = the 9-digit
  township code of ``division_code`` when tagged, else ``district_code`` + ``9NN``
  (sequence by relation id); ``district_code`` from the code or by overlap with the districts.
* ``communities`` (社区): ``landuse=residential`` ways and multipolygons, ``community_id``
  ``osm_w<id>`` / ``osm_r<id>``; street and district by the representative point; households
  estimated from the residential buildings inside (footprint x levels / flat size), population
  = households x persons per household. ``kind``, ``era`` and ``management`` are defaults.
* ``buildings``: every ``building=*`` (except ``no``) with ``building:levels`` and the use.
* ``facilities``: amenity tags (see :data:`FACILITY_TAGS`).
* ``boiler_rooms``: candidates from ``man_made=chimney`` (the nearest building within
  :data:`CHIMNEY_BUILDING_RADIUS_M`) and boiler houses (``building=boiler_house`` or a name
  with 锅炉房); Art. 13.
* ``cameras``: ``man_made=surveillance`` nodes with ``camera:type``/``camera:direction``.
* ``network_nodes`` / ``network_edges``: the walking network, through ``layers.network``.

Clipped extracts: ways with missing nodes are trimmed to their present nodes (areas are closed
over the gap and cut by the bounding box), boundary relations are rebuilt from the pieces inside
the box (see :func:`assemble_boundary`), and everything dropped or trimmed is counted in the
report. Data (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.crs import metric_crs
from layers.districts import HARBIN_DISTRICTS, district_class
from layers.schema import FACILITY_KIND_LABELS

WGS84 = "EPSG:4326"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

Progress = Callable[[float, str], None]

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


class OsmImportError(Exception):
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


def _read(path: Path, progress: Progress | None) -> _Raw:
    import osmium

    counts: Counter = Counter()
    boundaries: list[_Relation] = []
    multipolygons: list[_Relation] = []
    _report(progress, 0.02, "读取关系 / reading relations")
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.RELATION)
        header_box = processor.header.box()
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
    except (RuntimeError, osmium.InvalidLocationError) as exc:  # unreadable files
        raise OsmImportError(
            f"无法读取 OSM 文件 {path.name}:{exc} / cannot read the OSM file {path.name}: {exc}"
        ) from exc

    member_ways = {w for rel in boundaries + multipolygons for w, _ in rel.ways}
    hint_ids = {n for rel in boundaries for n in rel.hint_nodes}
    way_coords: dict[int, list[tuple[float, float] | None]] = {}
    hint_points: dict[int, tuple[float, float]] = {}
    nodes: list[tuple[int, dict[str, str], tuple[float, float]]] = []
    ways: list[tuple[int, dict[str, str], list[tuple[float, float] | None], bool]] = []
    _report(progress, 0.08, "读取节点和路径 / reading nodes and ways")
    try:
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
        storage = processor.node_location_storage
        for node_id in hint_ids:
            try:
                loc = storage.get(node_id)
            except KeyError:
                continue
            if loc.valid():
                hint_points[node_id] = (loc.lon, loc.lat)
        if header_box.valid():
            bbox = (
                header_box.bottom_left.lon,
                header_box.bottom_left.lat,
                header_box.top_right.lon,
                header_box.top_right.lat,
            )
        else:
            bbox = _node_extent(path)
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        raise OsmImportError(
            f"无法读取 OSM 文件 {path.name}:{exc} / cannot read the OSM file {path.name}: {exc}"
        ) from exc
    if bbox is None:
        raise OsmImportError(
            f"OSM 文件 {path.name} 中没有任何节点 / the OSM file {path.name} holds no nodes"
        )
    return _Raw(bbox, boundaries, multipolygons, way_coords, hint_points, nodes, ways, counts)


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


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


# -- geometry helpers ---------------------------------------------------------------------------
def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of ``geom`` (made valid), or None when there is none."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom if not geom.is_empty else None
    parts = [
        g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon | shapely.MultiPolygon)
    ]
    if not parts:
        return None
    out = shapely.union_all(parts)
    return out if not out.is_empty else None


def way_area(
    coords: list[tuple[float, float] | None], frame: shapely.Polygon
) -> tuple[shapely.Geometry | None, str]:
    """Polygon of a closed way, trimmed when nodes are missing.

    Missing nodes (outside a clipped extract) are dropped, the ring is closed over the gap and
    the result is cut by ``frame`` (the extract's bounding box).

    Returns
    -------
    (geometry or None, status)
        status is ``"complete"``, ``"trimmed"`` or ``"skipped"`` (fewer than 3 nodes left).
    """
    present = [c for c in coords if c is not None]
    trimmed = len(present) < len(coords)
    if len(set(present)) < 3:
        return None, "skipped"
    ring = present if present[0] == present[-1] else [*present, present[0]]
    geom = _polygonal(shapely.Polygon(ring))
    if geom is None:
        return None, "skipped"
    if trimmed:
        geom = _polygonal(geom.intersection(frame))
        if geom is None:
            return None, "skipped"
    return geom, "trimmed" if trimmed else "complete"


def _runs(coords: list[tuple[float, float] | None]) -> list[tuple[list, bool, bool]]:
    """Split a way into runs of present nodes: ``(points, open_start, open_end)``.

    ``open_start``/``open_end`` tell that the neighbouring node of the run is missing.
    """
    runs = []
    current: list[tuple[float, float]] = []
    start_open = False
    for i, c in enumerate(coords):
        if c is None:
            if current:
                runs.append((current, start_open, True))
                current = []
            start_open = True
            continue
        if not current:
            start_open = i > 0 and coords[i - 1] is None
        current.append(c)
    if current:
        runs.append((current, start_open, False))
    return runs


def _extend(run: list, open_start: bool, open_end: bool, frame: shapely.Polygon) -> list:
    """Extend a run's open ends straight to the nearest point of the frame's edge."""
    edge = frame.exterior
    points = list(run)
    if open_start:
        p = edge.interpolate(edge.project(shapely.Point(points[0])))
        points.insert(0, (p.x, p.y))
    if open_end:
        p = edge.interpolate(edge.project(shapely.Point(points[-1])))
        points.append((p.x, p.y))
    return points


def _crossings(p: shapely.Point, q: shapely.Point, lines: shapely.Geometry) -> int:
    """Number of times the segment p-q crosses ``lines``."""
    hit = shapely.intersection(shapely.LineString([p, q]), lines)
    return 0 if hit.is_empty else int(shapely.get_num_geometries(hit))


def _share(faces: list, parity: np.ndarray, other: shapely.Geometry) -> list[float]:
    """Share of the area of each face class (0, 1) that lies in ``other``."""
    out = []
    for k in (0, 1):
        area = sum(f.area for f, c in zip(faces, parity, strict=True) if c == k)
        hit = sum(f.intersection(other).area for f, c in zip(faces, parity, strict=True) if c == k)
        out.append(hit / area if area else 0.0)
    return out


DECISIVE = 0.3
"""Minimum difference of area shares for the parent/neighbour evidence to decide a class."""


def assemble_boundary(
    members: Iterable[list[tuple[float, float] | None]],
    frame: shapely.Polygon,
    *,
    hints: Iterable[tuple[float, float]] = (),
    within: shapely.Geometry | None = None,
    avoid: shapely.Geometry | None = None,
) -> tuple[shapely.Geometry | None, str]:
    """Rebuild an area relation from its member ways, clipped to ``frame``.

    Each member is a list of node coordinates (None where the node is missing in the extract).
    The linework is noded together with the frame's edge and polygonised into faces; crossing
    a boundary line flips inside/outside, so the faces split into two classes (even-odd rule).
    When no node is missing, the class is decided exactly (a point far outside is outside).
    In a clipped extract, the open ends of the pieces are extended to the frame's edge and the
    inside class is decided, in this order, by

    1. ``within``: the parent area (a street lies in its district): the class lying in it;
    2. ``avoid``: neighbours of the same level already built: the class overlapping them less;
    3. ``hints``: the relation's ``label``/``admin_centre`` nodes (an office may stand outside
       its own area, hence last): the class holding most of them.

    Area evidence counts only when the two classes' shares differ by more than
    :data:`DECISIVE`.

    Returns
    -------
    (geometry or None, how)
        how is ``"complete"``, ``"parent"``, ``"neighbours"``, ``"label"``, or why nothing was
        built: ``"no_lines"``, ``"no_faces"``, ``"ambiguous"``.
    """
    members = [list(m) for m in members]
    clipped = any(c is None for m in members for c in m) or not members
    lines = []
    for coords in members:
        for run, open_start, open_end in _runs(coords):
            points = _extend(run, open_start, open_end, frame) if clipped else run
            if len(points) >= 2:
                lines.append(shapely.LineString(points))
    if not lines:
        return None, "no_lines"
    linework = shapely.union_all(lines)
    net = shapely.union_all([linework, frame.exterior]) if clipped else linework
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(net))))
    if clipped:
        faces = [f for f in faces if f.intersection(frame).area > 0]
    if not faces:
        return None, "no_faces"
    faces.sort(key=lambda f: -f.area)
    points = [f.representative_point() for f in faces]
    ref = points[0]
    parity = np.array([_crossings(p, ref, linework) % 2 if i else 0 for i, p in enumerate(points)])
    inside_class: int | None = None
    how = "complete"
    if not clipped:
        _, _, maxx, maxy = linework.bounds
        far = shapely.Point(maxx + 1.123, maxy + 0.7371)
        # the reference face is inside when a ray from it to a far point crosses an odd number
        inside_class = 0 if _crossings(ref, far, linework) % 2 == 1 else 1
    elif len(set(parity.tolist())) == 1:
        return None, "ambiguous"  # nothing inside the frame separates inside from outside
    else:
        if within is not None and not within.is_empty:
            share = _share(faces, parity, within)
            if abs(share[0] - share[1]) > DECISIVE:
                inside_class, how = int(np.argmax(share)), "parent"
        if inside_class is None and avoid is not None and not avoid.is_empty:
            share = _share(faces, parity, avoid)
            if abs(share[0] - share[1]) > DECISIVE:
                inside_class, how = int(np.argmin(share)), "neighbours"
        if inside_class is None:
            votes: Counter = Counter()
            for lon, lat in hints:
                pt = shapely.Point(lon, lat)
                for face, cls in zip(faces, parity, strict=True):
                    if face.covers(pt):
                        votes[int(cls)] += 1
                        break
            if votes and votes[0] != votes[1]:
                inside_class, how = (0 if votes[0] > votes[1] else 1), "label"
        if inside_class is None:
            return None, "ambiguous"
    chosen = [f for f, c in zip(faces, parity, strict=True) if c == inside_class]
    geom = _polygonal(shapely.union_all(chosen))
    if geom is not None and not frame.covers(geom):
        geom = _polygonal(geom.intersection(frame))
    if geom is None:
        return None, "no_faces"
    return geom, how


# -- building the layers ------------------------------------------------------------------------
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


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


_NAME_TO_CODE = {name: code for code, name in HARBIN_DISTRICTS.items()}


def _build_admin(
    raw: _Raw,
    frame: shapely.Polygon,
    counts: Counter,
    report: list[str],
    overrides: Mapping[str, str] | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    built: dict[str, list[tuple[_Relation, shapely.Geometry, str]]] = {"6": [], "8": []}
    parents: dict[str, shapely.Geometry] = {}
    for level in ("6", "8"):
        rels = sorted(
            (r for r in raw.boundaries if r.tags.get("admin_level") == level),
            key=lambda r: r.osm_id,
        )
        clipped = []
        for rel in rels:  # complete boundaries first: they need no decision
            members, missing_ways = _members(rel, raw)
            counts[f"admin{level}_missing_member_ways"] += missing_ways
            if any(c is None for m in members for c in m):
                clipped.append((rel, members))
                continue
            geom, how = assemble_boundary(members, frame)
            if geom is None:
                counts[f"admin{level}_skipped"] += 1
            else:
                built[level].append((rel, geom, how))
        complete = shapely.union_all([g for _, g, _ in built[level]]) if built[level] else None
        pending = []
        for rel, members in clipped:
            hints = [raw.hint_points[n] for n in rel.hint_nodes if n in raw.hint_points]
            parent = (
                parents.get(_digits(rel.tags.get("division_code"))[:6]) if level == "8" else None
            )
            geom, how = assemble_boundary(
                members, frame, hints=hints, within=parent, avoid=complete
            )
            if geom is None and how == "ambiguous":
                pending.append((rel, members))
            elif geom is None:
                counts[f"admin{level}_skipped"] += 1
            else:
                built[level].append((rel, geom, how))
        for rel, members in pending:  # second chance against every neighbour built so far
            avoid = shapely.union_all([g for _, g, _ in built[level]]) if built[level] else None
            geom, how = assemble_boundary(members, frame, avoid=avoid)
            if geom is None:
                counts[f"admin{level}_skipped"] += 1
                label = rel.tags.get("name", rel.osm_id)
                report.append(
                    f"边界 {label} 被裁剪且无法判断内外,已跳过 / "
                    f"boundary {label} is clipped and its inside cannot be told, skipped"
                )
            else:
                built[level].append((rel, geom, how))
        for rel, geom, how in built[level]:
            counts[f"admin{level}_{how}"] += 1
            if level == "6":
                code = _digits(rel.tags.get("division_code"))[:6]
                code = code or _NAME_TO_CODE.get(_name(rel.tags) or "", "")
                if code:
                    parents[code] = geom

    rows = []
    for rel, geom, _ in built["6"]:
        name = _name(rel.tags) or f"区县 {rel.osm_id}"
        code = _digits(rel.tags.get("division_code"))[:6] or _NAME_TO_CODE.get(name) or ""
        code = code or _osm_id("r", rel.osm_id)
        try:
            klass = district_class(code, overrides)
        except KeyError:  # not a Harbin division: an override by code or name, else county
            klass = (overrides or {}).get(code) or (overrides or {}).get(name) or "county"
        rows.append(
            {
                "district_code": code,
                "name": name,
                "district_class": klass,
                "osm_id": _osm_id("r", rel.osm_id),
                "geometry": geom,
            }
        )
    districts = _gdf(rows, ["district_code", "name", "district_class", "osm_id"])

    rows = []
    generated: list[int] = []
    for rel, geom, _ in built["8"]:
        digits = _digits(rel.tags.get("division_code"))
        code = digits[:9] if len(digits) >= 9 else ""
        district = digits[:6] if len(digits) >= 6 else ""
        if not district and not districts.empty:
            overlap = shapely.area(shapely.intersection(districts.geometry.to_numpy(), geom))
            if overlap.max() > 0:
                district = str(districts["district_code"].iloc[int(np.argmax(overlap))])
        if not code:
            generated.append(len(rows))
        rows.append(
            {
                "street_code": code,
                "name": _name(rel.tags) or f"街道 {rel.osm_id}",
                "district_code": district or None,
                "osm_id": _osm_id("r", rel.osm_id),
                "geometry": geom,
            }
        )
    seq: Counter = Counter()
    for i in generated:
        district = rows[i]["district_code"]
        if district:
            seq[district] += 1
            rows[i]["street_code"] = f"{district}{900 + seq[district]:03d}"
        else:
            rows[i]["street_code"] = rows[i]["osm_id"]
    counts["street_codes_generated"] = len(generated)
    streets = _gdf(rows, ["street_code", "name", "district_code", "osm_id"])
    return districts, streets


def _members(rel: _Relation, raw: _Raw) -> tuple[list[list], int]:
    members = []
    missing = 0
    for way_id, role in rel.ways:
        if role not in ("outer", "inner", ""):
            continue
        coords = raw.way_coords.get(way_id)
        if coords is None:
            missing += 1
            continue
        members.append(coords)
    if missing:
        members.append([None])  # marks the relation as clipped
    return members, missing


def _features(raw: _Raw, frame: shapely.Polygon, counts: Counter) -> gpd.GeoDataFrame:
    """One row per tagged OSM object of interest: osm id, tags and geometry (WGS 84)."""
    rows = []
    for osm_id, tags, (lon, lat) in raw.nodes:
        rows.append(
            {"osm_id": _osm_id("n", osm_id), "tags": tags, "geometry": shapely.Point(lon, lat)}
        )
    for osm_id, tags, coords, closed in raw.ways:
        present = [c for c in coords if c is not None]
        missing = len(coords) - len(present)
        if missing:
            counts["ways_with_missing_nodes"] += 1
        if closed:
            geom, status = way_area(coords, frame)
        elif present:
            # an open way (e.g. a chimney drawn as a line): keep a point at its middle
            line = shapely.LineString(present) if len(present) > 1 else shapely.Point(present[0])
            geom, status = line.centroid, "trimmed" if missing else "complete"
        else:
            geom, status = None, "skipped"
        if missing:
            counts[f"ways_{status}"] += 1
        if geom is None:
            continue
        rows.append({"osm_id": _osm_id("w", osm_id), "tags": tags, "geometry": geom})
    for rel in raw.multipolygons:
        members, missing_ways = _members(rel, raw)
        complete = missing_ways == 0 and all(c is not None for m in members for c in m)
        if not complete:
            counts["multipolygons_skipped"] += 1
            continue
        geom, how = assemble_boundary(members, frame)
        if geom is None:
            counts["multipolygons_skipped"] += 1
            continue
        rows.append({"osm_id": _osm_id("r", rel.osm_id), "tags": rel.tags, "geometry": geom})
    frame_rows = pd.DataFrame(rows, columns=["osm_id", "tags", "geometry"])
    return gpd.GeoDataFrame(frame_rows, geometry="geometry", crs=WGS84)


def _polygon_mask(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()


def _build_buildings(feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    use = feats["tags"].map(lambda t: t.get("building"))
    mask = use.notna().to_numpy() & (use != "no").to_numpy() & _polygon_mask(feats)
    sub = feats[mask]
    levels = sub["tags"].map(lambda t: _levels(t.get("building:levels")))
    out = gpd.GeoDataFrame(
        {
            "levels": pd.array(
                [None if v is None or v != v else int(round(v)) for v in levels], dtype="Int64"
            ),
            "use": use[mask].to_numpy(),
            "name": sub["tags"].map(_name).to_numpy(),
            "osm_id": sub["osm_id"].to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs=WGS84,
    )
    return out.reset_index(drop=True)


def _build_communities(
    feats: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    crs: str,
    params: dict[str, float],
    counts: Counter,
) -> gpd.GeoDataFrame:
    residential = feats["tags"].map(lambda t: t.get("landuse") == "residential").to_numpy()
    mask = residential & _polygon_mask(feats)
    sub = feats[mask].reset_index(drop=True)
    ids = sub["osm_id"].to_numpy()
    names = [_name(t) or f"未命名居住区 {i}" for t, i in zip(sub["tags"], ids, strict=True)]
    counts["communities_unnamed"] = int(sum(_name(t) is None for t in sub["tags"]))
    out = gpd.GeoDataFrame(
        {"community_id": ids, "name": names}, geometry=sub.geometry.to_numpy(), crs=WGS84
    )
    reps = out.geometry.representative_point()
    joined, n_near = _point_join(reps, streets, ["street_code", "district_code"], crs, nearest=True)
    counts["communities_street_by_nearest"] = n_near
    out["street_code"] = joined["street_code"].to_numpy()
    out["district_code"] = joined["district_code"].to_numpy()
    missing = out["district_code"].isna().to_numpy()
    if missing.any() and not districts.empty:
        by_district, _ = _point_join(reps[missing], districts, ["district_code"], crs, nearest=True)
        out.loc[missing, "district_code"] = by_district["district_code"].to_numpy()
    out["kind"] = KIND_DEFAULT
    out["era"] = ERA_DEFAULT
    out["management"] = MANAGEMENT_DEFAULT

    # households from the residential buildings whose representative point lies inside
    homes = buildings[buildings["use"].isin(RESIDENTIAL_BUILDINGS)]
    households = np.zeros(len(out))
    n_buildings = np.zeros(len(out), dtype=int)
    if not homes.empty and not out.empty:
        metric = homes.to_crs(crs)
        floor = (
            metric.area.to_numpy()
            * homes["levels"].astype("float").fillna(params["default_levels"]).to_numpy()
        )
        pts = gpd.GeoDataFrame(
            {"floor": floor}, geometry=homes.geometry.representative_point(), crs=WGS84
        )
        area = _area_m2(out, crs)
        areas = gpd.GeoDataFrame({"area": area}, geometry=out.geometry, crs=WGS84)
        hit = gpd.sjoin(pts, areas, how="inner", predicate="within")
        # a building in nested areas counts once, in the smallest area
        hit = hit.sort_values("area").loc[lambda h: ~h.index.duplicated(keep="first")]
        sums = hit.groupby("index_right")["floor"].sum()
        households[sums.index.to_numpy()] = sums.to_numpy() / params["flat_size_m2"]
        n_buildings[sums.index.to_numpy()] = hit.groupby("index_right").size().to_numpy()
        counts["residential_buildings_used"] = int(len(hit))
    out["households"] = np.round(households).astype("int64")
    out["population"] = np.round(out["households"] * params["persons_per_household"]).astype(
        "int64"
    )
    out["n_buildings"] = n_buildings
    out["osm_id"] = ids
    counts["communities_without_buildings"] = int((n_buildings == 0).sum())
    counts["communities_without_street"] = int(out["street_code"].isna().sum())
    columns = [
        "community_id",
        "name",
        "street_code",
        "district_code",
        "kind",
        "era",
        "management",
        "households",
        "population",
        "n_buildings",
        "osm_id",
        "geometry",
    ]
    return out[columns]


def _usable_area(feats: gpd.GeoDataFrame, crs: str) -> tuple[np.ndarray, list[str]]:
    """Footprint area (x tagged levels for buildings) of polygons; NaN for points."""
    area = np.full(len(feats), np.nan)
    source = ["unknown"] * len(feats)
    poly = _polygon_mask(feats)
    if poly.any():
        footprint = _area_m2(feats[poly], crs)
        for j, (i, tags) in enumerate(zip(np.flatnonzero(poly), feats["tags"][poly], strict=True)):
            levels = _levels(tags.get("building:levels")) if tags.get("building") else None
            area[i] = footprint[j] * (levels or 1.0)
            source[i] = "footprint_x_levels" if levels else "footprint"
    return area, source


def _build_facilities(
    feats: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, crs: str
) -> gpd.GeoDataFrame:
    kinds = feats["tags"].map(_facility_kind)
    sub = feats[kinds.notna().to_numpy()].reset_index(drop=True)
    kind = kinds.dropna().to_numpy()
    area, source = _usable_area(sub, crs)
    names = [_name(t) or FACILITY_KIND_LABELS[k][0] for t, k in zip(sub["tags"], kind, strict=True)]
    out = gpd.GeoDataFrame(
        {
            "facility_id": sub["osm_id"].to_numpy(),
            "name": names,
            "kind": kind,
            "usable_area_m2": area,
            "area_source": source,
            "status": FACILITY_STATUS,
            "osm_id": sub["osm_id"].to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs=WGS84,
    )
    joined, _ = _point_join(
        out.geometry.representative_point(), communities, ["community_id"], crs, nearest=False
    )
    out.insert(4, "community_id", joined["community_id"].to_numpy())
    return out


def _build_boiler_rooms(
    feats: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, crs: str, counts: Counter
) -> gpd.GeoDataFrame:
    tags = feats["tags"]
    is_chimney = tags.map(lambda t: t.get("man_made") == "chimney").to_numpy()
    is_house = tags.map(
        lambda t: (
            bool(t.get("building"))
            and t.get("man_made") != "chimney"
            and (t.get("building") == "boiler_house" or bool(BOILER_NAME.search(_name(t) or "")))
        )
    ).to_numpy() & _polygon_mask(feats)
    plants = feats[tags.map(lambda t: t.get("power") == "plant").to_numpy() & _polygon_mask(feats)]

    rows: dict[str, dict] = {}
    houses = feats[is_house]
    area, source = _usable_area(houses, crs)
    for (osm_id, t, geom), a, s in zip(
        houses[["osm_id", "tags", "geometry"]].itertuples(index=False), area, source, strict=True
    ):
        rows[osm_id] = _boiler_row(osm_id, t, geom, a, s, "boiler_house")
    counts["boiler_houses"] = len(rows)

    chimneys = feats[is_chimney]
    if not chimneys.empty:
        pts = chimneys.geometry.representative_point()
        in_plant = np.zeros(len(chimneys), dtype=bool)
        if not plants.empty:
            inside = gpd.sjoin(
                gpd.GeoDataFrame(geometry=pts.to_numpy(), crs=WGS84),
                plants[["geometry"]],
                predicate="within",
            )
            in_plant[np.unique(inside.index.to_numpy())] = True
        counts["chimneys"] = len(chimneys)
        counts["chimneys_in_power_plants"] = int(in_plant.sum())
        candidates = buildings[~buildings["osm_id"].isin(chimneys["osm_id"])]
        near = pd.DataFrame()
        if not candidates.empty:
            left = gpd.GeoDataFrame(geometry=pts.to_numpy(), crs=WGS84).to_crs(crs)
            right = candidates[["osm_id", "geometry"]].to_crs(crs).reset_index(drop=True)
            near = gpd.sjoin_nearest(
                left, right, how="left", max_distance=CHIMNEY_BUILDING_RADIUS_M
            )
            near = near[~near.index.duplicated(keep="first")]
        for i, (osm_id, t, _geom) in enumerate(
            chimneys[["osm_id", "tags", "geometry"]].itertuples(index=False)
        ):
            if in_plant[i]:
                continue
            building_id = near["osm_id"].iloc[i] if len(near) else None
            if isinstance(building_id, str):
                if building_id in rows:
                    counts["chimneys_sharing_a_building"] += 1
                    continue
                b = buildings[buildings["osm_id"] == building_id]
                b_tags = (
                    {"building:levels": str(b["levels"].iloc[0])}
                    if pd.notna(b["levels"].iloc[0])
                    else {}
                )
                b_tags["building"] = str(b["use"].iloc[0])
                if isinstance(b["name"].iloc[0], str):
                    b_tags["name"] = b["name"].iloc[0]
                sub = gpd.GeoDataFrame(
                    {"tags": [b_tags]}, geometry=b.geometry.to_numpy(), crs=WGS84
                )
                a, s = _usable_area(sub, crs)
                row = _boiler_row(
                    building_id, {**b_tags, **t}, b.geometry.iloc[0], a[0], s[0], "chimney_building"
                )
                rows[building_id] = row
                counts["chimneys_with_building"] += 1
            else:
                rows[osm_id] = _boiler_row(osm_id, t, pts.iloc[i], np.nan, "unknown", "chimney")
                counts["chimneys_without_building"] += 1
    columns = [
        "site_id",
        "name",
        "owner_unit",
        "owner_type",
        "idle",
        "usable_area_m2",
        "condition",
        "area_source",
        "evidence",
        "osm_id",
    ]
    out = _gdf(list(rows.values()), columns)
    out["idle"] = out["idle"].astype(bool)
    out["usable_area_m2"] = out["usable_area_m2"].astype(float)
    return out


def _boiler_row(osm_id: str, tags: Mapping, geom, area: float, source: str, evidence: str) -> dict:
    return {
        "site_id": osm_id,
        "name": _name(tags) or f"锅炉房候选 {osm_id}",
        "owner_unit": tags.get("operator") or tags.get("owner"),
        "owner_type": None,
        "idle": BOILER_IDLE_DEFAULT,
        "usable_area_m2": area,
        "condition": BOILER_CONDITION,
        "area_source": source,
        "evidence": evidence,
        "osm_id": osm_id,
        "geometry": geom,
    }


def _build_cameras(feats: gpd.GeoDataFrame, counts: Counter) -> gpd.GeoDataFrame:
    rows = []
    for osm_id, tags, geom in feats[["osm_id", "tags", "geometry"]].itertuples(index=False):
        if tags.get("man_made") != "surveillance":
            continue
        if tags.get("surveillance:type", "camera").lower() not in ("camera", "alpr"):
            continue
        if not isinstance(geom, shapely.Point):
            geom = geom.representative_point()
        kind = CAMERA_TYPES.get(tags.get("camera:type", "").lower(), "bullet")
        fov, rng = CAMERA_DEFAULTS[kind]
        bearing = _bearing(tags)
        if bearing is None:
            counts["cameras_without_direction"] += 1
            bearing, fov = 0.0, 360.0
        rows.append(
            {
                "camera_id": osm_id,
                "kind": kind,
                "bearing_deg": float(bearing),
                "fov_deg": float(fov),
                "range_m": float(rng),
                "status": "working",
                "surveillance": tags.get("surveillance"),
                "osm_id": osm_id,
                "geometry": geom,
            }
        )
    columns = [
        "camera_id",
        "kind",
        "bearing_deg",
        "fov_deg",
        "range_m",
        "status",
        "surveillance",
        "osm_id",
    ]
    return _gdf(rows, columns)


def _load_network(path: Path, counts: Counter, progress: Progress | None):
    from layers.network import load_walking_network, network_to_layers

    def sub(fraction: float, message: str) -> None:
        _report(progress, 0.6 + 0.35 * fraction, message)

    # the network module warns about clipped ways; the import report states the same counts
    logger = logging.getLogger("layers.network")
    mute = logging.Filter("-")  # a filter no record name matches
    logger.addFilter(mute)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G = load_walking_network(path, progress=sub)
    except Exception as exc:  # NetworkError: no walkable ways in the file
        if type(exc).__name__ != "NetworkError":
            raise
        counts["network_missing"] = 1
        return None, None
    finally:
        logger.removeFilter(mute)
    for key, value in G.graph.get("dropped", {}).items():
        counts[f"network_{key}"] = int(value)
    return network_to_layers(G)


# -- metadata and report ------------------------------------------------------------------------
def _metadata(path: Path, bbox, params: dict[str, float], crs: str) -> pd.DataFrame:
    box = ", ".join(f"{v:.6f}" for v in bbox)
    facility_map = "; ".join(f"{k}={v} -> {kind}" for (k, v), kind in FACILITY_TAGS.items())
    camera_defaults = "; ".join(
        f"{kind}: fov {fov:g} deg, range {rng:g} m" for kind, (fov, rng) in CAMERA_DEFAULTS.items()
    )
    rows = [
        ("*", "source", f"OpenStreetMap: {path.name}"),
        ("*", "license", OSM_ATTRIBUTION),
        ("*", "bbox_wgs84", box),
        ("*", "metric_crs", crs),
        (
            "districts",
            "method",
            "boundary=administrative admin_level=6 relations clipped to the extract's bbox; district_code from division_code or the Chinese name; district_class per Art. 11 (双城 via project setting)",
        ),
        (
            "streets",
            "method",
            "admin_level=8 relations clipped to the bbox; street_code = 9-digit township code of division_code, else district_code + 9NN (by relation id); district_code from division_code or the district of largest overlap",
        ),
        (
            "communities",
            "method",
            "landuse=residential ways and multipolygons; community_id osm_w<id>/osm_r<id>; street_code and district_code of the street containing the representative point (nearest street if none)",
        ),
        (
            "communities",
            "households_method",
            f"households = sum over residential buildings (building={'/'.join(sorted(RESIDENTIAL_BUILDINGS))}) whose representative point lies in the area of footprint area (m2, {crs}) x levels (building:levels, else {params['default_levels']:g}) / {params['flat_size_m2']:g} m2 gross floor area per household; 0 where no building is mapped",
        ),
        (
            "communities",
            "households_method_zh",
            f"户数 = 居住区内住宅建筑(以代表点判定)基底面积(平方米,{crs})x 层数(building:levels,缺省 {params['default_levels']:g} 层)/ 每户建筑面积 {params['flat_size_m2']:g} 平方米之和;无建筑者为 0",
        ),
        ("communities", "flat_size_m2", f"{params['flat_size_m2']:g}"),
        ("communities", "default_levels", f"{params['default_levels']:g}"),
        ("communities", "persons_per_household", f"{params['persons_per_household']:g}"),
        (
            "communities",
            "population_method",
            f"population = households x {params['persons_per_household']:g}",
        ),
        ("communities", "kind_default", f"{KIND_DEFAULT} (OSM has no urban/rural status)"),
        (
            "communities",
            "era_default",
            f"{ERA_DEFAULT} (unknown in OSM; set per community after survey)",
        ),
        (
            "communities",
            "management_default",
            f"{MANAGEMENT_DEFAULT} (unknown in OSM; set per community after survey)",
        ),
        (
            "buildings",
            "method",
            "building=* (except no); levels = building:levels as tagged (empty when untagged); use = the building value",
        ),
        (
            "facilities",
            "kind_mapping",
            facility_map
            + "; amenity=hospital named 社区卫生服务… -> health_centre; left out: other hospitals (not community facilities), access=private/no, town halls of a province/city/district/county government (…政府), university and college libraries",
        ),
        (
            "facilities",
            "usable_area_method",
            "polygon: footprint area x building:levels when tagged (area_source footprint_x_levels), else footprint area (footprint); point: unknown, left empty (NaN) for survey",
        ),
        ("facilities", "status_default", FACILITY_STATUS),
        (
            "boiler_rooms",
            "method",
            f"candidates (Art. 13): building=boiler_house or buildings named 锅炉房/锅炉中心; man_made=chimney -> the nearest building within {CHIMNEY_BUILDING_RADIUS_M:g} m (the chimney point when none); chimneys inside power=plant areas (city heating/power plants) are left out",
        ),
        (
            "boiler_rooms",
            "idle_default",
            f"{BOILER_IDLE_DEFAULT} (unknown in OSM: candidates to verify on site)",
        ),
        (
            "boiler_rooms",
            "usable_area_method",
            "footprint area x building:levels when tagged, else footprint; chimney without building: unknown (NaN)",
        ),
        (
            "cameras",
            "method",
            "man_made=surveillance (surveillance:type camera/ALPR); camera:type fixed->bullet, dome->dome, panning->ptz (default bullet); bearing from camera:direction (degrees or compass); no direction -> bearing 0, fov 360",
        ),
        (
            "cameras",
            "defaults",
            camera_defaults + "; status working (OSM does not record breakage)",
        ),
        (
            "network_nodes",
            "method",
            "walkable ways (osmnx network_type=walk filter) via layers.network; largest connected component",
        ),
    ]
    return pd.DataFrame(rows, columns=["layer", "key", "value"])


def _report_lines(layers: dict[str, gpd.GeoDataFrame], counts: Counter) -> list[str]:
    lines: list[str] = []
    c = counts
    if c["ways_with_missing_nodes"]:
        lines.append(
            f"裁剪:{c['ways_with_missing_nodes']} 条要素路径缺少节点,"
            f"{c['ways_trimmed']} 条已截断保留,{c['ways_skipped']} 条已舍弃 / "
            f"clipped: {c['ways_with_missing_nodes']} feature ways miss nodes, "
            f"{c['ways_trimmed']} trimmed and kept, {c['ways_skipped']} dropped"
        )
    if c["multipolygons_skipped"]:
        lines.append(
            f"{c['multipolygons_skipped']} 个多边形关系不完整,已跳过 / "
            f"{c['multipolygons_skipped']} incomplete multipolygon relations skipped"
        )
    for level, zh, en in (("6", "区县", "district"), ("8", "街道", "street")):
        missing = c[f"admin{level}_missing_member_ways"]
        label = sum(c[f"admin{level}_{how}"] for how in ("label", "neighbours", "parent"))
        if missing or label or c[f"admin{level}_skipped"]:
            lines.append(
                f"{zh}边界:{missing} 条成员路径不在文件中;{label} 个被裁剪的边界按范围框重建,"
                f"{c[f'admin{level}_skipped']} 个跳过 / {en} boundaries: {missing} member ways "
                f"not in the file; {label} clipped boundaries rebuilt inside the bbox, "
                f"{c[f'admin{level}_skipped']} skipped"
            )
    if c["street_codes_generated"]:
        lines.append(
            f"{c['street_codes_generated']} 个街道无 division_code,已生成代码 / "
            f"{c['street_codes_generated']} streets without division_code got generated codes"
        )
    if c["communities_street_by_nearest"]:
        lines.append(
            f"{c['communities_street_by_nearest']} 个居住区不在任何街道内,按最近街道归属 / "
            f"{c['communities_street_by_nearest']} communities outside every street were "
            "given the nearest street"
        )
    if c["communities_without_street"]:
        lines.append(
            f"{c['communities_without_street']} 个居住区没有街道(文件中无街道边界),"
            "street_code 为空,请补充街道图层 / "
            f"{c['communities_without_street']} communities have no street (no street "
            "boundaries in the file): street_code left empty, add a streets layer"
        )
    if c["communities_without_buildings"]:
        lines.append(
            f"{c['communities_without_buildings']} 个居住区内无住宅建筑,户数记为 0 / "
            f"{c['communities_without_buildings']} communities contain no mapped housing: "
            "households 0"
        )
    if c["chimneys"]:
        lines.append(
            f"烟囱 {c['chimneys']} 个:{c['chimneys_with_building']} 个取附近建筑,"
            f"{c['chimneys_without_building']} 个无建筑(面积未知),"
            f"{c['chimneys_sharing_a_building']} 个与其他烟囱同一建筑,"
            f"{c['chimneys_in_power_plants']} 个位于热电厂内未计入 / "
            f"chimneys {c['chimneys']}: {c['chimneys_with_building']} with a nearby building, "
            f"{c['chimneys_without_building']} without (area unknown), "
            f"{c['chimneys_sharing_a_building']} sharing a building, "
            f"{c['chimneys_in_power_plants']} inside power plants left out"
        )
    if "cameras" not in layers:
        lines.append(
            "文件中没有监控摄像头(man_made=surveillance)/ no cameras "
            "(man_made=surveillance) in the file"
        )
    if c["network_missing"]:
        lines.append("文件中没有可步行道路 / no walkable ways in the file")
    elif c["network_missing_node_refs"]:
        lines.append(
            f"路网:{c['network_missing_node_refs']} 个节点引用缺失,"
            f"{c['network_ways_trimmed']} 条道路截断,{c['network_ways_dropped']} 条舍弃,"
            f"{c['network_small_component_nodes']} 个孤立节点移除 / network: "
            f"{c['network_missing_node_refs']} node references missing, "
            f"{c['network_ways_trimmed']} ways trimmed, {c['network_ways_dropped']} dropped, "
            f"{c['network_small_component_nodes']} nodes of small components removed"
        )
    return lines


# -- public API ---------------------------------------------------------------------------------
def read_osm_layers(
    path: str | Path,
    *,
    flat_size_m2: float = 80.0,
    default_levels: float = 6.0,
    persons_per_household: float = 2.6,
    district_classes: Mapping[str, str] | None = None,
    network: bool = True,
    progress: Progress | None = None,
) -> OsmImport:
    """Read an OSM extract into project layers.

    Parameters
    ----------
    path : str or Path
        ``.osm`` (XML) or ``.osm.pbf`` file.
    flat_size_m2 : float
        Gross floor area per household used by the household estimate.
    default_levels : float
        Levels assumed for residential buildings without ``building:levels``.
    persons_per_household : float
        Population = households x this.
    district_classes : mapping, optional
        Art. 11 class overrides by district name or code (``ProjectSettings.district_classes``,
        e.g. ``{"双城区": "outer"}``).
    network : bool
        Also build the walking network (``network_nodes``/``network_edges``).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    OsmImport
        Layers, the metadata table and the report.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    OsmImportError
        If the file is not a readable OSM file or holds no nodes.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"文件不存在:{path} / file not found: {path}")
    for name, value in (
        ("flat_size_m2", flat_size_m2),
        ("default_levels", default_levels),
        ("persons_per_household", persons_per_household),
    ):
        if not value > 0:
            raise ValueError(f"参数 {name} 必须大于 0 / parameter {name} must be > 0")
    params = {
        "flat_size_m2": float(flat_size_m2),
        "default_levels": float(default_levels),
        "persons_per_household": float(persons_per_household),
    }
    raw = _read(path, progress)
    counts = raw.counts
    report: list[str] = []
    minx, miny, maxx, maxy = raw.bbox
    frame = shapely.box(minx, miny, maxx, maxy)
    crs = metric_crs((minx + maxx) / 2, (miny + maxy) / 2)

    _report(progress, 0.35, "行政区划 / administrative boundaries")
    districts, streets = _build_admin(raw, frame, counts, report, district_classes)
    _report(progress, 0.45, "建筑、居住区、设施 / buildings, communities, facilities")
    feats = _features(raw, frame, counts)
    buildings = _build_buildings(feats)
    communities = _build_communities(feats, buildings, streets, districts, crs, params, counts)
    facilities = _build_facilities(feats, communities, crs)
    boiler_rooms = _build_boiler_rooms(feats, buildings, crs, counts)
    cameras = _build_cameras(feats, counts)

    layers: dict[str, gpd.GeoDataFrame] = {
        "districts": districts,
        "streets": streets,
        "communities": communities,
        "facilities": facilities,
        "boiler_rooms": boiler_rooms,
        "cameras": cameras,
        "buildings": buildings,
    }
    if network:
        _report(progress, 0.6, "步行路网 / walking network")
        nodes, edges = _load_network(path, counts, progress)
        if nodes is not None:
            layers["network_nodes"] = nodes
            layers["network_edges"] = edges
    layers = {k: v for k, v in layers.items() if not v.empty}
    report = _report_lines(layers, counts) + report
    metadata = _metadata(path, raw.bbox, params, crs)
    _report(progress, 1.0, "完成 / done")
    return OsmImport(layers, metadata, report, raw.bbox, counts)


def layer_metadata_frame(result: OsmImport) -> pd.DataFrame:
    """The ``layer_metadata`` table to store with a project (only rows of present layers)."""
    keep = set(result.layers) | {"*"}
    meta = result.metadata
    return meta[meta["layer"].isin(keep)].reset_index(drop=True)


# -- online: a place through osmnx --------------------------------------------------------------
class OsmDownloadError(OsmImportError):
    """The extract of a place cannot be downloaded (usually: no internet connection)."""


def _offline(place: str, exc: BaseException) -> OsmDownloadError:
    return OsmDownloadError(
        f"无法在线获取「{place}」的 OpenStreetMap 数据(需要联网):{type(exc).__name__}。"
        "请联网后重试,或改用 .osm / .osm.pbf 文件导入。 / "
        f"cannot download OpenStreetMap data for {place!r} (needs an internet connection): "
        f"{type(exc).__name__}. Connect and retry, or import an .osm / .osm.pbf file instead."
    )


def _is_network_error(exc: BaseException) -> bool:
    if isinstance(exc, OSError | ConnectionError | TimeoutError):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return any(
        marker in name
        for name in names
        for marker in ("Connection", "Timeout", "HTTPError", "RequestException", "Response")
    )


def download_place(place: str, dest: str | Path, *, timeout: int = 180) -> Path:
    """Download the OSM extract of a place (online) to ``dest`` (an ``.osm`` XML file).

    The place is geocoded with osmnx (Nominatim); its bounding box is fetched from the Overpass
    API set in ``osmnx.settings.overpass_url``: every node and way in the box with their nodes,
    and the administrative (level 6 and 8) and multipolygon relations with their member ways.
    A ``<bounds>`` element records the box, so the import clips to it.

    Raises
    ------
    OsmDownloadError
        When the services cannot be reached (offline) or answer with an error.
    """
    import osmnx as ox
    import requests

    dest = Path(dest)
    try:
        area = ox.geocode_to_gdf(place)
        west, south, east, north = (float(v) for v in area.total_bounds)
        box = f"{south},{west},{north},{east}"
        query = (
            f"[out:xml][timeout:{timeout}];"
            f"(way({box});node(w);node({box});"
            f'relation({box})[boundary=administrative][admin_level~"^(6|8)$"];'
            f"relation({box})[type=multipolygon];);"
            "(._;way(r);node(w););out body;"
        )
        url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
        response = requests.post(url, data={"data": query}, timeout=timeout)
        response.raise_for_status()
    except Exception as exc:
        if _is_network_error(exc):
            raise _offline(place, exc) from exc
        raise OsmDownloadError(
            f"无法获取「{place}」的数据:{exc} / cannot get the data of {place!r}: {exc}"
        ) from exc
    text = response.text
    bounds = f'<bounds minlat="{south}" minlon="{west}" maxlat="{north}" maxlon="{east}"/>'
    start = text.find("<osm")
    if start < 0:
        raise OsmDownloadError(
            f"服务器没有返回 OSM 数据:{place} / the server returned no OSM data for {place!r}"
        )
    cut = text.find(">", start) + 1
    text = text[:cut] + "\n  " + bounds + text[cut:]
    dest.write_text(text, encoding="utf-8")
    return dest
