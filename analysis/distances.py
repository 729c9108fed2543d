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
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers.crs import metric_crs as _metric_crs_for

try:  # numba is optional: the scipy engine is the fallback
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None

METHOD_NETWORK = "network"
METHOD_EUCLIDEAN = "euclidean_detour"
DEFAULT_DETOUR = 1.3
"""Straight-line to walking-distance factor of the fallback (a common urban detour index)."""

Progress = Callable[[float, str], None]

__all__ = [
    "CSRGraph",
    "DEFAULT_DETOUR",
    "METHOD_EUCLIDEAN",
    "METHOD_NETWORK",
    "euclidean_distances",
    "graph_metric_crs",
    "graph_to_csr",
    "node_distances",
    "point_distances",
    "representative_points",
    "snap_points",
]


# -- CSR ---------------------------------------------------------------------------------------
@dataclass
class CSRGraph:
    """Compressed sparse row adjacency of a walking graph.

    ``node_ids[i]`` is the graph node of row ``i``; ``indptr``/``indices``/``weights`` are the
    CSR arrays (parallel edges reduced to the lightest one).
    """

    node_ids: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    index: pd.Index = field(repr=False)
    symmetric: bool = False
    _chains: tuple | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return int(self.node_ids.size)

    def positions(self, nodes: Sequence) -> np.ndarray:
        """Row positions of graph nodes; raises ``KeyError`` for nodes not in the graph."""
        pos = self.index.get_indexer(pd.Index(nodes))
        if (pos < 0).any():
            bad = list(pd.Index(nodes)[pos < 0][:5])
            raise KeyError(f"路网中没有节点 {bad} / nodes {bad} are not in the network")
        return pos.astype(np.int64)

    def chains(self) -> tuple | None:
        """Junction/chain tables of a two-way graph (see ``_build_chains``), or None when the
        graph is one-way somewhere, numba is missing, or few nodes lie inside chains."""
        if self._chains is None:
            deg = np.diff(self.indptr)
            worth = self.n_nodes > 0 and float(np.mean(deg == 2)) >= CHAIN_MIN_SHARE
            if numba is None or not self.symmetric or not worth:
                self._chains = ()
            else:
                self._chains = _build_chains_numba(
                    self.indptr.astype(np.int64), self.indices.astype(np.int64), self.weights
                )
        return self._chains or None

    def to_scipy(self):
        import scipy.sparse as sp

        n = self.n_nodes
        return sp.csr_matrix((self.weights, self.indices, self.indptr), shape=(n, n))


_CSR_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _graph_stamp(G: nx.MultiDiGraph, weight: str) -> tuple:
    """Cheap fingerprint of a graph (nodes and adjacent pairs; O(nodes), not O(edges))."""
    return (weight, G.number_of_nodes(), sum(map(len, G._adj.values())))


