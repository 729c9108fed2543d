"""The ``geo-app`` command line.

Each sub-command lives in its own module of this package and exposes
``register(subparsers) -> None``, which adds its parser and sets ``func`` (a callable taking
the parsed ``argparse.Namespace`` and returning an exit code). Errors the planner can fix derive
from :class:`layers.errors.PlannerError` (:class:`CommandError` for bad arguments) and are printed
as one clear message with exit code 2; a missing input file is treated the same way. Any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from layers.errors import PlannerError

__all__ = [
    "COMMAND_MODULES",
    "CommandError",
    "add_as_of_option",
    "add_standard_option",
    "build_parser",
    "main",
]

COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "import_file",
    "import_osm",
    "data_basis",
    "compliance",
    "coverage",
    "site_select",
    "surveillance",
    "compare",
    "assess",
    "report",
    "db",
    "app",
)


class CommandError(PlannerError):
    """An error a planner can fix (bad argument, bad file); printed without a traceback."""


def add_standard_option(parser: argparse.ArgumentParser) -> None:
    """The ``--standard`` option shared by the commands that assess against a standard set."""
    from analysis.standards import available_standards

    parser.add_argument(
        "--standard",
        default=None,
        help=(
            "标准集(默认取项目设置)/ standard set (default: the project's); "
            f"available: {', '.join(available_standards())}"
        ),
    )


def add_as_of_option(parser: argparse.ArgumentParser) -> None:
    """The ``--as-of DATE`` option: assess the communities in force on a date (Art. 7)."""
    from layers.community_changes import parse_date

    parser.add_argument(
        "--as-of",
        type=lambda text: parse_date(text, "--as-of"),
        default=None,
        metavar="YYYY-MM-DD",
        help="按该日有效的社区评估(第七条,默认今天)/ communities in force on this date "
        "(Art. 7; default today)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="geo-app",
        description="哈尔滨社区建设规划工作台 / Harbin community planning workbench",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"geo_app.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"geo_app.cli.{name}":
                continue  # sub-command not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geo-app`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except (PlannerError, FileNotFoundError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
