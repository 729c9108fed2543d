"""Bounded Dijkstra over junctions, chains walked by sequential additions (compiled with numba).

Exactly the distances of the plain search (:func:`analysis.distances._kernels._dijkstra_py`:
the same float additions in the same order along every chain), in another output order:
junctions as settled, then chain interiors.

The steps share three tuples: ``search`` (per-node arrays ``dist, pos, touched, heap_d, heap_n``,
per-chain ``mark`` and a ``scratch`` row), ``query`` (``is_target, cutoff, ids``) and ``out``
(``out_t, out_d, m``: the output buffers and the rows written, regrown by ``_emit``).
"""

from __future__ import annotations

import numpy as np

from analysis.distances._kernels import _emit, _kernel, _pop_min, _sift_up, numba


@_kernel(inline="always")
def _push(search, nt, hs, node, d):
    """Give ``node`` the tentative distance ``d``: insert it in the heap (recording it as
    touched) or decrease its key. Returns the touched and heap counts."""
    dist, pos, touched, heap_d, heap_n, _, _ = search
    i = pos[node]
    if i == -1:
        touched[nt] = node
        nt += 1
        i = hs
        hs += 1
    dist[node] = d
    _sift_up(heap_d, heap_n, pos, i, d, node)
    return nt, hs


@_kernel(inline="always")
def _seeds(ch, s, cutoff):
    """Where the search from node ``s`` starts: ``s`` itself when it is a junction, else the two
    ends of its chain that lie within ``cutoff``.

    Returns ``(node0, d0, node1, d1, own, own_k)``: the seeds (node -1 for none), the source's
    chain and its position in it (-1, -1 for a junction).
    """
    if ch.is_j[s]:
        return s, 0.0, -1, np.inf, -1, -1
    c = ch.chain_of[s]
    own_k = ch.pos_in[s]
    ws = ch.c_wstart[c]
    n0 = -1
    d0 = np.inf
    n1 = -1
    d1 = np.inf
    x = 0.0
    for q in range(own_k, -1, -1):
        x += ch.c_w[ws + q]
        if x > cutoff:
            break
    if x <= cutoff:
        n0 = ch.c_a[c]
        d0 = x
    y = 0.0
    for q in range(own_k + 1, ch.c_len[c] + 1):
        y += ch.c_w[ws + q]
        if y > cutoff:
            break
    if y <= cutoff:
        n1 = ch.c_b[c]
        d1 = y
    return n0, d0, n1, d1, c, own_k


@_kernel(inline="always")
def _walk_chain(ch, c, from_a, d, cutoff):
    """``d`` plus the length of chain ``c`` walked from its a end (or its b end), edge by edge,
    stopping as soon as the sum passes ``cutoff``."""
    ws = ch.c_wstart[c]
    L = ch.c_len[c]
    nd = d
    if from_a:
        for q in range(L + 1):
            nd += ch.c_w[ws + q]
            if nd > cutoff:
                break
    else:
        for q in range(L, -1, -1):
            nd += ch.c_w[ws + q]
            if nd > cutoff:
                break
    return nd


@_kernel(inline="always")
def _settle_junctions(ch, search, query, out, nt, hs):
    """Dijkstra over the junctions from the seeded heap: pop, emit a target, relax the direct
    edges and the chains. Returns ``(out, nt)``."""
    dist, pos, _, heap_d, heap_n, _, _ = search
    is_target, cutoff, ids = query
    out_t, out_d, m = out
    while hs > 0:
        x, d = _pop_min(heap_d, heap_n, pos, hs)
        hs -= 1
        if is_target[x]:
            out_t, out_d = _emit(out_t, out_d, m, ids[x], d)
            m += 1
        for e in range(ch.jptr[x], ch.jptr[x + 1]):
            y = ch.jnbr[e]
            c = ch.jchain[e]
            if c < 0:
                nd = d + ch.jw[e]
            elif y == x:
                continue
            else:
                nd = _walk_chain(ch, c, ch.jw[e] == 0.0, d, cutoff)
            if nd <= cutoff and nd < dist[y]:
                nt, hs = _push(search, nt, hs, y, nd)
    return (out_t, out_d, m), nt


