"""Project store: layers, settings, scenarios and atomic saving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo_app.project import GeoPackageStore, Project, ProjectError, ProjectSettings


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _points(n: int, name: str = "p") -> gpd.GeoDataFrame:
    rng = np.random.default_rng(n)
    return gpd.GeoDataFrame(
        {"name": [f"{name}{i}" for i in range(n)], "value": np.arange(n, dtype=float)},
        geometry=[Point(126.6 + x, 45.75 + y) for x, y in rng.uniform(0, 0.05, (n, 2))],
        crs="EPSG:4326",
    )


def test_create_open_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "p.gpkg"
    settings = ProjectSettings(name="测试项目", district_classes={"双城区": "outer"})
    project = Project.create(path, settings)
    project.write_layers({"facilities": _points(3), "cameras": _points(2, "c")})

    reopened = Project.open(path)
    assert reopened.settings.name == "测试项目"
    assert reopened.settings.district_classes == {"双城区": "outer"}
    assert reopened.metric_crs == "EPSG:4551"
    assert path.stat().st_mode & 0o777 == 0o666 & ~_current_umask()  # not mkstemp's 0600
    assert sorted(reopened.layers()) == ["cameras", "facilities"]
    facilities = reopened.layer("facilities")
    assert list(facilities["name"]) == ["p0", "p1", "p2"]
    assert facilities.crs.equals("EPSG:4326")


def test_layers_are_reprojected_to_wgs84(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.gpkg")
    metric = _points(2).to_crs("EPSG:4551")
    project.write_layer("facilities", metric)
    back = project.layer("facilities")
    assert back.crs.equals("EPSG:4326")
    assert back.geometry.x.between(126, 127).all()


def test_rewriting_a_layer_replaces_it_and_keeps_others(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.gpkg")
    project.write_layers({"facilities": _points(5), "cameras": _points(4, "c")})
    project.write_layer("facilities", _points(2))
    assert len(project.layer("facilities")) == 2
    assert len(project.layer("cameras")) == 4


def test_settings_save_and_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    project.settings.parameters["heating_price_yuan_m2"] = 40.0
    project.save_settings()
    project.save_scenario("方案一", "hub", {"distance_m": 500}, {"chosen_sites": _points(2)})
    project.save_scenario("方案一", "hub", {"distance_m": 800}, {"chosen_sites": _points(3)})

    reopened = Project.open(path)
    assert reopened.settings.parameters["heating_price_yuan_m2"] == 40.0
    table = reopened.scenarios()
    assert list(table["name"]) == ["方案一"]  # saving again replaces, not duplicates
    assert '"distance_m": 800' in table["parameters"].iloc[0]
    assert len(reopened.scenario_layer("方案一", "chosen_sites")) == 3
    assert reopened.layers() == []  # scenario results are not planning layers


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "p.gpkg"
    Project.create(path)
    with pytest.raises(ProjectError, match="已存在"):
        Project.create(path)
    Project.create(path, overwrite=True)


@pytest.mark.parametrize("content", [b"", b"\x00\xffgarbage bytes" * 10, b"name,lon\nx,1\n"])
def test_open_rejects_files_that_are_not_projects(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.gpkg"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match="GeoPackage"):
        Project.open(path)


def test_open_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="不存在"):
        Project.open(tmp_path / "nope.gpkg")


def test_missing_layer_is_a_clear_error(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.gpkg")
    with pytest.raises(ProjectError, match="没有图层 communities"):
        project.layer("communities")


def test_required_and_optional_layers(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.gpkg")
    with pytest.raises(ProjectError, match="项目缺少图层 streets / the project lacks the layer"):
        project.required_layer("streets")
    assert project.optional_layer("streets") is None
    streets = gpd.GeoDataFrame({"street_code": ["1"]}, geometry=[Point(126.6, 45.7)], crs=4326)
    project.write_layer("streets", streets)
    assert project.required_layer("streets")["street_code"].tolist() == ["1"]
    assert project.optional_layer("streets")["street_code"].tolist() == ["1"]


def test_failed_write_leaves_previous_file_intact(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    project.write_layer("facilities", _points(3))
    before = path.read_bytes()

    calls = {"n": 0}
    original = GeoPackageStore._write_one

    def failing(p, name, frame):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full (simulated)")
        return original(p, name, frame)

    monkeypatch.setattr(GeoPackageStore, "_write_one", staticmethod(failing))
    with pytest.raises(OSError, match="simulated"):
        project.write_layers({"facilities": _points(10), "cameras": _points(4)})

    assert path.read_bytes() == before
    # no temporary file left (the lock file stays: an empty file the OS locks, see project.py)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".p.gpkg.lock", "p.gpkg"]
    assert len(Project.open(path).layer("facilities")) == 3


_WRITER = textwrap.dedent(
    """
    import sys
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point
    from geo_app.project import Project

    project = Project.open(sys.argv[1])
    n = 200_000
    big = gpd.GeoDataFrame(
        {"name": ["x"] * n, "value": np.arange(n, dtype=float)},
        geometry=[Point(126.6, 45.7)] * n,
        crs="EPSG:4326",
    )
    print("ready", flush=True)
    while True:
        project.write_layer("facilities", big)
    """
)


def test_killed_save_leaves_a_readable_project(tmp_path: Path) -> None:
    """SIGKILL a process in the middle of saving: the file is the old or the new version."""
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    project.write_layer("facilities", _points(3))

    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.5)  # well inside one of the repeated saves
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    reopened = Project.open(path)
    assert len(reopened.layer("facilities")) in (3, 200_000)
    assert reopened.settings.name == ProjectSettings().name


def test_non_spatial_table_round_trip(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p.gpkg")
    table = pd.DataFrame({"community_id": ["a", "b"], "covered_share": [0.5, 1.0]})
    project.write_layer("coverage_table", table)
    back = project.layer("coverage_table")
    assert not isinstance(back, gpd.GeoDataFrame)
    assert back["covered_share"].tolist() == [0.5, 1.0]


def test_layers_and_settings_in_one_write(tmp_path: Path) -> None:
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    project.settings.parameters["imports"] = [{"layer": "facilities", "rows": 3}]
    project.write_layers({"facilities": _points(3)}, with_settings=True)
    reopened = Project.open(path)
    assert reopened.settings.parameters["imports"][0]["rows"] == 3
    assert len(reopened.layer("facilities")) == 3
