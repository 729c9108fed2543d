"""``geo-app coverage`` and ``geo-app isochrones``: walking coverage of communities by a facility
kind, and isochrone polygons per facility.

``geo-app coverage PROJECT.gpkg --facility-kind community_station --distance 500 --out FILE``
writes one row per community (``community_id, households, covered_households, covered_share,
nearest_m`` then details) to CSV (UTF-8 with BOM), XLSX (with street and district sheets) or
GPKG (with geometry), by the extension of ``FILE``.

``geo-app isochrones PROJECT.gpkg --facility-kind KIND --distances 300 500 1000 --out FILE.gpkg``
writes the isochrone polygons (one per facility and distance).

The walking network is read from the project's ``network_nodes``/``network_edges`` layers; a
project without them falls back to straight line x 1.3, with a printed note and ``method =
euclidean_detour`` in every output. :func:`geo_app.workflows.project_network` and
:func:`geo_app.workflows.project_coverage` are shared with the app pages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from analysis.coverage import (
    COMMUNITY_TABLE_COLUMNS,
    DEFAULT_BUFFER_M,
    DEFAULT_WALK_SPEED_KMH,
    CoverageOptions,
    CoverageResult,
    isochrones,
    minutes_to_metres,
)
from analysis.distances import DEFAULT_DETOUR, DEFAULT_MAX_SNAP_M
from geo_app.cli import CommandError, add_as_of_option
from geo_app.cli._outputs import add_overwrite_project_option, check_output
from geo_app.cli.progress import TextProgress
from geo_app.present.export_language import add_export_options, export_lang
from geo_app.present.spreadsheets import write_csv, write_xlsx
from geo_app.project import Project
from geo_app.workflows import check_facility_kind, project_coverage, project_network, walking_speed
from layers.schema import FACILITY_KIND_LABELS, FACILITY_KINDS

SHEET_NAMES = {"communities": "社区覆盖", "streets": "街道汇总", "districts": "区县汇总"}
FALLBACK_NOTE = (
    "注意:项目中没有步行路网(network_nodes/network_edges),按直线距离×{detour} 估算 / "
    "note: the project has no walking network (network_nodes/network_edges); using straight-line "
    "distance x {detour}"
)


# -- writers -----------------------------------------------------------------------------------
def _community_table(result: CoverageResult) -> pd.DataFrame:
    per = pd.DataFrame(result.communities.drop(columns=result.communities.geometry.name))
    cols = [c for c in COMMUNITY_TABLE_COLUMNS if c in per.columns]
    return per[cols].reset_index(drop=True)


def _write_coverage(result: CoverageResult, out: Path, lang: str | None = None) -> None:
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    table = _community_table(result)
    if suffix == ".csv":
        write_csv(table, out, lang=lang)
    elif suffix == ".xlsx":
        sheets = {SHEET_NAMES["communities"]: table}
        for name in ("streets", "districts"):
            frame = getattr(result, name)
            if len(frame):
                sheets[SHEET_NAMES[name]] = frame
        write_xlsx(sheets, out, lang=lang)
    elif suffix == ".gpkg":
        geo = gpd.GeoDataFrame(
            table, geometry=result.communities.geometry.to_numpy(), crs=result.communities.crs
        )
        if out.exists():
            out.unlink()
        pyogrio.write_dataframe(geo, out, layer="coverage", driver="GPKG")
        for name in ("streets", "districts"):
            frame = getattr(result, name)
            if len(frame):
                pyogrio.write_dataframe(frame, out, layer=f"coverage_{name}", driver="GPKG")
    else:
        raise CommandError(
            f"不支持的输出格式 {suffix or out.name}(可用 .csv .xlsx .gpkg)/ "
            f"unsupported output {suffix or out.name} (use .csv .xlsx .gpkg)"
        )


# -- commands ----------------------------------------------------------------------------------
def _distance_arg(args: argparse.Namespace, project: Project) -> tuple[float, float | None]:
    if args.minutes is not None:
        speed = args.speed or walking_speed(project)
        return minutes_to_metres(args.minutes, speed), args.minutes
    return float(args.distance), None


def run_coverage(args: argparse.Namespace) -> int:
    """Run ``geo-app coverage``."""
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx", ".gpkg"):
        raise CommandError(
            f"不支持的输出格式 {out.suffix or out.name}(可用 .csv .xlsx .gpkg)/ "
            f"unsupported output {out.suffix or out.name} (use .csv .xlsx .gpkg)"
        )
    check_facility_kind(args.facility_kind)
    check_output(out, projects=[args.project], overwrite_project=args.overwrite_project)
    project = Project.open(args.project)
    project.as_of = args.as_of
    distance, minutes = _distance_arg(args, project)
    if distance <= 0:
        raise CommandError("覆盖距离须大于 0 / the distance must be positive")
    progress = TextProgress("覆盖分析 / coverage", every_s=0.5)
    G = project_network(project)
    if G is None:
        print(FALLBACK_NOTE.format(detour=args.detour), file=sys.stderr)
    facilities = project.required_layer("facilities")
    if not (facilities.get("kind") == args.facility_kind).any():
        print(
            f"注意:项目中没有 {args.facility_kind} 设施,所有社区均未覆盖 / note: no "
            f"{args.facility_kind} facilities in the project; no community is covered",
            file=sys.stderr,
        )
    result = project_coverage(
        project,
        args.facility_kind,
        distance,
        isochrone_distances=[],
        G=G,
        detour=args.detour,
        progress=progress,
    )
    _write_coverage(result, out, export_lang(args.lang, args.machine_readable))
    per = result.communities
    hh = float(per["households"].sum())
    cov = float(per["covered_households"].sum())
    zh, en = FACILITY_KIND_LABELS.get(args.facility_kind, (args.facility_kind, args.facility_kind))
    when = f"{minutes:g} 分钟 ({distance:.0f} m)" if minutes is not None else f"{distance:.0f} m"
    share = f"{cov / hh:.1%}" if hh else "-"
    print(
        f"{zh} / {en} {when}: {int(per['covered'].sum())}/{len(per)} 个社区覆盖 / communities "
        f"covered; {int(cov)}/{int(hh)} 户 / households ({share}); method={result.method}"
    )
    for row in result.districts.itertuples(index=False):
        label = getattr(row, "name", None) or row.district_code
        share = f"{row.covered_share:.1%}" if pd.notna(row.covered_share) else "-"
        print(f"  {label}: {int(row.covered_households)}/{int(row.households)} ({share})")
    print(f"已写出 / written: {out}")
    return 0


def run_isochrones(args: argparse.Namespace) -> int:
    """Run ``geo-app isochrones``."""
    out = Path(args.out)
    if out.suffix.lower() != ".gpkg":
        raise CommandError("等时圈输出须为 .gpkg / isochrones are written to a .gpkg file")
    check_facility_kind(args.facility_kind)
    check_output(out, projects=[args.project], overwrite_project=args.overwrite_project)
    project = Project.open(args.project)
    project.as_of = args.as_of
    facilities = project.required_layer("facilities")
    if not (facilities.get("kind") == args.facility_kind).any():
        raise CommandError(
            f"项目中没有 {args.facility_kind} 设施 / no {args.facility_kind} facilities in the "
            "project"
        )
    G = project_network(project)
    if G is None:
        print(FALLBACK_NOTE.format(detour=args.detour), file=sys.stderr)
    speed = None
    values = args.distances
    if args.minutes:
        values = args.minutes
        speed = args.speed or walking_speed(project)
    iso = isochrones(
        G,
        facilities,
        values,
        kind=args.facility_kind,
        overlap=args.overlap,
        buffer_m=args.buffer,
        options=CoverageOptions(detour=args.detour),
        speed_kmh=speed,
        progress=TextProgress("等时圈 / isochrones", every_s=0.5),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    pyogrio.write_dataframe(iso, out, layer="isochrones", driver="GPKG")
    methods = ", ".join(f"{k}: {v}" for k, v in iso["method"].value_counts().items())
    print(
        f"{len(iso)} 个等时圈({iso['facility_id'].nunique()} 个设施)/ {len(iso)} isochrones "
        f"({iso['facility_id'].nunique()} facilities); method {methods}"
    )
    if (iso["method"] != "network").any():
        print(
            f"注意:远离路网(>{DEFAULT_MAX_SNAP_M:.0f} 米)的设施按直线距离×绕行系数画圆 / note: "
            f"facilities more than {DEFAULT_MAX_SNAP_M:.0f} m from the walking network get "
            "straight-line circles (method euclidean_detour)",
            file=sys.stderr,
        )
    print(f"已写出 / written: {out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``coverage`` and ``isochrones`` sub-commands."""
    kinds = ", ".join(FACILITY_KINDS)
    p = subparsers.add_parser(
        "coverage",
        help="步行覆盖分析 / walking coverage of communities by a facility kind",
        description=(
            "按步行距离统计每个社区、街道、区县被某类设施覆盖的户数和人口,输出 CSV/XLSX/GPKG / "
            "households and population within walking distance of a facility kind, per "
            "community, street and district"
        ),
    )
    p.add_argument("project", help="项目文件 / project GeoPackage")
    p.add_argument("--facility-kind", required=True, help=f"设施类型 / facility kind: {kinds}")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--distance", type=float, help="步行距离(米),如 300/500/1000 / walking distance in m"
    )
    group.add_argument("--minutes", type=float, help="步行时间(分钟)/ walking time in minutes")
    p.add_argument(
        "--speed",
        type=float,
        default=None,
        help=f"步行速度 km/h(默认项目设置或 {DEFAULT_WALK_SPEED_KMH}) / walking speed",
    )
    p.add_argument(
        "--detour",
        type=float,
        default=DEFAULT_DETOUR,
        help="无路网时的绕行系数 / detour factor of the no-network fallback",
    )
    p.add_argument("--out", required=True, help="输出文件 .csv/.xlsx/.gpkg / output file")
    add_export_options(p, lang=True)
    add_overwrite_project_option(p)
    add_as_of_option(p)
    p.set_defaults(func=run_coverage)

    q = subparsers.add_parser(
        "isochrones",
        help="设施步行等时圈 / walking isochrones per facility",
        description=(
            "为某类设施的每个设施生成步行等时圈(如 300/500/1000 米),输出 GPKG / "
            "isochrone polygons per facility, written to a GeoPackage"
        ),
    )
    q.add_argument("project", help="项目文件 / project GeoPackage")
    q.add_argument("--facility-kind", required=True, help=f"设施类型 / facility kind: {kinds}")
    group = q.add_mutually_exclusive_group()
    group.add_argument(
        "--distances",
        type=float,
        nargs="+",
        default=[300.0, 500.0, 1000.0],
        help="步行距离(米)/ distances in m (default 300 500 1000, GB 50180 life circles)",
    )
    group.add_argument("--minutes", type=float, nargs="+", help="步行时间(分钟)/ minutes")
    q.add_argument("--speed", type=float, default=None, help="步行速度 km/h / walking speed")
    q.add_argument(
        "--overlap",
        choices=("keep", "split"),
        default="keep",
        help="重叠保留或按最近设施划分 / keep overlaps or split by nearest facility",
    )
    q.add_argument(
        "--buffer",
        type=float,
        default=DEFAULT_BUFFER_M,
        help="路段两侧缓冲宽度(米)/ buffer around reached streets (m)",
    )
    q.add_argument("--detour", type=float, default=DEFAULT_DETOUR, help="绕行系数 / detour")
    q.add_argument("--out", required=True, help="输出 .gpkg / output GeoPackage")
    add_overwrite_project_option(q)
    add_as_of_option(q)
    q.set_defaults(func=run_isochrones)
