"""Data import and export of a project (issue 5): files, uploads, field mapping, download."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_app.project import GeoPackageStore, Project, ProjectError
from geo_app.workflows.import_effects import ImportEffect, import_effects
from layers.import_rows import (
    ID_PREFIXES,
    PLACE_FIELDS,
    PLACEABLE_LAYERS,
    generate_ids,
    lost_ids,
    merge_by_id,
    place_by_location,
)
from layers.importing import ImportResult, prepare_import, resolve_mapping, suggest_mapping
from layers.io import LayerFileError, list_file_layers, read_uploaded_files, read_vector_file
from layers.schema import get_schema
from layers.source_crs import MappingError
from layers.table_io import NoCoordinatesError
from layers.validation import validate

ATTRIBUTES_ONLY = "attributes_only"
"""``attrs`` flag of a table read without coordinates: it can only update rows by id."""

IMPORT_MODES: tuple[str, ...] = ("upsert", "append", "replace")
"""How an import writes: add new ids and update the others in the fields the file gives
(``upsert``, the data page's default), add rows (``append``: an id already there is a problem),
or replace the whole layer (``replace``: the rows not in the file are lost)."""

MAX_UPLOAD_MB = 200
"""Largest upload the data page accepts, in MB (also ``server.maxUploadSize`` of Streamlit)."""

CRS_CHOICES: tuple[str, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")
"""Coordinate systems offered for an import (besides ``EPSG:N``)."""


def _reference_layers(project: Project, target: str) -> list[gpd.GeoDataFrame]:
    frames = []
    for name in ("network_edges", "streets", "communities"):
        if name != target and project.has_layer(name):
            frame = project.layer(name)
            if isinstance(frame, gpd.GeoDataFrame) and len(frame):
                frames.append(frame)
    return frames


@dataclass
class ImportOutcome:
    """Result of :func:`import_file`: the prepared import and what was written.

    Attributes
    ----------
    result : ImportResult
        The prepared file (``result.gdf``, with the cells filled from the location) and its
        validation (of the rows as they would be written, for an update by id).
    source_rows, total_rows : int
        Rows of the file, rows of the layer after the import.
    written : bool
    mode : str
        One of :data:`IMPORT_MODES`.
    lost : list of str
        Ids of the existing rows that replacing the layer deletes (``replace`` only).
    updated, added : int
        Rows updated by id and rows added.
    placed : DataFrame
        Cells filled from the location: ``row, field, value``.
    effects : list of ImportEffect
        Results the import would disable although the file is valid
        (:func:`geo_app.workflows.import_effects.import_effects`).
    missing_id : bool
        Whether the file has no id column (and ids were not generated).
    """

    result: ImportResult
    source_rows: int
    written: bool
    total_rows: int
    mode: str = "replace"
    lost: list[str] = field(default_factory=list)
    updated: int = 0
    added: int = 0
    placed: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "field", "value"])
    )
    effects: list[ImportEffect] = field(default_factory=list)
    missing_id: bool = False


def read_source(
    path: str | Path,
    layer: str,
    *,
    source_layer: str | None = None,
    encoding: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
) -> gpd.GeoDataFrame:
    """Read an import file; a GeoPackage layer named like the target layer is chosen.

    A table (CSV, XLSX) without coordinate columns is read as attributes only (no geometry,
    :data:`ATTRIBUTES_ONLY` in ``attrs``): it can update existing rows by id (households of the
    communities ...), not add or replace rows.
    """
    if source_layer is None and layer in list_file_layers(path):
        source_layer = layer
    return _attributes_or_layer(
        lambda: read_vector_file(
            path, layer=source_layer, encoding=encoding, lon_col=lon_col, lat_col=lat_col
        )
    )


def _attributes_or_layer(read) -> gpd.GeoDataFrame:
    try:
        return read()
    except NoCoordinatesError as exc:
        table = exc.table
        out = gpd.GeoDataFrame(table, geometry=[None] * len(table), crs="EPSG:4326")
        out.attrs[ATTRIBUTES_ONLY] = True
        return out


@dataclass(frozen=True)
class ImportOptions:
    """How :func:`import_file` maps, reprojects and writes a source.

    Parameters
    ----------
    mapping : dict, optional
        ``{field: source column}``; missing fields are suggested unless ``auto_map`` is off.
    crs : str, optional
        Coordinate system of the source (``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000``,
        ``EPSG:N``) when the file does not say.
    append : bool
        Extend the layer instead of replacing it (the same as ``mode="append"``).
    mode : str, optional
        One of :data:`IMPORT_MODES`; default ``append`` with ``append``, else ``replace``.
    confirm_loss : bool
        With ``replace``: write although existing rows are lost (the data page asks first);
        without it an import that would delete rows is not written (``outcome.lost`` names
        them). The CLI confirms by choosing ``--mode replace``.
    generate_ids : bool
        Give the rows of a file without the id column (or with blank ids) new ids.
    place : bool
        Fill blank ``community_id`` / ``street_code`` / ``district_code`` of facilities, boiler
        rooms and cameras from the project's polygons (:func:`layers.import_rows.place_by_location`).
    dry_run : bool
        Prepare and validate only; nothing is written.
    file_name : str
        Name of the source file, for the import log.
    auto_map : bool
        Suggest the fields missing from ``mapping`` (off: the page's edited mapping as is).
    """

    mapping: dict[str, str] | None = None
    crs: str | None = None
    append: bool = False
    dry_run: bool = False
    file_name: str = ""
    auto_map: bool = True
    mode: str | None = None
    confirm_loss: bool = True
    generate_ids: bool = False
    place: bool = True

    @property
    def how(self) -> str:
        """The import mode of :data:`IMPORT_MODES`."""
        mode = self.mode or ("append" if self.append else "replace")
        if mode not in IMPORT_MODES:
            raise ValueError(f"unknown import mode {mode!r}; one of {', '.join(IMPORT_MODES)}")
        return mode


def import_file(
    project: Project,
    layer: str,
    source: gpd.GeoDataFrame,
    *,
    options: ImportOptions | None = None,
    **settings: Any,
) -> ImportOutcome:
    """Prepare ``source`` for ``layer`` and write it to ``project`` if every row is valid.

    The layer is replaced, extended (``append``) or updated by id (``mode="upsert"``: new ids
    added, the others updated in the fields the file gives; the data page's default), and the
    import is logged in ``project.settings.parameters["imports"]`` (file, rows, source CRS,
    mode, rows updated/added/lost) in the same atomic write. Nothing is written when the
    validation finds a problem, with ``dry_run``, or when a replace would delete rows and
    ``confirm_loss`` is off (``outcome.lost`` names them). Ids can be generated
    (``generate_ids``), blank community/street/district cells of facilities, boiler rooms and
    cameras are filled from the location (``outcome.placed``), and ``outcome.effects`` names
    the results a valid import would still disable. A table without coordinates can only
    update by id.
    With ``auto_map=False`` only the fields of ``mapping`` are filled (the page's edited
    mapping); otherwise the missing ones are suggested. ``options`` is an
    :class:`ImportOptions`, or its fields are given one by one (``crs="wgs84", append=True``).
    Raises ``MappingError`` for an unusable mapping or CRS, or a table without coordinates in
    another mode than ``upsert``.
    """
    if options is not None and settings:
        raise TypeError("give options or its fields, not both")
    options = options or ImportOptions(**settings)
    get_schema(layer)
    # the lock is held from reading the layer and the import log to the write, so a concurrent
    # import or save into the same project is never lost
    with contextlib.nullcontext() if options.dry_run else project.locked():
        return _import_locked(project, layer, source, options)


def _with_ids(
    project: Project, layer: str, source: gpd.GeoDataFrame, options: ImportOptions
) -> tuple[gpd.GeoDataFrame, dict[str, str] | None, bool]:
    """The source with generated ids (when asked) and the mapping; whether the id is missing."""
    id_field = get_schema(layer).id_field
    mapping = dict(options.mapping or {})
    if not id_field:
        return source, mapping, False
    columns = [str(c) for c in source.columns if c != source.geometry.name]
    used = resolve_mapping(columns, layer, mapping, auto=options.auto_map)
    if id_field in used:
        if not options.generate_ids:
            return source, mapping, False
        column = used[id_field]
    else:
        if not options.generate_ids:
            return source, mapping, True
        column = id_field if id_field not in columns else f"{id_field}_generated"
    existing = project.optional_layer(layer)
    taken = existing[id_field] if existing is not None and id_field in existing else []
    prefix = ID_PREFIXES.get(layer, "NEW-")
    filled = generate_ids(source, column, taken, prefix)
    mapping[id_field] = column
    return gpd.GeoDataFrame(filled, geometry=source.geometry.name, crs=source.crs), mapping, False


def _placed(project: Project, layer: str, frame: gpd.GeoDataFrame, rows=None):
    """Blank community/street/district cells filled from the location (placeable layers)."""
    if layer not in PLACEABLE_LAYERS or not len(frame):
        return frame, pd.DataFrame(columns=["row", "field", "value"])
    return place_by_location(
        frame,
        communities=project.optional_layer("communities"),
        streets=project.optional_layer("streets"),
        districts=project.optional_layer("districts"),
        rows=rows,
    )


def _given(result: ImportResult, layer: str, source: pd.DataFrame) -> list[str]:
    """Fields the file gives: mapped fields and its own other columns (not the empty or
    location-filled additions)."""
    schema_fields = set(get_schema(layer).field_names)
    own = {str(c) for c in source.columns}
    extra = [
        c for c in result.gdf.columns if c not in schema_fields and c != "geometry" and c in own
    ]
    return [*result.mapping, *extra]


def _import_locked(
    project: Project, layer: str, source: gpd.GeoDataFrame, options: ImportOptions
) -> ImportOutcome:
    """The body of :func:`import_file`, run while the project's write lock is held."""
    mode = options.how
    if source.attrs.get(ATTRIBUTES_ONLY) and mode != "upsert":
        raise MappingError(
            "表格没有坐标列,只能“按编号新增/更新”现有行的属性(如户数);要新增或替换要素请加"
            "经纬度列 / the table has no coordinate columns: it can only update existing rows "
            "by id (e.g. households); add longitude/latitude columns to add or replace features"
        )
    existing = project.optional_layer(layer)
    if existing is not None and not isinstance(existing, gpd.GeoDataFrame):
        existing = gpd.GeoDataFrame(existing)
    source, mapping, missing_id = _with_ids(project, layer, source, options)
    settings = project.settings
    result = prepare_import(
        source,
        layer,
        mapping,
        options.crs,
        auto_map=options.auto_map,
        metric_crs=settings.metric_crs,
        reference=_reference_layers(project, layer),
        existing=existing if mode == "append" else None,
        in_china=settings.country.upper() == "CN",
    )
    id_field = get_schema(layer).id_field
    outcome = ImportOutcome(result, len(source), False, len(result.gdf), mode=mode)
    outcome.missing_id = missing_id
    new = result.gdf
    if options.place:
        new, outcome.placed = _placed(project, layer, new)
        result.gdf = new
    mergeable = id_field and id_field in new.columns and existing is not None
    if mode == "upsert" and mergeable and len(existing) and id_field in existing.columns:
        given = _given(result, layer, source)
        merged, touched, outcome.updated, outcome.added = merge_by_id(
            existing.to_crs(new.crs),
            new,
            id_field,
            given,
            fill_blank=[f for f in PLACE_FIELDS if f not in given and f in new.columns],
        )
        problems = validate(layer, touched, in_china=settings.country.upper() == "CN")
        problems.n_rows = len(new)
        keep = [p for p in result.report.problems if p.field == "geometry" and p.row is None]
        problems.problems = keep + problems.problems
        result.report = problems
    else:
        merged = new.reset_index(drop=True)
        if mode == "append" and existing is not None and len(existing):
            merged = gpd.GeoDataFrame(
                pd.concat([existing.to_crs(new.crs), merged], ignore_index=True),
                geometry=new.geometry.name,
                crs=new.crs,
            )
        outcome.added = len(new)
        touched = new
    if mode == "replace":
        outcome.lost = lost_ids(existing, new, id_field)
    outcome.total_rows = len(merged)
    if not result.ok:
        return outcome
    outcome.effects = import_effects(project, layer, merged, imported=touched)
    if options.dry_run or (outcome.lost and not options.confirm_loss):
        return outcome
    log = list(settings.parameters.get("imports", []))
    log.append(
        {
            "layer": layer,
            "file": options.file_name,
            "rows": len(result.gdf),
            "source_crs": result.source_crs,
            "mode": mode,
            "updated": outcome.updated,
            "added": outcome.added,
            "lost": len(outcome.lost),
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    settings.parameters["imports"] = log
    project.write_layers({layer: merged}, with_settings=True)
    outcome.written = True
    return outcome


def check_upload_size(files: Mapping[str, bytes], max_mb: float = MAX_UPLOAD_MB) -> int:
    """Total size of the uploaded files in bytes; ``LayerFileError`` above ``max_mb`` MB."""
    total = sum(len(data) for data in files.values())
    if total > max_mb * 1024 * 1024:
        size = total / 1024 / 1024
        raise LayerFileError(
            f"上传文件共 {size:.1f} MB,超过上限 {max_mb:g} MB;请拆分文件或压缩为 zip",
            f"the upload is {size:.1f} MB, above the limit of {max_mb:g} MB; "
            "split the file or zip it",
        )
    return total


def _main_upload(paths: Sequence[Path]) -> Path:
    if len(paths) == 1:
        return paths[0]
    shp = [p for p in paths if p.suffix.lower() == ".shp"]
    if len(shp) != 1:
        raise LayerFileError(
            "请上传一个文件,或同一个 Shapefile 的各部分(.shp .shx .dbf .prj .cpg)",
            "upload one file, or the parts of one shapefile (.shp .shx .dbf .prj .cpg)",
        )
    return shp[0]


def upload_layers(files: Mapping[str, bytes], max_mb: float = MAX_UPLOAD_MB) -> list[str]:
    """Layers of an uploaded GeoPackage, sheets of a workbook or data files of a zip."""
    check_upload_size(files, max_mb)
    if not files:
        return []
    with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
        paths = []
        for name, data in files.items():
            target = Path(tmp) / (Path(str(name)).name or "upload")
            target.write_bytes(data)
            paths.append(target)
        try:
            return list_file_layers(_main_upload(paths))
        except LayerFileError:
            return []


def read_upload(
    files: Mapping[str, bytes],
    layer: str,
    *,
    source_layer: str | None = None,
    encoding: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    max_mb: float = MAX_UPLOAD_MB,
) -> gpd.GeoDataFrame:
    """Read uploaded files (``{file name: bytes}``) for an import into ``layer``.

    One file (GeoPackage, zip, GeoJSON, CSV, XLSX ...) or the parts of one Shapefile. The size
    is checked first (:func:`check_upload_size`); a GeoPackage layer named like ``layer`` is
    chosen unless ``source_layer`` is given. Raises :class:`layers.io.LayerFileError` with a
    zh/en message for files that are too large, not geodata or damaged.
    """
    check_upload_size(files, max_mb)
    if source_layer is None and layer in upload_layers(files, max_mb):
        source_layer = layer
    return _attributes_or_layer(
        lambda: read_uploaded_files(
            dict(files), layer=source_layer, encoding=encoding, lon_col=lon_col, lat_col=lat_col
        )
    )


def mapping_choices(source: pd.DataFrame, layer: str) -> tuple[list[str], dict[str, str]]:
    """Source columns (without geometry) and the suggested ``{field: column}`` for ``layer``."""
    geometry = source.geometry.name if isinstance(source, gpd.GeoDataFrame) else None
    columns = [str(c) for c in source.columns if c != geometry]
    return columns, suggest_mapping(columns, layer)


def preview_features(result: ImportResult, limit: int = 300) -> gpd.GeoDataFrame:
    """The first ``limit`` prepared features with a geometry (for the preview map)."""
    gdf = result.gdf
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    return gdf.iloc[:limit]


def export_project_bytes(path: str | os.PathLike | Project) -> bytes:
    """The project GeoPackage as bytes (for a download button).

    Projects are written atomically (a complete new file replaces the old one), so the file
    read here is always a whole, consistent GeoPackage that opens in QGIS. A project of the
    shared database is copied into a new GeoPackage (the rows the account can see).
    """
    if isinstance(path, Project) and isinstance(path.store, GeoPackageStore):
        path = path.store.path
    if isinstance(path, Project):
        with tempfile.TemporaryDirectory(prefix="geoapp-export-") as tmp:
            copy = Project.create(Path(tmp) / "project.gpkg", path.settings)
            names = path.store.list_layers()
            copy.store.write_layers({n: path.store.read_layer(n) for n in names})
            return (Path(tmp) / "project.gpkg").read_bytes()
    path = Path(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProjectError(
            f"无法读取项目文件 {path}:{exc} / cannot read the project file {path}: {exc}"
        ) from exc
