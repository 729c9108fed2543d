"""Data import and export of a project (issue 5): files, uploads, field mapping, download."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_app.project import GeoPackageStore, Project, ProjectError
from layers.importing import ImportResult, prepare_import, suggest_mapping
from layers.io import LayerFileError, list_file_layers, read_uploaded_files, read_vector_file
from layers.schema import get_schema

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
    """Result of :func:`import_file`: the prepared import and what was written."""

    result: ImportResult
    source_rows: int
    written: bool
    total_rows: int


def read_source(
    path: str | Path,
    layer: str,
    *,
    source_layer: str | None = None,
    encoding: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
) -> gpd.GeoDataFrame:
    """Read an import file; a GeoPackage layer named like the target layer is chosen."""
    if source_layer is None and layer in list_file_layers(path):
        source_layer = layer
    return read_vector_file(
        path, layer=source_layer, encoding=encoding, lon_col=lon_col, lat_col=lat_col
    )


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
        Extend the layer instead of replacing it.
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


def import_file(
    project: Project,
    layer: str,
    source: gpd.GeoDataFrame,
    *,
    options: ImportOptions | None = None,
    **settings: Any,
) -> ImportOutcome:
    """Prepare ``source`` for ``layer`` and write it to ``project`` if every row is valid.

    The layer is replaced (or, with ``append``, extended) and the import is logged in
    ``project.settings.parameters["imports"]`` (file, rows, source CRS) in the same atomic
    write. Nothing is written when the validation finds a problem or with ``dry_run``.
    With ``auto_map=False`` only the fields of ``mapping`` are filled (the page's edited
    mapping); otherwise the missing ones are suggested. ``options`` is an
    :class:`ImportOptions`, or its fields are given one by one (``crs="wgs84", append=True``).
    Raises ``MappingError`` for an unusable mapping or CRS.
    """
    if options is not None and settings:
        raise TypeError("give options or its fields, not both")
    options = options or ImportOptions(**settings)
    get_schema(layer)
    # the lock is held from reading the layer and the import log to the write, so a concurrent
    # import or save into the same project is never lost
    with contextlib.nullcontext() if options.dry_run else project.locked():
        return _import_locked(project, layer, source, options)


def _import_locked(
    project: Project, layer: str, source: gpd.GeoDataFrame, options: ImportOptions
) -> ImportOutcome:
    """The body of :func:`import_file`, run while the project's write lock is held."""
    existing = project.optional_layer(layer) if options.append else None
    settings = project.settings
    result = prepare_import(
        source,
        layer,
        options.mapping,
        options.crs,
        auto_map=options.auto_map,
        metric_crs=settings.metric_crs,
        reference=_reference_layers(project, layer),
        existing=existing,
        in_china=settings.country.upper() == "CN",
    )
    new = result.gdf.reset_index(drop=True)
    if not result.ok or options.dry_run:
        return ImportOutcome(result, len(source), False, len(new))
    if existing is not None:
        if not isinstance(existing, gpd.GeoDataFrame):
            existing = gpd.GeoDataFrame(existing)
        combined = pd.concat([existing.to_crs(new.crs), new], ignore_index=True)
        new = gpd.GeoDataFrame(combined, geometry=new.geometry.name, crs=new.crs)
    log = list(settings.parameters.get("imports", []))
    log.append(
        {
            "layer": layer,
            "file": options.file_name,
            "rows": len(result.gdf),
            "source_crs": result.source_crs,
            "mode": "append" if existing is not None else "replace",
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    settings.parameters["imports"] = log
    project.write_layers({layer: new}, with_settings=True)
    return ImportOutcome(result, len(source), True, len(new))


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
    return read_uploaded_files(
        dict(files), layer=source_layer, encoding=encoding, lon_col=lon_col, lat_col=lat_col
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
