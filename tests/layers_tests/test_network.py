"""Tests of layers.network: loading walking networks from OSM files, GraphML, layers, osmnx."""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pyogrio
import pytest
import shapely

from layers.network import (
    NetworkError,
    great_circle,
    is_walkable,
    load_walking_network,
    network_to_layers,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
HARBIN_PBF = SHARED / "data" / "harbin" / "harbin.osm.pbf"

# nodes 1-6 exist; node 99 is referenced but missing (a clipped extract)
NODES = {
    1: (126.6000, 45.7500),
    2: (126.6010, 45.7500),
    3: (126.6020, 45.7500),
    4: (126.6020, 45.7510),
    5: (126.6030, 45.7510),
    6: (126.6040, 45.7510),
    7: (126.6100, 45.7600),
    8: (126.6110, 45.7600),
}
WAYS = [
    # (way id, node refs, tags)
    (100, [1, 2, 3], {"highway": "residential", "name": "红军街"}),
    (101, [3, 4], {"highway": "footway"}),
    (102, [4, 99, 5, 6], {"highway": "service"}),  # missing node 99: cut into 4 | 5-6
    (103, [1, 99], {"highway": "path"}),  # only one present node: dropped
    (104, [2, 4], {"highway": "motorway"}),  # not walkable
    (105, [1, 4], {"highway": "footway", "foot": "no"}),  # not walkable
    (106, [2, 5], {"highway": "pedestrian", "area": "yes"}),  # an area, not a way
    (107, [3, 5], {"highway": "service", "access": "private"}),  # private
    (108, [7, 8], {"highway": "footway"}),  # a separate fragment
    (109, [1, 3], {"building": "yes"}),  # not a highway
]


def write_osm_xml(path: Path) -> Path:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='test'>"]
    for n, (lon, lat) in NODES.items():
        lines.append(f"<node id='{n}' version='1' lat='{lat}' lon='{lon}'/>")
    for wid, refs, tags in WAYS:
        lines.append(f"<way id='{wid}' version='1'>")
        lines += [f"<nd ref='{r}'/>" for r in refs]
        lines += [f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_osm_pbf(path: Path) -> Path:
    import osmium

    with osmium.SimpleWriter(str(path)) as writer:
        for n, (lon, lat) in NODES.items():
            writer.add_node(osmium.osm.mutable.Node(id=n, location=(lon, lat), version=1))
        for wid, refs, tags in WAYS:
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    return path


def dist(a: int, b: int) -> float:
    (lon1, lat1), (lon2, lat2) = NODES[a], NODES[b]
    return float(great_circle(lat1, lon1, lat2, lon2))


@pytest.fixture
def osm_file(tmp_path):
    return write_osm_xml(tmp_path / "clip.osm")


def test_walk_filter_follows_osmnx_walk():
    assert is_walkable({"highway": "residential"})
    assert is_walkable({"highway": "footway", "foot": "yes"})
    assert not is_walkable({"highway": "motorway_link"})
    assert not is_walkable({"highway": "cycleway"})
    assert not is_walkable({"highway": "footway", "foot": "no"})
    assert not is_walkable({"highway": "service", "service": "private"})
    assert not is_walkable({"highway": "primary", "sidewalk": "separate"})
    assert not is_walkable({"building": "yes"})


def test_clipped_osm_xml_loads_with_missing_parts_dropped_and_reported(osm_file):
    with pytest.warns(UserWarning, match="1 ways trimmed"):
        G = load_walking_network(osm_file, retain_all=True)
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:4326"
    # walkable segments, each in both directions: 1-2, 2-3 (way 100), 3-4 (101), 5-6 (102
    # after the cut), 7-8 (108); way 102's 4-99 and 99-5 are gone, way 103 is dropped
    pairs = {(u, v) for u, v in G.edges()}
    expected = {(1, 2), (2, 3), (3, 4), (5, 6), (7, 8)}
    assert pairs == expected | {(v, u) for u, v in expected}
    assert G.graph["dropped"] == {
        "missing_node_refs": 2,
        "ways_trimmed": 1,
        "ways_dropped": 1,
        "small_component_nodes": 0,
    }
    assert G.nodes[2]["x"] == pytest.approx(126.601)
    assert G.nodes[2]["y"] == pytest.approx(45.75)
    data = G.get_edge_data(1, 2)[0]
    assert data["length"] == pytest.approx(dist(1, 2), abs=1e-3)
    assert 75 < data["length"] < 80  # 0.001 deg of longitude at 45.75 N is about 77.7 m
    assert data["osmid"] == 100
    assert data["name"] == "红军街"
    assert G.get_edge_data(2, 1)[0]["reversed"] is True


def test_largest_component_kept_by_default(osm_file):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = load_walking_network(osm_file)
    assert set(G.nodes) == {1, 2, 3, 4}
    assert G.graph["dropped"]["small_component_nodes"] == 4  # 5, 6, 7, 8


def test_pbf_gives_the_same_graph_as_xml(tmp_path, osm_file):
    pbf = write_osm_pbf(tmp_path / "clip.osm.pbf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = load_walking_network(osm_file, retain_all=True)
        b = load_walking_network(pbf, retain_all=True)
    assert sorted(a.edges(data="length")) == sorted(b.edges(data="length"))
    assert a.graph["dropped"] == b.graph["dropped"]


def test_graphml_round_trip(tmp_path, osm_file):
    import osmnx as ox

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = load_walking_network(osm_file, retain_all=True)
    path = tmp_path / "walk.graphml"
    ox.save_graphml(G, path)
    H = load_walking_network(path)
    assert sorted((u, v, round(d, 6)) for u, v, d in H.edges(data="length")) == sorted(
        (u, v, round(d, 6)) for u, v, d in G.edges(data="length")
    )


def test_layers_round_trip_through_frames_and_geopackage(tmp_path, osm_file):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = load_walking_network(osm_file, retain_all=True)
    nodes, edges = network_to_layers(G)
    assert list(nodes.columns) == ["osmid", "geometry"]
    assert {"u", "v", "key", "length"} <= set(edges.columns)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    assert edges.crs.equals("EPSG:4326")
    row = edges[(edges["u"] == 1) & (edges["v"] == 2)].iloc[0]
    assert row.geometry.equals(shapely.LineString([NODES[1], NODES[2]]))
    H = load_walking_network((nodes, edges))
    assert sorted(H.edges(data="length")) == sorted(G.edges(data="length"))
    assert H.nodes[5]["x"] == pytest.approx(NODES[5][0])
    gpkg = tmp_path / "project.gpkg"
    pyogrio.write_dataframe(nodes, gpkg, layer="network_nodes", driver="GPKG")
    pyogrio.write_dataframe(edges, gpkg, layer="network_edges", driver="GPKG")
    K = load_walking_network(gpkg)
    assert sorted(K.edges(data="length")) == sorted(G.edges(data="length"))


def test_offline_place_name_and_polygon_give_a_clear_error(monkeypatch):
    import osmnx as ox
    import requests

    def refuse(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Failed to resolve 'overpass-api.de'")

    monkeypatch.setattr(ox, "graph_from_place", refuse)
    monkeypatch.setattr(ox, "graph_from_polygon", refuse)
    with pytest.raises(NetworkError, match="无法在线下载.*cannot download"):
        load_walking_network("Nangang District, Harbin")
    with pytest.raises(NetworkError, match="cannot download"):
        load_walking_network(shapely.box(126.6, 45.7, 126.7, 45.8))


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_walking_network(tmp_path / "nope.osm.pbf")
    odd = tmp_path / "roads.txt"
    odd.write_text("x")
    with pytest.raises(NetworkError, match="unsupported"):
        load_walking_network(odd)


@pytest.fixture(scope="module")
def harbin():
    if not HARBIN_PBF.exists():
        pytest.skip(f"real data absent: {HARBIN_PBF} (shared/ not beside the repo)")
    with pytest.warns(UserWarning, match="clipped extract"):
        return load_walking_network(HARBIN_PBF)


@pytest.mark.realdata
def test_harbin_extract_loads_offline(harbin):
    G = harbin
    assert G.number_of_nodes() > 20_000
    assert G.number_of_edges() > 40_000
    dropped = G.graph["dropped"]
    assert dropped["missing_node_refs"] > 0  # the extract was clipped by a bounding box
    assert dropped["ways_trimmed"] + dropped["ways_dropped"] > 0
    xs = np.array([d["x"] for _, d in G.nodes(data=True)])
    ys = np.array([d["y"] for _, d in G.nodes(data=True)])
    assert xs.min() >= 126.50 and xs.max() <= 126.78
    assert ys.min() >= 45.65 and ys.max() <= 45.84
    lengths = np.array([d for _, _, d in G.edges(data="length")])
    assert (lengths >= 0).all() and np.median(lengths) < 100
    # walking: every edge has its reverse
    assert all(G.has_edge(v, u) for u, v in list(G.edges())[:2000])
    assert nx.is_weakly_connected(G)


@pytest.mark.realdata
def test_harbin_graph_works_with_osmnx(harbin):
    import osmnx as ox

    nodes = ox.graph_to_gdfs(harbin, edges=False)
    assert len(nodes) == harbin.number_of_nodes()
    assert nodes.crs.equals("EPSG:4326")
    node = ox.distance.nearest_nodes(harbin, 126.63, 45.75)
    assert node in harbin
    # osmnx's own length of an edge agrees with ours (great circle, metres)
    u, v, data = next(iter(harbin.edges(data=True)))
    ux, uy, vx, vy = (harbin.nodes[u]["x"], harbin.nodes[u]["y"], harbin.nodes[v]["x"],
                      harbin.nodes[v]["y"])  # fmt: skip
    assert data["length"] == pytest.approx(ox.distance.great_circle(uy, ux, vy, vx), abs=1e-3)
