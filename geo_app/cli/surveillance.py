"""``geo-app surveillance``: camera coverage of public places (Art. 20).

Reads a project, computes camera views (occluded by buildings), coverage of public spaces,
blind spots, the repair list and suggested new cameras, and writes them to a GeoPackage:

    geo-app surveillance PROJECT.gpkg [--district NAME] --out RESULT.gpkg

Layers written: ``camera_views``, ``blind_spots``, ``repair_list``, ``suggested_cameras`` (in
install order: ``install_rank``, what each adds, ``covered_share_after``),
``suggested_views``, ``uncoverable_spots`` (spatial) and the tables
``surveillance_by_community``, ``surveillance_by_district`` and ``camera_problems``
(non-spatial). The project-level work is :func:`geo_app.workflows.project_surveillance` and
:func:`geo_app.workflows.write_surveillance`, shared with the app page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd

from analysis.surveillance import CameraValidationError, coverage_after
from geo_app.cli import CommandError
from geo_app.cli._outputs import add_overwrite_project_option, check_output
from geo_app.project import Project
from geo_app.workflows import project_surveillance, surveillance_spec, write_surveillance


def register(subparsers) -> None:
    """Add the ``surveillance`` sub-command."""
    p = subparsers.add_parser(
        "surveillance",
        help="监控覆盖公共部位(第二十条)/ camera coverage of public places (Art. 20)",
        description=(
            "计算监控视域(建筑遮挡)、公共部位覆盖率、盲区、维修清单和新增监控建议 / "
            "camera views with building occlusion, coverage of public places, blind spots, "
            "repair list and suggested new cameras (Art. 20)"
        ),
    )
    p.add_argument("project", help="项目文件 / project GeoPackage")
    p.add_argument("--out", required=True, help="结果文件 / result GeoPackage")
    add_overwrite_project_option(p)
    p.add_argument("--district", help="只分析该区县(名称或代码)/ only this district (name or code)")
    p.add_argument("--range", type=float, default=30.0, help="新增监控视距(米)/ new camera range m")
    p.add_argument("--fov", type=float, default=90.0, help="新增监控视场角(度)/ new camera fov")
    p.add_argument(
        "--bearing-step", type=float, default=45.0, help="候选朝向间隔(度)/ bearing step deg"
    )
    p.add_argument("--piece", type=float, default=5.0, help="公共部位离散长度(米)/ piece length m")
    p.add_argument(
        "--max-cameras",
        type=int,
        help="最多新增几台(最大覆盖)/ at most this many new cameras (maximal coverage)",
    )
    p.add_argument(
        "--time-limit", type=float, default=60.0, help="求解时限(秒)/ solver time limit s"
    )
    p.add_argument(
        "--candidates",
        help="另加候选安装点(点图层文件,如 GeoJSON/GPKG)/ extra candidate points (vector file)",
    )
    p.add_argument("--no-suggest", action="store_true", help="不计算新增监控 / skip placement")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="跳过数据有误的监控(默认报错)/ skip invalid camera rows (default: error)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the analysis and write the result GeoPackage."""
    project = Project.open(args.project)
    if not project.has_layer("cameras"):
        raise CommandError("项目中没有监控图层 cameras / the project has no cameras layer")
    if args.range <= 0 or not 0 < args.fov <= 360 or args.bearing_step <= 0 or args.piece <= 0:
        raise CommandError(
            "--range、--fov、--bearing-step、--piece 须为正数(fov 不超过 360)/ "
            "--range, --fov, --bearing-step, --piece must be positive (fov at most 360)"
        )
    spec = surveillance_spec(
        fov_deg=args.fov, range_m=args.range, bearing_step_deg=args.bearing_step
    )
    extra = None
    if args.candidates:
        path = Path(args.candidates)
        if not path.exists():
            raise CommandError(f"候选点文件不存在:{path} / candidates file not found: {path}")
        extra = gpd.read_file(path)
        if extra.crs is None:
            extra = extra.set_crs("EPSG:4326")
    out_path = check_output(
        args.out, projects=[args.project], overwrite_project=args.overwrite_project
    )
    try:
        result = project_surveillance(
            project,
            district=args.district,
            spec=spec,
            max_cameras=args.max_cameras,
            suggest=not args.no_suggest,
            piece_m=args.piece,
            time_limit=args.time_limit,
            extra_candidates=extra,
            on_invalid="skip" if args.skip_invalid else "raise",
        )
    except CameraValidationError as exc:
        raise CommandError(str(exc)) from exc
    write_surveillance(result, out_path)
    _print_summary(result, out_path)
    return 0


