"""``geo-app demo``: write the Harbin demo project (示例数据 / sample data)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pyogrio

from geo_app.cli import CommandError
from geo_app.cli._outputs import check_output

_LABELS = {
    "districts": "区县",
    "streets": "街道/乡镇",
    "communities": "社区/村",
    "facilities": "设施",
    "boiler_rooms": "闲置锅炉房",
    "candidate_sites": "候选用房",
    "cameras": "监控",
    "public_spaces": "公共部位",
    "buildings": "建筑",
    "network_nodes": "路网节点",
    "network_edges": "路网路段",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help="生成哈尔滨示例项目 / write the Harbin demo project",
        description="生成哈尔滨示例项目(真实区县边界 + 示例数据)/ "
        "write the Harbin demo project (real district boundaries + sample data)",
    )
    parser.add_argument("--out", required=True, type=Path, help="输出 GeoPackage / output .gpkg")
    parser.add_argument("--seed", type=int, default=0, help="随机种子 / random seed (0)")
    parser.add_argument(
        "--overwrite", action="store_true", help="覆盖已有文件 / replace an existing file"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the demo project and print a short summary in Chinese."""
    from geo_app.workflows.demo import create_demo_project

    out: Path = args.out
    if out.suffix.lower() != ".gpkg":
        raise CommandError(
            f"输出文件须以 .gpkg 结尾:{out} / the output file must end in .gpkg: {out}"
        )
    check_output(out, overwrite_project=True)
    if out.exists() and not args.overwrite:
        raise CommandError(
            f"文件已存在:{out},如需覆盖请加 --overwrite / "
            f"file exists: {out}; add --overwrite to replace it"
        )
    project = create_demo_project(out, seed=args.seed, overwrite=args.overwrite)
    print(f"已生成示例项目「{project.settings.name}」:{out}(种子 {args.seed},示例数据)")
    present = set(project.layers())
    for name, label in _LABELS.items():
        if name in present:
            count = pyogrio.read_info(out, layer=name)["features"]
            print(f"  {label} {name}: {count}")
    return 0
