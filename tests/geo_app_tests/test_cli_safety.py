"""Probing bugs: outputs over a project, concurrent imports, zip member paths, formulas in
exports and folders where files are expected (each case failed before it was fixed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest

from geo_app.cli import main
from geo_app.present.spreadsheets import neutralise_cell, neutralise_frame
from geo_app.project import Project
from geo_app.workflows import read_upload
from layers.io import LayerFileError, read_vector_file

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def project(tmp_path: Path, demo_project_path: Path) -> Path:
    """A copy of the demo project that a test may change."""
    path = tmp_path / "P.gpkg"
    shutil.copyfile(demo_project_path, path)
    return path


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- 1. an output written over the project --------------------------------------------------

OUTPUT_COMMANDS = {
    "report": ["report", "{p}", "--district", "道外区", "--format", "html", "--out", "{o}"],
    "site-select": ["site-select", "{p}", "--model", "hub", "--district", "道外区", "--out", "{o}"],
    "isochrones": ["isochrones", "{p}", "--facility-kind", "community_station", "--out", "{o}"],
    "coverage": [
        "coverage",
        "{p}",
        "--facility-kind",
        "community_station",
        "--distance",
        "500",
        "--out",
        "{o}",
    ],
    "surveillance": ["surveillance", "{p}", "--district", "道外区", "--out", "{o}"],
    "compare": ["compare", "{p}", "--districts", "道里区", "南岗区", "--out", "{o}"],
    "compliance": ["compliance", "{p}", "--out", "{o}"],
}


def _argv(command: str, project: Path, out: Path) -> list[str]:
    return [a.format(p=project, o=out) for a in OUTPUT_COMMANDS[command]]


@pytest.mark.parametrize("command", ["report", "site-select", "isochrones", "surveillance"])
def test_output_over_the_input_project_is_refused(capsys, project: Path, command: str) -> None:
    before = project.read_bytes()
    code, text = _run(capsys, *_argv(command, project, project))
    assert code == 2
    assert "输入项目" in text and "input project" in text
    assert "communities" in text  # says what would be lost
    assert project.read_bytes() == before


def test_input_project_is_never_overwritten_even_with_the_flag(capsys, project: Path) -> None:
    before = project.read_bytes()
    argv = [*_argv("report", project, project), "--overwrite-project"]
    code, _ = _run(capsys, *argv)
    assert code == 2
    assert project.read_bytes() == before


def test_output_over_the_same_project_by_another_path_is_refused(capsys, project: Path) -> None:
    other_name = project.parent / "sub" / ".." / project.name
    (project.parent / "sub").mkdir()
    code, _ = _run(capsys, *_argv("isochrones", project, other_name))
    assert code == 2
    assert "communities" in Project.open(project).layers()


def test_output_over_another_project_needs_the_flag(capsys, project: Path) -> None:
    other = project.parent / "Q.gpkg"
    shutil.copyfile(project, other)
    before = other.read_bytes()
    code, text = _run(capsys, *_argv("isochrones", project, other))
    assert code == 2
    assert "--overwrite-project" in text and "communities" in text
    assert other.read_bytes() == before
    code, _ = _run(capsys, *_argv("isochrones", project, other), "--overwrite-project")
    assert code == 0
    assert [str(n) for n, _ in pyogrio.list_layers(other)] == ["isochrones"]


def test_output_over_an_ordinary_file_is_allowed(capsys, project: Path) -> None:
    out = project.parent / "old.gpkg"
    out.write_bytes(b"")  # an earlier, non-project result
    code, _ = _run(capsys, *_argv("isochrones", project, out))
    assert code == 0


# -- 2. two imports at once -------------------------------------------------------------------


def _export_rows(project: Path, layer: str, n: int, out: Path) -> Path:
    frame = Project.open(project).layer(layer).iloc[:n]
    frame.to_file(out, driver="GeoJSON")
    return out


def test_two_concurrent_cli_imports_both_land(tmp_path: Path, project: Path) -> None:
    """``import facilities & import boiler_rooms & wait``: lost one of them in 2 of 5 runs."""
    facilities = _export_rows(project, "facilities", 11, tmp_path / "a.geojson")
    boilers = _export_rows(project, "boiler_rooms", 7, tmp_path / "b.geojson")
    cli = [str(Path(sys.executable).parent / "geo-app"), "import", str(project)]
    for _ in range(3):
        procs = [
            subprocess.Popen([*cli, "facilities", str(facilities)], stdout=subprocess.DEVNULL),
            subprocess.Popen([*cli, "boiler_rooms", str(boilers)], stdout=subprocess.DEVNULL),
        ]
        assert [p.wait(timeout=300) for p in procs] == [0, 0]
        reopened = Project.open(project)
        assert len(reopened.layer("facilities")) == 11
        assert len(reopened.layer("boiler_rooms")) == 7
        # back to one row each, so that a lost import in the next round shows
        reopened.write_layers(
            {name: reopened.layer(name).iloc[:1] for name in ("facilities", "boiler_rooms")}
        )
    log = Project.open(project).settings.parameters["imports"]
    assert sorted(entry["layer"] for entry in log[-6:]) == ["boiler_rooms"] * 3 + ["facilities"] * 3


# -- 3. zip members that name files of the server ------------------------------------------------


@pytest.fixture
def server_file(tmp_path: Path) -> Path:
    secret = tmp_path / "server" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("name,lon,lat\nSERVER-ROW,126.62,45.76\n", encoding="utf-8")
    return secret


def _zip_with_member(path: Path, member: str) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, "name,lon,lat\nDECOY,126.6,45.7\n")
    return path


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "backslash"])
def test_zip_member_outside_the_folder_is_refused(tmp_path: Path, server_file: Path, kind) -> None:
    member = {
        "absolute": str(server_file),
        "dotdot": "../" * 12 + str(server_file).lstrip("/"),
        "backslash": "..\\" * 12 + str(server_file).lstrip("/").replace("/", "\\"),
    }[kind]
    archive = _zip_with_member(tmp_path / "upload.zip", member)
    with pytest.raises(LayerFileError, match="绝对路径") as info:
        read_vector_file(archive)
    assert "absolute path" in str(info.value)
    # the Data page's upload path
    with pytest.raises(LayerFileError):
        read_upload({"upload.zip": archive.read_bytes()}, "facilities")


def test_cli_import_of_a_crafted_zip_leaves_the_project(
    capsys, tmp_path: Path, project: Path
) -> None:
    """The server file is a valid facilities table: before the fix its rows were imported."""
    facility = Project.open(project).layer("facilities").iloc[:1]
    server_file = tmp_path / "server" / "stations.csv"
    server_file.parent.mkdir()
    table = facility.drop(columns="geometry").assign(
        name="SERVER-ROW", lon=facility.geometry.x, lat=facility.geometry.y
    )
    table.to_csv(server_file, index=False)
    archive = _zip_with_member(tmp_path / "upload.zip", str(server_file))
    before = project.read_bytes()
    code, text = _run(capsys, "import", project, "facilities", archive)
    assert code == 2
    assert "SERVER-ROW" not in text
    assert project.read_bytes() == before


def test_zip_with_a_data_folder_still_reads(tmp_path: Path) -> None:
    archive = tmp_path / "ok.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data/points.csv", "name,lon,lat\nA,126.6,45.7\nB,126.7,45.8\n")
    frame = read_vector_file(archive)
    assert frame["name"].tolist() == ["A", "B"]


# -- 4. formulas in exports -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FORMULA, "'" + FORMULA),
        ("+1+2", "'+1+2"),
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-2.5", "-2.5"),
        ("+86", "+86"),
        ("道里区", "道里区"),
        (-2.5, -2.5),
        (None, None),
    ],
)
def test_neutralise_cell(value, expected) -> None:
    assert neutralise_cell(value) == expected


def test_neutralise_frame_keeps_numbers_and_treats_headers() -> None:
    frame = pd.DataFrame({"name": [FORMULA, "ok"], "shortfall": [-2.5, 3.0], "=x": ["a", "b"]})
    out = neutralise_frame(frame)
    assert out["name"].tolist() == ["'" + FORMULA, "ok"]
    assert out["shortfall"].tolist() == [-2.5, 3.0]
    assert list(out.columns) == ["name", "shortfall", "'=x"]
    assert frame["name"].iloc[0] == FORMULA  # the input is not changed


def _rename_first_community(project: Path, name: str) -> str:
    p = Project.open(project)
    communities = p.layer("communities")
    communities.loc[communities.index[0], "name"] = name
    p.write_layer("communities", communities)
    return str(communities["community_id"].iloc[0])


def test_compliance_exports_hold_no_live_formula(capsys, tmp_path: Path, project: Path) -> None:
    _rename_first_community(project, FORMULA)
    xlsx, csv = tmp_path / "c.xlsx", tmp_path / "c.csv"
    assert _run(capsys, "compliance", project, "--out", xlsx)[0] == 0
    assert _run(capsys, "compliance", project, "--out", csv)[0] == 0
    book = openpyxl.load_workbook(xlsx)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "live formula cells"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + FORMULA in texts
    assert {v for v in texts if v.startswith("'")} == {"'" + FORMULA}  # nothing else prefixed
    assert sum(c.data_type == "n" and c.value is not None for c in cells) > 1000  # numbers stay
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert not any(cell.startswith("=") for line in lines for cell in line.split(","))
    assert any("'=HYPERLINK" in line for line in lines)


def test_compare_xlsx_headers_hold_no_live_formula(capsys, tmp_path: Path, project: Path) -> None:
    p = Project.open(project)
    districts = p.layer("districts")
    row = districts.index[districts["name"] == "道里区"][0]
    districts.loc[row, "name"] = "=1+1"
    p.write_layer("districts", districts)
    out = tmp_path / "compare.xlsx"
    code, _ = _run(
        capsys,
        "compare",
        project,
        "--districts",
        str(districts.loc[row, "district_code"]),
        "南岗区",
        "--no-surveillance",
        "--out",
        out,
    )
    assert code == 0
    book = openpyxl.load_workbook(out)
    cells = [c for ws in book.worksheets for row_ in ws.iter_rows() for c in row_]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'=1+1" in [c.value for c in cells]


# -- 5. a folder where a file is expected -------------------------------------------------------


def test_folder_as_project_is_exit_2(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "folder.gpkg"
    folder.mkdir()
    code, text = _run(capsys, "compliance", folder, "--out", tmp_path / "x.csv")
    assert code == 2
    assert "folder" in text


@pytest.mark.parametrize("command", ["report", "coverage", "site-select"])
def test_folder_as_output_is_exit_2_before_any_work(capsys, project: Path, command) -> None:
    folder = project.parent / "out.gpkg"
    folder.mkdir()
    code, text = _run(capsys, *_argv(command, project, folder))
    assert code == 2
    assert "文件夹" in text and "folder" in text
    assert "[" not in text  # refused before the first progress line


def test_output_below_a_file_is_exit_2(capsys, project: Path) -> None:
    blocker = project.parent / "plain.txt"
    blocker.write_text("x")
    code, text = _run(capsys, *_argv("compliance", project, blocker / "c.csv"))
    assert code == 2
    assert "not a folder" in text
