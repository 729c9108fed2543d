"""Maps kept on disk between server starts (geo_app.app.map_store), and the explorer using them.

A "server start" is the memory cache emptied (``_page_map.clear()``): the map must then come
from the store without being built, identical; a new project version, a database project, a
Tianditu map, a damaged or unwritable store must never give a stale or foreign map.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import folium
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo_app.app import map_component, map_store, state
from geo_app.project.paths import ENV_PROJECT

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    """An empty map store of this test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(map_store.CACHE_ENV, str(folder))
    map_component._page_map.clear()
    yield folder / "maps"
    map_component._page_map.clear()


@pytest.fixture
def project_file(tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    path.write_bytes(b"version 1")
    return path


def _builder(calls: list[int], name: str = "社区 <b>一</b>"):
    def build() -> tuple[folium.Map, dict]:
        calls.append(1)
        m = folium.Map(location=(45.75, 126.63), zoom_start=12, tiles=None)
        folium.GeoJson(
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "Point", "coordinates": [126.63, 45.75]},
            }
        ).add_to(m)
        return m, {"captions": ["图层已截断"], "box": (126.6, 45.7, 126.7, 45.8)}

    return build


def test_a_map_is_built_once_and_read_back_after_a_restart(store, project_file):
    calls: list[int] = []
    key = ("explorer", state.file_key(project_file), "zh", (), 2000, None, "offline")
    first = map_component.page_map(key, _builder(calls))
    assert len(calls) == 1 and len(list(store.glob("*.json"))) == 1
    map_component._page_map.clear()  # the server restarts
    again = map_component.page_map(key, _builder(calls))
    assert len(calls) == 1  # read from the store, not built
    assert again == first
    assert again.extras == {"captions": ["图层已截断"], "box": [126.6, 45.7, 126.7, 45.8]}
    assert "126.63" in again.rendered.script


def test_a_new_project_version_or_language_builds_a_new_map(store, project_file):
    calls: list[int] = []
    key = ("explorer", state.file_key(project_file), "zh")
    map_component.page_map(key, _builder(calls))
    map_component.page_map(("explorer", state.file_key(project_file), "en"), _builder(calls))
    project_file.write_bytes(b"version 2, longer")
    stat = project_file.stat()
    os.utime(project_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    map_component._page_map.clear()
    map_component.page_map(("explorer", state.file_key(project_file), "zh"), _builder(calls))
    assert len(calls) == 3


@pytest.mark.parametrize(
    "key",
    [
        ("explorer", "postgresql://daoli@127.0.0.1:5432/geo?project=p", "zh"),
        ("explorer", "p.gpkg", "zh", "tianditu"),
        ("explorer", b"bytes"),
    ],
    ids=["database project", "tianditu key", "not plain"],
)
def test_maps_that_must_not_be_kept_stay_in_memory(store, key):
    calls: list[int] = []
    map_component.page_map(key, _builder(calls))
    map_component._page_map.clear()
    map_component.page_map(key, _builder(calls))
    assert len(calls) == 2
    assert not store.exists() or not list(store.glob("*.json"))


def test_a_damaged_store_file_is_rebuilt(store, project_file):
    calls: list[int] = []
    key = ("explorer", state.file_key(project_file))
    map_component.page_map(key, _builder(calls))
    (stored,) = store.glob("*.json")
    stored.write_text('{"key": "truncated', encoding="utf-8")
    map_component._page_map.clear()
    page = map_component.page_map(key, _builder(calls))
    assert len(calls) == 2 and "126.63" in page.rendered.script
    assert json.loads(stored.read_text(encoding="utf-8"))["key"] == map_store.key_text(key)


def test_an_unwritable_store_only_costs_the_rebuild(tmp_path, monkeypatch, project_file):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    monkeypatch.setenv(map_store.CACHE_ENV, str(blocker))  # maps/ cannot be created under it
    map_component._page_map.clear()
    calls: list[int] = []
    key = ("explorer", state.file_key(project_file))
    page = map_component.page_map(key, _builder(calls))
    map_component._page_map.clear()
    again = map_component.page_map(key, _builder(calls))
    assert len(calls) == 2 and again == page


def test_the_store_keeps_its_bounds(store, project_file, monkeypatch):
    monkeypatch.setattr(map_store, "MAX_FILES", 3)
    calls: list[int] = []
    for i in range(6):
        map_component.page_map(("explorer", state.file_key(project_file), i), _builder(calls))
    assert len(list(store.glob("*.json"))) == 3


def test_names_stay_literal_through_the_store(store, project_file):
    calls: list[int] = []
    name = "{{ 7*7 }} <script>alert(1)</script>"
    key = ("explorer", state.file_key(project_file), "payload")
    map_component.page_map(key, _builder(calls, name))
    map_component._page_map.clear()
    script = map_component.page_map(key, _builder(calls, name)).rendered.script
    assert len(calls) == 1
    assert "{{ 7*7 }}" in script  # kept as typed, never evaluated
    assert "<script>alert(1)</script>" not in script  # escaped JSON, as when first rendered


def _explorer(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ENV_PROJECT, str(path))
    at = AppTest.from_file(str(ENTRY), default_timeout=300)
    at._page_hash = calc_hash("explorer")
    return at.run()


def test_the_explorer_after_a_restart_shows_the_same_page(
    store, demo_project_path, tmp_path, monkeypatch
):
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_project_path, path)
    prepared: list[str] = []
    real = state.map_views

    def counted(*args, **kwargs):
        prepared.append("views")
        return real(*args, **kwargs)

    monkeypatch.setattr(state, "map_views", counted)
    first = _explorer(path, monkeypatch)
    assert not first.exception and prepared == ["views"]
    assert len(list(store.glob("*.json"))) == 1
    map_component._page_map.clear()  # the server restarts
    again = _explorer(path, monkeypatch)
    assert not again.exception
    assert prepared == ["views"]  # the map and its texts came from the store
    assert [c.value for c in again.caption] == [c.value for c in first.caption]
    assert again.expander[-1].dataframe[0].value.equals(first.expander[-1].dataframe[0].value)
