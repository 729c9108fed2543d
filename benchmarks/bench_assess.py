"""Benchmark of ``geo-app assess`` (issue 17): 1 vs 2 Dask workers on a province.

The province: 13 synthetic demo-shaped cities (``geo_app.workflows.demo.create_province``) plus the
central-Harbin OSM import (``../shared/data/harbin/harbin.osm.pbf`` through ``geo-app
import-osm``), written once into ``--data`` and reused. For each worker count a fresh
``LocalCluster`` (processes, one thread each) runs the whole assessment into a GeoPackage;
printed: wall time, speed-up of 2 workers over 1 (goal >= 1.7x on a 2-core machine), the peak
resident memory of each worker process (``ru_maxrss``) and the time projected for 100 cities
(mean time per city at the largest worker count, x 100). The outputs of all runs are checked
to be equal.

    .venv/bin/python benchmarks/bench_assess.py               # 13 cities + Harbin, 1 and 2 workers
    .venv/bin/python benchmarks/bench_assess.py --cities 3 --no-harbin   # quick check
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyogrio
from distributed import Client, LocalCluster

from geo_app.cli import main as geo_app
from geo_app.workflows.assess.plan import AssessSpec, plan_cities
from geo_app.workflows.assess.run import ResultFile, run_assessment
from geo_app.workflows.demo import create_province

REPO = Path(__file__).resolve().parents[1]
HARBIN_PBF = REPO.parent / "shared" / "data" / "harbin" / "harbin.osm.pbf"
GOAL_SPEEDUP = 1.7
LAYERS = {
    "compliance": ("city", "community_id"),
    "coverage": ("city", "distance_m", "community_id"),
    "district_metrics": ("city", "metric", "district_code"),
}


def province(data: Path, n_cities: int, harbin: bool) -> list[Path]:
    """The projects of the run, built into ``data`` when missing."""
    folder = data / f"province_{n_cities}"
    paths = sorted(folder.glob("city_*.gpkg"))
    if len(paths) != n_cities:
        print(f"building {n_cities} synthetic cities in {folder} ...", flush=True)
        paths = create_province(folder, n_cities, seed=0, overwrite=True)
    if harbin:
        osm = data / "harbin_osm.gpkg"
        if not osm.exists():
            if not HARBIN_PBF.exists():
                sys.exit(f"missing {HARBIN_PBF}; run with --no-harbin")
            print("importing the Harbin OSM extract ...", flush=True)
            if geo_app(["import-osm", str(HARBIN_PBF), "--out", str(osm)]) != 0:
                sys.exit("import-osm failed")
        paths = [*paths, osm]
    return list(paths)


def _spin(_unused: float = 0.0) -> float:
    """A fixed CPU-bound loop; returns its wall time."""
    start = time.perf_counter()
    total = 0
    for i in range(12_000_000):
        total += i * i % 7
    return time.perf_counter() - start


def machine_parallelism() -> float:
    """How much faster two processes finish two copies of a fixed loop than one process one
    copy, twice: the best speed-up two workers can get on this machine right now (2.0 when the
    machine is quiet, less when other work shares the cores)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        one = pool.submit(_spin).result()
        start = time.perf_counter()
        list(pool.map(_spin, [0.0, 0.0]))
        both = time.perf_counter() - start
    return 2 * one / both


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_once(paths: list[Path], workers: int, out: Path, spec: AssessSpec) -> dict:
    """One assessment on a fresh local cluster: seconds and peak memory of each worker."""
    plans = plan_cities(paths, spec)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(workers)
        start = time.perf_counter()
        with ResultFile(out) as result:
            run_assessment(client, plans, spec, result.write)
            result.commit()
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_rss_mb)
    return {"workers": workers, "seconds": seconds, "peak_mb": sorted(peaks.values())}


def same_results(a: Path, b: Path) -> bool:
    """Whether two outputs hold the same rows (written in completion order: sorted first)."""
    for name, keys in LAYERS.items():
        x = pyogrio.read_dataframe(a, layer=name, read_geometry=False)
        y = pyogrio.read_dataframe(b, layer=name, read_geometry=False)
        x = x.sort_values(list(keys)).reset_index(drop=True)
        y = y.sort_values(list(keys)).reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        except AssertionError:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=13, help="synthetic cities (13)")
    parser.add_argument("--no-harbin", action="store_true", help="leave out the OSM import")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk-size", type=int, default=250)
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(tempfile.gettempdir()) / "bench_assess",
        help="folder of the province projects (built once, reused)",
    )
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    paths = province(args.data, args.cities, not args.no_harbin)
    n = len(paths)
    spec = AssessSpec(chunk_size=args.chunk_size)
    print(f"{n} cities ({args.cities} synthetic{'' if args.no_harbin else ' + Harbin OSM'})")
    before = machine_parallelism()
    print(f"  machine parallelism before (two plain processes vs one): {before:.2f}x")
    runs = []
    for w in args.workers:
        out = args.data / f"result_{w}w.gpkg"
        r = run_once(paths, w, out, spec)
        r["out"] = out
        runs.append(r)
        peaks = ", ".join(f"{p:.0f}" for p in r["peak_mb"])
        print(f"  {w} worker(s): {r['seconds']:7.1f} s   peak memory per worker: {peaks} MB")
    after = machine_parallelism()
    print(f"  machine parallelism after: {after:.2f}x (below 2.0x: other work shares the cores)")
    equal = all(same_results(runs[0]["out"], r["out"]) for r in runs[1:])
    print(f"  outputs equal across worker counts: {equal}")
    base = runs[0]
    for r in runs[1:]:
        speedup = base["seconds"] / r["seconds"]
        verdict = "meets" if speedup >= GOAL_SPEEDUP else "below"
        print(
            f"  speed-up {r['workers']} vs {base['workers']} worker(s): {speedup:.2f}x "
            f"({verdict} the {GOAL_SPEEDUP}x goal)"
        )
    last = runs[-1]
    per_city = last["seconds"] / n
    print(
        f"  projected for 100 cities at {last['workers']} worker(s): {per_city * 100 / 60:.1f} "
        f"min ({per_city:.1f} s per city of this mix; about linear in 1/workers on more cores)"
    )
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
