"""What the GeoPackage store reads once per file version, and that a new version is seen."""

from __future__ import annotations

import shutil
import subprocess
import sys

import geopandas as gpd
import pyogrio
from shapely.geometry import Point

from geo_app.project import Project
from geo_app.project import gpkg as gpkg_module


def _counting(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = pyogrio.list_layers

    def counted(path, *args, **kwargs):
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(gpkg_module.pyogrio, "list_layers", counted)
    return calls


def test_layers_and_settings_are_read_once_per_version(demo_project_path, tmp_path, monkeypatch):
    path = tmp_path / "p.gpkg"
    shutil.copyfile(demo_project_path, path)
    calls = _counting(monkeypatch)
    first = Project.open(path)
    for name in ("communities", "facilities", "streets"):
        first.layer(name)
    again = Project.open(path)
    assert again.settings == first.settings
    assert len(calls) == 1  # one listing of the file for two opens and three layers


def test_a_save_by_this_process_is_seen(demo_project_path, tmp_path, monkeypatch):
    path = tmp_path / "p.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    assert "extra" not in project.store.list_layers()
    extra = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(126.6, 45.7)], crs=4326)
    project.store.write_layers({"extra": extra})
    assert "extra" in Project.open(path).store.list_layers()
    settings = project.settings.to_dict()
    settings["name"] = "改名后的项目"
    project.store.write_settings(settings)
    assert Project.open(path).settings.name == "改名后的项目"


def test_a_save_by_another_process_is_seen(demo_project_path, tmp_path):
    path = tmp_path / "p.gpkg"
    shutil.copyfile(demo_project_path, path)
    store = Project.open(path).store
    assert "extra" not in store.list_layers()
    code = (
        "import sys, geopandas as gpd; from shapely.geometry import Point;"
        "from geo_app.project import Project;"
        "p = Project.open(sys.argv[1]);"
        "p.store.write_layers({'extra': gpd.GeoDataFrame({'n': [1]}, "
        "geometry=[Point(126.6, 45.7)], crs=4326)})"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    assert "extra" in store.list_layers()
    assert len(store.read_layer("extra")) == 1
