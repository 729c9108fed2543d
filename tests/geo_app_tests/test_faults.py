"""Faults that ended in tracebacks or silent damage (issue 23, items 2-7), each reproduced for
real: a full disk (a small tmpfs mounted by the test), a read-only project, a project with a
zeroed page, a Dask worker dying while the local cluster starts, the app's listening address and
its stop, and a CSV line without line breaks. Every case must end in a message and exit code 2
with the project unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from geo_app.cli import main
from geo_app.project import Project, ProjectError

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geo_app.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=timeout,
    )


def _refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.fixture(scope="module")
def buildings_file(demo_project_path, tmp_path_factory) -> Path:
    """The demo's buildings six times over (2.6 MB as a GeoPackage, ~27 MB as a layer)."""
    import pandas as pd

    frame = Project.open(demo_project_path).layer("buildings")
    big = pd.concat([frame] * 6, ignore_index=True)
    path = tmp_path_factory.mktemp("faults") / "buildings6.gpkg"
    big.to_file(path, layer="buildings")
    return path


@contextmanager
def small_disk(folder: Path, megabytes: int):
    """A tmpfs of ``megabytes`` at ``folder`` (needs root and mount rights)."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


# -- item 2: disk full -------------------------------------------------------------------------
def test_import_that_cannot_fit_is_refused_before_the_copy(
    demo_project_path, buildings_file, tmp_path
):
    with small_disk(tmp_path / "disk", 16) as disk:
        project = disk / "p.gpkg"
        shutil.copyfile(demo_project_path, project)
        before = _digest(project)
        done = _cli("import", str(project), "buildings", str(buildings_file))
        _refused(done, "磁盘空间不足", "not enough disk space")
        assert _digest(project) == before
        assert [p.name for p in disk.iterdir() if p.name.endswith(".tmp.gpkg")] == []


def test_disk_full_during_the_write_keeps_the_project(
    demo_project_path, buildings_file, tmp_path, monkeypatch
):
    """The estimate can be short: the real ENOSPC of SQLite mid-write is a message too."""
    import geopandas as gpd

    from geo_app.project import gpkg as gpkg_store

    monkeypatch.setattr(gpkg_store, "SPACE_MARGIN_BYTES", 0)
    monkeypatch.setattr(gpkg_store, "estimated_bytes", lambda frame: 0)
    with small_disk(tmp_path / "disk", 20) as disk:
        project = disk / "p.gpkg"
        shutil.copyfile(demo_project_path, project)
        before = _digest(project)
        frame = gpd.read_file(buildings_file)
        with pytest.raises(ProjectError, match="磁盘空间不足"):
            Project.open(project).write_layer("buildings", frame)
        assert _digest(project) == before
        assert [p.name for p in disk.iterdir() if p.name.endswith(".tmp.gpkg")] == []


# -- item 3: read-only project -----------------------------------------------------------------
def test_read_only_project_is_not_replaced(demo_project_path, buildings_file, tmp_path):
    project = tmp_path / "ro.gpkg"
    shutil.copyfile(demo_project_path, project)
    project.chmod(0o444)
    before = _digest(project)
    done = _cli("import", str(project), "buildings", str(buildings_file))
    _refused(done, "只读", "read-only")
    assert _digest(project) == before and (project.stat().st_mode & 0o777) == 0o444
    # nor deleted to make a new project over it
    with pytest.raises(ProjectError, match="read-only"):
        Project.open(project).store.clear()
    assert project.exists()
    # reading still works
    assert len(Project.open(project).layer("communities")) > 100


# -- item 4: corrupted project -----------------------------------------------------------------
@pytest.fixture
def damaged(demo_project_path, tmp_path) -> Path:
    path = tmp_path / "damaged.gpkg"
    shutil.copyfile(demo_project_path, path)
    pages = path.stat().st_size // 4096
    with open(path, "r+b") as fh:
        fh.seek((pages // 2) * 4096)
        fh.write(b"\0" * 4096)
    return path


@pytest.mark.parametrize(
    "command",
    [
        ("compliance", "{p}", "--out", "{d}/c.csv"),
        ("report", "{p}", "--district", "道外区", "--format", "html", "--out", "{d}/r.html"),
        ("import", "{p}", "facilities", "{d}/f.geojson"),
    ],
    ids=["compliance", "report", "import"],
)
def test_damaged_project_is_refused(damaged, demo_project_path, tmp_path, command):
    Project.open(demo_project_path).layer("facilities").head(3).to_file(
        tmp_path / "f.geojson", driver="GeoJSON"
    )
    before = _digest(damaged)
    args = [a.format(p=damaged, d=tmp_path) for a in command]
    done = _cli(*args)
    _refused(done, "已损坏", "damaged", "backup")
    assert _digest(damaged) == before
    assert not (tmp_path / "c.csv").exists() and not (tmp_path / "r.html").exists()


# -- item 5: Dask worker dies while the cluster starts -----------------------------------------
PRELOAD = """
import os, pathlib
count = pathlib.Path(os.environ["GEO_APP_TEST_KILLS"])
left = int(count.read_text())
if left > 0:
    count.write_text(str(left - 1))
    os._exit(1)  # the worker process dies while the local cluster starts
