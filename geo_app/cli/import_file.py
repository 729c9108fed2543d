"""``geo-app import``: import a planner's file into a project layer.

Reads GeoPackage, Shapefile (plain or zipped; GBK or UTF-8 attributes), GeoJSON, CSV and
XLSX; maps the source columns to the layer's fields (Chinese names such as 户数, 面积 are
recognised), converts the coordinates to WGS-84 and validates the whole layer. Nothing is
written unless every row is valid; otherwise every bad row is listed with its reason and the
command exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

import pandas as pd

from geo_app.cli import CommandError
from geo_app.i18n import t
from geo_app.project import Project
from geo_app.workflows import ImportOutcome, import_file, read_source
from layers.io import LayerFileError
from layers.schema import get_schema
from layers.source_crs import MappingError

__all__ = ["ImportOutcome", "format_table", "import_file", "parse_map_options", "read_source"]

MAX_LISTED_PROBLEMS = 200
MAX_LISTED_CHANGES = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command."""
    parser = subparsers.add_parser(
        "import",
        help="导入规划数据文件 / import a data file into a project layer",
        description="导入 GeoPackage、Shapefile(含 zip)、GeoJSON、CSV、XLSX 到项目图层;"
        "全部校验通过才写入 / import a GeoPackage, Shapefile (or zip), GeoJSON, CSV or XLSX "
        "into a project layer; nothing is written unless every row is valid",
    )
    parser.add_argument(
        "project", help="项目文件或数据库地址 / project .gpkg or postgresql://...?project=NAME"
    )
    parser.add_argument("layer", help="目标图层,如 communities / target layer, e.g. communities")
    parser.add_argument("file", type=Path, help="数据文件 / data file")
    parser.add_argument(
        "--crs",
        default=None,
        help="源坐标系 wgs84|gcj02|bd09|cgcs2000|EPSG:N(默认取文件声明,否则 wgs84)/ "
        "source coordinate system (default: as declared by the file, else wgs84)",
    )
    parser.add_argument("--lon-col", default=None, help="经度列 / longitude column (CSV/XLSX)")
    parser.add_argument("--lat-col", default=None, help="纬度列 / latitude column (CSV/XLSX)")
    parser.add_argument(
        "--map",
        nargs="+",
        action="extend",
        default=[],
        metavar="FIELD=COLUMN",
        help="字段对应,如 households=户数 / field mapping, e.g. households=户数",
    )
    parser.add_argument(
        "--source-layer",
        default=None,
        help="文件中的图层/工作表/压缩包成员 / layer, sheet or zip member to read",
    )
    parser.add_argument("--encoding", default=None, help="文字编码,如 GBK / text encoding")
    parser.add_argument(
        "--append",
        action="store_true",
        help="追加到已有图层(默认替换)/ add to the existing rows (default: replace the layer)",
    )
    parser.add_argument(
        "--mode",
        choices=("replace", "append", "update"),
        default=None,
        help="导入方式:replace 替换(默认,列出被删除的行)、append 追加、update 按编号新增/更新 / "
        "replace the layer (default; the rows lost are listed), append, or update: add new ids "
        "and update the others in the fields the file gives",
    )
    parser.add_argument(
        "--generate-ids",
        action="store_true",
        help="文件没有编号列时为各行生成编号 / give the rows ids when the file has no id column",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="只校验不写入 / validate only, write nothing"
    )
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="语言 / language")
    parser.set_defaults(func=run)


