"""``geo-app report``: a district's site-selection report as HTML, PDF or Word.

The report shows the district's compliance (Art. 8, 11, 12), walking coverage, the chosen sites
of a saved scenario (or of the Art. 13 central-station model run now) with the communities each
serves and how each site is obtained (Art. 10, 13), the heating cost split (Art. 32), the
responsible departments (Art. 31) and the rules cited; see :mod:`geo_app.reports`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo_app.cli import CommandError
from geo_app.cli._outputs import add_overwrite_project_option, check_output
from geo_app.cli.progress import TextProgress
from geo_app.project import Project
from geo_app.reports import FORMATS, build_report_context, render_report


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    parser = subparsers.add_parser(
        "report",
        help="区县选址报告(HTML/PDF/Word)/ district site-selection report",
        description="区县社区用房选址报告 / a district's community housing site-selection "
        "report (HTML with an interactive map, PDF, Word)",
    )
    parser.add_argument("project", help="项目文件 / project GeoPackage")
    parser.add_argument("--district", required=True, help="区县名称或代码 / district name or code")
    parser.add_argument(
        "--scenario",
        default=None,
        help="已保存的选址方案名称(缺省时按第十三条模型即时计算)/ saved site-selection "
        "scenario (default: run the Art. 13 model now)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="格式 / format (default: from --out)"
    )
    parser.add_argument("--out", required=True, help="输出文件 / output file")
    parser.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="语言 / language (default zh)"
    )
    add_overwrite_project_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the report context and write the file."""
    out = Path(args.out)
    fmt = args.format or out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise CommandError(
            f"无法从 {out.name} 判断格式,请用 --format {{{','.join(FORMATS)}}} / cannot tell "
            f"the format from {out.name}; give --format {{{','.join(FORMATS)}}}"
        )
    check_output(out, projects=[args.project], overwrite_project=args.overwrite_project)
    project = Project.open(args.project)
    context = build_report_context(
        project, args.district, scenario=args.scenario, lang=args.lang, progress=TextProgress()
    )
    path = render_report(context, fmt, out)
    for note in context.notes:
        print(note)
    if args.lang == "zh":
        print(f"报告已写出:{path}({context.district_name},{len(context.sites)} 处站点)")
    else:
        print(f"Report written: {path} ({context.district_name}, {len(context.sites)} sites)")
    return 0
