"""``geo-app compare PROJECT.gpkg --districts 道里区 南岗区 [...] --out FILE [--lang zh|en]
[--standard NAME]``: district metrics side by side (Art. 8, 11, 12, 13, 20, 32, 33).

Writes one row per metric with one column per district and one rank column per district
(rank 1 = best) to CSV (UTF-8 with BOM, opens in Excel with the Chinese intact) or XLSX (the
table, the raw values and the ranks). The computation is
:func:`geo_app.workflows.compare.project_district_metrics`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo_app.cli import CommandError, add_as_of_option, add_standard_option
from geo_app.cli._outputs import add_overwrite_project_option, check_output
from geo_app.i18n import t
from geo_app.present.compare_export import COMPARE_FORMATS, write_comparison
from geo_app.present.export_language import add_export_options
from geo_app.project import Project
from geo_app.workflows.compare import project_district_metrics


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    parser = subparsers.add_parser(
        "compare",
        help="区县指标对比 / compare districts side by side",
        description=(
            "按区县并排比较用房达标、步行覆盖、闲置锅炉房、星级社区、供暖费用和监控指标,"
            "输出 CSV 或 XLSX / compare districts on area standards, walking coverage, idle "
            "boiler rooms, star ratings, heating costs and cameras; write CSV or XLSX"
        ),
    )
    parser.add_argument("project", help="项目文件 / project GeoPackage")
    parser.add_argument(
        "--districts",
        nargs="+",
        required=True,
        metavar="DISTRICT",
        help="区县名称或代码(一个或多个)/ district names or codes (one or more)",
    )
    parser.add_argument(
        "--out", required=True, help="输出文件 .csv 或 .xlsx / output file (.csv or .xlsx)"
    )
    parser.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="表头语言 / language of the table"
    )
    add_export_options(parser)
    add_standard_option(parser)
    parser.add_argument(
        "--no-surveillance",
        action="store_true",
        help="不计算监控指标(较快)/ skip the Art. 20 camera metrics (faster)",
    )
    add_overwrite_project_option(parser)
    add_as_of_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compare the districts of a project and write the table."""
    out = Path(args.out)
    if out.suffix.lower().lstrip(".") not in COMPARE_FORMATS:
        raise CommandError(
            f"输出文件应为 .csv 或 .xlsx:{out} / the output must end in .csv or .xlsx: {out}"
        )
    check_output(out, projects=[args.project], overwrite_project=args.overwrite_project)
    project = Project.open(args.project)
    project.as_of = args.as_of
    comparison = project_district_metrics(
        project,
        args.districts,
        standard=args.standard,
        lang=args.lang,
        surveillance=not args.no_surveillance,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_comparison(comparison, out, args.lang, machine_readable=args.machine_readable)
    for note in comparison.notes:
        print(f"  - {note}", file=sys.stderr)
    print(
        t(
            "compare.cli.written",
            args.lang,
            path=out,
            n=len(comparison.names),
            m=len(comparison.metrics),
        )
    )
    return 0
