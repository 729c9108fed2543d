"""Tests of analysis.distances: exact node distances, edge snapping, the straight-line fallback."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from analysis.distances import (
    METHOD_EUCLIDEAN,
    METHOD_NETWORK,
    available_engines,
    euclidean_distances,
    graph_to_csr,
    node_distances,
    point_distances,
    representative_points,
    snap_points,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
HARBIN_PBF = SHARED / "data" / "harbin" / "harbin.osm.pbf"

METRIC = "EPSG:4551"  # CGCS2000 GK zone 126E: the metric CRS the code picks for Harbin
X0, Y0 = 546_000.0, 5_064_000.0  # a point in central Harbin, metric
TO_WGS = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


def metric_graph(nodes: dict[int, tuple[float, float]], edges: list[tuple[int, int]]):
    """Two-way walking graph from metric offsets (m) around (X0, Y0); length = straight line."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (x, y) in nodes.items():
        lon, lat = TO_WGS.transform(X0 + x, Y0 + y)
        G.add_node(n, x=lon, y=lat)
    for u, v in edges:
        (x1, y1), (x2, y2) = nodes[u], nodes[v]
        length = float(np.hypot(x2 - x1, y2 - y1))
        G.add_edge(u, v, length=length, osmid=1)
        G.add_edge(v, u, length=length, osmid=1)
    return G


def metric_points(coords: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    """Points given as metric offsets, returned in WGS 84 with the keys as index."""
    pts = [shapely.Point(X0 + x, Y0 + y) for x, y in coords.values()]
    return gpd.GeoDataFrame(index=list(coords), geometry=pts, crs=METRIC).to_crs("EPSG:4326")


# A - B - C along x; D above B; E far away, unconnected to nothing else but D
#
#            D (100,100) -- E (100, 400)
#            |
#  A(0,0) -- B(100,0) -- C(200,0)
NODES = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (100, 100), 5: (100, 400)}
EDGES = [(1, 2), (2, 3), (2, 4), (4, 5)]


@pytest.fixture
def tgraph():
    return metric_graph(NODES, EDGES)


ENGINES = available_engines()


@pytest.mark.parametrize("engine", ENGINES)
def test_node_distances_hand_graph(tgraph, engine):
    df = node_distances(tgraph, [1, 3], cutoff=250, engine=engine)
    got = {(s, t): d for s, t, d in df.itertuples(index=False)}
    # hand-computed: from A: A0 B100 C200 D200; E at 500 beyond the cutoff
    assert got == pytest.approx(
        {
            (1, 1): 0,
            (1, 2): 100,
            (1, 3): 200,
            (1, 4): 200,
            (3, 3): 0,
            (3, 2): 100,
            (3, 1): 200,
            (3, 4): 200,
        }
    )
    # cutoff is inclusive, like networkx
    exact = node_distances(tgraph, [1], cutoff=200, engine=engine)
    assert set(exact["target"]) == {1, 2, 3, 4}
    # targets restrict the reported nodes
    only = node_distances(tgraph, [1], targets=[5, 3], engine=engine)
    assert dict(zip(only["target"], only["distance_m"], strict=True)) == pytest.approx(
        {3: 200, 5: 500}
    )


def test_parallel_edges_take_the_shortest_and_directions_are_respected():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=126.6, y=45.7)
    G.add_node(2, x=126.601, y=45.7)
    G.add_edge(1, 2, length=80.0)
    G.add_edge(1, 2, length=50.0)  # parallel, shorter
    G.add_edge(2, 1, length=70.0)
    for engine in ENGINES:
        df = node_distances(G, [1, 2], engine=engine).set_index(["source", "target"])
        assert df.loc[(1, 2), "distance_m"] == 50.0
        assert df.loc[(2, 1), "distance_m"] == 70.0


def test_unknown_node_is_a_clear_error(tgraph):
    with pytest.raises(KeyError, match="not in the network"):
        node_distances(tgraph, [99])


