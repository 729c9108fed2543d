"""Benchmark of ``analysis.distances.node_distances`` (issue 4 item 6).

On the central Harbin OSM extract and on a synthetic walking grid of at least 200,000 nodes, times
``node_distances`` for 1,000 and 10,000 sources at a 1,000 m cutoff against, in the same run,

* the osmnx isochrone recipe: one networkx Dijkstra per source
  (``nx.single_source_dijkstra_path_length(G, s, cutoff=1000, weight="length")``, the search
  inside ``nx.ego_graph``; the recipe's subgraph copy is left out, which favours networkx);
* pandana (contraction hierarchies, ``Network.nodes_in_range``) when it is installed.

Prints wall and CPU seconds, ratios (baseline time / our time) and peak memory. Times are
measured in this process (ours: best of 3 runs, the machine being shared); peak memory is the
RSS a run adds at its peak (``/proc/self/status`` VmHWM after resetting it through
``clear_refs``), measured in a forked child so that it counts fresh pages only. The networkx baseline is slow, so by
default it is timed on a random sample of 1,000 sources and extrapolated per source; the output
says so. ``--full-baseline`` times every source.

Usage::

    .venv/bin/python benchmarks/bench_distances.py
    .venv/bin/python benchmarks/bench_distances.py --quick          # smaller grid, fewer sources
    .venv/bin/python benchmarks/bench_distances.py --full-baseline  # no extrapolation

Target: at least 50 times faster than the networkx recipe at 10,000 sources.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing as mp
import os
import sys
import time
import warnings
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.distances import available_engines, graph_to_csr, node_distances  # noqa: E402
from layers.network import load_walking_network  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
HARBIN_PBF = SHARED / "data" / "harbin" / "harbin.osm.pbf"
CUTOFF = 1000.0
TARGET_RATIO = 50.0


# -- networks ----------------------------------------------------------------------------------
def walking_grid(side: int, spacing: float = 50.0, seed: int = 0) -> nx.MultiDiGraph:
    """A ``side x side`` walking grid near Harbin; block edges of ``spacing`` m +/- 10 %."""
    rng = np.random.default_rng(seed)
    ids = np.arange(side * side).reshape(side, side)
    lat0, lon0 = 45.70, 126.55
    xs = lon0 + np.arange(side) * spacing / (111_320 * np.cos(np.radians(lat0)))
    ys = lat0 + np.arange(side) * spacing / 110_540
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_nodes_from(
        (int(ids[j, i]), {"x": float(xs[i]), "y": float(ys[j])})
        for j in range(side)
        for i in range(side)
    )
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    length = np.round(spacing * rng.uniform(0.9, 1.1, u.size), 3)
    pairs = list(zip(u.tolist(), v.tolist(), length.tolist(), strict=True))
    G.add_edges_from((a, b, {"length": w}) for a, b, w in pairs)
    G.add_edges_from((b, a, {"length": w}) for a, b, w in pairs)
    return G


# -- measuring ----------------------------------------------------------------------------------
def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _child(queue, func, args) -> None:
    try:  # hand free heap pages back first, so that reusing them counts as new memory
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
        fh.write("5")
    start = _status("VmRSS")
    func(*args)
    queue.put(max(_status("VmHWM") - start, 0))


def peak_memory(func, *args) -> int:
    """RSS that ``func(*args)`` adds at its peak, measured in a forked child (fresh pages)."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, func, args))
    proc.start()
    peak = queue.get()
    proc.join()
    return peak


def measure(func, *args, repeat: int = 1, fork_memory: bool = True):
    """Best wall and CPU seconds over ``repeat`` runs, peak RSS added, result.

    CPU time is the process's (all its threads). Peak memory comes from a forked child
    (``peak_memory``), except with ``fork_memory=False`` (pandana: its OpenMP threads do not
    survive a fork), where it is the first run's VmHWM rise in this process, which can miss
    memory reused from earlier runs.
    """
    try:
        with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
            fh.write("5")
        can_reset = True
    except OSError:
        can_reset = False
    start_rss = _status("VmRSS")
    wall = cpu = math.inf
    result = None
    peak = 0
    for k in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = func(*args)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
        if k == 0:
            peak = max(_status("VmHWM") - start_rss, 0) if can_reset else 0
    if fork_memory and can_reset:
        peak = peak_memory(func, *args)
    return wall, cpu, peak, result


