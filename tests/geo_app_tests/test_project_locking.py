"""Concurrent saves into one GeoPackage project: no save is lost, stale locks and temporaries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geo_app.project import GeoPackageStore, Project, ProjectError

PROCESSES = 4
SAVES_PER_PROCESS = 5
ROUNDS = 2


def _points(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(n)], "value": np.arange(n, dtype=float)},
        geometry=[Point(126.6 + x, 45.75 + y) for x, y in rng.uniform(0, 0.05, (n, 2))],
        crs="EPSG:4326",
    )


_SAVER = textwrap.dedent(
    """
    import sys, time
    import geopandas as gpd
    from shapely.geometry import Point
    from geo_app.project import Project

    path, worker, saves, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    frame = gpd.GeoDataFrame(
        {"worker": [worker] * 50}, geometry=[Point(126.6, 45.7)] * 50, crs="EPSG:4326"
    )
    while time.time() < start:  # start together
        time.sleep(0.005)
    for j in range(saves):
        Project.open(path).write_layer(f"w{worker}_{j}", frame)
    """
)


def _run_savers(path: Path, tag: str) -> None:
    start = time.time() + 3.0
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _SAVER,
                str(path),
                f"{tag}{w}",
                str(SAVES_PER_PROCESS),
                str(start),
            ]
        )
        for w in range(PROCESSES)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0] * PROCESSES


def test_four_processes_saving_five_layers_each_keep_all_twenty(tmp_path: Path) -> None:
    """The issue's case: 4 x 5 concurrent saves kept 7 of 20 layers before the lock."""
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    base = _points(40)
    project.write_layer("facilities", base)
    for round_ in range(ROUNDS):
        _run_savers(path, f"r{round_}_")
    layers = set(Project.open(path).layers())
    expected = {
        f"wr{r}_{w}_{j}"
        for r in range(ROUNDS)
        for w in range(PROCESSES)
        for j in range(SAVES_PER_PROCESS)
    }
    assert expected <= layers, f"lost: {sorted(expected - layers)}"
    kept = Project.open(path).layer("facilities")
    assert kept["name"].tolist() == base["name"].tolist()
    assert not list(tmp_path.glob(".p.gpkg.*.tmp.gpkg*")), "temporary copies left behind"


def test_threads_of_one_process_keep_every_save(tmp_path: Path) -> None:
    """Two app sessions are threads of one server: their saves are serialised too."""
    path = tmp_path / "p.gpkg"
    Project.create(path)
    frame = _points(20)
    errors: list[BaseException] = []

    def save(worker: int) -> None:
        try:
            for j in range(SAVES_PER_PROCESS):
                Project.open(path).write_layer(f"t{worker}_{j}", frame)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(w,)) for w in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    layers = set(Project.open(path).layers())
    assert {f"t{w}_{j}" for w in range(PROCESSES) for j in range(SAVES_PER_PROCESS)} <= layers


def test_locked_read_modify_write_keeps_both_appends(tmp_path: Path) -> None:
    """Appending under ``Project.locked`` from two threads: both rows arrive."""
    path = tmp_path / "p.gpkg"
    Project.create(path).write_layer("facilities", _points(2))
    barrier = threading.Barrier(2)

    def append(seed: int) -> None:
        project = Project.open(path)
        barrier.wait()
        with project.locked():
            table = project.layer("facilities")
            time.sleep(0.2)  # widen the window a lost update would need
            more = _points(1, seed)
            project.write_layer("facilities", gpd.pd.concat([table, more], ignore_index=True))

    threads = [threading.Thread(target=append, args=(s,)) for s in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(Project.open(path).layer("facilities")) == 4


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from geo_app.project import Project

    project = Project.open(sys.argv[1])
    with project.locked():
        print("locked", flush=True)
        time.sleep(120)
    """
)


def _hold_lock(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_busy_project_gives_a_clear_message_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.gpkg"
    Project.create(path).write_layer("facilities", _points(3))
    before = path.read_bytes()
    holder = _hold_lock(path)
    try:
        store = GeoPackageStore(path, lock_timeout=0.5)
        with pytest.raises(ProjectError, match="写锁") as info:
            store.write_layers({"facilities": _points(9)})
        assert "write lock" in str(info.value)
        assert "0.5 s" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    assert path.read_bytes() == before


def test_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    """A writer killed with SIGKILL while holding the lock: the next save goes ahead at once."""
    path = tmp_path / "p.gpkg"
    Project.create(path).write_layer("facilities", _points(3))
    holder = _hold_lock(path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    store = GeoPackageStore(path, lock_timeout=2.0)
    started = time.perf_counter()
    store.write_layers({"facilities": _points(5)})
    assert time.perf_counter() - started < 2.0
    assert len(Project.open(path).layer("facilities")) == 5


def test_temporaries_of_a_killed_save_are_removed_by_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    # what a save killed between copy and replace leaves beside the project
    leftover = tmp_path / ".p.gpkg.abc123.tmp.gpkg"
    leftover.write_bytes(path.read_bytes())
    (tmp_path / ".p.gpkg.abc123.tmp.gpkg-journal").write_bytes(b"x")
    other = tmp_path / ".other.gpkg.abc123.tmp.gpkg"  # another project's: not ours to delete
    other.write_bytes(b"x")
    project.write_layer("facilities", _points(3))
    assert not leftover.exists()
    assert not (tmp_path / ".p.gpkg.abc123.tmp.gpkg-journal").exists()
    assert other.exists()


def test_folder_instead_of_project_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "p.gpkg"
    folder.mkdir()
    with pytest.raises(ProjectError, match="folder"):
        Project.open(folder)
    with pytest.raises(ProjectError, match="文件夹"):
        GeoPackageStore(folder).write_layers({"facilities": _points(1)})
