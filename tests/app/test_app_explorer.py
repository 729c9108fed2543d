"""The explorer page through Streamlit's AppTest, and the ``geo-app app`` command."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

import geo_app.project
import geo_app.project.gpkg
from geo_app.cli import app as cli_app
from geo_app.cli import main
from geo_app.project.paths import ENV_PROJECT

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"


@pytest.fixture
def app(demo_project_path, monkeypatch) -> AppTest:
    """The app on the demo project, after its first run."""
    monkeypatch.setenv(ENV_PROJECT, str(demo_project_path))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    return at.run()


def _summary(at: AppTest) -> dict[str, int]:
    """Layer label -> features after the filter, from the page's layer table."""
    table = at.dataframe[0].value
    return dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))


def test_explorer_opens_in_chinese(app):
    assert not app.exception
    assert [t.value for t in app.title] == ["地图浏览"]
    assert app.radio(key="lang").value == "zh"
    district_filter = app.multiselect(key="explorer_districts")
    assert district_filter.label == "区县筛选"
    assert "道里区" in district_filter.options and len(district_filter.options) == 18
    basemaps = app.selectbox(key="explorer_basemap")
    assert basemaps.options == [
        "离线底图(项目路网、建筑)",
        "OpenStreetMap",
        "天地图(国家地理信息公共服务平台)",
        "高德地图(GCJ-02,叠加图层已偏移对齐)",
        "CartoDB 浅色",
        "无底图",
    ]
    assert basemaps.value == "offline"  # the basemap that works without internet
    assert any("项目名称" in m.value for m in app.sidebar.markdown)
    table = app.dataframe[0].value
    assert "社区/村" in list(table.iloc[:, 0])


def test_language_switch_changes_the_labels(app):
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Map explorer"]
    assert app.multiselect(key="explorer_districts").label == "District filter"
    assert app.selectbox(key="explorer_basemap").label == "Basemap"
    assert "Communities" in _summary(app)
    assert any("Project" in m.value for m in app.sidebar.markdown)


def test_district_filter_limits_the_layers(app, demo_project_path):
    communities = pyogrio.read_dataframe(
        demo_project_path, layer="communities", read_geometry=False
    )
    in_daoli = int((communities["district_code"].astype(str) == "230102").sum())
    assert 0 < in_daoli < len(communities)
    assert _summary(app)["社区/村"] == len(communities)

    app.multiselect(key="explorer_districts").set_value(["230102"]).run()
    assert not app.exception
    summary = _summary(app)
    assert summary["社区/村"] == in_daoli
    assert summary["区县"] == 1
    # the filter survives a language switch
    app.radio(key="lang").set_value("en").run()
    assert app.multiselect(key="explorer_districts").value == ["230102"]
    assert _summary(app)["Communities"] == in_daoli


def _small_project(path: Path) -> Path:
    """A hand-made project: one district, two communities."""
    districts = gpd.GeoDataFrame(
        {"district_code": ["230102"], "name": ["道里区"], "district_class": ["core"]},
        geometry=[box(126.5, 45.7, 126.7, 45.8)],
        crs="EPSG:4326",
    )
    communities = gpd.GeoDataFrame(
        {
            "community_id": ["C1", "C2"],
            "name": ["甲社区", "乙社区"],
            "district_code": ["230102"] * 2,
        },
        geometry=[box(126.55, 45.72, 126.56, 45.73), box(126.6, 45.72, 126.61, 45.73)],
        crs="EPSG:4326",
    )
    project = geo_app.project.Project.create(path)
    project.write_layers({"districts": districts, "communities": communities})
    return path


def test_rerun_does_not_reload_the_project(tmp_path, monkeypatch):
    path = _small_project(tmp_path / "small.gpkg")
    monkeypatch.setenv(ENV_PROJECT, str(path))
    at = AppTest.from_file(str(ENTRY), default_timeout=120).run()
    assert not at.exception
    calls = []
    original = geo_app.project.gpkg.pyogrio.read_dataframe

    def counting(*args, **kwargs):
        calls.append(kwargs.get("layer"))
        return original(*args, **kwargs)

    monkeypatch.setattr(geo_app.project.gpkg.pyogrio, "read_dataframe", counting)
    at.selectbox(key="explorer_basemap").set_value("none").run()
    assert not at.exception
    assert calls == []  # cached: nothing read from the file again
    # a changed file (new modification time) is read again
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    at.run()
    assert not at.exception
    assert "communities" in calls


def test_missing_project_gives_a_bilingual_message(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_PROJECT, str(tmp_path / "nowhere.gpkg"))
    at = AppTest.from_file(str(ENTRY), default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
    assert "项目文件不存在" in message and "project file not found" in message.lower()
    assert "geo-app demo" in message


def test_garbage_project_gives_a_bilingual_message(tmp_path, monkeypatch):
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"\x00garbage, not a GeoPackage" * 10)
    monkeypatch.setenv(ENV_PROJECT, str(bad))
    at = AppTest.from_file(str(ENTRY), default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
    assert "不是 GeoPackage" in message and "not a GeoPackage" in message


def test_project_without_map_layers(tmp_path, monkeypatch):
    path = tmp_path / "empty.gpkg"
    geo_app.project.Project.create(path)
    monkeypatch.setenv(ENV_PROJECT, str(path))
    at = AppTest.from_file(str(ENTRY), default_timeout=60).run()
    assert not at.exception
    assert at.info[0].value == "项目中没有可显示的图层。"


# -- geo-app app -------------------------------------------------------------------------------
def test_cli_app_builds_the_streamlit_command(demo_project_path, tmp_path):
    copy = tmp_path / "p.gpkg"
    shutil.copyfile(demo_project_path, copy)
    project = cli_app.resolve_project(str(copy))
    command, env = cli_app.build_command(project, 8600, headless=True)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert Path(command[4]) == ENTRY
    assert command[command.index("--server.port") + 1] == "8600"
    assert env[ENV_PROJECT] == str(copy.resolve())
    assert env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_cli_app_refuses_a_missing_or_bad_project(tmp_path, capsys):
    assert main(["app", str(tmp_path / "none.gpkg")]) == 2
    assert "项目文件不存在" in capsys.readouterr().err
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a project")
    assert main(["app", str(bad)]) == 2
    assert "not a GeoPackage" in capsys.readouterr().err
    with pytest.raises(cli_app.CommandError, match="port"):
        cli_app.build_command(bad, 70000)


def _page_with_unreadable_layer():
    from geo_app.app.pages import guarded
    from geo_app.project import ProjectError

    def render():
        raise ProjectError("图层无法读取 / layer cannot be read")

    guarded(render)()


def test_page_errors_show_a_message_not_a_traceback():
    at = AppTest.from_function(_page_with_unreadable_layer).run()
    assert not at.exception
    assert at.error[0].value == "图层无法读取 / layer cannot be read"
