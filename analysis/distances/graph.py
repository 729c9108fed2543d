"""The walking graph as a CSR adjacency (cached per graph), the form every search runs on."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from analysis.distances._chains import CHAIN_MIN_SHARE, Chains, build_chains
from analysis.distances._kernels import numba
from layers.errors import InputValueError


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
    _chains: Chains | tuple | None = field(default=None, repr=False)

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

    def chains(self) -> Chains | None:
        """Junction/chain tables of a two-way graph (:class:`Chains`), or None when the
        graph is one-way somewhere, numba is missing, or few nodes lie inside chains."""
        if self._chains is None:
            deg = np.diff(self.indptr)
            worth = self.n_nodes > 0 and float(np.mean(deg == 2)) >= CHAIN_MIN_SHARE
            if numba is None or not self.symmetric or not worth:
                self._chains = ()
            else:
                self._chains = build_chains(self.indptr, self.indices, self.weights)
        return self._chains or None

    def to_scipy(self):
        import scipy.sparse as sp

        n = self.n_nodes
        return sp.csr_matrix((self.weights, self.indices, self.indptr), shape=(n, n))


_CSR_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_EDGE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Snapping tables per graph (filled by :mod:`analysis.distances.snapping`)."""


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
        raise InputValueError(
            f"路网中有 {int(np.isnan(w).sum())} 条边没有 {weight} 属性 / "
            f"{int(np.isnan(w).sum())} edges have no {weight!r} attribute"
        )
    if (w < 0).any():
        raise InputValueError(f"路网边的 {weight} 不能为负 / edge {weight!r} must not be negative")
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