@_kernel(inline="always")
def _forward(ch, search, cs, own_k, cutoff):
    """Fill ``scratch`` with the walk along chain ``cs`` from its a end and, on the source's own
    chain (``own_k >= 0``), the shorter walk from the source."""
    dist, scratch = search[0], search[6]
    L = ch.c_len[cs]
    ws = ch.c_wstart[cs]
    x = dist[ch.c_a[cs]]
    for j in range(L):
        if x <= cutoff:
            x += ch.c_w[ws + j]
        scratch[j] = x
    if own_k >= 0:
        z = 0.0
        for j in range(own_k, L):
            if j > own_k:
                z += ch.c_w[ws + j]
            if z > cutoff:
                break
            if z < scratch[j]:
                scratch[j] = z


@_kernel(inline="always")
def _chain_interiors(ch, search, query, out, cs, own_k):
    """Emit the targets inside chain ``cs``: the best of the walks from its a end, from its b end
    and (``own_k >= 0``: the source's own chain) from the source. Returns ``out``."""
    dist, scratch = search[0], search[6]
    is_target, cutoff, ids = query
    out_t, out_d, m = out
    _forward(ch, search, cs, own_k, cutoff)
    ws = ch.c_wstart[cs]
    st = ch.c_start[cs]
    y = dist[ch.c_b[cs]]
    z = 0.0
    for j in range(ch.c_len[cs] - 1, -1, -1):
        if y <= cutoff:
            y += ch.c_w[ws + j + 1]
        v = scratch[j]
        if y < v:
            v = y
        if j < own_k:
            z += ch.c_w[ws + j + 1]
            if z < v:
                v = z
        if v <= cutoff:
            node = ch.c_nodes[st + j]
            if is_target[node]:
                out_t, out_d = _emit(out_t, out_d, m, ids[node], v)
                m += 1
    return out_t, out_d, m


@_kernel(inline="always")
def _expand_chains(ch, search, query, out, si, nt, own, own_k):
    """Emit chain interiors: the source's own chain first, then every chain at a reached
    junction, each once per source (``mark`` holds the last source that expanded a chain)."""
    touched, mark = search[2], search[5]
    if own >= 0:
        mark[own] = si
        out = _chain_interiors(ch, search, query, out, own, own_k)
    for r in range(nt):
        J = touched[r]
        for e in range(ch.jptr[J], ch.jptr[J + 1]):
            cs = ch.jchain[e]
            if cs < 0 or mark[cs] == si:
                continue
            mark[cs] = si
            out = _chain_interiors(ch, search, query, out, cs, -1)  # the own chain is marked
    return out


def _chain_dijkstra_py(ch, sources, is_target, cutoff, cap, ids):
    """Bounded Dijkstra per source over the junctions of ``ch`` (:class:`Chains`), chains walked
    by sequential additions.

    Returns ``(counts, targets, distances)`` like :func:`analysis.distances._kernels._dijkstra_py`.
    """
    n = ch.is_j.size
    search = (
        np.full(n, np.inf),  # dist
        np.full(n, -1, dtype=np.int64),  # pos: heap slot, -1 outside, -2 settled
        np.empty(n, dtype=np.int64),  # touched
        np.empty(n, dtype=np.float64),  # heap_d
        np.empty(n, dtype=np.int64),  # heap_n
        np.full(ch.c_len.size, -1, dtype=np.int64),  # mark
        np.empty(n, dtype=np.float64),  # scratch
    )
    dist, pos, touched = search[0], search[1], search[2]
    query = (is_target, cutoff, ids)
    cap = max(1024, cap)
    out = (np.empty(cap, dtype=ids.dtype), np.empty(cap, dtype=np.float64), 0)
    counts = np.zeros(sources.size, dtype=np.int64)
    for si in range(sources.size):
        m0 = out[2]
        n0, d0, n1, d1, own, own_k = _seeds(ch, sources[si], cutoff)
        nt, hs = 0, 0
        if n0 >= 0 and d0 < dist[n0]:
            nt, hs = _push(search, nt, hs, n0, d0)
        if n1 >= 0 and d1 < dist[n1]:
            nt, hs = _push(search, nt, hs, n1, d1)
        out, nt = _settle_junctions(ch, search, query, out, nt, hs)
        out = _expand_chains(ch, search, query, out, si, nt, own, own_k)
        for i in range(nt):
            dist[touched[i]] = np.inf
            pos[touched[i]] = -1
        counts[si] = out[2] - m0
    m = out[2]
    return counts, out[0][:m], out[1][:m]


chain_dijkstra_numba = (
    None if numba is None else numba.njit(cache=True, nogil=True)(_chain_dijkstra_py)
)
