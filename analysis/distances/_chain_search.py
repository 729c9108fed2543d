"""Bounded Dijkstra over junctions, chains walked by sequential additions (compiled with numba).

Exactly the distances of the plain search (:func:`analysis.distances._kernels._dijkstra_py`:
the same float additions in the same order along every chain), in another output order:
junctions as settled, then chain interiors.

The steps share three tuples: ``search`` (per-node arrays ``dist, pos, touched, heap_d, heap_n``,
per-chain ``mark`` and a ``scratch`` row), ``query`` (``is_target, cutoff, ids``) and ``out``
(``out_t, out_d, m``: the output buffers and the rows written, regrown by ``_emit``). Each step
unpacks the arrays it needs once per source; the per-edge and per-chain helpers take arrays,
so that the inner loops pay no reference counting.
"""

from __future__ import annotations

import numpy as np

from analysis.distances._kernels import _emit, _kernel, _pop_min, _sift_up, numba


@_kernel()
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
    c_w = ch.c_w
    n0 = -1
    d0 = np.inf
    n1 = -1
    d1 = np.inf
    x = 0.0
    for q in range(own_k, -1, -1):
        x += c_w[ws + q]
        if x > cutoff:
            break
    if x <= cutoff:
        n0 = ch.c_a[c]
        d0 = x
    y = 0.0
    for q in range(own_k + 1, ch.c_len[c] + 1):
        y += c_w[ws + q]
        if y > cutoff:
            break
    if y <= cutoff:
        n1 = ch.c_b[c]
        d1 = y
    return n0, d0, n1, d1, c, own_k


@_kernel()
def _push_seed(search, nt, hs, node, d):
    """Start the search at ``node`` with distance ``d`` unless it has a shorter one already.
    Returns the touched and heap counts."""
    dist, pos, touched, heap_d, heap_n, _, _ = search
    if node < 0 or not (d < dist[node]):
        return nt, hs
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
def _walk_chain(c_w, ws, L, from_a, d, cutoff):
    """``d`` plus the ``L + 1`` edge lengths of a chain from ``c_w[ws]`` on, walked from its a
    end (or its b end), stopping as soon as the sum passes ``cutoff``."""
    nd = d
    if from_a:
        for q in range(L + 1):
            nd += c_w[ws + q]
            if nd > cutoff:
                break
    else:
        for q in range(L, -1, -1):
            nd += c_w[ws + q]
            if nd > cutoff:
                break
    return nd


@_kernel()
def _settle_junctions(ch, search, query, out, nt, hs):
    """Dijkstra over the junctions from the seeded heap: pop, emit a target, relax the direct
    edges and the chains. Returns ``(out, nt)``."""
    jptr, jnbr, jw, jchain = ch.jptr, ch.jnbr, ch.jw, ch.jchain
    c_wstart, c_len, c_w = ch.c_wstart, ch.c_len, ch.c_w
    dist, pos, touched, heap_d, heap_n, _, _ = search
    is_target, cutoff, ids = query
    out_t, out_d, m = out
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
            elif y == x:
                continue
            else:
                nd = _walk_chain(c_w, c_wstart[c], c_len[c], jw[e] == 0.0, d, cutoff)
            if nd <= cutoff and nd < dist[y]:
                i = pos[y]
                if i == -1:
                    touched[nt] = y
                    nt += 1
                    i = hs
                    hs += 1
                dist[y] = nd
                _sift_up(heap_d, heap_n, pos, i, nd, y)
    return (out_t, out_d, m), nt


@_kernel(inline="always")
def _chain_best(c_w, ws, L, ends, scratch, own_k, cutoff):
    """Best distance to each interior node of a chain, into ``scratch[:L]``: the walks from its
    a end and b end (distances ``ends``) and, when ``own_k >= 0`` (the source's own chain, the
    source at position ``own_k``), from the source."""
    x, y = ends
    for j in range(L):
        if x <= cutoff:
            x += c_w[ws + j]
        scratch[j] = x
    if own_k >= 0:
        z = 0.0
        for j in range(own_k, L):
            if j > own_k:
                z += c_w[ws + j]
            if z > cutoff:
                break
            if z < scratch[j]:
                scratch[j] = z
    z = 0.0
    for j in range(L - 1, -1, -1):
        if y <= cutoff:
            y += c_w[ws + j + 1]
        v = scratch[j]
        if y < v:
            v = y
        if j < own_k:
            z += c_w[ws + j + 1]
            if z < v:
                v = z
        scratch[j] = v


@_kernel()
def _expand_chains(ch, search, query, out, si, nt, own, own_k):
    """Emit chain interiors: the source's own chain first, then every chain at a reached
    junction, each once per source (``mark`` holds the last source that expanded a chain).
    Returns ``out``."""
    jptr, jchain = ch.jptr, ch.jchain
    c_len, c_wstart, c_start, c_a, c_b = ch.c_len, ch.c_wstart, ch.c_start, ch.c_a, ch.c_b
    c_w, c_nodes = ch.c_w, ch.c_nodes
    dist, _, touched, _, _, mark, scratch = search
    is_target, cutoff, ids = query
    out_t, out_d, m = out
    for r in range(-1, nt):
        lo, hi = (0, 1) if r == -1 else (jptr[touched[r]], jptr[touched[r] + 1])
        for e in range(lo, hi):
            cs = own if r == -1 else jchain[e]
            if cs < 0 or mark[cs] == si:
                continue
            mark[cs] = si
            L = c_len[cs]
            ends = (dist[c_a[cs]], dist[c_b[cs]])
            _chain_best(c_w, c_wstart[cs], L, ends, scratch, own_k if cs == own else -1, cutoff)
            st = c_start[cs]
            for j in range(L - 1, -1, -1):
                v = scratch[j]
                if v <= cutoff and is_target[c_nodes[st + j]]:
                    out_t, out_d = _emit(out_t, out_d, m, ids[c_nodes[st + j]], v)
                    m += 1
    return out_t, out_d, m


def _chain_dijkstra_py(ch, sources, is_target, cutoff, cap, ids):
    """Bounded Dijkstra per source over the junctions of ``ch`` (:class:`Chains`), chains walked
    by sequential additions.

    Returns ``(counts, targets, distances)`` like :func:`analysis.distances._kernels._dijkstra_py`.
    """
    n = ch.is_j.size
    dist = np.full(n, np.inf)
    pos = np.full(n, -1, dtype=np.int64)  # heap slot, -1 outside, -2 settled
    touched = np.empty(n, dtype=np.int64)
    heap_d = np.empty(n, dtype=np.float64)
    heap_n = np.empty(n, dtype=np.int64)
    mark = np.full(ch.c_len.size, -1, dtype=np.int64)
    search = (dist, pos, touched, heap_d, heap_n, mark, np.empty(n, dtype=np.float64))
    query = (is_target, cutoff, ids)
    cap = max(1024, cap)
    out = (np.empty(cap, dtype=ids.dtype), np.empty(cap, dtype=np.float64), 0)
    counts = np.zeros(sources.size, dtype=np.int64)
    for si in range(sources.size):
        m0 = out[2]
        n0, d0, n1, d1, own, own_k = _seeds(ch, sources[si], cutoff)
        nt, hs = _push_seed(search, 0, 0, n0, d0)
        nt, hs = _push_seed(search, nt, hs, n1, d1)
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