def _spatial_order(G: nx.MultiDiGraph, node_ids: np.ndarray) -> np.ndarray:
    """Permutation putting nodes in Morton (Z-curve) order of their x/y, so that nodes close on
    the ground are close in memory (a bounded search then touches few cache lines)."""
    try:
        xs = np.array([G.nodes[n]["x"] for n in node_ids], dtype=float)
        ys = np.array([G.nodes[n]["y"] for n in node_ids], dtype=float)
    except KeyError:
        return np.arange(node_ids.size)
    if node_ids.size == 0 or not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        return np.arange(node_ids.size)

    def _quantise(a: np.ndarray) -> np.ndarray:
        span = a.max() - a.min()
        q = (a - a.min()) / span * 65535 if span > 0 else np.zeros_like(a)
        return q.astype(np.uint64)

    def _spread(a: np.ndarray) -> np.ndarray:
        a = (a | (a << np.uint64(8))) & np.uint64(0x00FF00FF)
        a = (a | (a << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        a = (a | (a << np.uint64(2))) & np.uint64(0x33333333)
        return (a | (a << np.uint64(1))) & np.uint64(0x55555555)

    code = _spread(_quantise(xs)) | (_spread(_quantise(ys)) << np.uint64(1))
    return np.argsort(code, kind="stable")


def graph_to_csr(G: nx.MultiDiGraph, weight: str = "length") -> CSRGraph:
    """CSR adjacency of ``G`` weighted by edge attribute ``weight`` (cached per graph).

    Rows follow a Morton order of the node coordinates (for cache locality); the cache is
    refreshed when nodes or adjacent pairs are added or removed (edit lengths in place only
    together with ``clear_cache(G)``).
    """
    stamp = _graph_stamp(G, weight)
    cached = _CSR_CACHE.get(G)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    node_ids = np.asarray(list(G.nodes))
    node_ids = node_ids[_spatial_order(G, node_ids)]
    index = pd.Index(node_ids)
    m = G.number_of_edges()
    u = np.empty(m, dtype=object)
    v = np.empty(m, dtype=object)
    w = np.empty(m, dtype=np.float64)
    for i, (a, b, d) in enumerate(G.edges(data=weight)):
        u[i], v[i] = a, b
        w[i] = np.nan if d is None else d
    if np.isnan(w).any():
        raise ValueError(
            f"路网中有 {int(np.isnan(w).sum())} 条边没有 {weight} 属性 / "
            f"{int(np.isnan(w).sum())} edges have no {weight!r} attribute"
        )
    if (w < 0).any():
        raise ValueError(f"路网边的 {weight} 不能为负 / edge {weight!r} must not be negative")
    ui = index.get_indexer(pd.Index(u)).astype(np.int64)
    vi = index.get_indexer(pd.Index(v)).astype(np.int64)
    loops = ui == vi  # a self loop never shortens a walk
    ui, vi, w = ui[~loops], vi[~loops], w[~loops]
    # keep the lightest of parallel edges: sort by (u, v, w) and take the first of each (u, v)
    order = np.lexsort((w, vi, ui))
    ui, vi, w = ui[order], vi[order], w[order]
    first = np.ones(ui.size, dtype=bool)
    first[1:] = (ui[1:] != ui[:-1]) | (vi[1:] != vi[:-1])
    ui, vi, w = ui[first], vi[first], w[first]
    itype = np.int32 if max(node_ids.size, ui.size) < 2**31 - 1 else np.int64
    indptr = np.zeros(node_ids.size + 1, dtype=itype)
    np.cumsum(np.bincount(ui, minlength=node_ids.size), out=indptr[1:])
    # two-way (every edge has a reverse of the same length): enables the chain engine
    back = np.lexsort((ui, vi))
    symmetric = bool(
        np.array_equal(ui, vi[back]) and np.array_equal(vi, ui[back]) and np.array_equal(w, w[back])
    )
    csr = CSRGraph(node_ids, indptr, vi.astype(itype), w.astype(np.float64), index, symmetric)
    _CSR_CACHE[G] = (stamp, csr)
    return csr


def clear_cache(G: nx.MultiDiGraph | None = None) -> None:
    """Forget cached CSR and snapping tables (of ``G``, or of every graph)."""
    for cache in (_CSR_CACHE, _EDGE_CACHE):
        if G is None:
            cache.clear()
        else:
            cache.pop(G, None)


# -- engines -----------------------------------------------------------------------------------
HEAP_ARITY = 4
PILOT_SOURCES = 100
"""Sources searched first to size the output buffers of a big query."""
CHAIN_MIN_SHARE = 0.2
"""Use the chain engine when at least this share of nodes has exactly two neighbours."""
"""Children per node of the search's heap (4-ary: shallower than binary, fewer cache misses)."""


def _kernel(**options):
    """Compile with numba (cached, no GIL) when it is installed; plain Python otherwise."""
    if numba is None:  # pragma: no cover
        return lambda f: f
    return numba.njit(cache=True, nogil=True, **options)


@_kernel(inline="always")
def _sift_up(heap_d, heap_n, pos, i, key, node):
    """Place ``node`` with ``key`` at heap slot ``i`` or above (insert or decrease-key)."""
    while i > 0:
        p = (i - 1) // HEAP_ARITY
        if heap_d[p] > key:
            heap_d[i] = heap_d[p]
            heap_n[i] = heap_n[p]
            pos[heap_n[p]] = i
            i = p
        else:
            break
    heap_d[i] = key
    heap_n[i] = node
    pos[node] = i


@_kernel(inline="always")
def _pop_min(heap_d, heap_n, pos, hs):
    """Remove the root of a heap of ``hs`` items (marked settled, ``pos = -2``); the last item
    moves to the root and sifts down. Returns the root's node and key."""
    x = heap_n[0]
    d = heap_d[0]
    pos[x] = -2
    hs -= 1
    if hs > 0:
        ld = heap_d[hs]
        ln = heap_n[hs]
        i = 0
        while True:
            c = HEAP_ARITY * i + 1
            if c >= hs:
                break
            best = c
            bd = heap_d[c]
            for k in range(c + 1, min(c + HEAP_ARITY, hs)):
                if heap_d[k] < bd:
                    bd = heap_d[k]
                    best = k
            if bd < ld:
                heap_d[i] = bd
                heap_n[i] = heap_n[best]
                pos[heap_n[best]] = i
                i = best
            else:
                break
        heap_d[i] = ld
        heap_n[i] = ln
        pos[ln] = i
    return x, d


@_kernel(inline="always")
def _emit(out_t, out_d, m, target, d):
    """Append ``(target, d)`` at row ``m`` of the output, doubling it when full."""
    if m == out_t.size:
        new_t = np.empty(2 * m, dtype=out_t.dtype)
        new_d = np.empty(2 * m, dtype=np.float64)
        new_t[:m] = out_t[:m]
        new_d[:m] = out_d[:m]
        out_t, out_d = new_t, new_d
    out_t[m] = target
    out_d[m] = d
    return out_t, out_d


def _dijkstra_py(indptr, indices, weights, sources, is_target, cutoff, cap, ids):
    """Bounded single-source Dijkstra for each source (compiled by numba, ``nogil``).

    Returns ``(counts, targets, distances)``: ``counts[k]`` pairs found for ``sources[k]``,
    then the reached targets (``ids`` of their rows) and distances, source after source. An indexed 4-ary
    heap with decrease-key (``pos`` holds each node's heap slot, -1 outside, -2 settled); each
    search resets only the nodes it touched, so a search costs what it reaches, not the size of
    the graph.
    """
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    pos = np.full(n, -1, dtype=np.int64)
    touched = np.empty(n, dtype=indices.dtype)
    heap_d = np.empty(n, dtype=np.float64)
    heap_n = np.empty(n, dtype=indices.dtype)
    cap = max(1024, cap)
    out_t = np.empty(cap, dtype=ids.dtype)
    out_d = np.empty(cap, dtype=np.float64)
    counts = np.zeros(sources.size, dtype=np.int64)
    m = 0
    for si in range(sources.size):
        s = sources[si]
        m0 = m
        dist[s] = 0.0
        touched[0] = s
        nt = 1
        heap_d[0] = 0.0
        heap_n[0] = s
        pos[s] = 0
        hs = 1
        while hs > 0:
            x, d = _pop_min(heap_d, heap_n, pos, hs)
            hs -= 1
            if is_target[x]:
                out_t, out_d = _emit(out_t, out_d, m, ids[x], d)
                m += 1
            for e in range(indptr[x], indptr[x + 1]):
                y = indices[e]
                nd = d + weights[e]
                if nd <= cutoff and nd < dist[y]:
                    if dist[y] == np.inf:
                        touched[nt] = y
                        nt += 1
                    dist[y] = nd
                    i = pos[y]
                    if i < 0:
                        i = hs
                        hs += 1
                    _sift_up(heap_d, heap_n, pos, i, nd, y)
        for i in range(nt):
            dist[touched[i]] = np.inf
            pos[touched[i]] = -1
        counts[si] = m - m0
    return counts, out_t[:m], out_d[:m]


def _build_chains_py(indptr, indices, weights):
    """Split a two-way graph into junctions (degree != 2) and chains of degree-2 nodes.

    Unsimplified OSM walking graphs are mostly chains (68 % of the Harbin extract's nodes have
    two neighbours), so a search over junctions only, walking chains by plain additions, does
    far fewer heap operations. A pure cycle gets one of its nodes promoted to junction.

    Returns ``(is_j, chain_of, pos_in, c_start, c_len, c_a, c_b, c_nodes, c_wstart, c_w, jptr,
    jnbr, jw, jchain)``: per node its junction flag, chain and position in it; per chain its
    interior nodes ``c_nodes[c_start[c]:][:c_len[c]]`` from end ``c_a`` to end ``c_b`` and
    its ``c_len + 1`` edge lengths from ``c_w[c_wstart[c]]`` on; and the junction adjacency
    ``jptr/jnbr`` with, per entry, ``jchain`` (-1 for a direct junction-junction edge whose
    length is ``jw``; else the chain, with ``jw`` 0 at its a end and 1 at its b end).
    """
    n = indptr.size - 1
    deg = indptr[1:] - indptr[:-1]
    is_j = deg != 2
    chain_of = np.full(n, -1, dtype=np.int64)
    pos_in = np.full(n, -1, dtype=np.int64)
    c_start = np.empty(n + 1, dtype=np.int64)
    c_len = np.empty(n + 1, dtype=np.int64)
    c_a = np.empty(n + 1, dtype=np.int64)
    c_b = np.empty(n + 1, dtype=np.int64)
    c_nodes = np.empty(n, dtype=np.int64)
    c_wstart = np.empty(n + 1, dtype=np.int64)
    c_w = np.empty(2 * n + 2, dtype=np.float64)
    nc = 0
    nn = 0
    nw = 0
    for phase in range(2):
        for J in range(n):
            if phase == 1:
                # pure cycles of degree-2 nodes: make one node a junction
                if is_j[J] or chain_of[J] != -1:
                    continue
                is_j[J] = True
            elif not is_j[J]:
                continue
            for e in range(indptr[J], indptr[J + 1]):
                v = indices[e]
                if is_j[v] or chain_of[v] != -1:
                    continue
                c = nc
                nc += 1
                c_start[c] = nn
                c_wstart[c] = nw
                c_a[c] = J
                c_w[nw] = weights[e]
                nw += 1
                prev = J
                cur = v
                k = 0
                while not is_j[cur]:
                    chain_of[cur] = c
                    pos_in[cur] = k
                    c_nodes[nn] = cur
                    nn += 1
                    k += 1
                    a0 = indices[indptr[cur]]
                    a1 = indices[indptr[cur] + 1]
                    nxt = a1 if a0 == prev else a0
                    wgt = weights[indptr[cur] + 1] if a0 == prev else weights[indptr[cur]]
                    c_w[nw] = wgt
                    nw += 1
                    prev = cur
                    cur = nxt
                c_len[c] = k
                c_b[c] = cur
    c_wstart[nc] = nw
    c_start[nc] = nn
    # contracted adjacency of junctions: direct junction neighbours and incident chains
    cnt = np.zeros(n + 1, dtype=np.int64)
    for J in range(n):
        if not is_j[J]:
            continue
        for e in range(indptr[J], indptr[J + 1]):
            if is_j[indices[e]]:
                cnt[J + 1] += 1
    for c in range(nc):
        cnt[c_a[c] + 1] += 1
        cnt[c_b[c] + 1] += 1
    jptr = np.cumsum(cnt)
    fill = jptr[:-1].copy()
    m = jptr[-1]
    jnbr = np.empty(m, dtype=np.int64)
    jw = np.empty(m, dtype=np.float64)
    jchain = np.empty(m, dtype=np.int64)
    for J in range(n):
        if not is_j[J]:
            continue
        for e in range(indptr[J], indptr[J + 1]):
            v = indices[e]
            if is_j[v]:
                k = fill[J]
                jnbr[k] = v
                jw[k] = weights[e]
                jchain[k] = -1
                fill[J] += 1
    for c in range(nc):
        k = fill[c_a[c]]
        jnbr[k] = c_b[c]
        jw[k] = 0.0
        jchain[k] = c
        fill[c_a[c]] += 1
        k = fill[c_b[c]]
        jnbr[k] = c_a[c]
        jw[k] = 1.0  # marks "this junction is the chain's b end"
        jchain[k] = c
        fill[c_b[c]] += 1
    return (
        is_j,
        chain_of,
        pos_in,
        c_start[: nc + 1],
        c_len[:nc],
        c_a[:nc],
        c_b[:nc],
        c_nodes[:nn],
        c_wstart[: nc + 1],
        c_w[:nw],
        jptr,
        jnbr,
        jw,
        jchain,
    )


def _chain_dijkstra_py(
    is_j,
    chain_of,
    pos_in,
    c_start,
    c_len,
    c_a,
    c_b,
    c_nodes,
    c_wstart,
    c_w,
    jptr,
    jnbr,
    jw,
    jchain,
    sources,
    is_target,
    cutoff,
    cap,
    ids,
):
    """Bounded Dijkstra per source over junctions, chains walked by sequential additions.

    Exactly the distances of ``_dijkstra_py`` (the same float additions in the same order along
    every chain), in another output order: junctions as settled, then chain interiors.
    """
    n = is_j.size
    nc = c_len.size
    dist = np.full(n, np.inf)
    pos = np.full(n, -1, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    heap_d = np.empty(n, dtype=np.float64)
    heap_n = np.empty(n, dtype=np.int64)
    mark = np.full(nc, -1, dtype=np.int64)
    scratch = np.empty(n, dtype=np.float64)
    cap = max(1024, cap)
    out_t = np.empty(cap, dtype=ids.dtype)
    out_d = np.empty(cap, dtype=np.float64)
    counts = np.zeros(sources.size, dtype=np.int64)
    m = 0
    for si in range(sources.size):
        s = sources[si]
        m0 = m
        nt = 0
        hs = 0
        own = -1
        own_k = -1
        # seeds
        seed_n0 = -1
        seed_d0 = np.inf
        seed_n1 = -1
        seed_d1 = np.inf
        if is_j[s]:
            seed_n0 = s
            seed_d0 = 0.0
        else:
            c = chain_of[s]
            own = c
            own_k = pos_in[s]
            ws = c_wstart[c]
            L = c_len[c]
            x = 0.0
            for q in range(own_k, -1, -1):
                x += c_w[ws + q]
                if x > cutoff:
                    break
            if x <= cutoff:
                seed_n0 = c_a[c]
                seed_d0 = x
            y = 0.0
            for q in range(own_k + 1, L + 1):
                y += c_w[ws + q]
                if y > cutoff:
                    break
            if y <= cutoff:
                seed_n1 = c_b[c]
                seed_d1 = y
        for t in range(2):
            sn = seed_n0 if t == 0 else seed_n1
            sd = seed_d0 if t == 0 else seed_d1
            if sn < 0 or not (sd < dist[sn]):
                continue
            i = pos[sn]
            if i == -1:
                touched[nt] = sn
                nt += 1
                i = hs
                hs += 1
            dist[sn] = sd
            _sift_up(heap_d, heap_n, pos, i, sd, sn)
        while hs > 0:
            x, d = _pop_min(heap_d, heap_n, pos, hs)
            hs -= 1
            if is_target[x]:
                out_t, out_d = _emit(out_t, out_d, m, ids[x], d)
                m += 1
            for e in range(jptr[x], jptr[x + 1]):
                y = jnbr[e]
                c = jchain[e]
                if c < 0:
                    nd = d + jw[e]
                else:
                    if y == x:
                        continue
                    ws = c_wstart[c]
                    L = c_len[c]
                    nd = d
                    if jw[e] == 0.0:
                        for q in range(L + 1):
                            nd += c_w[ws + q]
                            if nd > cutoff:
                                break
                    else:
                        for q in range(L, -1, -1):
                            nd += c_w[ws + q]
                            if nd > cutoff:
                                break
                if nd <= cutoff and nd < dist[y]:
                    i = pos[y]
                    if i == -1:
                        touched[nt] = y
                        nt += 1
                        i = hs
                        hs += 1
                    dist[y] = nd
                    _sift_up(heap_d, heap_n, pos, i, nd, y)
        # expand chains: own chain first, then every chain touching a reached junction
        for r in range(-1, nt):
            if r == -1:
                if own < 0:
                    continue
                cs = own
                ne = 1
            else:
                J = touched[r]
                ne = jptr[J + 1] - jptr[J]
            for h in range(ne):
                if r >= 0:
                    cs = jchain[jptr[J] + h]
                    if cs < 0:
                        continue
                if mark[cs] == si:
                    continue
                mark[cs] = si
                L = c_len[cs]
                ws = c_wstart[cs]
                st = c_start[cs]
                a = c_a[cs]
                b = c_b[cs]
                # forward pass: from a, and from the source within its own chain
                x = dist[a]
                for j in range(L):
                    if x <= cutoff:
                        x += c_w[ws + j]
                    scratch[j] = x
                if cs == own:
                    z = 0.0
                    for j in range(own_k, L):
                        if j > own_k:
                            z += c_w[ws + j]
                        if z > cutoff:
                            break
                        if z < scratch[j]:
                            scratch[j] = z
                # backward pass: from b, and from the source; emit
                y = dist[b]
                z = 0.0
                for j in range(L - 1, -1, -1):
                    if y <= cutoff:
                        y += c_w[ws + j + 1]
                    v = scratch[j]
                    if y < v:
                        v = y
                    if cs == own and j < own_k:
                        z += c_w[ws + j + 1]
                        if z < v:
                            v = z
                    if v <= cutoff:
                        node = c_nodes[st + j]
                        if is_target[node]:
                            out_t, out_d = _emit(out_t, out_d, m, ids[node], v)
                            m += 1
        for i in range(nt):
            dist[touched[i]] = np.inf
            pos[touched[i]] = -1
        counts[si] = m - m0
    return counts, out_t[:m], out_d[:m]


if numba is not None:
    _dijkstra_numba = numba.njit(cache=True, nogil=True)(_dijkstra_py)
    _chain_dijkstra_numba = numba.njit(cache=True, nogil=True)(_chain_dijkstra_py)
    _build_chains_numba = numba.njit(cache=True)(_build_chains_py)
else:  # pragma: no cover
    _dijkstra_numba = _chain_dijkstra_numba = _build_chains_numba = None


def _run_numba(csr: CSRGraph, src, is_target, cutoff: float, cap: int, ids: np.ndarray):
    chains = csr.chains()
    if chains is not None:
        src64 = src.astype(np.int64)
        return _chain_dijkstra_numba(*chains, src64, is_target, cutoff, cap, ids)
    return _dijkstra_numba(csr.indptr, csr.indices, csr.weights, src, is_target, cutoff, cap, ids)


def _run_scipy(csr: CSRGraph, src, is_target, cutoff: float, cap: int, ids: np.ndarray):
    from scipy.sparse.csgraph import dijkstra

    matrix = csr.to_scipy()
    chunk = max(1, int(2e7 // max(csr.n_nodes, 1)))  # at most ~160 MB of float64 per chunk
    target_cols = np.flatnonzero(is_target)
    subset = target_cols.size < csr.n_nodes
    parts_c, parts_t, parts_d = [], [], []
    for start in range(0, src.size, chunk):
        block = src[start : start + chunk]
        dense = dijkstra(matrix, directed=True, indices=block, limit=cutoff)
        dense = dense[:, target_cols] if subset else dense
        rows, cols = np.nonzero(np.isfinite(dense))
        parts_c.append(np.bincount(rows, minlength=block.size))
        parts_t.append(ids[target_cols[cols] if subset else cols])
        parts_d.append(dense[rows, cols])
    return np.concatenate(parts_c), np.concatenate(parts_t), np.concatenate(parts_d)


def available_engines() -> tuple[str, ...]:
    """Engines usable here: ``("numba", "scipy")`` or ``("scipy",)``."""
    return ("numba", "scipy") if numba is not None else ("scipy",)


def node_distances(
    G: nx.MultiDiGraph,
    sources: Sequence,
    targets: Sequence | None = None,
    cutoff: float | None = None,
    weight: str = "length",
    *,
    engine: str = "auto",
    n_jobs: int = 1,
    chunk_size: int = 10_000,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Exact shortest walking distances from source nodes to target nodes within ``cutoff``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Walking graph (edge attribute ``weight`` in metres).
    sources : sequence of node ids
        Origins of the searches (duplicates are searched once).
    targets : sequence of node ids, optional
        Nodes to report; all nodes when None.
    cutoff : float, optional
        Largest distance reported (inclusive, like networkx); unbounded when None.
    weight : str
        Edge attribute used as length.
    engine : {"auto", "numba", "scipy"}
        Compiled engine; "auto" takes numba when installed.
    n_jobs : int
        Threads for the numba engine (it releases the GIL).
    chunk_size : int
        Sources per engine call (progress granularity).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, target, distance_m``; a source reaches itself at 0.
    """
    csr = graph_to_csr(G, weight)
    # sorted rows: consecutive searches then cover nearby ground (warm caches)
    src = np.unique(csr.positions(list(sources))).astype(csr.indices.dtype)
    if targets is None:
        is_target = np.ones(csr.n_nodes, dtype=np.bool_)
    else:
        is_target = np.zeros(csr.n_nodes, dtype=np.bool_)
        is_target[csr.positions(list(targets))] = True
    limit = math.inf if cutoff is None else float(cutoff)
    if limit < 0:
        raise ValueError("距离上限不能为负 / cutoff must not be negative")
    if engine == "auto":
        engine = available_engines()[0]
    if engine == "numba" and numba is None:
        raise ValueError("未安装 numba / numba is not installed; use engine='scipy'")
    if engine not in ("numba", "scipy"):
        raise ValueError(f"未知计算引擎 {engine!r} / unknown engine {engine!r}")
    run = _run_numba if engine == "numba" else _run_scipy
    if engine == "numba" and n_jobs > 1:
        chunk_size = max(1, min(chunk_size, -(-src.size // n_jobs)))
    chunks = [src[i : i + chunk_size] for i in range(0, src.size, chunk_size)]
    results: list = [None] * len(chunks)
    # the engines write node ids directly when they are integers (OSM ids), else row numbers
    ids = csr.node_ids
    direct = ids.dtype.kind in "iu"
    kernel_ids = ids.astype(np.int64) if direct else np.arange(ids.size, dtype=np.int64)
    # output buffers are sized from a pilot run on a few sources (regrowing a buffer of
    # millions of pairs costs more than the pilot), then from the previous batch
    per_source = 64.0
    if src.size > 4 * PILOT_SOURCES:
        pilot = src[:: src.size // PILOT_SOURCES][:PILOT_SOURCES]
        found = run(csr, pilot, is_target, limit, pilot.size * 64, kernel_ids)[1].size
        per_source = max(1.0, found / pilot.size)
    if engine == "numba" and n_jobs > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            futures = [
                pool.submit(
                    run, csr, c, is_target, limit, int(c.size * per_source * 1.1), kernel_ids
                )
                for c in chunks
            ]
            for k, fut in enumerate(futures):
                results[k] = fut.result()
                _report(progress, (k + 1) / len(chunks), k + 1, len(chunks))
    else:
        for k, c in enumerate(chunks):
            results[k] = run(csr, c, is_target, limit, int(c.size * per_source * 1.1), kernel_ids)
            per_source = max(1.0, results[k][1].size / max(c.size, 1))
            _report(progress, (k + 1) / len(chunks), k + 1, len(chunks))
    if not results:
        empty = np.empty(0, dtype=ids.dtype)
        return pd.DataFrame({"source": empty, "target": empty, "distance_m": np.empty(0)})
    if len(results) == 1:
        source = np.repeat(ids[chunks[0]], results[0][0])
        target, distance = results[0][1], results[0][2]
    else:
        pairs = zip(chunks, results, strict=True)
        source = np.concatenate([np.repeat(ids[c], r[0]) for c, r in pairs])
        target = np.concatenate([r[1] for r in results])
        distance = np.concatenate([r[2] for r in results])
    results.clear()
    if not direct:
        target = ids[target]
    return pd.DataFrame({"source": source, "target": target, "distance_m": distance}, copy=False)


def _report(progress: Progress | None, fraction: float, done: int, total: int) -> None:
    if progress is not None:
        progress(fraction, f"最短路径 {done}/{total} 批 / shortest paths, batch {done}/{total}")


# -- points ------------------------------------------------------------------------------------
def graph_metric_crs(G: nx.MultiDiGraph) -> str:
    """Metric CRS for a WGS-84 graph: CGCS2000 Gauss-Kruger in China, UTM elsewhere."""
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    if not xs:
        raise ValueError("路网为空 / the network is empty")
    return _metric_crs_for(float(np.mean(xs)), float(np.mean(ys)))


def representative_points(gdf: gpd.GeoDataFrame, crs: str | None = None) -> gpd.GeoSeries:
    """One point per feature, in ``crs`` (metric): points stay; lines and polygons use their
    centroid when it lies inside the feature, else ``representative_point()`` (a point surely
    inside, for L- or U-shaped communities)."""
    geoms = gdf.geometry if crs is None else gdf.geometry.to_crs(crs)
    values = geoms.values
    is_point = shapely.get_type_id(values) == 0
    centroid = shapely.centroid(values)
    inside = shapely.within(centroid, values) | is_point
    rep = shapely.point_on_surface(values)
    out = np.where(is_point, values, np.where(inside, centroid, rep))
    return gpd.GeoSeries(out, index=gdf.index, crs=geoms.crs)


@dataclass
class _EdgeTable:
    """Undirected edges in a metric CRS, for snapping."""

    crs: str
    u: np.ndarray  # CSR row of one end
    v: np.ndarray  # CSR row of the other end
    length: np.ndarray  # graph length (metres)
    geometry: np.ndarray  # shapely LineStrings (metric), u -> v
    tree: shapely.STRtree


_EDGE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _edge_table(G: nx.MultiDiGraph, crs: str, weight: str = "length") -> _EdgeTable:
    stamp = (crs, *_graph_stamp(G, weight))
    cached = _EDGE_CACHE.get(G)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    csr = graph_to_csr(G, weight)
    graph_crs = G.graph.get("crs", "EPSG:4326")
    to_metric = Transformer.from_crs(graph_crs, crs, always_xy=True)
    xs = np.array([G.nodes[n]["x"] for n in csr.node_ids], dtype=float)
    ys = np.array([G.nodes[n]["y"] for n in csr.node_ids], dtype=float)
    mx, my = to_metric.transform(xs, ys)
    m = G.number_of_edges()
    a_ids = np.empty(m, dtype=object)
    b_ids = np.empty(m, dtype=object)
    lengths = np.full(m, np.nan)
    curved: dict[int, shapely.Geometry] = {}
    for k, (a, b, data) in enumerate(G.edges(data=True)):
        a_ids[k], b_ids[k] = a, b
        length = data.get(weight)
        if length is not None:
            lengths[k] = length
        geom = data.get("geometry")
        if geom is not None:
            curved[k] = geom
    i = csr.index.get_indexer(pd.Index(a_ids)).astype(np.int64)
    j = csr.index.get_indexer(pd.Index(b_ids)).astype(np.int64)
    # one row per undirected edge: (low end, high end, length) identifies the two directions
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    rounded = np.round(np.nan_to_num(lengths, nan=-1.0), 3)
    keys = pd.DataFrame({"lo": lo, "hi": hi, "w": rounded})
    keep = (~keys.duplicated().to_numpy()) & ~np.isnan(lengths)
    idx = np.flatnonzero(keep)
    us, vs, lengths = i[idx], j[idx], lengths[idx]
    coords = np.stack([np.column_stack([mx[us], my[us]]), np.column_stack([mx[vs], my[vs]])], 1)
    geoms = shapely.linestrings(coords) if idx.size else np.empty(0, dtype=object)

    def _project(c: np.ndarray) -> np.ndarray:
        return np.column_stack(to_metric.transform(c[:, 0], c[:, 1]))

    for row, k in enumerate(idx.tolist()):
        if k in curved:
            geoms[row] = shapely.transform(curved[k], _project)
    geometry = np.asarray(geoms, dtype=object)
    table = _EdgeTable(
        crs,
        np.asarray(us, dtype=np.int64),
        np.asarray(vs, dtype=np.int64),
        np.asarray(lengths, dtype=float),
        geometry,
        shapely.STRtree(geometry),
    )
    _EDGE_CACHE[G] = (stamp, table)
    return table


def snap_points(
    G: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    crs: str | None = None,
    weight: str = "length",
) -> pd.DataFrame:
    """Snap features to their nearest network edge.

    Returns one row per feature (index of ``points``) with ``edge`` (row in the edge table),
    ``u``/``v`` (graph nodes at the edge ends), ``access_m`` (perpendicular leg, metres),
    ``along_m`` (distance along the edge from ``u`` to the snapped point, in graph length
    units), ``length`` (edge length), ``to_u_m`` = ``access_m + along_m`` and
    ``to_v_m`` = ``access_m + length - along_m``, and the snapped point ``x``/``y`` (metric).
    """
    crs = crs or graph_metric_crs(G)
    table = _edge_table(G, crs, weight)
    csr = graph_to_csr(G, weight)
    pts = representative_points(points, crs).values
    if len(pts) == 0:
        return pd.DataFrame(
            columns=["edge", "u", "v", "access_m", "along_m", "length", "to_u_m", "to_v_m"]
        )
    idx, dist = table.tree.query_nearest(pts, return_distance=True, all_matches=False)
    inp, edge = idx
    order = np.argsort(inp, kind="stable")
    inp, edge, dist = inp[order], edge[order], dist[order]
    lines = table.geometry[edge]
    frac = shapely.line_locate_point(lines, pts[inp], normalized=True)
    frac = np.nan_to_num(frac, nan=0.0)
    length = table.length[edge]
    along = frac * length
    snapped = shapely.line_interpolate_point(lines, frac, normalized=True)
    out = pd.DataFrame(
        {
            "edge": edge,
            "u": csr.node_ids[table.u[edge]],
            "v": csr.node_ids[table.v[edge]],
            "access_m": dist,
            "along_m": along,
            "length": length,
            "to_u_m": dist + along,
            "to_v_m": dist + length - along,
            "x": shapely.get_x(snapped),
            "y": shapely.get_y(snapped),
        },
        index=points.index[inp],
    )
    return out


def _access_table(snap: pd.DataFrame, label: str) -> pd.DataFrame:
    """Long table (label, node, leg) with the two ends of each snapped edge."""
    labels = snap.index.to_numpy()
    return pd.DataFrame(
        {
            label: np.concatenate([labels, labels]),
            "node": np.concatenate([snap["u"].to_numpy(), snap["v"].to_numpy()]),
            "leg": np.concatenate([snap["to_u_m"].to_numpy(), snap["to_v_m"].to_numpy()]),
        }
    )


DEFAULT_MAX_SNAP_M = 500.0
"""Points farther than this from every walkable edge are off the network (see point_distances)."""


def point_distances(
    G: nx.MultiDiGraph | None,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    cutoff: float | None,
    *,
    weight: str = "length",
    crs: str | None = None,
    detour: float = DEFAULT_DETOUR,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    engine: str = "auto",
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Walking distances between two sets of features within ``cutoff`` metres.

    Each feature is reduced to a point (``representative_points``) and snapped to its nearest
    edge; the distance is access leg + network distance + access leg, or, for two points on the
    same edge, the walk along that edge when it is shorter (a point off the network walks to
    it and back, so a point is ``2 x access leg`` from itself). When ``G`` is None the
    straight-line fallback ``euclidean_distances`` is used for every pair; when a point is
    farther than ``max_snap_m`` from every edge (outside the mapped network), the fallback is
    used for the pairs involving it. Each row says which in ``method``.

    Returns
    -------
    pandas.DataFrame
        ``origin, destination, distance_m, method`` (index labels of the inputs); ``method`` is
        ``"network"`` or ``"euclidean_detour"``.
    """
    if G is None:
        return euclidean_distances(origins, destinations, cutoff, detour=detour, crs=crs)
    columns = ["origin", "destination", "distance_m", "method"]
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame(columns=columns).astype({"distance_m": float})
    crs = crs or graph_metric_crs(G)
    so = snap_points(G, origins, crs=crs, weight=weight)
    sd = snap_points(G, destinations, crs=crs, weight=weight)
    parts = []
    if max_snap_m is not None:
        off_o = (so["access_m"] > max_snap_m).reindex(origins.index).to_numpy()
        off_d = (sd["access_m"] > max_snap_m).reindex(destinations.index).to_numpy()
        if off_o.any():
            parts.append(euclidean_distances(origins[off_o], destinations, cutoff, detour, crs=crs))
        if off_d.any() and (~off_o).any():
            parts.append(
                euclidean_distances(origins[~off_o], destinations[off_d], cutoff, detour, crs=crs)
            )
        so = so[so["access_m"] <= max_snap_m]
        sd = sd[sd["access_m"] <= max_snap_m]
    if len(so) and len(sd):
        net = _network_pairs(G, so, sd, cutoff, weight, engine, progress)
        net["method"] = METHOD_NETWORK
        parts.append(net)
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns).astype({"distance_m": float})
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return out.sort_values(["origin", "destination"], ignore_index=True)[columns]


def _network_pairs(G, so, sd, cutoff, weight, engine, progress) -> pd.DataFrame:
    """Network distances between snapped origins ``so`` and destinations ``sd``."""
    ao = _access_table(so, "origin")
    ad = _access_table(sd, "destination")
    # a node pair can only matter when it leaves room for the shortest access legs
    limit = None if cutoff is None else cutoff - ao["leg"].min() - ad["leg"].min()
    pairs = pd.DataFrame(columns=["origin", "destination", "distance_m"])
    if limit is None or limit >= 0:
        nd = node_distances(
            G,
            ao["node"].unique(),
            targets=ad["node"].unique(),
            cutoff=limit,
            weight=weight,
            engine=engine,
            progress=progress,
        )
        pairs = ao.merge(nd, left_on="node", right_on="source").drop(columns=["node", "source"])
        pairs["leg"] += pairs.pop("distance_m")
        pairs = pairs.merge(ad, left_on="target", right_on="node", suffixes=("", "_d"))
        pairs["distance_m"] = pairs["leg"] + pairs["leg_d"]
        pairs = pairs[["origin", "destination", "distance_m"]]
    # same edge: walk directly along it
    same = pd.DataFrame(
        {
            "origin": so.index,
            "edge": so["edge"].to_numpy(),
            "a": so["along_m"].to_numpy(),
            "pa": so["access_m"].to_numpy(),
        }
    ).merge(
        pd.DataFrame(
            {
                "destination": sd.index,
                "edge": sd["edge"].to_numpy(),
                "b": sd["along_m"].to_numpy(),
                "pb": sd["access_m"].to_numpy(),
            }
        ),
        on="edge",
    )
    if len(same):
        same["distance_m"] = same["pa"] + (same["a"] - same["b"]).abs() + same["pb"]
        same = same[["origin", "destination", "distance_m"]]
        pairs = pd.concat([pairs, same]) if len(pairs) else same
    if cutoff is not None:
        pairs = pairs[pairs["distance_m"] <= cutoff]
    return pairs.groupby(["origin", "destination"], sort=False, as_index=False)["distance_m"].min()


def euclidean_distances(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    cutoff: float | None,
    detour: float = DEFAULT_DETOUR,
    *,
    crs: str | None = None,
) -> pd.DataFrame:
    """Straight-line distance x ``detour`` between features, as the explicit no-network fallback.

    Returns ``origin, destination, distance_m, method`` with ``method == "euclidean_detour"``.
    """
    columns = ["origin", "destination", "distance_m", "method"]
    if detour < 1:
        raise ValueError("绕行系数不能小于 1 / the detour factor must be >= 1")
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame(columns=columns).astype({"distance_m": float})
    if crs is None:
        centre = origins.to_crs("EPSG:4326").geometry.union_all().centroid
        crs = _metric_crs_for(centre.x, centre.y)
    po = representative_points(origins, crs).values
    pd_ = representative_points(destinations, crs).values
    if cutoff is None:
        i, j = np.meshgrid(np.arange(len(po)), np.arange(len(pd_)), indexing="ij")
        i, j = i.ravel(), j.ravel()
    else:
        tree = shapely.STRtree(pd_)
        i, j = tree.query(po, predicate="dwithin", distance=cutoff / detour)
    dist = shapely.distance(po[i], pd_[j]) * detour
    out = pd.DataFrame(
        {"origin": origins.index[i], "destination": destinations.index[j], "distance_m": dist}
    )
    if cutoff is not None:
        out = out[out["distance_m"] <= cutoff]
    out = out.sort_values(["origin", "destination"], ignore_index=True)
    out["method"] = METHOD_EUCLIDEAN
    return out[columns]
