"""``geo-app site-select``: choose sites for community rooms and Art. 13 central stations.

Writes the layers ``chosen_sites``, ``assignments``, ``radiation_lines`` and the table
``unserved`` to RESULT.gpkg and saves the run, with its parameters, as a scenario of the project.
"""

from __future__ import annotations

import argparse
from datetime import datetime

from geo_app.cli import CommandError
from geo_app.cli._outputs import add_overwrite_project_option, check_output
from geo_app.cli.progress import TextProgress
from geo_app.project import Project
from geo_app.workflows.site_selection import (
    CANDIDATE_LAYERS,
    MODELS,
    model_label,
    run_site_selection,
    save_site_selection,
    write_site_selection,
)
from geo_app.workflows.site_selection.walking import walk_warning


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``site-select`` sub-command."""
    parser = subparsers.add_parser(
        "site-select",
        help="选址规划(含第十三条中心服务站)/ site selection (incl. Art. 13 hubs)",
        description="选址规划 / site selection: "
        + "; ".join(f"{m} = {model_label(m, 'zh')} / {model_label(m, 'en')}" for m in MODELS),
    )
    parser.add_argument("project", help="项目文件 / project GeoPackage")
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument(
        "--candidates",
        default="boiler_rooms",
        help="候选图层,逗号分隔 / candidate layers, comma separated "
        f"({', '.join(CANDIDATE_LAYERS)})",
    )
    parser.add_argument(
        "--distance",
        type=float,
        default=None,
        help="步行距离(米;中心站默认取第十三条规则的 max_walk_m,其他模型 500)/ metres "
        "(hub default: the Art. 13 rule's max_walk_m; others 500)",
    )
    parser.add_argument("--p", type=int, default=None, help="站点数 / number of sites")
    parser.add_argument("--district", default=None, help="区县名称或代码 / district name or code")
    parser.add_argument(
        "--same-street",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="中心站只服务本街道(默认开启:第十三条由街道组织设立;--no-same-street 关闭)/ "
        "hubs serve their own street (on by default, Art. 13; --no-same-street to switch off)",
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="求解时限(秒)/ seconds")
    parser.add_argument("--scenario", default=None, help="方案名称 / scenario name")
    parser.add_argument("--out", required=True, help="结果 GeoPackage / result .gpkg")
    add_overwrite_project_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the model, write the result file and save the scenario."""
    candidates = tuple(c.strip() for c in args.candidates.split(",") if c.strip())
    if not candidates:
        raise CommandError("请给出候选图层 / give at least one candidate layer")
    if not str(args.out).lower().endswith(".gpkg"):
        raise CommandError(f"结果须为 .gpkg 文件:{args.out} / --out must be a .gpkg file")
    check_output(args.out, projects=[args.project], overwrite_project=args.overwrite_project)
    project = Project.open(args.project)
    selection = run_site_selection(
        project,
        args.model,
        candidates=candidates,
        distance_m=args.distance,
        p=args.p,
        district=args.district,
        same_street=args.same_street,
        time_limit=args.time_limit,
        progress=TextProgress(),
    )
    out = write_site_selection(selection, args.out)
    name = args.scenario or f"{args.model}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    save_site_selection(project, selection, name)
    s = selection.summary
    for note in selection.notes:
        print(note)
    quality = "最优 / optimal" if s["optimal"] else f"间隙 / gap {s['gap']:.2%}"
    print(
        f"{model_label(args.model, 'zh')}:选出 {s['chosen_sites']} 处,服务 "
        f"{s['served_communities']}/{s['demand_communities']} 个社区,"
        f"{s['unserved_communities']} 个未服务;{quality}"
    )
    print(f"{s['message']}")
    for lang in ("zh", "en"):
        warning = walk_warning(selection, lang)
        if warning:
            print(f"注意 / warning: {warning}")
    print(f"结果 / result: {out};方案 / scenario: {name}")
    return 0
