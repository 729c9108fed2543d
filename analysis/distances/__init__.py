"""Walking distances on the network: node to node, point to point, and the straight-line fallback.

The walking graph (an osmnx-style ``MultiDiGraph``, see ``layers.network``) is turned once into
a CSR adjacency (parallel edges reduced to the shortest one) and searched by a compiled engine:

* ``engine="numba"`` (default when numba is installed): one bounded Dijkstra per source,
  compiled with numba (indexed 4-ary heap), that settles only nodes within the cutoff and
  afterwards resets only the nodes it touched, so its cost grows with the pairs found, not with
  sources x nodes. On a two-way graph where many nodes have exactly two neighbours (unsimplified
  OSM: 68 % in central Harbin) the search runs over junctions only and walks the chains of
  degree-2 nodes between them by plain additions, in the same order as Dijkstra would, so the
  distances are bit-for-bit those of the plain search;
* ``engine="scipy"``: ``scipy.sparse.csgraph.dijkstra(limit=cutoff)`` over chunks of sources,
  keeping only finite entries (memory bounded by the chunk size x nodes).

Both are exact (the same sums of edge lengths as ``networkx``). Results are long tables
(``source, target, distance_m``), never dense matrices. numba is an optional dependency: without
it the scipy engine is used.

Points (community centroids, facilities) are snapped to the nearest *edge*, not node: the
distance from a point to a network node is the perpendicular access leg plus the distance along
the edge to that end node. The walking network is two-way, so both ends are reachable.

When no network is loaded, ``euclidean_distances`` gives straight-line distance times a detour
factor (default 1.3); every output carries a ``method`` column (``"network"`` or
``"euclidean_detour"``) so the fallback is never mistaken for walking distance.

Modules: :mod:`~analysis.distances.graph` (CSR adjacency, caches),
:mod:`~analysis.distances.nodes` (node to node, engines, batches), ``_kernels`` (heap and plain
Dijkstra), ``_chains`` and ``_chain_search`` (the chain engine),
:mod:`~analysis.distances.snapping` (points to edges), :mod:`~analysis.distances.points` (feature
to feature) and :mod:`~analysis.distances.euclidean` (the fallback).
"""

from __future__ import annotations

from analysis.distances.euclidean import (
    DEFAULT_DETOUR,
    METHOD_EUCLIDEAN,
    METHOD_NETWORK,
    euclidean_distances,
    representative_points,
)
from analysis.distances.graph import CSRGraph, clear_cache, graph_to_csr
from analysis.distances.nodes import Progress, available_engines, node_distances
from analysis.distances.points import DEFAULT_MAX_SNAP_M, NetworkOptions, point_distances
from analysis.distances.snapping import graph_metric_crs, snap_points

__all__ = [
    "CSRGraph",
    "DEFAULT_DETOUR",
    "DEFAULT_MAX_SNAP_M",
    "METHOD_EUCLIDEAN",
    "METHOD_NETWORK",
    "NetworkOptions",
    "Progress",
    "available_engines",
    "clear_cache",
    "euclidean_distances",
    "graph_metric_crs",
    "graph_to_csr",
    "node_distances",
    "point_distances",
    "representative_points",
    "snap_points",
]
