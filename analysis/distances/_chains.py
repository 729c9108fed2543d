"""Junctions and chains of a two-way walking graph, for the chain search.

Unsimplified OSM walking graphs are mostly chains (68 % of the Harbin extract's nodes have two
neighbours), so a search over junctions only, walking chains by plain additions, does far fewer
heap operations (see :mod:`analysis.distances._chain_search`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from analysis.distances._kernels import _kernel, numba

CHAIN_MIN_SHARE = 0.2
"""Use the chain engine when at least this share of nodes has exactly two neighbours."""


class Chains(NamedTuple):
    """Junction/chain tables of a two-way graph (a tuple of arrays the compiled search reads).

    Per node: ``is_j`` (junction flag), ``chain_of`` and ``pos_in`` (its chain and position
    in it). Per chain ``c``: interior nodes ``c_nodes[c_start[c]:][:c_len[c]]`` from end
    ``c_a[c]`` to end ``c_b[c]`` and its ``c_len + 1`` edge lengths from ``c_w[c_wstart[c]]``
    on. The junction adjacency ``jptr/jnbr`` has, per entry, ``jchain`` (-1 for a direct
    junction-junction edge whose length is ``jw``; else the chain, with ``jw`` 0 at its a end
    and 1 at its b end).
    """

    is_j: np.ndarray
    chain_of: np.ndarray
    pos_in: np.ndarray
    c_start: np.ndarray
    c_len: np.ndarray
    c_a: np.ndarray
    c_b: np.ndarray
    c_nodes: np.ndarray
    c_wstart: np.ndarray
    c_w: np.ndarray
    jptr: np.ndarray
    jnbr: np.ndarray
    jw: np.ndarray
    jchain: np.ndarray


@_kernel(inline="always")
def _starts_chains(is_j, chain_of, J, phase):
    """Whether chains are traced from node ``J`` in this phase: junctions first (phase 0), then
    one node of each pure cycle of degree-2 nodes, promoted to junction (phase 1)."""
    if phase == 0:
        return is_j[J]
    if is_j[J] or chain_of[J] != -1:
        return False
    is_j[J] = True
    return True


@_kernel(inline="always")
def _trace_chain(graph, is_j, tables, J, e, counts):
    """Walk the chain leaving junction ``J`` by edge ``e`` up to the junction at its other end,
    filling its rows of ``tables``. ``counts`` are the chains, interior nodes and edge lengths
    recorded so far; returns them updated."""
    indptr, indices, weights = graph
    chain_of, pos_in, c_start, c_len, c_a, c_b, c_nodes, c_wstart, c_w = tables
    nc, nn, nw = counts
    c = nc
    nc += 1
    c_start[c] = nn
    c_wstart[c] = nw
    c_a[c] = J
    c_w[nw] = weights[e]
    nw += 1
    prev = J
    cur = indices[e]
    k = 0
    while not is_j[cur]:
        chain_of[cur] = c
        pos_in[cur] = k
        c_nodes[nn] = cur
        nn += 1
        k += 1
        first = indptr[cur]
        if indices[first] == prev:
            nxt = indices[first + 1]
            wgt = weights[first + 1]
        else:
            nxt = indices[first]
            wgt = weights[first]
        c_w[nw] = wgt
        nw += 1
        prev = cur
        cur = nxt
    c_len[c] = k
    c_b[c] = cur
    return nc, nn, nw


@_kernel()
def _junction_adjacency(graph, is_j, c_a, c_b, nc):
    """Contracted adjacency of the junctions: direct junction neighbours, then incident chains.

    Returns ``(jptr, jnbr, jw, jchain)`` (see :class:`Chains`).
    """
    indptr, indices, weights = graph
    n = indptr.size - 1
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
    return jptr, jnbr, jw, jchain


def _build_chains_py(indptr, indices, weights):
    """Split a two-way graph into junctions (degree != 2) and chains of degree-2 nodes.

    A pure cycle gets one of its nodes promoted to junction. Returns the fields of
    :class:`Chains`, in order, as a plain tuple.
    """
    n = indptr.size - 1
    deg = indptr[1:] - indptr[:-1]
    is_j = deg != 2
    chain_of = np.full(n, -1, dtype=np.int64)
    c_start = np.empty(n + 1, dtype=np.int64)
    c_a = np.empty(n + 1, dtype=np.int64)
    c_b = np.empty(n + 1, dtype=np.int64)
    c_wstart = np.empty(n + 1, dtype=np.int64)
    tables = (
        chain_of,
        np.full(n, -1, dtype=np.int64),  # pos_in
        c_start,
        np.empty(n + 1, dtype=np.int64),  # c_len
        c_a,
        c_b,
        np.empty(n, dtype=np.int64),  # c_nodes
        c_wstart,
        np.empty(2 * n + 2, dtype=np.float64),  # c_w
    )
    graph = (indptr, indices, weights)
    counts = (0, 0, 0)
    for phase in range(2):
        for J in range(n):
            if not _starts_chains(is_j, chain_of, J, phase):
                continue
            for e in range(indptr[J], indptr[J + 1]):
                v = indices[e]
                if not is_j[v] and chain_of[v] == -1:
                    counts = _trace_chain(graph, is_j, tables, J, e, counts)
    nc, nn, nw = counts
    c_wstart[nc] = nw
    c_start[nc] = nn
    jptr, jnbr, jw, jchain = _junction_adjacency(graph, is_j, c_a, c_b, nc)
    _, pos_in, _, c_len, _, _, c_nodes, _, c_w = tables
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


_build_chains_numba = None if numba is None else numba.njit(cache=True)(_build_chains_py)


def build_chains(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray) -> Chains:
    """:class:`Chains` of a two-way CSR graph (compiled with numba when it is installed)."""
    build = _build_chains_numba if _build_chains_numba is not None else _build_chains_py
    return Chains(*build(indptr.astype(np.int64), indices.astype(np.int64), weights))
