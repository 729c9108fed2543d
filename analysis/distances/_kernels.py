"""Compiled pieces of the searches: the indexed 4-ary heap, the output buffer, the plain Dijkstra.

Compiled with numba (cached, no GIL) when it is installed; plain Python otherwise.
"""

from __future__ import annotations

import numpy as np

try:  # numba is optional: the scipy engine is the fallback
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None

HEAP_ARITY = 4
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


_dijkstra_numba = None if numba is None else numba.njit(cache=True, nogil=True)(_dijkstra_py)