def _print_summary(result, out_path: Path) -> None:
    t = result.totals
    spaces = (
        "推导自步行路网 / derived from the network" if result.derived_spaces else "图层 / layer"
    )
    print(f"公共部位来源 / public spaces: {spaces}")
    total, broken, rate = t["cameras_total"], t["cameras_broken"], t["working_rate"]
    target = t["working_target"]
    print(
        f"监控 {total} 台,损坏 {broken} 台,完好率 {rate:.1%}(目标 ≥ {target:.0%})/ "
        f"cameras {total}, broken {broken}, working rate {rate:.1%} (target ≥ {target:.0%})"
    )
    public, covered, share = t["public_length_m"], t["covered_length_m"], t["covered_share"]
    print(
        f"公共部位 {public:.0f} 米,覆盖 {covered:.0f} 米({share:.1%})/ "
        f"public length {public:.0f} m, covered {covered:.0f} m ({share:.1%})"
    )
    if t["public_area_m2"] > 0:
        area, cov_a, share_a = t["public_area_m2"], t["covered_area_m2"], t["covered_share_area"]
        print(
            f"公共场地 {area:.0f} 平方米,覆盖 {cov_a:.0f} 平方米({share_a:.1%})/ "
            f"public area {area:.0f} m2, covered {cov_a:.0f} m2 ({share_a:.1%})"
        )
    print(f"盲区 {len(result.blind_spots)} 处 / blind spots: {len(result.blind_spots)}")
    print(f"待维修 {len(result.repair)} 台 / cameras to repair: {len(result.repair)}")
    pl = result.placement
    if pl is not None and pl.mode == "max_cover":
        print(
            f"建议新增 {pl.n_cameras} 台,新覆盖 {pl.objective:.0f} 米+平方米({pl.status},"
            f"上界 {pl.bound:.0f},间隙 {pl.gap:.1%})/ suggested new cameras {pl.n_cameras}, "
            f"newly covered {pl.objective:.0f} m + m2 ({pl.status}, upper bound "
            f"{pl.bound:.0f}, gap {pl.gap:.1%})"
        )
    elif pl is not None:
        print(
            f"建议新增 {pl.n_cameras} 台({pl.status},下界 {pl.bound:g},间隙 {pl.gap:.1%});"
            f"无法覆盖的片段 {len(pl.uncoverable)} 个 / suggested new cameras {pl.n_cameras} "
            f"({pl.status}, bound {pl.bound:g}, gap {pl.gap:.1%}); uncoverable pieces "
            f"{len(pl.uncoverable)}"
        )
    if pl is not None and pl.n_cameras:
        print(_ranking_line(pl.cameras, t))
    print(f"结果已写入 / written: {out_path}")


RANKING_STEPS = (1, 5, 10, 20, 50, 100, 200, 500)
"""Numbers of new cameras the CLI reports the coverage after (those below the total)."""


def _ranking_line(cameras, totals: dict) -> str:
    """Coverage of public places after the first k new cameras, in install order."""
    n = len(cameras)
    steps = [0, *(k for k in RANKING_STEPS if k < n), n]

    def shares(k: int) -> str:
        after = coverage_after(cameras, totals, k)
        area = after["covered_share_area"]
        return f"{k} → {after['covered_share']:.1%}" + ("" if area != area else f" / {area:.1%}")

    return (
        "按安装顺序(新增覆盖从多到少)先装前 k 台后的长度 / 面积覆盖率 / coverage of public "
        "lines / areas after the first k new cameras in install order: "
        + ", ".join(shares(k) for k in steps)
    )
