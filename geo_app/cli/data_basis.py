"""``geo-app readiness``, ``geo-app group-communities`` and ``geo-app facility-inventory``.

* ``geo-app readiness PROJECT [--district NAME] [--lang zh|en]``: what the project lacks, what
  the analyses assumed, and the steps to fill it (:mod:`geo_app.workflows.readiness`);
* ``geo-app group-communities PROJECT --by street | --table COMMITTEES.csv [--undo]``: group
  OpenStreetMap residential areas into communities; the grouping is kept in the project
  (layers ``residential_areas`` and ``community_grouping``) and can be redone or undone
  (:mod:`geo_app.workflows.grouping`);
* ``geo-app facility-inventory PROJECT --district NAME [...] | --all [--clear]``: declare that
  the facilities layer holds the complete facility data of a district, so that compliance
  decides its communities from it (:mod:`analysis.compliance.basis`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo_app.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the three sub-commands."""
    ready = subparsers.add_parser(
        "readiness",
        help="数据完备情况 / what the project's data lacks and assumes",
        description="列出项目缺少的数据、分析所用的假定值和估算值及补齐步骤 / list what the "
        "project lacks, what the analyses assumed or estimated, and how to fill it",
    )
    ready.add_argument("project", help="项目文件 / project GeoPackage")
    ready.add_argument("--district", default=None, help="区县名称或代码 / district name or code")
    ready.add_argument("--lang", choices=("zh", "en"), default="zh", help="语言 / language")
    ready.set_defaults(func=run_readiness)

    group = subparsers.add_parser(
        "group-communities",
        help="将 OSM 居住区归并为社区 / group OSM residential areas into communities",
        description="按街道或按居委会表(居委会名称、居住区编号或名称)将 OSM 居住区归并为社区;"
        "归并记录保存在项目中,可重做或撤销 / group OSM residential areas into communities by "
        "street or by a committee table (committee name, residential-area ids or names); the "
        "grouping is kept in the project and can be redone or undone",
    )
    group.add_argument("project", help="项目文件 / project GeoPackage")
    how = group.add_mutually_exclusive_group(required=True)
    how.add_argument("--by", choices=("street",), help="按街道归并 / one community per street")
    how.add_argument("--table", type=Path, help="居委会表 CSV/XLSX / committee table")
    how.add_argument("--undo", action="store_true", help="撤销归并 / put the areas back")
    group.set_defaults(func=run_group)

    inventory = subparsers.add_parser(
        "facility-inventory",
        help="登记区县设施数据已完整 / declare a district's facility data complete",
        description="登记设施图层已包含某区县的全部社区用房数据(该区县没有用房的社区即判为不达标,"
        "不再“待核实”)/ declare that the facilities layer holds all the community housing of "
        "a district (its communities without housing are then below standard, not undecided)",
    )
    inventory.add_argument("project", help="项目文件 / project GeoPackage")
    inventory.add_argument(
        "--district", nargs="+", default=[], help="区县名称或代码 / district names or codes"
    )
    inventory.add_argument("--all", action="store_true", help="全部区县 / every district")
    inventory.add_argument(
        "--clear", action="store_true", help="先清空已登记的区县 / clear the list first"
    )
    inventory.set_defaults(func=run_inventory)


def run_readiness(args: argparse.Namespace) -> int:
    """Print the readiness of the project (of one district with ``--district``)."""
    from geo_app.project import Project
    from geo_app.reports.context.lookup import resolve_district
    from geo_app.workflows.readiness import data_readiness

    project = Project.open(args.project)
    code = None
    if args.district:
        code = str(resolve_district(project, args.district)["district_code"])
    ready = data_readiness(project, district=code)
    print(ready.headline(args.lang))
    for line in ready.lines(args.lang):
        print(f"  - {line}")
    if ready.source:
        print("数据来源 / source:", ready.source)
    for line in ready.import_report:
        print(f"  * {line}")
    return 0


def run_group(args: argparse.Namespace) -> int:
    """Group (or ungroup) the residential areas and print what was done."""
    from geo_app.project import Project
    from geo_app.workflows.grouping import group_project_communities, ungroup_project_communities

    project = Project.open(args.project)
    if args.undo:
        n = ungroup_project_communities(project)
        print(f"已撤销归并,恢复 {n} 个居住区 / grouping undone: {n} residential areas restored")
        return 0
    if args.table is not None and not args.table.exists():
        raise CommandError(f"文件不存在:{args.table} / file not found: {args.table}")
    grouping = group_project_communities(
        project, by="table" if args.table is not None else "street", table=args.table
    )
    m = grouping.membership
    print(
        f"已将 {len(m)} 个居住区归并为 {m['community_id'].nunique()} 个社区;"
        f"共 {len(grouping.communities)} 个社区 / grouped {len(m)} residential areas into "
        f"{m['community_id'].nunique()} communities; {len(grouping.communities)} in all"
    )
    if grouping.unmatched:
        print(
            f"居委会表中 {len(grouping.unmatched)} 项未找到居住区 / "
            f"{len(grouping.unmatched)} table entries match no area:"
        )
        for item in grouping.unmatched[:20]:
            print(f"  - {item}")
    print("归并记录:图层 community_grouping;原居住区:图层 residential_areas")
    return 0


def run_inventory(args: argparse.Namespace) -> int:
    """Record the declared districts and print the list."""
    from geo_app.project import Project
    from geo_app.reports.context.lookup import resolve_district
    from geo_app.workflows.readiness import declare_facility_inventory

    if not args.district and not args.all and not args.clear:
        raise CommandError(
            "请给出 --district、--all 或 --clear / give --district, --all or --clear"
        )
    project = Project.open(args.project)
    codes = [str(resolve_district(project, d)["district_code"]) for d in args.district]
    listed = declare_facility_inventory(
        project, [*codes, *(["*"] if args.all else [])], clear=args.clear
    )
    shown = ", ".join(listed) if listed else "(无 / none)"
    print(f"设施数据已完整的区县 / districts with complete facility data: {shown}")
    return 0
