"""Walking network: load an osmnx-compatible graph from OSM files, GraphML, osmnx or a project.

``load_walking_network(source)`` returns a ``networkx.MultiDiGraph`` shaped like the graphs of
osmnx (graph attribute ``crs`` = EPSG:4326, node attributes ``x``/``y`` in WGS 84, edge
attributes ``osmid``, ``length`` in metres, ``highway``, ``oneway``, ``reversed``), so osmnx's
own functions (plotting, ``graph_to_gdfs``, ``nearest_nodes`` ...) work on it.

Sources:

* ``.osm`` / ``.osm.xml`` / ``.osm.pbf`` files, read offline with pyosmium. Walkable ways are
  kept with a filter equal to osmnx's ``network_type="walk"``; every walkable way becomes edges
  in both directions (walking ignores ``oneway``). Extracts clipped by a bounding box contain
  ways whose nodes are missing: those ways are cut into their present runs of nodes, and the
  counts are reported in ``G.graph["dropped"]`` and as a warning.
* ``.graphml`` files written by osmnx (``osmnx.load_graphml``).
* a shapely polygon or a place name (online, through osmnx; a clear error when offline).
* a project's ``network_nodes`` / ``network_edges`` layers: a ``(nodes, edges)`` pair of
  GeoDataFrames, or the path of a GeoPackage holding those layers.

``network_to_layers(G)`` turns a graph back into the two layers for storage.

This module belongs to ``layers`` and never imports ``analysis`` or ``geo_app``.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from layers.crs import WGS84
from layers.errors import PlannerError
from layers.progress import Progress, report

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_009.0
"""Mean earth radius used by osmnx's ``great_circle`` (metres)."""

NODES_LAYER = "network_nodes"
EDGES_LAYER = "network_edges"

