"""Caches of the app's page layer: reused between reruns, invalidated by a project change.

Library tests (no browser): each cache is called twice with the same key and must not
recompute; a change of the project file (a new :class:`geo_app.app.state.FileKey`) must.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

import folium
import pytest
import streamlit_folium

from geo_app import maps
from geo_app.app import map_component as map_component
from geo_app.app import state as state
from geo_app.app.pages import reports
from geo_app.project import Project


@pytest.fixture
def project_file(tmp_path) -> Path:
    """A file standing for a project: caches key on its path, modification time and size."""
    path = tmp_path / "p.gpkg"
    path.write_bytes(b"version 1")
    return path


def _changed(path: Path) -> None:
    """Save a change to ``path`` (as an import or a saved scenario does)."""
    path.write_bytes(b"version 2, longer")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def _small_map() -> folium.Map:
    m = folium.Map(location=(45.75, 126.63), zoom_start=12, tiles=None)
    folium.GeoJson(
        {
            "type": "Feature",
            "properties": {"name": "社区"},
            "geometry": {"type": "Point", "coordinates": [126.63, 45.75]},
        },
        name="communities",
    ).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_rendered_map_is_built_once_per_project_version(project_file):
    map_component._page_map.clear()
    calls = []

    def build() -> folium.Map:
        calls.append(1)
        return _small_map()

    key = state.file_key(project_file)
    first = map_component.rendered(("explorer", key, "zh"), build)
    second = map_component.rendered(("explorer", key, "zh"), build)
    assert len(calls) == 1
    assert second is first
    assert "126.63" in first.script

    map_component.rendered(("explorer", key, "en"), build)  # another language: its own map
    assert len(calls) == 2
    _changed(project_file)
    new_key = state.file_key(project_file)
    assert new_key != key
    map_component.rendered(("explorer", new_key, "zh"), build)
    assert len(calls) == 3


def _explorer_map(path: Path) -> folium.Map:
    project = Project.open(path)
    names = [n for n in maps.MAP_LAYERS if n in project.layers()]
    layers = {n: project.layer(n) for n in names}
    views = maps.prepare_layers(layers, "zh", (), maps.DEFAULT_MAX_FEATURES)
    return maps.build_map(views, lang="zh", basemap="none", assets="leaflet")


@pytest.mark.parametrize("which", ["small", "demo explorer"])
def test_cached_map_gives_the_component_what_st_folium_gives(which, monkeypatch, request):
    """The cached path draws the same map as ``st_folium`` of the installed version."""
    sent: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.append(kw))
    if which == "small":
        original = _small_map()
    else:
        original = _explorer_map(request.getfixturevalue("demo_project_path"))
    twin = copy.deepcopy(original)  # same element ids, so the output can be compared
    streamlit_folium.st_folium(
        original, height=520, use_container_width=True, returned_objects=[], key="m"
    )
    map_component.show(map_component.render_map(twin), height=520, key="m")
    assert len(sent) == 2
    expected, ours = ({k: v for k, v in kw.items() if k != "on_change"} for kw in sent)
    assert ours == expected


class _Context:
    generated = "2026-01-01 08:00"


def test_report_context_and_file_are_built_once_per_project_version(project_file, monkeypatch):
    reports._built_reports.clear()
    built, rendered = [], []

    def fake_context(project, district, **kwargs):
        built.append(district)
        return _Context()

    monkeypatch.setattr(reports.state, "open_project", lambda key: key)
    monkeypatch.setattr(reports.caches, "compliance", lambda key: reports.caches.ComplianceData())
    monkeypatch.setattr(reports, "build_report_context", fake_context)
    monkeypatch.setattr(reports, "report_bytes", lambda c, fmt: rendered.append(fmt) or b"x")
    key = state.file_key(project_file)
    request = reports.Request("230104", "", "html", "zh")

    for _ in range(2):
        context = reports.report_context(key, "230104", "", "zh", progress=print)
        assert reports.rendered_report(key, request, context) == b"x"
    assert built == ["230104"]
    assert rendered == ["html"]
    pdf = reports.Request("230104", "", "pdf", "zh")
    reports.rendered_report(key, pdf, reports.report_context(key, "230104", "", "zh"))
    assert built == ["230104"]  # another format of the same report: rendered, not rebuilt
    assert rendered == ["html", "pdf"]

    _changed(project_file)
    new_key = state.file_key(project_file)
    context = reports.report_context(new_key, "230104", "", "zh")
    reports.rendered_report(new_key, request, context)
    assert built == ["230104", "230104"]
    assert rendered == ["html", "pdf", "html"]


def test_report_cache_expires(project_file, monkeypatch):
    reports._built_reports.clear()
    built = []
    monkeypatch.setattr(reports.state, "open_project", lambda key: key)
    monkeypatch.setattr(reports.caches, "compliance", lambda key: reports.caches.ComplianceData())
    monkeypatch.setattr(
        reports, "build_report_context", lambda p, d, **kw: built.append(d) or _Context()
    )
    key = state.file_key(project_file)
    reports.report_context(key, "230104", "", "zh")
    monkeypatch.setattr(reports, "CACHE_TTL_S", -1)
    reports.report_context(key, "230104", "", "zh")
    assert built == ["230104", "230104"]


def test_database_data_version_is_asked_once_per_page_run(monkeypatch, pg_cluster):
    """On the test cluster's pushed demo: the real store, its calls counted."""
    from geo_app.project.postgis.store import PostGISStore

    asked: list[tuple] = []
    real = PostGISStore.data_version

    def counted(self):
        asked.append(real(self))
        return asked[-1]

    monkeypatch.setattr(PostGISStore, "data_version", counted)
    state._database_key.clear()
    url = pg_cluster.url(project="platform")
    keys = [state.file_key(url) for _ in range(5)]  # one page run reads several layers
    assert len(asked) == 1
    assert keys[0] == state.FileKey(url, asked[0][0], -1)

    time.sleep(state.DATA_VERSION_TTL_S + 0.1)  # the next page run asks again
    assert state.file_key(url) == state.FileKey(url, asked[-1][0], -1)
    assert len(asked) == 2