# -- the contenders ----------------------------------------------------------------------------
def run_ours(G, sources, engine, n_jobs):
    df = node_distances(G, sources, cutoff=CUTOFF, engine=engine, n_jobs=n_jobs)
    return len(df)


def run_networkx(G, sources):
    pairs = 0
    for s in sources:
        pairs += len(nx.single_source_dijkstra_path_length(G, s, cutoff=CUTOFF, weight="length"))
    return pairs


def pandana_network(G):
    import pandana
    import pandas as pd

    csr = graph_to_csr(G)
    xs = np.array([G.nodes[n]["x"] for n in csr.node_ids])
    ys = np.array([G.nodes[n]["y"] for n in csr.node_ids])
    rows = np.repeat(np.arange(csr.n_nodes), np.diff(csr.indptr))
    nodes = pd.Index(csr.node_ids)
    edges = pd.DataFrame(
        {"from": csr.node_ids[rows], "to": csr.node_ids[csr.indices], "length": csr.weights}
    )
    net = pandana.Network(
        pd.Series(xs, index=nodes),
        pd.Series(ys, index=nodes),
        edges["from"],
        edges["to"],
        edges[["length"]],
        twoway=False,
    )
    return net


@contextlib.contextmanager
def quiet_stdout():
    """Silence the C++ progress lines pandana prints on file descriptor 1."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def run_pandana(net, sources):
    with quiet_stdout():
        df = net.nodes_in_range(list(sources), CUTOFF)
    return len(df)


def fmt_mb(n: float) -> str:
    return f"{n / 2**20:8.1f} MB"


# -- main --------------------------------------------------------------------------------------
def bench_network(name, G, counts, sample, full_baseline, rng, pandana_max_nodes, repeat=3):
    """Time every engine on one network; ``pandana_max_nodes`` is None without pandana."""
    pandana_ok = pandana_max_nodes is not None
    print(f"\n== {name}: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges ==")
    t0 = time.perf_counter()
    graph_to_csr(G)
    print(f"CSR build (once per graph): {time.perf_counter() - t0:.2f} s")
    node_distances(G, list(G.nodes)[:2], cutoff=CUTOFF)  # compile / load the numba kernel
    net = None
    if pandana_ok and G.number_of_nodes() > pandana_max_nodes:
        print(
            f"pandana skipped on this network: building its contraction hierarchies on "
            f"{G.number_of_nodes():,} nodes takes well over 5 minutes here (the limit is "
            f"--pandana-max-nodes {pandana_max_nodes:,})"
        )
    elif pandana_ok:
        t0 = time.perf_counter()
        with warnings.catch_warnings(), quiet_stdout():
            warnings.simplefilter("ignore")
            net = pandana_network(G)
        print(
            f"pandana network setup (contraction hierarchies, once per graph, not in the "
            f"timings below): {time.perf_counter() - t0:.2f} s"
        )
    nodes = np.asarray(list(G.nodes))
    rows = []
    for n in counts:
        sources = rng.choice(nodes, n, replace=False)
        base_n = n if full_baseline else min(n, sample)
        base_src = sources[:base_n]
        w_nx, c_nx, m_nx, pairs_nx = measure(run_networkx, G, base_src)
        w_nx, c_nx = w_nx * n / base_n, c_nx * n / base_n
        note = "measured" if base_n == n else f"extrapolated from {base_n:,} sources"
        print(
            f"\n{n:,} sources, cutoff {CUTOFF:.0f} m        wall s     CPU s  ratio(wall) "
            f"ratio(CPU)   peak RSS\n"
            f"  {'networkx Dijkstra per source':34s} {w_nx:9.3f} {c_nx:9.3f}"
            f"{'':26s}{fmt_mb(m_nx)}  ({note})"
        )
        # the same sampled sources through our engine: the same number of pairs
        check = node_distances(G, base_src, cutoff=CUTOFF)
        assert len(check) == pairs_nx, (len(check), pairs_nx)
        out_pairs = None
        contenders = [(e, 1) for e in available_engines()]
        if "numba" in available_engines():
            contenders.append(("numba", 2))
        for engine, jobs in contenders:
            w, c, mem, pairs = measure(run_ours, G, sources, engine, jobs, repeat=repeat)
            out_pairs = pairs
            label = f"node_distances[{engine}{', 2 threads' if jobs > 1 else ''}]"
            rows.append((name, n, label, w, c, w_nx / w, c_nx / c, mem))
            print(
                f"  {label:34s} {w:9.3f} {c:9.3f}  x{w_nx / w:8.1f}  x{c_nx / c:8.1f}  "
                f"{fmt_mb(mem)}  ({pairs:,} pairs)"
            )
        if net is not None:
            w, c, mem, pairs = measure(run_pandana, net, sources, fork_memory=False)
            rows.append((name, n, "pandana nodes_in_range", w, c, w_nx / w, c_nx / c, mem))
            print(
                f"  {'pandana nodes_in_range':34s} {w:9.3f} {c:9.3f}  x{w_nx / w:8.1f}  "
                f"x{c_nx / c:8.1f}  {fmt_mb(mem)}  ({pairs:,} pairs; 2 OpenMP threads)"
            )
        dense = n * G.number_of_nodes() * 8
        print(
            f"  result {out_pairs:,} pairs = {fmt_mb(out_pairs * 24)} as (source, target, "
            f"distance); a dense sources x nodes matrix would be {fmt_mb(dense)}"
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller grid and counts")
    parser.add_argument("--full-baseline", action="store_true", help="no extrapolation")
    parser.add_argument("--sample", type=int, default=1000, help="networkx sample size")
    parser.add_argument("--grid-side", type=int, default=None, help="grid side (default 450)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--networks",
        default="harbin,grid",
        help="comma-separated: harbin, grid (default both)",
    )
    parser.add_argument(
        "--pandana-max-nodes",
        type=int,
        default=100_000,
        help="skip pandana on bigger networks (its setup is slow)",
    )
    args = parser.parse_args(argv)
    counts = [100, 1000] if args.quick else [1000, 10_000]
    side = args.grid_side or (150 if args.quick else 450)
    rng = np.random.default_rng(args.seed)
    try:
        import pandana  # noqa: F401

        pandana_ok = True
    except Exception as exc:  # ImportError or a broken binary
        pandana_ok = False
        print(f"pandana skipped: cannot import it ({type(exc).__name__}: {exc})")
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; engines "
        f"{', '.join(available_engines())}; networkx {nx.__version__}"
    )
    rows = []
    if "harbin" not in args.networks:
        pass
    elif HARBIN_PBF.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G = load_walking_network(HARBIN_PBF)
        rows += bench_network(
            "Harbin extract",
            G,
            counts,
            args.sample,
            args.full_baseline,
            rng,
            args.pandana_max_nodes if pandana_ok else None,
        )
        del G
    else:
        print(f"Harbin extract skipped: {HARBIN_PBF} not found")
    if "grid" not in args.networks:
        side = 0
    t0 = time.perf_counter()
    grid = walking_grid(side) if side else None
    if grid is not None:
        print(f"\n(grid built in {time.perf_counter() - t0:.1f} s)")
    rows += (
        []
        if grid is None
        else bench_network(
            f"walking grid {side}x{side}",
            grid,
            counts,
            args.sample,
            args.full_baseline,
            rng,
            args.pandana_max_nodes if pandana_ok else None,
        )
    )
    print("\nsummary (ratio = networkx time / time, both measured in this run):")
    for name, n, label, w, c, rw, rc, mem in rows:
        print(
            f"  {name:22s} {n:>6,} {label:34s} {w:8.3f} s wall  x{rw:7.1f}   {c:8.3f} s CPU  "
            f"x{rc:7.1f}  {fmt_mb(mem)}"
        )
    single = [r for r in rows if r[1] == max(counts) and r[2] == "node_distances[numba]"]
    if single and not args.quick:
        worst_wall = min(r[5] for r in single)
        worst_cpu = min(r[6] for r in single)

        def verdict(x: float) -> str:
            return "met" if x >= TARGET_RATIO else "NOT met"

        print(
            f"target x{TARGET_RATIO:.0f} at {max(counts):,} sources, one thread: "
            f"{verdict(worst_wall)} in wall time (lowest x{worst_wall:.1f}), "
            f"{verdict(worst_cpu)} in CPU time (lowest x{worst_cpu:.1f}); load average now "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
