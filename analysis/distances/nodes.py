"""Exact node-to-node walking distances from many sources: engines, batches, threads."""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import networkx as nx
import numpy as np
import pandas as pd

from analysis.distances._chain_search import chain_dijkstra_numba
from analysis.distances._kernels import _dijkstra_numba, numba
from analysis.distances.graph import CSRGraph, graph_to_csr
from layers.errors import InputValueError
from layers.progress import Progress

PILOT_SOURCES = 100
"""Sources searched first to size the output buffers of a big query."""
SOURCES_PER_BATCH = 10_000
"""Sources per engine call (progress granularity; fewer per thread when ``n_jobs`` > 1)."""


def _run_numba(csr: CSRGraph, src, is_target, cutoff: float, cap: int, ids: np.ndarray):
    chains = csr.chains()
    if chains is not None:
        src64 = src.astype(np.int64)
        return chain_dijkstra_numba(chains, src64, is_target, cutoff, cap, ids)
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


def node_distances(  # noqa: PLR0913 - networkx's (G, sources, targets, cutoff, weight) + engine keywords
    G: nx.MultiDiGraph,
    sources: Sequence,
    targets: Sequence | None = None,
    cutoff: float | None = None,
    weight: str = "length",
    *,
    engine: str = "auto",
    n_jobs: int = 1,
    chunk_size: int = SOURCES_PER_BATCH,
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
        raise InputValueError("距离上限不能为负 / cutoff must not be negative")
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
