"""``geo-app import-osm``: build a project from an OpenStreetMap extract (OSM 数据导入).

``geo-app import-osm FILE.osm|FILE.osm.pbf --out PROJECT.gpkg`` reads the extract offline;
``geo-app import-osm --place NAME --out PROJECT.gpkg`` downloads the place through osmnx first
(needs the internet; a clear message otherwise). The project is created only after the whole
extract has been read, and gets the layers, a ``layer_metadata`` table (layer, key, value)
stating every estimate and default, and settings (name, metric CRS of the extract's centre).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from geo_app.cli import CommandError
from geo_app.cli._outputs import check_output
from geo_app.cli.progress import TextProgress
from geo_app.project import METADATA_TABLE


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import-osm`` sub-command."""
    parser = subparsers.add_parser(
        "import-osm",
        help="由 OpenStreetMap 数据生成项目 / build a project from OpenStreetMap data",
        description="读取 .osm / .osm.pbf 文件(或联网按地名下载),生成区县、街道、社区、建筑、"
        "设施、锅炉房候选、监控和步行路网图层 / read an .osm / .osm.pbf file (or download a "
        "place online) into districts, streets, communities, buildings, facilities, boiler-room "
        "candidates, cameras and the walking network",
    )
    parser.add_argument("file", nargs="?", type=Path, help="OSM 文件 .osm / .osm.pbf / OSM file")
    parser.add_argument("--out", required=True, type=Path, help="输出项目 .gpkg / output project")
    parser.add_argument(
        "--place", help="地名,联网经 osmnx 下载 / place name, downloaded online through osmnx"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="覆盖已有文件 / replace an existing file"
    )
    parser.add_argument(
        "--flat-size",
        type=float,
        default=80.0,
        help="每户建筑面积(平方米)/ gross floor area per household, m2 (80)",
    )
    parser.add_argument(
        "--default-levels",
        type=float,
        default=6.0,
        help="未标层数的住宅层数 / levels of housing without building:levels (6)",
    )
    parser.add_argument(
        "--persons-per-household",
        type=float,
        default=2.6,
        help="户均人口 / persons per household (2.6)",
    )
    parser.add_argument(
        "--district-class",
        action="append",
        default=[],
        metavar="NAME=CLASS",
        help="区县类别(第十一条),如 双城区=outer / Art. 11 class override, e.g. 双城区=outer",
    )
    parser.add_argument(
        "--no-network", action="store_true", help="不生成步行路网 / skip the walking network"
    )
    parser.set_defaults(func=run)


def _overrides(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CommandError(
                f"区县类别须写成 名称=类别:{item!r} / write the district class as NAME=CLASS: "
                f"{item!r}"
            )
        out[name.strip()] = value.strip()
    return out


def _project_name(path: Path) -> str:
    name = path.name
    for suffix in (".osm.pbf", ".osm.xml", ".osm", ".pbf"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return path.stem


def write_project(
    result,
    out: Path,
    *,
    name: str,
    overrides: dict[str, str] | None = None,
    overwrite: bool = False,
):
    """Create the project ``out`` from an :class:`layers.osm.OsmImport` in one atomic write.

    Settings: ``name``, ``metric_crs`` of the extract's centre (``layers.crs.metric_crs``),
    the Art. 11 ``district_classes`` overrides, the import parameters and the lines of the
    import report (``parameters["osm_import"]``, read by :mod:`geo_app.workflows.readiness`); layers plus
    the ``layer_metadata`` table (layer, key, value).
    """
    from geo_app.project import Project, ProjectSettings
    from layers.crs import metric_crs
    from layers.osm import layer_metadata_frame

    minx, miny, maxx, maxy = result.bbox
    meta = result.metadata
    params = {
        key: float(
            meta.loc[(meta["layer"] == "communities") & (meta["key"] == key), "value"].iloc[0]
        )
        for key in ("flat_size_m2", "default_levels", "persons_per_household")
    }
    settings = ProjectSettings(
        name=name,
        metric_crs=metric_crs((minx + maxx) / 2, (miny + maxy) / 2),
        district_classes=dict(overrides or {}),
        parameters={"osm_import": {**params, "report": list(result.report)}},
    )
    project = Project.create(out, settings, overwrite=overwrite)
    project.write_layers({**result.layers, METADATA_TABLE: layer_metadata_frame(result)})
    return project


def run(args: argparse.Namespace) -> int:
    """Read the extract, create the project, print counts and the import report."""
    from layers.osm import OSM_ATTRIBUTION, OsmImportError, download_place, read_osm_layers
    from layers.schema import SCHEMAS

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
    if (args.file is None) == (args.place is None):
        raise CommandError(
            "请给出 OSM 文件或 --place 地名(二者选一) / give an OSM file or --place NAME "
            "(one of the two)"
        )
    overrides = _overrides(args.district_class)

    progress = TextProgress(stream=sys.stdout, indent="  ")
    with tempfile.TemporaryDirectory() as tmp:
        if args.place:
            print(f"在线下载 {args.place} / downloading {args.place}", flush=True)
            try:
                source = download_place(args.place, Path(tmp) / "place.osm")
            except OsmImportError as exc:
                raise CommandError(str(exc)) from exc
            name = args.place
        else:
            source = args.file
            if not source.exists():
                raise CommandError(f"文件不存在:{source} / file not found: {source}")
            name = _project_name(source)
        try:
            result = read_osm_layers(
                source,
                flat_size_m2=args.flat_size,
                default_levels=args.default_levels,
                persons_per_household=args.persons_per_household,
                district_classes=overrides,
                network=not args.no_network,
                progress=progress,
            )
        except OsmImportError as exc:
            raise CommandError(str(exc)) from exc

    write_project(result, out, name=name, overrides=overrides, overwrite=args.overwrite)
    print(f"已生成项目「{name}」/ project written: {out}")
    for layer, gdf in result.layers.items():
        schema = SCHEMAS.get(layer)
        label = f"{schema.label_zh} {layer}" if schema else layer
        print(f"  {label}: {len(gdf)}")
    print("导入报告 / import report:")
    for line in result.report:
        print(f"  - {line}")
    print(f"数据 / data: {OSM_ATTRIBUTION}")
    return 0
