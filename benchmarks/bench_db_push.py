"""Pushing a project to PostGIS: the central-Harbin OSM import (goal: under 30 s on 2 cores).

Starts a throw-away local cluster, pushes the project given (default: builds the OSM import of
``../shared/data/harbin/harbin.osm.pbf``), then pulls it back into a GeoPackage. Prints the
layer sizes, the push and pull times, and as a baseline measured in the same run the time of
writing the same layers into a new GeoPackage.

    python benchmarks/bench_db_push.py [PROJECT.gpkg]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from geo_app.postgis.cluster import start_local_cluster
from geo_app.postgis.platform import init_platform
from geo_app.project import Project

SHARED_PBF = Path(__file__).resolve().parents[2] / "shared/data/harbin/harbin.osm.pbf"


def _osm_project(folder: Path) -> Path:
    from geo_app.cli import main

    out = folder / "harbin_osm.gpkg"
    if main(["import-osm", str(SHARED_PBF), "--out", str(out)]) != 0:
        raise SystemExit("the OSM import failed")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="geoapp-bench-"))
    folder.chmod(0o755)
    try:
        source_path = args.project or _osm_project(folder)
        source = Project.open(source_path)
        layers = {name: source.store.read_layer(name) for name in source.store.list_layers()}
        for name, frame in layers.items():
            print(f"  {name:<24} {len(frame):>8} rows")
        started = time.perf_counter()
        baseline = Project.create(folder / "copy.gpkg", source.settings)
        baseline.store.write_layers(layers)
        gpkg_s = time.perf_counter() - started

        cluster = start_local_cluster(folder / "cluster")
        os.environ["PGPASSWORD"] = cluster.admin_password
        try:
            init_platform(cluster.url())
            url = cluster.url(project="bench")
            started = time.perf_counter()
            target = Project.create(url, source.settings)
            target.store.write_layers(layers)
            push_s = time.perf_counter() - started
            started = time.perf_counter()
            pulled = {name: target.store.read_layer(name) for name in target.store.list_layers()}
            pull_s = time.perf_counter() - started
            assert {n: len(f) for n, f in pulled.items()} == {n: len(f) for n, f in layers.items()}
        finally:
            cluster.stop()
        print(f"GeoPackage write (baseline): {gpkg_s:6.1f} s")
        print(
            f"PostGIS push:                {push_s:6.1f} s  (x{push_s / gpkg_s:.2f}; goal < 30 s)"
        )
        print(f"PostGIS pull:                {pull_s:6.1f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
