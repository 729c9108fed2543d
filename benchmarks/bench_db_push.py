"""Pushing a project to PostGIS: the demo and the central-Harbin OSM import (goal: < 5 s).

Builds the demo project and the OSM import of ``../shared/data/harbin/harbin.osm.pbf`` (or
takes the projects given), then, for this checkout and for a baseline checkout given with
``--baseline`` (another worktree of the repository, e.g. ``/work/wt-platform-base`` at
commit ee4b114), runs in a child process with that checkout's code: start a throw-away local
cluster, push each project (``Project.create`` + ``write_layers``, as ``geo-app db push``
does), pull it back, and write the same layers into a new GeoPackage for comparison. Prints
one table with every timing, so before and after come from one run on one machine.

    python benchmarks/bench_db_push.py [--baseline ../wt-platform-base] [PROJECT.gpkg ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
SHARED_PBF = REPO.parent / "shared/data/harbin/harbin.osm.pbf"


def _projects(folder: Path) -> dict[str, Path]:
    """The demo and the OSM import, built with this checkout's code."""
    from geo_app.cli import main

    demo, osm = folder / "demo.gpkg", folder / "harbin_osm.gpkg"
    with contextlib.redirect_stdout(sys.stderr):
        if main(["demo", "--out", str(demo)]) != 0:
            raise SystemExit("the demo could not be written")
        started = time.perf_counter()
        if main(["import-osm", str(SHARED_PBF), "--out", str(osm)]) != 0:
            raise SystemExit("the OSM import failed")
    print(f"OSM import: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return {"demo": demo, "osm": osm}


def _child(paths: list[Path]) -> None:
    """Push each project with the code on PYTHONPATH; print the timings as JSON."""
    from geo_app.project import Project
    from geo_app.project.postgis.cluster import start_local_cluster
    from geo_app.project.postgis.platform import init_platform

    folder = Path(tempfile.mkdtemp(prefix="geoapp-bench-"))
    folder.chmod(0o755)
    results = {}
    cluster = start_local_cluster(folder / "cluster")
    os.environ["PGPASSWORD"] = cluster.admin_password
    try:
        init_platform(cluster.url())
        for i, path in enumerate(paths):
            source = Project.open(path)
            layers = {name: source.store.read_layer(name) for name in source.store.list_layers()}
            started = time.perf_counter()
            copy = Project.create(folder / f"copy{i}.gpkg", source.settings)
            copy.store.write_layers(layers)
            gpkg_s = time.perf_counter() - started
            started = time.perf_counter()
            target = Project.create(cluster.url(project=f"bench{i}"), source.settings)
            target.store.write_layers(layers)
            push_s = time.perf_counter() - started
            started = time.perf_counter()
            pulled = {n: target.store.read_layer(n) for n in target.store.list_layers()}
            pull_s = time.perf_counter() - started
            assert all(len(pulled[n]) == len(f) for n, f in layers.items())
            results[str(path)] = {
                "rows": sum(len(f) for f in layers.values()),
                "gpkg_s": gpkg_s,
                "push_s": push_s,
                "pull_s": pull_s,
            }
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(results))


def _run(checkout: Path, paths: list[Path]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", type=Path)
    parser.add_argument("--baseline", type=Path, default=None, help="baseline checkout")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.projects)
        return
    folder = Path(tempfile.mkdtemp(prefix="geoapp-bench-src-"))
    try:
        named = {p.stem: p for p in args.projects} or _projects(folder)
        checkouts = {"this": REPO}
        if args.baseline is not None:
            checkouts = {"baseline": args.baseline.resolve(), **checkouts}
        timings = {label: _run(path, list(named.values())) for label, path in checkouts.items()}
        print(
            f"{'project':<10} {'rows':>8} {'checkout':<9} {'GeoPackage':>11} {'push':>8} "
            f"{'pull':>8}"
        )
        for name, path in named.items():
            for label, result in timings.items():
                r = result[str(path)]
                print(
                    f"{name:<10} {r['rows']:>8} {label:<9} {r['gpkg_s']:>9.1f} s "
                    f"{r['push_s']:>6.1f} s {r['pull_s']:>6.1f} s"
                )
        print("goal: the push of the OSM import under 5 s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