OSM_SUFFIXES = (".osm", ".osm.xml", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")
GRAPHML_SUFFIXES = (".graphml",)
GPKG_SUFFIXES = (".gpkg",)

# osmnx 2.1 ``_overpass._get_network_filter("walk")`` and ``settings.default_access``:
# each entry is (tag, regex); a way is dropped when the tag is present and the regex matches.
WALK_EXCLUDE: tuple[tuple[str, str], ...] = (
    ("area", "yes"),
    ("access", "private"),
    (
        "highway",
        "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|"
        "raceway|razed|rest_area|services",
    ),
    ("foot", "no"),
    ("service", "private"),
    ("sidewalk", "separate"),
    ("sidewalk:both", "separate"),
    ("sidewalk:left", "separate"),
    ("sidewalk:right", "separate"),
)
_WALK_EXCLUDE_RE = tuple((tag, re.compile(pattern)) for tag, pattern in WALK_EXCLUDE)


class NetworkError(PlannerError, ValueError):
    """The walking network cannot be loaded; the message says why, in zh and en."""


# -- helpers -----------------------------------------------------------------------------------
def great_circle(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Vectorised great-circle distance in metres (the haversine of osmnx)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def is_walkable(tags: dict[str, str]) -> bool:
    """Whether a way with these OSM tags belongs to the walking network (osmnx ``walk``)."""
    if "highway" not in tags:
        return False
    for tag, pattern in _WALK_EXCLUDE_RE:
        value = tags.get(tag)
        if value is not None and pattern.search(value):
            return False
    return True


def _empty_graph(**attrs: Any) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.graph.update({"crs": WGS84, "created_with": "harbin-community-planner", **attrs})
    return G


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in OSM_SUFFIXES + GRAPHML_SUFFIXES + GPKG_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


# -- OSM files ----------------------------------------------------------------------------------
def _read_osm_ways(path: Path, progress: Progress | None) -> tuple[list, dict, dict]:
    """Read walkable ways as runs of present nodes; return (runs, coords, dropped counts)."""
    import osmium

    runs: list[tuple[int, dict[str, str], list[int]]] = []
    coords: dict[int, tuple[float, float]] = {}
    dropped = {"missing_node_refs": 0, "ways_trimmed": 0, "ways_dropped": 0}
    report(progress, 0.05, "读取 OSM 文件 / reading the OSM file")
    processor = osmium.FileProcessor(str(path)).with_locations()
    processor = processor.with_filter(osmium.filter.KeyFilter("highway"))
    for obj in processor:
        if not obj.is_way():
            continue
        tags = {tag.k: tag.v for tag in obj.tags}
        if not is_walkable(tags):
            continue
        run: list[int] = []
        pieces: list[list[int]] = []
        missing = 0
        for ref in obj.nodes:
            loc = ref.location
            if not loc.valid():
                missing += 1
                if len(run) >= 2:
                    pieces.append(run)
                run = []
                continue
            coords[ref.ref] = (loc.lon, loc.lat)
            run.append(ref.ref)
        if len(run) >= 2:
            pieces.append(run)
        if missing:
            dropped["missing_node_refs"] += missing
            if pieces:
                dropped["ways_trimmed"] += 1
        if not pieces:
            dropped["ways_dropped"] += 1
            continue
        for piece in pieces:
            runs.append((obj.id, tags, piece))
    return runs, coords, dropped


def _graph_from_runs(
    runs: list, coords: dict[int, tuple[float, float]], source: str
) -> nx.MultiDiGraph:
    """Build the bidirectional walking graph from node runs of ways (osmnx layout)."""
    u_list: list[int] = []
    v_list: list[int] = []
    way_idx: list[int] = []
    for i, (_, _, nodes) in enumerate(runs):
        u_list.extend(nodes[:-1])
        v_list.extend(nodes[1:])
        way_idx.extend([i] * (len(nodes) - 1))
    u = np.asarray(u_list, dtype=np.int64)
    v = np.asarray(v_list, dtype=np.int64)
    keep = u != v  # repeated node refs make zero-length self loops: skip them
    u, v = u[keep], v[keep]
    way_idx = np.asarray(way_idx, dtype=np.int64)[keep]
    ux = np.array([coords[n] for n in u.tolist()]).reshape(-1, 2)
    vx = np.array([coords[n] for n in v.tolist()]).reshape(-1, 2)
    length = np.round(great_circle(ux[:, 1], ux[:, 0], vx[:, 1], vx[:, 0]), 3)

    G = _empty_graph(source=source, simplified=False)
    used = np.unique(np.concatenate([u, v]))
    G.add_nodes_from((int(n), {"x": coords[n][0], "y": coords[n][1]}) for n in used.tolist())
    edges = []
    for a, b, w, L in zip(u.tolist(), v.tolist(), way_idx.tolist(), length.tolist(), strict=True):
        way_id, tags, _ = runs[w]
        attrs = {"osmid": way_id, "highway": tags["highway"], "oneway": False, "length": L}
        if "name" in tags:
            attrs["name"] = tags["name"]
        edges.append((a, b, {**attrs, "reversed": False}))
        edges.append((b, a, {**attrs, "reversed": True}))
    G.add_edges_from(edges)
    return G


def _largest_component(G: nx.MultiDiGraph) -> int:
    """Keep the largest weakly connected component; return the number of nodes removed."""
    if G.number_of_nodes() == 0:
        return 0
    largest = max(nx.weakly_connected_components(G), key=len)
    removed = [n for n in G.nodes if n not in largest]
    G.remove_nodes_from(removed)
    return len(removed)


def _load_osm_file(path: Path, retain_all: bool, progress: Progress | None) -> nx.MultiDiGraph:
    try:
        runs, coords, dropped = _read_osm_ways(path, progress)
    except RuntimeError as exc:  # pyosmium raises RuntimeError for unreadable files
        raise NetworkError(
            f"无法读取 OSM 文件 {path}:{exc} / cannot read OSM file {path}: {exc}"
        ) from exc
    if not runs:
        raise NetworkError(
            f"OSM 文件 {path} 中没有可步行的道路 / the OSM file {path} has no walkable ways"
        )
    report(progress, 0.6, "构建路网 / building the graph")
    G = _graph_from_runs(runs, coords, source=str(path))
    dropped["small_component_nodes"] = 0 if retain_all else _largest_component(G)
    G.graph["dropped"] = dropped
    if dropped["missing_node_refs"]:
        message = (
            f"OSM 文件被裁剪:{dropped['missing_node_refs']} 个节点引用缺失,"
            f"{dropped['ways_trimmed']} 条道路被截断,{dropped['ways_dropped']} 条道路被舍弃 / "
            f"clipped extract: {dropped['missing_node_refs']} node references missing, "
            f"{dropped['ways_trimmed']} ways trimmed, {dropped['ways_dropped']} ways dropped"
        )
        log.info(message)
        warnings.warn(message, stacklevel=3)
    return G


# -- osmnx sources ------------------------------------------------------------------------------
def _offline_error(what: str, exc: BaseException) -> NetworkError:
    return NetworkError(
        f"无法在线下载{what}的路网(需要联网,或改用 .osm/.osm.pbf 文件):{exc} / "
        f"cannot download the network of {what} (needs internet; use an .osm/.osm.pbf file "
        f"instead): {exc}"
    )


def _load_online(source: Any, retain_all: bool) -> nx.MultiDiGraph:
    import osmnx as ox

    try:
        if isinstance(source, str):
            G = ox.graph_from_place(
                source, network_type="walk", simplify=False, retain_all=retain_all
            )
            what = f" {source} "
        else:
            G = ox.graph_from_polygon(
                source, network_type="walk", simplify=False, retain_all=retain_all
            )
            what = "多边形范围 / polygon"
    except (OSError, ConnectionError) as exc:
        raise _offline_error(str(source)[:60], exc) from exc
    except Exception as exc:  # requests / osmnx errors when the service cannot be reached
        name = type(exc).__name__
        if any(s in name for s in ("Connection", "Timeout", "Request", "HTTP", "Response")):
            raise _offline_error(str(source)[:60], exc) from exc
        raise
    G.graph.setdefault("crs", WGS84)
    G.graph.setdefault("dropped", {})
    G.graph["source"] = what.strip()
    return G


# -- project layers -----------------------------------------------------------------------------
def graph_from_layers(
    nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *, source: str = "layers"
) -> nx.MultiDiGraph:
    """Build the graph from ``network_nodes`` (osmid, point) and ``network_edges`` (u, v, key,
    length, line) layers."""
    for frame, name, cols in (
        (nodes, NODES_LAYER, ("osmid",)),
        (edges, EDGES_LAYER, ("u", "v", "length")),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise NetworkError(
                f"图层 {name} 缺少字段 {missing} / layer {name} lacks fields {missing}"
            )
    if nodes.crs is not None and not nodes.crs.equals(WGS84):
        nodes = nodes.to_crs(WGS84)
    if edges.crs is not None and not edges.crs.equals(WGS84):
        edges = edges.to_crs(WGS84)
    G = _empty_graph(source=source, simplified=False, dropped={})
    ids = nodes["osmid"].astype("int64").to_numpy()
    x = shapely.get_x(nodes.geometry.values)
    y = shapely.get_y(nodes.geometry.values)
    G.add_nodes_from(
        (int(n), {"x": float(a), "y": float(b)})
        for n, a, b in zip(ids.tolist(), x.tolist(), y.tolist(), strict=True)
    )
    u = edges["u"].astype("int64").tolist()
    v = edges["v"].astype("int64").tolist()
    keys = edges["key"].astype("int64").tolist() if "key" in edges else [0] * len(edges)
    extra = [c for c in ("osmid", "highway", "name", "oneway", "reversed") if c in edges]
    records = edges[["length", *extra]].to_dict("records")
    unknown = set(u + v) - set(ids.tolist())
    if unknown:
        raise NetworkError(
            f"路网边引用了 {len(unknown)} 个不存在的节点 / network edges reference "
            f"{len(unknown)} nodes missing from {NODES_LAYER}"
        )
    for a, b, k, rec in zip(u, v, keys, records, strict=True):
        rec = {c: val for c, val in rec.items() if not _isna(val)}
        G.add_edge(a, b, key=k, **rec)
    return G


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _load_gpkg(path: Path) -> nx.MultiDiGraph:
    import pyogrio

    names = [str(n) for n, _ in pyogrio.list_layers(path)]
    if NODES_LAYER not in names or EDGES_LAYER not in names:
        raise NetworkError(
            f"{path} 中没有路网图层 {NODES_LAYER}/{EDGES_LAYER} / "
            f"{path} has no {NODES_LAYER}/{EDGES_LAYER} layers"
        )
    nodes = pyogrio.read_dataframe(path, layer=NODES_LAYER)
    edges = pyogrio.read_dataframe(path, layer=EDGES_LAYER)
    return graph_from_layers(nodes, edges, source=str(path))


# -- public API ---------------------------------------------------------------------------------
def load_walking_network(
    source: Any,
    *,
    retain_all: bool = False,
    progress: Progress | None = None,
) -> nx.MultiDiGraph:
    """Load a walking network as an osmnx-compatible ``MultiDiGraph``.

    Parameters
    ----------
    source : path, shapely geometry, str or (GeoDataFrame, GeoDataFrame)
        ``.osm``/``.osm.pbf`` (offline, pyosmium), ``.graphml`` (osmnx), ``.gpkg`` holding the
        ``network_nodes``/``network_edges`` layers, a ``(nodes, edges)`` pair of those layers,
        a ``networkx`` graph (returned as is), a shapely polygon or a place name (online).
    retain_all : bool
        Keep every connected piece; by default only the largest weakly connected component is
        kept, as osmnx does (fragments cut off by the extract's border cannot be walked to).
        Applies to OSM files and online sources.
    progress : callable, optional
        ``progress(fraction, message)`` called while loading.

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph["crs"] == "EPSG:4326"``, node ``x``/``y`` in WGS 84, edge ``length`` in metres.
        ``G.graph["dropped"]`` counts what a clipped extract lost (``missing_node_refs``,
        ``ways_trimmed``, ``ways_dropped``, ``small_component_nodes``).
    """
    if isinstance(source, nx.MultiDiGraph):
        return source
    if isinstance(source, tuple) and len(source) == 2:
        nodes, edges = source
        return graph_from_layers(nodes, edges)
    if isinstance(source, shapely.Geometry):
        if not isinstance(source, shapely.Polygon | shapely.MultiPolygon):
            raise NetworkError("范围须为多边形 / the area must be a (multi)polygon")
        return _load_online(source, retain_all)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        suffix = _suffix(path)
        known = suffix in OSM_SUFFIXES + GRAPHML_SUFFIXES + GPKG_SUFFIXES
        if known and not path.exists():
            raise FileNotFoundError(f"文件不存在:{path} / file not found: {path}")
        if suffix in OSM_SUFFIXES:
            G = _load_osm_file(path, retain_all, progress)
        elif suffix in GRAPHML_SUFFIXES:
            import osmnx as ox

            report(progress, 0.1, "读取 GraphML / reading GraphML")
            G = ox.load_graphml(path)
            G.graph.setdefault("dropped", {})
        elif suffix in GPKG_SUFFIXES:
            report(progress, 0.1, "读取项目路网图层 / reading the project's network layers")
            G = _load_gpkg(path)
        elif path.exists():
            raise NetworkError(
                f"不支持的路网文件格式:{path.name}(支持 .osm .osm.pbf .graphml .gpkg)/ "
                f"unsupported network file: {path.name} (use .osm .osm.pbf .graphml .gpkg)"
            )
        elif isinstance(source, str):
            report(progress, 0.1, f"在线下载 {source} / downloading {source}")
            G = _load_online(source, retain_all)
        else:
            raise FileNotFoundError(f"文件不存在:{path} / file not found: {path}")
        report(progress, 1.0, "路网已载入 / network loaded")
        return G
    raise NetworkError(
        f"无法识别的路网来源:{type(source).__name__} / unknown network source: "
        f"{type(source).__name__}"
    )


def _text(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return ",".join(str(v) for v in value)
    return value


def network_to_layers(G: nx.MultiDiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Turn a walking graph into the ``network_nodes`` and ``network_edges`` layers (EPSG:4326).

    Edges keep their ``geometry`` attribute when present (simplified graphs) and are straight
    lines between their nodes otherwise. List-valued attributes (merged ways) become
    comma-separated text.
    """
    crs = G.graph.get("crs", WGS84)
    node_ids = list(G.nodes)
    x = np.array([G.nodes[n]["x"] for n in node_ids], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in node_ids], dtype=float)
    nodes = gpd.GeoDataFrame(
        {"osmid": np.asarray(node_ids, dtype="int64")},
        geometry=shapely.points(x, y),
        crs=crs,
    )
    pos = {n: i for i, n in enumerate(node_ids)}
    rows = []
    geoms = []
    for u, v, k, data in G.edges(keys=True, data=True):
        row = {"u": int(u), "v": int(v), "key": int(k), "length": float(data.get("length", 0.0))}
        osmid = data.get("osmid")
        row["osmid"] = str(_text(osmid)) if osmid is not None else None
        row["highway"] = _text(data.get("highway"))
        row["name"] = _text(data.get("name"))
        rows.append(row)
        geom = data.get("geometry")
        if geom is None:
            i, j = pos[u], pos[v]
            geom = shapely.LineString([(x[i], y[i]), (x[j], y[j])])
        geoms.append(geom)
    columns = ["u", "v", "key", "length", "osmid", "highway", "name"]
    edges = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=geoms, crs=crs)
    edges = edges.astype({"u": "int64", "v": "int64", "key": "int64", "length": "float64"})
    if not nodes.crs.equals(WGS84):
        nodes, edges = nodes.to_crs(WGS84), edges.to_crs(WGS84)
    return nodes, edges
