"""Checks of a command's ``--out`` path, made before any work starts.

No command writes its output over the project it reads, nor over another project GeoPackage
unless ``--overwrite-project`` is given; a folder where a file is expected is refused with a
clear message instead of a traceback after minutes of computing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from geo_app.cli import CommandError
from geo_app.project import SETTINGS_TABLE, Project, ProjectError

MAX_LISTED_LAYERS = 12


def add_overwrite_project_option(parser: argparse.ArgumentParser) -> None:
    """The ``--overwrite-project`` flag of commands that write an output file."""
    parser.add_argument(
        "--overwrite-project",
        action="store_true",
        help="允许输出覆盖另一个项目文件(输入项目本身永不覆盖)/ allow the output to replace "
        "another project GeoPackage (never the input project)",
    )


def is_project_file(path: Path) -> bool:
    """Whether ``path`` is a GeoPackage with the project settings table (a workbench project)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return False
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except (OSError, sqlite3.Error):
        return False
    try:
        row = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SETTINGS_TABLE,)
        ).fetchone()
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return row is not None


def _layers_text(path: Path, sep: str) -> str:
    """The project's layers, for the message that says what would be lost."""
    with contextlib.suppress(ProjectError):
        names = Project.open(path).layers()
        shown = sep.join(names[:MAX_LISTED_LAYERS]) or "-"
        more = len(names) - MAX_LISTED_LAYERS
        return shown + (f" … (+{more})" if more > 0 else "")
    return "-"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _check_folder(out: Path) -> None:
    if out.is_dir():
        raise CommandError(
            f"输出路径 {out} 是一个文件夹,请给出文件名 / the output {out} is a folder; "
            "give a file name"
        )
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise CommandError(
                    f"无法写出 {out}:{parent} 是文件而不是文件夹 / cannot write {out}: "
                    f"{parent} is a file, not a folder"
                )
            break


def check_output(
    out: str | os.PathLike,
    *,
    projects: Sequence[str | os.PathLike] = (),
    overwrite_project: bool = False,
) -> Path:
    """Refuse an output path that is a folder, the input project, or another project.

    Parameters
    ----------
    out : path
        The ``--out`` path.
    projects : paths
        The projects the command reads; the output may never replace one of them.
    overwrite_project : bool
        Whether an existing project GeoPackage (not an input) may be replaced.

    Returns
    -------
    Path
        ``out`` as a path.
    """
    out = Path(out)
    _check_folder(out)
    if not out.exists():
        return out
    for project in map(Path, projects):
        if project.exists() and _same_file(out, project):
            raise CommandError(
                f"输出文件 {out} 就是输入项目,写出会毁掉项目中的图层({_layers_text(out, '、')});"
                "请换一个输出文件名 / the output is the input project itself: writing it would "
                f"destroy the project's layers ({_layers_text(out, ', ')}); choose another output file"
            )
    if is_project_file(out) and not overwrite_project:
        raise CommandError(
            f"输出文件 {out} 是一个项目,写出会使其图层丢失({_layers_text(out, '、')});请换一个文件名,"
            "或加 --overwrite-project 确认覆盖 / the output file is a project: writing it would "
            f"lose its layers ({_layers_text(out, ', ')}); choose another file name, or add "
            "--overwrite-project to replace it"
        )
    return out
