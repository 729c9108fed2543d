"""``geo-app app [PROJECT.gpkg] [--port N]``: serve the Streamlit app on a project.

Runs ``streamlit run streamlit_app.py`` with the project passed in the environment variable
``GEO_APP_PROJECT`` and Streamlit's usage statistics switched off (the app works offline).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from geo_app.cli import CommandError
from geo_app.paths import DEFAULT_PROJECT, ENV_PROJECT, REPO_ROOT
from geo_app.postgis.store import split_url
from geo_app.project import Project, is_database_url

ENTRY_POINT = REPO_ROOT / "streamlit_app.py"
DEFAULT_PORT = 8501

STREAMLIT_ENV = {
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    "STREAMLIT_CLIENT_TOOLBAR_MODE": "viewer",
}
"""Streamlit settings: no usage statistics (no network), no source file watching, no
developer menu (planners use the app, they do not deploy it)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``app`` sub-command."""
    parser = subparsers.add_parser(
        "app",
        help="启动浏览器应用 / start the browser app",
        description="在浏览器中打开项目地图与分析页面 / serve the map and analysis pages of a project",
    )
    parser.add_argument(
        "project",
        nargs="?",
        default=None,
        help=f"项目文件 / project GeoPackage (默认 default: ${ENV_PROJECT} or {DEFAULT_PROJECT})",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="端口 / port (default 8501)")
    parser.add_argument(
        "--headless",
        action="store_true",
        help="不自动打开浏览器 / do not open a browser window",
    )
    parser.set_defaults(func=run)


def resolve_project(project: str | None) -> Path | str:
    """The project to serve: the argument, else ``$GEO_APP_PROJECT``, else the demo project.

    A ``postgresql://...?project=NAME`` URL is served as it is (planners sign in in the app).
    Raises ``CommandError`` (zh/en) when the file is missing or not a project.
    """
    value = project or os.environ.get(ENV_PROJECT, "").strip()
    if is_database_url(value):
        split_url(value)  # a clear message when ?project= is missing
        return value
    path = Path(value).expanduser() if value else DEFAULT_PROJECT
    if not path.exists():
        raise CommandError(
            f"项目文件不存在:{path};可先运行 geo-app demo --out {DEFAULT_PROJECT} / "
            f"project file not found: {path}; build one with geo-app demo --out {DEFAULT_PROJECT}"
        )
    Project.open(path)  # raises ProjectError with a planner-readable message
    return path.resolve()


def build_command(project: Path | str, port: int, headless: bool = False) -> tuple[list[str], dict]:
    """Command line and environment that serve ``project`` on ``port``."""
    if not 0 < port < 65536:
        raise CommandError(f"端口无效:{port} / invalid port: {port}")
    if not ENTRY_POINT.exists():
        raise CommandError(
            f"找不到应用入口 {ENTRY_POINT} / app entry point not found: {ENTRY_POINT}"
        )
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ENTRY_POINT),
        "--server.port",
        str(port),
        "--server.headless",
        "true" if headless else "false",
    ]
    env = {**os.environ, **STREAMLIT_ENV, ENV_PROJECT: str(project)}
    return command, env


def run(args: argparse.Namespace) -> int:
    """Serve the app until interrupted; returns Streamlit's exit code."""
    project = resolve_project(args.project)
    command, env = build_command(project, args.port, args.headless)
    print(
        f"项目 / project: {project}\n"
        f"地址 / address: http://localhost:{args.port}\n"
        "按 Ctrl+C 停止 / press Ctrl+C to stop",
        flush=True,
    )
    return subprocess.call(command, env=env, cwd=str(REPO_ROOT))
