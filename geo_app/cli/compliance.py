"""``geo-app compliance PROJECT.gpkg --out FILE [--standard NAME]``: which communities are below
the standard, by how much and under which article (Art. 8, 11, 12, 13, 32, 33, 36).

Writes one row per community to CSV (UTF-8 with BOM, opens in Excel) or, for ``.xlsx``, a workbook
whose first sheet is that table followed by street and district summaries, stations, street
centres, villages, the issue list, the Art. 33 and Art. 32 budgets and the rules used.
The project-level functions it calls live in :mod:`geo_app.workflows`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.budgets import HeatingCosts, StarRewards
from analysis.compliance import ComplianceInputError, ComplianceResult
from geo_app.cli import CommandError, add_as_of_option, add_standard_option
from geo_app.cli._outputs import add_overwrite_project_option, check_output
from geo_app.present import COMPLIANCE_SHEET_NAMES, write_compliance
from geo_app.present.export_language import add_export_options, export_lang
from geo_app.project import Project
from geo_app.workflows import project_budgets, project_compliance, project_standard

SHEET_NAMES: dict[str, str] = COMPLIANCE_SHEET_NAMES
"""Workbook sheet of each table (shared with the app page, see :mod:`geo_app.workflows`)."""

MAX_PRINTED_PROBLEMS = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compliance`` sub-command."""
    parser = subparsers.add_parser(
        "compliance",
        help="社区用房达标评估 / compliance of every community (Art. 8, 11, 12, 36)",
        description=(
            "评估每个社区的公益用房、服务站功能用房、街道中心和农村社区服务站是否达标,"
            "输出 CSV 或 XLSX / assess every community against the standard set and write CSV "
            "or XLSX"
        ),
    )
    parser.add_argument("project", help="项目文件 / project GeoPackage")
    parser.add_argument(
        "--out", required=True, help="输出文件 .csv 或 .xlsx / output file (.csv or .xlsx)"
    )
    add_standard_option(parser)
    add_overwrite_project_option(parser)
    add_as_of_option(parser)
    parser.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="摘要和表格语言 / language"
    )
    add_export_options(parser)
    parser.set_defaults(func=run)


def _print_problems(exc: ComplianceInputError, lang: str) -> None:
    column = "message_zh" if lang == "zh" else "message_en"
    for message in exc.problems[column].head(MAX_PRINTED_PROBLEMS):
        print(f"  - {message}", file=sys.stderr)
    extra = len(exc.problems) - MAX_PRINTED_PROBLEMS
    if extra > 0:
        print(f"  …另有 {extra} 条 / {extra} more", file=sys.stderr)


def write_result(
    result: ComplianceResult,
    out: Path,
    *,
    stars: StarRewards | None = None,
    heating: HeatingCosts | None = None,
    lang: str | None = None,
) -> None:
    """Write the per-community table to CSV, or all tables to an XLSX workbook.

    The writer is :func:`geo_app.present.write_compliance`, shared with the app's download
    buttons; ``lang`` "zh"/"en" localizes headers and codes, None/"raw" is machine-readable.
    """
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CommandError(
            f"输出文件应为 .csv 或 .xlsx:{out} / the output must end in .csv or .xlsx: {out}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_compliance(result, out, suffix[1:], stars=stars, heating=heating, lang=lang)


def run(args: argparse.Namespace) -> int:
    """Run the compliance analysis of a project and write the table."""
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise CommandError(
            f"输出文件应为 .csv 或 .xlsx:{out} / the output must end in .csv or .xlsx: {out}"
        )
    check_output(out, projects=[args.project], overwrite_project=args.overwrite_project)
    project = Project.open(args.project)
    project.as_of = args.as_of
    std = project_standard(project, args.standard)
    try:
        result = project_compliance(project, std)
    except ComplianceInputError as exc:
        _print_problems(exc, args.lang)
        raise CommandError(
            f"输入数据有 {len(exc.problems)} 处问题,请先修正 / "
            f"the input layers have {len(exc.problems)} problem(s); fix them first"
        ) from exc
    stars = heating = None
    if out.suffix.lower() == ".xlsx":
        try:
            stars, heating = project_budgets(project, std)
        except ComplianceInputError as exc:
            print(
                "预算表未输出,输入数据有问题 / budget sheets skipped, input problems:",
                file=sys.stderr,
            )
            _print_problems(exc, args.lang)
    lang = export_lang(args.lang, args.machine_readable)
    write_result(result, out, stars=stars, heating=heating, lang=lang)
    print(result.summary_text(args.lang))
    if args.lang == "zh":
        print(f"已写出 {len(result.communities)} 个社区到 {out}")
    else:
        print(f"wrote {len(result.communities)} communities to {out}")
    return 0
