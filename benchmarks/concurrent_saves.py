"""Concurrent saves into one project: how many layers survive, and how long the saves take.

Each repetition starts ``--processes`` processes at the same instant, each saving
``--saves`` new layers into one copy of the demo project (one ``Project.write_layer`` each),
then counts the new layers that are present and checks that the demo's own layers are intact
(same row counts). Prints kept/expected per repetition, the total, and the median time of one
save under contention against one save alone (the baseline, measured in the same run).

    python benchmarks/concurrent_saves.py --repeats 20
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pyogrio

from geo_app.project import Project
from geo_app.workflows.demo import create_demo_project

_SAVER = textwrap.dedent(
    """
    import sys, time
    import geopandas as gpd
    from shapely.geometry import Point
    from geo_app.project import Project

    path, tag, saves, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    frame = gpd.GeoDataFrame(
        {"tag": [tag] * 100}, geometry=[Point(126.6, 45.7)] * 100, crs="EPSG:4326"
    )
    while time.time() < start:
        time.sleep(0.005)
    for j in range(saves):
        t0 = time.perf_counter()
        Project.open(path).write_layer(f"bench_{tag}_{j}", frame)
        print(time.perf_counter() - t0, flush=True)
    """
)


def _counts(path: Path) -> dict[str, int]:
    return {
        name: pyogrio.read_info(path, layer=name)["features"]
        for name in Project.open(path).layers()
    }


def _round(path: Path, tag: str, processes: int, saves: int) -> tuple[int, list[float]]:
    start = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(path), f"{tag}p{w}", str(saves), str(start)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(processes)
    ]
    times: list[float] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"a saver failed with exit code {proc.returncode}")
        times += [float(line) for line in out.split()]
    present = set(Project.open(path).layers())
    expected = {f"bench_{tag}p{w}_{j}" for w in range(processes) for j in range(saves)}
    return len(expected & present), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--saves", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.gpkg"
        create_demo_project(demo)
        original = _counts(demo)
        alone: list[float] = []
        for j in range(args.saves):  # baseline: the same saves, one process, no contention
            _, times = _round(demo, f"alone{j}_", 1, 1)
            alone += times
        kept_total = expected_total = 0
        contended: list[float] = []
        for r in range(args.repeats):
            kept, times = _round(demo, f"r{r}_", args.processes, args.saves)
            expected = args.processes * args.saves
            kept_total, expected_total = kept_total + kept, expected_total + expected
            contended += times
            print(f"repetition {r + 1:2d}: kept {kept}/{expected} layers")
        after = _counts(demo)
        intact = all(after.get(name) == n for name, n in original.items())
        leftovers = list(Path(tmp).glob(".demo.gpkg.*.tmp.gpkg*"))
    print(
        f"\n{args.processes} processes x {args.saves} saves x {args.repeats} repetitions: "
        f"kept {kept_total}/{expected_total} layers; demo layers intact: {intact}; "
        f"temporary files left: {len(leftovers)}"
    )
    median_alone, median_contended = statistics.median(alone), statistics.median(contended)
    print(
        f"one save alone {median_alone:.2f} s (median), under contention "
        f"{median_contended:.2f} s incl. waiting: x{median_contended / median_alone:.1f}"
    )
    if kept_total != expected_total or not intact:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