def test_snapping_to_nearest_edge_gives_known_access_legs(tgraph):
    pts = metric_points({"o": (30, 10), "d": (170, -5), "e": (103, 60)})
    snap = snap_points(tgraph, pts)
    o = snap.loc["o"]
    assert {o["u"], o["v"]} == {1, 2}
    assert o["access_m"] == pytest.approx(10, abs=1e-6)
    legs = {o["u"]: o["to_u_m"], o["v"]: o["to_v_m"]}
    assert legs == pytest.approx({1: 40.0, 2: 80.0}, abs=1e-6)
    e = snap.loc["e"]
    assert {e["u"], e["v"]} == {2, 4}
    assert e["access_m"] == pytest.approx(3, abs=1e-6)
    legs = {e["u"]: e["to_u_m"], e["v"]: e["to_v_m"]}
    assert legs == pytest.approx({2: 63.0, 4: 43.0}, abs=1e-6)


def test_point_distances_add_access_legs_and_walk_along_a_shared_edge(tgraph):
    origins = metric_points({"o": (30, 10), "o2": (60, -4)})
    dests = metric_points({"d": (170, -5), "e": (103, 60), "o2": (60, -4)})
    df = point_distances(tgraph, origins, dests, cutoff=150)
    got = {(a, b): d for a, b, d in df[["origin", "destination", "distance_m"]].itertuples(False)}
    # o -> d: 10 up + 70 to B + 70 to the foot of d + 5 = 155 > 150: left out
    # o -> e: 10 + 70 + 60 + 3 = 143
    # o -> o2: both on edge A-B: 10 + |30 - 60| + 4 = 44 (via the nodes it would be 104)
    # o2 -> d: 4 + 40 + 70 + 5 = 119; o2 -> e: 4 + 40 + 60 + 3 = 107
    # o2 -> o2: off the network by 4 m, a point walks to the network and back: 8
    assert got == pytest.approx(
        {("o", "e"): 143, ("o", "o2"): 44, ("o2", "d"): 119, ("o2", "e"): 107, ("o2", "o2"): 8},
        abs=1e-6,
    )
    assert (df["method"] == METHOD_NETWORK).all()
    wide = point_distances(tgraph, origins, dests, cutoff=1000)
    assert wide.set_index(["origin", "destination"]).loc[("o", "d"), "distance_m"] == (
        pytest.approx(155, abs=1e-6)
    )


def test_fallback_without_network_is_flagged(tgraph):
    origins = metric_points({"a": (0, 0), "b": (0, 300)})
    dests = metric_points({"f": (300, 300)})
    df = point_distances(None, origins, dests, cutoff=500)
    # straight line b -> f is 300 m; x 1.3 = 390. a -> f is 424.26 m; x 1.3 = 551.5 > 500
    assert list(df["origin"]) == ["b"]
    assert df["distance_m"].iloc[0] == pytest.approx(390, abs=1e-3)
    assert (df["method"] == METHOD_EUCLIDEAN).all()
    direct = euclidean_distances(origins, dests, cutoff=None, detour=1.0)
    assert sorted(direct["distance_m"].round(3)) == [300.0, 424.264]
    assert set(direct["method"]) == {"euclidean_detour"}


