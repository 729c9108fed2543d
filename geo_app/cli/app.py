"""``geo-app app [PROJECT.gpkg] [--port N] [--address HOST]``: serve the Streamlit app.

Runs ``streamlit run streamlit_app.py`` with the project passed in the environment variable
``GEO_APP_PROJECT`` and Streamlit's usage statistics switched off (the app works offline).
The app listens on 127.0.0.1 (this computer only) unless ``--address`` names another
interface, which is allowed for a shared database project only (its pages ask for a sign-in;
a GeoPackage has no accounts). Stopping the command (Ctrl+C, SIGTERM, SIGHUP, or its parent
dying) stops Streamlit with it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ipaddress
import os
import signal
import subprocess
import sys
from pathlib import Path

from geo_app.cli import CommandError
from geo_app.project import Project, is_database_url
from geo_app.project.paths import DEFAULT_PROJECT, ENV_PROJECT, REPO_ROOT
from geo_app.project.postgis.store import split_url

ENTRY_POINT = REPO_ROOT / "streamlit_app.py"
DEFAULT_PORT = 8501
DEFAULT_ADDRESS = "127.0.0.1"
"""Where the app listens unless told: this computer only."""
STOP_WAIT_S = 10.0
"""How long Streamlit may take to stop before it is killed."""

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
        "--address",
        default=DEFAULT_ADDRESS,
        help="监听地址(默认 127.0.0.1,仅本机);其他地址只用于需登录的共享数据库项目 / "
        "address to listen on (default 127.0.0.1, this computer only); other addresses only "
        "for a shared database project, whose pages ask for a sign-in",
    )
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


def is_loopback(address: str) -> bool:
    """Whether ``address`` (an IP or ``localhost``) is this computer only."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:
        return False


def check_address(project: Path | str, address: str) -> str:
    """``address`` if the app may listen there: any loopback address, another one only for a
    database project (sign-in); :class:`CommandError` otherwise."""
    if is_loopback(address):
        return address
    if not isinstance(project, str) or not is_database_url(project):
        raise CommandError(
            f"只有需登录的共享数据库项目(postgresql://...)才能对其他计算机开放;GeoPackage 项目"
            f"没有账户,只在本机(127.0.0.1)提供:--address {address} 被拒绝 / only a shared "
            f"database project (postgresql://...), whose pages ask for a sign-in, may be served "
            f"to other computers; a GeoPackage has no accounts and is served on 127.0.0.1 only: "
            f"--address {address} refused"
        )
    return address


def build_command(
    project: Path | str, port: int, headless: bool = False, address: str = DEFAULT_ADDRESS
) -> tuple[list[str], dict]:
    """Command line and environment that serve ``project`` on ``address:port``."""
    if not 0 < port < 65536:
        raise CommandError(f"端口无效:{port} / invalid port: {port}")
    check_address(project, address)
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
        "--server.address",
        address,
        "--server.headless",
        "true" if headless else "false",
    ]
    env = {**os.environ, **STREAMLIT_ENV, ENV_PROJECT: str(project)}
    return command, env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when the ``geo-app app`` process dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve(command: list[str], env: dict) -> int:
    """Run Streamlit until it ends or this process is told to stop; then stop it too."""
    child = subprocess.Popen(
        command,
        env=env,
        cwd=str(REPO_ROOT),
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )

    def stop(signum, _frame) -> None:
        raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return child.wait()
    except (KeyboardInterrupt, SystemExit):
        return _stop(child)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop(child: subprocess.Popen) -> int:
    """Terminate ``child``, kill it after :data:`STOP_WAIT_S`; the exit code of a stop."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    print("已停止 / stopped", file=sys.stderr, flush=True)
    return 130


def run(args: argparse.Namespace) -> int:
    """Serve the app until interrupted; returns Streamlit's exit code."""
    project = resolve_project(args.project)
    command, env = build_command(project, args.port, args.headless, args.address)
    shown = "localhost" if is_loopback(args.address) else args.address
    print(
        f"项目 / project: {project}\n"
        f"地址 / address: http://{shown}:{args.port}\n"
        "按 Ctrl+C 停止 / press Ctrl+C to stop",
        flush=True,
    )
    return serve(command, env)