def parse_map_options(items: list[str]) -> dict[str, str]:
    """``["households=户数", ...]`` -> ``{"households": "户数"}``."""
    mapping: dict[str, str] = {}
    for item in items:
        text = item.replace("＝", "=")
        if "=" not in text:
            raise CommandError(
                f"--map 的格式应为 字段=列名:{item!r} / --map expects FIELD=COLUMN: {item!r}"
            )
        fname, col = text.split("=", 1)
        mapping[fname.strip()] = col.strip()
    return mapping


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(frame: pd.DataFrame) -> str:
    """A plain-text table that keeps columns aligned with Chinese text."""
    cols = [str(c) for c in frame.columns]
    rows = [[str(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max([_text_width(c)] + [_text_width(r[i]) for r in rows]) for i, c in enumerate(cols)]
    widths[-1] = 0  # last column (the message) is not padded

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell + " " * (w - _text_width(cell)) if w else cell
            for cell, w in zip(cells, widths, strict=True)
        ).rstrip()

    sep = "  ".join("-" * w for w in widths[:-1]) + "  " + "-" * 8
    return "\n".join([line(cols), sep] + [line(r) for r in rows])


def _mode(args: argparse.Namespace) -> str:
    if args.mode == "update":
        return "upsert"
    if args.mode is not None:
        return args.mode
    return "append" if args.append else "replace"


def _print_rows(outcome: ImportOutcome, id_field: str | None, lang: str) -> None:
    """The id offer, cells filled from the location, rows lost by replacing, disabled results."""
    zh = lang == "zh"
    if outcome.missing_id:
        print(
            f"文件没有编号列 {id_field};可加 --generate-ids 生成编号"
            if zh
            else f"the file has no id column {id_field}; add --generate-ids to generate ids"
        )
    if len(outcome.placed):
        print(t("imports.placed", lang, n=len(outcome.placed)))
    if outcome.lost:
        shown = ", ".join(outcome.lost[:MAX_LISTED_CHANGES])
        more = len(outcome.lost) - MAX_LISTED_CHANGES
        if more > 0:
            shown += " " + t("imports.lost_more", lang, n=more)
        print(t("imports.lost", lang, n=len(outcome.lost), ids=shown))
    if outcome.mode == "upsert":
        print(t("imports.upsert_summary", lang, updated=outcome.updated, added=outcome.added))
    if outcome.effects:
        print(t("imports.effects_title", lang), file=sys.stderr)
        for effect in outcome.effects:
            print(f"  - {effect.message(lang)}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Import the file; print the mapping, the conversion and the validation report."""
    lang = args.lang
    i = 0 if lang == "zh" else 1
    try:
        schema = get_schema(args.layer)
    except KeyError as exc:
        raise CommandError(exc.args[0]) from None
    project = Project.open(args.project)
    try:
        source = read_source(
            args.file,
            args.layer,
            source_layer=args.source_layer,
            encoding=args.encoding,
            lon_col=args.lon_col,
            lat_col=args.lat_col,
        )
        outcome = import_file(
            project,
            args.layer,
            source,
            mapping=parse_map_options(args.map),
            crs=args.crs,
            mode=_mode(args),
            generate_ids=args.generate_ids,
            dry_run=args.dry_run,
            file_name=args.file.name,
        )
    except (LayerFileError, MappingError) as exc:
        raise CommandError(str(exc)) from None
    result = outcome.result

    label = schema.label(lang)
    print(
        f"读取 {args.file.name}:{len(source)} 行 → 图层 {args.layer}({label})"
        if lang == "zh"
        else f"read {args.file.name}: {len(source)} rows -> layer {args.layer} ({label})"
    )
    print("字段对应 / field mapping:")
    for spec in schema.fields:
        col = result.mapping.get(spec.name)
        shown = col if col is not None else ("(未找到)" if lang == "zh" else "(not found)")
        print(f"  {spec.name:<16} ← {shown}")
    for note in result.notes:
        print(note[i])
    for change in result.changes[:MAX_LISTED_CHANGES]:
        where = "" if change.row is None else f"[{change.row}] "
        print(f"  {'修正' if lang == 'zh' else 'fixed'} {where}{change.message(lang)}")
    if len(result.changes) > MAX_LISTED_CHANGES:
        more = len(result.changes) - MAX_LISTED_CHANGES
        print(f"  …… 另有 {more} 处修正" if lang == "zh" else f"  ... {more} more fixes")
    if result.hint:
        print(result.hint, file=sys.stderr)

    report = result.report
    print(report.summary(lang))
    _print_rows(outcome, schema.id_field, lang)
    if not result.ok:
        table = report.to_frame(lang)
        shown = table.head(MAX_LISTED_PROBLEMS)
        print(format_table(shown))
        if len(table) > len(shown):
            more = len(table) - len(shown)
            print(f"…… 另有 {more} 个问题" if lang == "zh" else f"... {more} more problems")
        print(
            "校验未通过,未写入任何数据 / validation failed: nothing was written",
            file=sys.stderr,
        )
        return 2
    if not outcome.written:
        print("仅校验(--dry-run),未写入 / dry run: nothing written")
        return 0
    n_new = len(result.gdf)
    if lang == "zh":
        verb = "追加" if outcome.mode == "append" else "写入"
        print(
            f"已{verb} {n_new} 行到图层 {args.layer}(共 {outcome.total_rows} 行):{project.store.label}"
        )
    else:
        verb = "appended" if outcome.mode == "append" else "wrote"
        print(f"{verb} {n_new} rows to layer {args.layer} ({outcome.total_rows} in total)")
    return 0