def test_polygons_use_their_centroid_or_an_inside_point(tgraph):
    # an L-shaped community whose centroid lies outside: the inside point is used
    ell = shapely.Polygon([(0, 0), (100, 0), (100, 10), (10, 10), (10, 100), (0, 100)])
    square = shapely.box(20, -30, 40, -10)  # centroid (30, -20): 20 m below edge A-B
    comm = gpd.GeoDataFrame(
        index=["ell", "sq"],
        geometry=[shapely.affinity.translate(g, X0, Y0) for g in (ell, square)],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    pts = representative_points(comm, METRIC)
    assert pts.loc["sq"].equals_exact(shapely.Point(X0 + 30, Y0 - 20), 1e-6)
    ell_m = comm.to_crs(METRIC).geometry.loc["ell"]
    assert not ell_m.centroid.within(ell_m)  # the centroid is outside the L ...
    assert pts.loc["ell"].within(ell_m)  # ... so a point inside it is used
    snap = snap_points(tgraph, comm)
    assert snap.loc["sq", "access_m"] == pytest.approx(20, abs=1e-6)
    # the inside point is nearest to edge A-B (the x axis): the leg is its height above it
    assert snap.loc["ell", "access_m"] == pytest.approx(pts.loc["ell"].y - Y0, abs=1e-6)


# -- real data ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def harbin():
    if not HARBIN_PBF.exists():
        pytest.skip(f"real data absent: {HARBIN_PBF} (shared/ not beside the repo)")
    from layers.network import load_walking_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_walking_network(HARBIN_PBF)


@pytest.mark.realdata
@pytest.mark.parametrize("engine", ENGINES)
def test_node_distances_equal_networkx_on_harbin(harbin, engine):
    rng = np.random.default_rng(42)
    nodes = np.asarray(list(harbin.nodes))
    sources = rng.choice(nodes, 60, replace=False)
    df = node_distances(harbin, sources, cutoff=1000, engine=engine)
    assert len(df) > 60 * 50  # a real walk of 1 km reaches many nodes
    for source, group in df.groupby("source"):
        expected = nx.single_source_dijkstra_path_length(
            harbin, source, cutoff=1000, weight="length"
        )
        got = dict(zip(group["target"], group["distance_m"], strict=True))
        assert set(got) == set(expected)
        diff = np.array([got[k] - expected[k] for k in expected])
        assert np.abs(diff).max() < 1e-6
    assert set(df["source"]) == set(sources)


@pytest.mark.realdata
def test_node_distances_to_targets_match_networkx_on_harbin(harbin):
    rng = np.random.default_rng(7)
    nodes = np.asarray(list(harbin.nodes))
    sources = rng.choice(nodes, 10, replace=False)
    targets = rng.choice(nodes, 5000, replace=False)
    df = node_distances(harbin, sources, targets=targets, cutoff=2500)
    tset = set(targets.tolist())
    for source in sources:
        expected = nx.single_source_dijkstra_path_length(
            harbin, source, cutoff=2500, weight="length"
        )
        expected = {k: v for k, v in expected.items() if k in tset}
        got = df[df["source"] == source]
        assert dict(zip(got["target"], got["distance_m"], strict=True)) == pytest.approx(
            expected, abs=1e-6
        )


def test_csr_reduces_parallel_edges(tgraph):
    csr = graph_to_csr(tgraph)
    assert csr.indptr[-1] == 2 * len(EDGES)
    assert isinstance(csr.weights, np.ndarray)
    assert pd.Index(csr.node_ids).is_unique


def test_points_far_from_the_network_use_the_flagged_fallback(tgraph):
    # "far" is 800 m from every edge (beyond max_snap_m = 500): its pairs are straight line x 1.3
    origins = metric_points({"o": (30, 10), "far": (1000, -800)})
    dests = metric_points({"d": (170, -5), "far_d": (1000, -700)})
    df = point_distances(tgraph, origins, dests, cutoff=2000).set_index(["origin", "destination"])
    assert df.loc[("o", "d"), "method"] == METHOD_NETWORK
    assert df.loc[("o", "d"), "distance_m"] == pytest.approx(155, abs=1e-6)
    assert df.loc[("far", "far_d"), "method"] == METHOD_EUCLIDEAN
    assert df.loc[("far", "far_d"), "distance_m"] == pytest.approx(130, abs=1e-3)
    assert df.loc[("o", "far_d"), "method"] == METHOD_EUCLIDEAN
    expected = float(np.hypot(970, 710)) * 1.3
    assert df.loc[("o", "far_d"), "distance_m"] == pytest.approx(expected, abs=1e-3)
    # without the limit, every pair walks on the network
    walk = point_distances(tgraph, origins, dests, cutoff=5000, max_snap_m=None)
    assert set(walk["method"]) == {METHOD_NETWORK}


def _nx_all(G, cutoff):
    return {
        (s, t): d
        for s in G.nodes
        for t, d in nx.single_source_dijkstra_path_length(
            G, s, cutoff=cutoff, weight="length"
        ).items()
    }


def test_chain_engine_on_loops_cycles_and_interior_sources():
    # a junction 1 with: a lollipop loop 1-2-3-4-1, a tail 1-5-6-7 (7 a dead end), a pure
    # cycle component 10-11-12-13-10 (no junction at all), and a direct junction edge 1-8
    # where 8 is a junction with two dead ends 9 and 14
    G = nx.MultiDiGraph(crs="EPSG:4326")
    edges = [
        (1, 2, 30.0), (2, 3, 40.0), (3, 4, 35.0), (4, 1, 20.0),
        (1, 5, 12.5), (5, 6, 7.25), (6, 7, 100.0),
        (10, 11, 5.0), (11, 12, 6.0), (12, 13, 7.0), (13, 10, 8.0),
        (1, 8, 50.0), (8, 9, 10.0), (8, 14, 11.0),
    ]  # fmt: skip
    for u, v, w in edges:
        G.add_edge(u, v, length=w)
        G.add_edge(v, u, length=w)
    for n in G.nodes:
        G.nodes[n].update(x=126.6, y=45.7)
    csr = graph_to_csr(G)
    assert csr.symmetric and csr.chains() is not None  # the chain engine is in use
    for cutoff in (60.0, 125.0, None):
        df = node_distances(G, list(G.nodes), cutoff=cutoff)
        got = {(s, t): d for s, t, d in df.itertuples(index=False)}
        assert len(got) == len(df)  # no pair twice
        assert got == pytest.approx(_nx_all(G, cutoff), abs=1e-9)


def test_one_way_graph_uses_the_plain_engine():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for u, v, w in [(1, 2, 10.0), (2, 3, 10.0), (3, 1, 10.0), (3, 4, 5.0), (4, 3, 5.0)]:
        G.add_edge(u, v, length=w)
    csr = graph_to_csr(G)
    assert not csr.symmetric and csr.chains() is None
    df = node_distances(G, list(G.nodes))
    got = {(s, t): d for s, t, d in df.itertuples(index=False)}
    assert got == pytest.approx(_nx_all(G, None))
    assert got[(2, 1)] == 20.0 and got[(1, 3)] == 20.0  # around the one-way ring


@pytest.mark.parametrize("engine", ENGINES)
def test_text_node_ids(engine):
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for u, v, w in [("a", "b", 10.0), ("b", "c", 15.0), ("c", "d", 1.0), ("b", "e", 3.0)]:
        G.add_edge(u, v, length=w)
        G.add_edge(v, u, length=w)
    for n in G.nodes:
        G.nodes[n].update(x=126.6, y=45.7)
    df = node_distances(G, ["a", "d"], cutoff=20, engine=engine)
    got = {(s, t): d for s, t, d in df.itertuples(index=False)}
    assert got == {
        ("a", "a"): 0.0, ("a", "b"): 10.0, ("a", "e"): 13.0,
        ("d", "d"): 0.0, ("d", "c"): 1.0, ("d", "b"): 16.0, ("d", "e"): 19.0,
    }  # fmt: skip


@pytest.mark.realdata
@pytest.mark.skipif("numba" not in ENGINES, reason="numba is not installed: one engine only")
def test_batches_threads_and_engines_agree_on_harbin(harbin):
    rng = np.random.default_rng(11)
    sources = rng.choice(np.asarray(list(harbin.nodes)), 450, replace=False)
    # 450 sources: a pilot run sizes the buffers, then batches of 100 (one thread, then two)
    one = node_distances(harbin, sources, cutoff=800, chunk_size=100)
    two = node_distances(harbin, sources, cutoff=800, chunk_size=100, n_jobs=2)
    ref = node_distances(harbin, sources, cutoff=800, engine="scipy")
    key = ["source", "target"]
    one, two, ref = (f.sort_values(key, ignore_index=True) for f in (one, two, ref))
    assert len(one) == len(ref) > 450 * 50
    assert one[key].equals(ref[key]) and two[key].equals(ref[key])
    assert np.abs(one["distance_m"] - ref["distance_m"]).max() < 1e-6
    assert (one["distance_m"] == two["distance_m"]).all()
