"""Compile the distance kernels once, ahead of the first request (``make install`` runs it).

numba caches compiled kernels on disk (``cache=True``: in ``__pycache__`` beside the sources,
or in ``$NUMBA_CACHE_DIR``); a process that finds the cache loads them in well under a second
instead of compiling for several seconds. :func:`warm_up` runs the plain and the chain search on
a small two-way graph, which compiles (or loads) every kernel they use.

Run: ``python -m analysis.distances.warm_up``.
"""

from __future__ import annotations

import time

import networkx as nx

from analysis.distances.nodes import available_engines, node_distances


def small_graph() -> nx.MultiDiGraph:
    """A two-way ladder of 40 nodes: junctions and chains of degree-2 nodes, lengths in metres."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(40):
        G.add_node(i, x=126.6 + 0.001 * (i % 20), y=45.7 + 0.001 * (i // 20))
    edges = [(i, i + 1) for i in range(39) if i != 19] + [(0, 20), (10, 30), (19, 39)]
    for u, v in edges:
        G.add_edge(u, v, length=100.0)
        G.add_edge(v, u, length=100.0)
    return G


def warm_up() -> float:
    """Compile (or load from the cache) the distance kernels; the seconds it took."""
    start = time.perf_counter()
    if "numba" in available_engines():
        G = small_graph()
        nodes = list(G.nodes)
        node_distances(G, nodes[:5], nodes, cutoff=1500.0, engine="numba")
    return time.perf_counter() - start


if __name__ == "__main__":  # pragma: no cover - the install step
    print(f"distance kernels ready in {warm_up():.1f} s")