"""


@pytest.fixture(scope="module")
def one_city(tmp_path_factory) -> Path:
    from geo_app.workflows.demo import create_province

    return create_province(tmp_path_factory.mktemp("city"), 1, seed=0)[0]


@pytest.mark.parametrize("kills, code", [(1, 0), (99, 2)], ids=["retried", "gives-up"])
def test_worker_dying_while_the_cluster_starts(one_city, tmp_path, kills, code):
    preload = tmp_path / "die_once.py"
    preload.write_text(PRELOAD)
    counter = tmp_path / "kills"
    counter.write_text(str(kills))
    env = {
        "GEO_APP_TEST_KILLS": str(counter),
        "DASK_DISTRIBUTED__WORKER__PRELOAD": f'["{preload}"]',
    }
    out = tmp_path / "out.gpkg"
    done = _cli(
        "assess", str(one_city), "--out", str(out), "--workers", "1", "--no-progress", env=env
    )
    assert done.returncode == code, done.stdout + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "启动失败" in done.stderr
    if code == 0:
        assert out.exists() and "127.0.0.1" in done.stdout  # dashboard on this computer only
    else:
        assert "3 次均未能启动" in done.stderr and not out.exists()


# -- item 6: listening address, stopping the app -----------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> list[str]:
    """Local addresses listening on TCP ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            next(fh)
            for line in fh:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


def test_app_listens_on_this_computer_only_and_stops_with_its_child(demo_project_path, tmp_path):
    port = _free_port()
    log = open(tmp_path / "app.log", "w")  # noqa: SIM115 - closed below
    app = subprocess.Popen(
        [sys.executable, "-m", "geo_app.cli", "app", str(demo_project_path), "--port", str(port),
         "--headless"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not _listening(port) and time.monotonic() < deadline:
            assert app.poll() is None, (tmp_path / "app.log").read_text()
            time.sleep(0.5)
        addresses = _listening(port)
        # 0100007F is 127.0.0.1 in /proc/net/tcp; all-interfaces would be 00000000 or ::
        assert addresses and set(addresses) == {"0100007F"}, addresses
        app.send_signal(signal.SIGTERM)
        app.wait(30)
        deadline = time.monotonic() + 20
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _listening(port) == [], "Streamlit kept running after geo-app app was stopped"
    finally:
        if app.poll() is None:
            app.kill()
        log.close()


def test_app_serves_others_only_a_signed_in_database_project(demo_project_path, capsys):
    from geo_app.cli import app as cli_app

    assert main(["app", str(demo_project_path), "--address", "0.0.0.0"]) == 2
    assert "127.0.0.1" in capsys.readouterr().err
    url = "postgresql://someone@db.example:5432/geoapp?project=harbin"
    command, _ = cli_app.build_command(url, 8600, True, "0.0.0.0")
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    command, _ = cli_app.build_command(demo_project_path, 8600, True)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"


# -- item 7: a line without line breaks ---------------------------------------------------------
def test_csv_line_without_line_breaks_says_so(demo_project_path, tmp_path):
    project = tmp_path / "p.gpkg"
    shutil.copyfile(demo_project_path, project)
    path = tmp_path / "long.csv"
    with open(path, "w") as fh:
        fh.write("name,lon,lat\n")
        fh.write("x" * 100_000_000)
    done = _cli("import", str(project), "facilities", str(path), "--dry-run")
    _refused(done, "第 2 行过长", "line 2 of file long.csv is too long")
    assert "不是数字" not in done.stderr and "not numbers" not in done.stderr
