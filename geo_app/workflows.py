"""Project-level workflows: a project's layers and settings joined with the analyses.

The CLI and the Streamlit pages both call these functions, so that a page stays a thin layer of
widgets and a command a thin layer of arguments. Errors a planner can fix are raised as
:class:`~geo_app.project.ProjectError` with a bilingual message.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import networkx as nx
import pandas as pd

from analysis.budgets import HeatingCosts, StarRewards, heating_costs, star_rewards
from analysis.compliance import (
    FUNDING_LABELS,
    SCOPE_LABELS,
    STATUS_LABELS,
    ComplianceResult,
    check_compliance,
    filter_table,
    room_labels,
    summarize,
)
from analysis.compliance import is_missing as compliance_is_missing
from analysis.coverage import (
    DEFAULT_WALK_SPEED_KMH,
    CoverageResult,
    coverage_analysis,
    two_step_fca,
)
from analysis.distances import DEFAULT_DETOUR
from analysis.gaps import GapResult, gap_analysis
from analysis.rules_art36 import STARTED_LABELS
from analysis.standards import STRICTNESS_LABELS, StandardError, StandardSet, load_standard
from analysis.surveillance import (
    CameraSpec,
    SurveillanceResult,
    analyse_surveillance,
    management_from_standard,
    normalise_status,
    targets_from_standard,
)
from geo_app.i18n import catalogue, field_label, layer_label, normalise_lang, t, value_label
from geo_app.project import GeoPackageStore, Project, ProjectError
from geo_app.spreadsheets import write_csv, write_xlsx
from layers.importing import ImportResult, prepare_import, suggest_mapping
from layers.io import LayerFileError, list_file_layers, read_uploaded_files, read_vector_file
from layers.network import EDGES_LAYER, NODES_LAYER, load_walking_network
from layers.registry import REGISTRY_LAYER, registered_areas
from layers.schema import FACILITY_KINDS, get_schema

COMPLIANCE_LAYERS = ("communities", "facilities", "districts")


def project_standard(project: Project, name: str | None = None) -> StandardSet:
    """The project's standard set with its saved overrides, or set ``name`` if given.

    Overrides saved in ``project.settings.standard_overrides`` refer to the project's own set and
    are applied only when ``name`` is that set (or ``None``).
    """
    settings = project.settings
    chosen = name or settings.standard_set
    overrides = settings.standard_overrides if chosen == settings.standard_set else None
    return load_standard(chosen, overrides)


def _compliance_layers(project: Project) -> dict[str, pd.DataFrame]:
    missing = [n for n in COMPLIANCE_LAYERS if not project.has_layer(n)]
    if missing:
        raise ProjectError(
            f"项目缺少图层 {', '.join(missing)} / the project lacks the layer(s) {', '.join(missing)}"
        )
    layers = {n: project.layer(n) for n in COMPLIANCE_LAYERS}
    layers["streets"] = project.layer("streets") if project.has_layer("streets") else None
    if project.has_layer(REGISTRY_LAYER):  # Art. 14: registered areas where present
        registry = project.layer(REGISTRY_LAYER)
        layers["facilities"] = registered_areas(layers["facilities"], registry)
    return layers


def project_compliance(
    project: Project, standard: StandardSet | str | None = None
) -> ComplianceResult:
    """Run :func:`analysis.compliance.check_compliance` on a project's layers and settings."""
    std = standard if isinstance(standard, StandardSet) else project_standard(project, standard)
    layers = _compliance_layers(project)
    ratings = project.layer("ratings") if project.has_layer("ratings") else None
    if std.first("failed_terms") is None:
        ratings = None
    return check_compliance(
        layers["communities"],
        layers["facilities"],
        layers["districts"],
        streets=layers["streets"],
        standard=std,
        district_classes=project.settings.district_classes,
        ratings=ratings,
    )


def project_budgets(
    project: Project, standard: StandardSet | str | None = None
) -> tuple[StarRewards | None, HeatingCosts | None]:
    """Art. 33 rewards and Art. 32 heating costs of a project (``None`` where not applicable).

    Star rewards need a ``star_rating`` column in the communities layer; the heating price is the
    project parameter ``heating_price_yuan_per_m2`` (else the standard's default).
    """
    std = standard if isinstance(standard, StandardSet) else project_standard(project, standard)
    layers = _compliance_layers(project)
    stars = None
    if std.first("star_rewards") is not None and "star_rating" in layers["communities"].columns:
        stars = star_rewards(
            layers["communities"], layers["districts"], streets=layers["streets"], standard=std
        )
    heating = None
    if std.first("heating_split") is not None:
        price = project.settings.parameters.get("heating_price_yuan_per_m2")
        heating = heating_costs(
            layers["facilities"],
            layers["communities"],
            layers["districts"],
            standard=std,
            price_yuan_per_m2=price,
            district_classes=project.settings.district_classes,
        )
    return stars, heating


# -- compliance: tables for display and export (Art. 8, 11, 12, 32, 33, 36) -----------------

COMPLIANCE_SHEET_NAMES: dict[str, str] = {
    "communities": "社区达标",
    "by_street": "街道汇总",
    "by_district": "区县汇总",
    "stations": "服务站用房",
    "street_centres": "街道中心",
    "rural": "农村社区",
    "security": "治安防范",
    "failed_terms": "星级届次",
    "district_notes": "区县类别",
    "issues": "问题清单",
    "star_rewards": "星级奖励",
    "star_streets": "星级街道",
    "heating": "供暖费用",
    "rules": "规则参数",
}
"""Workbook sheet of each table (Chinese names; column names stay the stable English codes)."""

EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx")
EXPORT_MIME: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filter_compliance(
    result: ComplianceResult,
    districts: Iterable[str] = (),
    streets: Iterable[str] = (),
) -> ComplianceResult:
    """The result restricted to ``districts`` and ``streets`` (codes or names; empty: all).

    Every table (communities, stations, street centres, villages) is filtered with
    :func:`analysis.compliance.filter_table`; the street and district summaries are recomputed
    from the filtered tables with :func:`analysis.compliance.summarize`, so that
    :meth:`~analysis.compliance.ComplianceResult.totals` and ``issues()`` describe the selection.
    """
    district = [str(d) for d in districts] or None
    street = [str(s) for s in streets] or None
    if district is None and street is None:
        return result

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        if frame is None or frame.empty:
            return frame
        return filter_table(frame, district=district, street=street).reset_index(drop=True)

    communities = keep(result.communities)
    street_centres = keep(result.street_centres)
    rural = keep(result.rural)
    ids = set(communities["community_id"])
    terms = result.failed_terms
    if len(terms):
        terms = terms[terms["community_id"].isin(ids)].reset_index(drop=True)
    return ComplianceResult(
        standard=result.standard,
        communities=communities,
        stations=keep(result.stations),
        street_centres=street_centres,
        rural=rural,
        by_street=summarize(communities, "street", street_centres=street_centres, rural=rural),
        by_district=summarize(communities, "district", street_centres=street_centres, rural=rural),
        security=keep(result.security),
        failed_terms=terms,
        district_notes=result.district_notes,
    )


def compliance_sheets(
    result: ComplianceResult,
    *,
    stars: StarRewards | None = None,
    heating: HeatingCosts | None = None,
) -> dict[str, pd.DataFrame]:
    """All tables of a compliance export, keyed like :data:`COMPLIANCE_SHEET_NAMES`, in order."""
    sheets = result.sheets()
    if stars is not None:
        sheets["star_rewards"] = stars.by_district
        sheets["star_streets"] = stars.by_street
    if heating is not None:
        sheets["heating"] = heating.by_district
    return {k: sheets[k] for k in COMPLIANCE_SHEET_NAMES if k in sheets}


def write_compliance(
    result: ComplianceResult,
    target: str | os.PathLike | BinaryIO,
    fmt: str,
    *,
    stars: StarRewards | None = None,
    heating: HeatingCosts | None = None,
    lang: str | None = None,
) -> None:
    """Write a compliance result: ``"csv"`` (one row per community) or ``"xlsx"`` (all tables).

    ``target`` is a path or a binary file object (``io.BytesIO`` for a download button). The
    CSV is UTF-8 with a byte-order mark so that Excel shows the Chinese names; the workbook
    has one sheet per table (:data:`COMPLIANCE_SHEET_NAMES`), with the Art. 33 star rewards and
    Art. 32 heating costs when given. ``lang`` "zh"/"en": headers and codes in that language;
    None/"raw": machine-readable (:mod:`geo_app.export_language`).
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "csv":
        write_csv(result.communities, target, lang=lang)
        return
    if fmt != "xlsx":
        raise ValueError(
            f"导出格式应为 csv 或 xlsx:{fmt!r} / the export format must be csv or xlsx: {fmt!r}"
        )
    sheets = compliance_sheets(result, stars=stars, heating=heating)
    write_xlsx(
        {COMPLIANCE_SHEET_NAMES[key]: frame for key, frame in sheets.items()}, target, lang=lang
    )


def compliance_export_bytes(
    result: ComplianceResult,
    fmt: str,
    *,
    stars: StarRewards | None = None,
    heating: HeatingCosts | None = None,
    lang: str | None = None,
) -> bytes:
    """The bytes of :func:`write_compliance` (what the page's download buttons hand out)."""
    buffer = io.BytesIO()
    write_compliance(result, buffer, fmt, stars=stars, heating=heating, lang=lang)
    return buffer.getvalue()


COMPLIANCE_COLUMNS: tuple[str, ...] = (
    "community_id",
    "name",
    "district",
    "street",
    "kind",
    "era",
    "households",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "status",
    "strictness",
    "rule_id",
    "article",
    "missing_rooms",
    "one_station_ok",
    "two_failed_terms",
    "funding",
)
"""Columns of the per-community table the compliance page shows, in order."""

_CODED = {
    "status": lambda v, lang: _status_label(v, lang),
    "district_class": lambda v, lang: value_label("districts", "district_class", v, lang),
    "era": lambda v, lang: value_label("communities", "era", v, lang),
    "kind": lambda v, lang: value_label("communities", "kind", v, lang),
    "missing_rooms": lambda v, lang: room_labels(v, lang) if isinstance(v, str) else v,
    "funding": lambda v, lang: FUNDING_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "strictness": lambda v, lang: STRICTNESS_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "scope": lambda v, lang: SCOPE_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "started": lambda v, lang: STARTED_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "payer": lambda v, lang: (
        t(f"compliance.payer.{v}", lang) if f"compliance.payer.{v}" in catalogue() else v
    ),
    "level": lambda v, lang: (
        t(f"compliance.level.{v}", lang) if f"compliance.level.{v}" in catalogue() else v
    ),
}


def _status_label(value: object, lang: str) -> object:
    pair = STATUS_LABELS.get(str(value))
    if pair is None:
        key = f"compliance.status.{value}"
        return t(key, lang) if key in catalogue() else value
    return pair[0 if lang == "zh" else 1]


def column_label(name: str, lang: str = "zh") -> str:
    """Label of a compliance table column: ``compliance.col.<name>``, else the field label."""
    key = f"compliance.col.{name}"
    if key in catalogue():
        return t(key, lang)
    return field_label("communities", name, lang)


def cite_rule(
    standard: StandardSet | None, rule_id: object, article: object, lang: str = "zh"
) -> tuple[object, object]:
    """``(article, rule)`` as shown to a planner: 第十一条第一款 and the rule's title in Chinese.

    Without a standard, or for a rule the standard does not know, both stay as given.
    """
    rule = standard.rules.get(str(rule_id)) if standard is not None else None
    if rule is None:
        return article, rule_id
    return (rule.article_zh if lang == "zh" else rule.article), rule.title(lang)


def display_table(
    frame: pd.DataFrame,
    lang: str = "zh",
    columns: Sequence[str] | None = None,
    standard: StandardSet | None = None,
) -> pd.DataFrame:
    """A compliance table for the screen: chosen columns, coded values and headers in ``lang``.

    Statuses, district classes, eras, kinds, payers and Art. 8 rooms are shown by their labels
    (达标/未达标, 老旧小区 ...); the column names become :func:`column_label`. Numbers stay
    numbers so that the table sorts correctly. Message columns ``message_zh``/``message_en``
    collapse into one ``message`` column in ``lang``. With ``standard``, ``article`` and
    ``rule_id`` are cited by :func:`cite_rule` (第十一条第一款, the rule's title).
    """
    lang = normalise_lang(lang)
    out = frame.copy()
    if standard is not None and "rule_id" in out.columns:
        cited = [
            cite_rule(standard, r, a, lang)
            for r, a in zip(
                out["rule_id"],
                out["article"] if "article" in out.columns else [None] * len(out),
                strict=True,
            )
        ]
        if "article" in out.columns:
            out["article"] = [c[0] for c in cited]
        out["rule_id"] = [c[1] for c in cited]
    if "message_zh" in out.columns and "message_en" in out.columns:
        out["message"] = out["message_zh" if lang == "zh" else "message_en"]
        out = out.drop(columns=["message_zh", "message_en"])
    if columns is not None:
        out = out[[c for c in columns if c in out.columns]]
    out = out.drop(columns=[c for c in out.columns if c == "geometry"])
    for col, label in _CODED.items():
        if col in out.columns:
            out[col] = out[col].map(
                lambda v, label=label: v if compliance_is_missing(v) else label(v, lang)
            )
    return out.rename(columns={c: column_label(c, lang) for c in out.columns})


def problems_table(problems: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The rows of a :class:`~analysis.compliance.ComplianceInputError` for the screen."""
    keep = ["layer", "row", "record_id", "field", "value", "message_zh", "message_en"]
    return display_table(problems[[c for c in keep if c in problems.columns]], lang)


# -- data import and export (issue 5) ----------------------------------------------------------

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


def import_file(
    project: Project,
    layer: str,
    source: gpd.GeoDataFrame,
    *,
    mapping: dict[str, str] | None = None,
    crs: str | None = None,
    append: bool = False,
    dry_run: bool = False,
    file_name: str = "",
    auto_map: bool = True,
) -> ImportOutcome:
    """Prepare ``source`` for ``layer`` and write it to ``project`` if every row is valid.

    The layer is replaced (or, with ``append``, extended) and the import is logged in
    ``project.settings.parameters["imports"]`` (file, rows, source CRS) in the same atomic
    write. Nothing is written when the validation finds a problem or with ``dry_run``.
    With ``auto_map=False`` only the fields of ``mapping`` are filled (the page's edited
    mapping); otherwise the missing ones are suggested. Raises ``MappingError`` for an
    unusable mapping or CRS.
    """
    get_schema(layer)
    # the lock is held from reading the layer and the import log to the write, so a concurrent
    # import or save into the same project is never lost
    with contextlib.nullcontext() if dry_run else project.locked():
        return _import_locked(
            project,
            layer,
            source,
            mapping=mapping,
            crs=crs,
            append=append,
            dry_run=dry_run,
            file_name=file_name,
            auto_map=auto_map,
        )


def _import_locked(
    project: Project,
    layer: str,
    source: gpd.GeoDataFrame,
    *,
    mapping: dict[str, str] | None,
    crs: str | None,
    append: bool,
    dry_run: bool,
    file_name: str,
    auto_map: bool,
) -> ImportOutcome:
    """The body of :func:`import_file`, run while the project's write lock is held."""
    existing = project.layer(layer) if append and project.has_layer(layer) else None
    settings = project.settings
    result = prepare_import(
        source,
        layer,
        mapping,
        crs,
        auto_map=auto_map,
        metric_crs=settings.metric_crs,
        reference=_reference_layers(project, layer),
        existing=existing,
        in_china=settings.country.upper() == "CN",
    )
    new = result.gdf.reset_index(drop=True)
    if not result.ok or dry_run:
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
            "file": file_name,
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


# -- surveillance of public places (issue 7, Art. 20) -----------------------------------------

SURVEILLANCE_LAYERS = (
    "public_spaces",
    "buildings",
    "communities",
    "network_edges",
    "network_nodes",
    "districts",
)
"""Optional layers read by :func:`project_surveillance` besides ``cameras``."""

SURVEILLANCE_COMMUNITY_COLUMNS = (
    "community_id",
    "name",
    "management",
    "public_length_m",
    "covered_length_m",
    "covered_share",
    "public_area_m2",
    "covered_area_m2",
    "covered_share_area",
    "cameras_total",
    "cameras_working",
    "cameras_broken",
    "working_rate",
    "meets_working_target",
    "fully_covered",
)
"""Columns of the per-community table the surveillance page shows, in order."""
REPAIR_COLUMNS = ("rank", "camera_id", "kind", "community_id", "gain_length_m", "gain_area_m2")
"""Columns of the repair list (broken cameras ordered by what a repair would cover again)."""
SUGGESTED_COLUMNS = (
    "camera_id",
    "kind",
    "bearing_deg",
    "fov_deg",
    "range_m",
    "community_id",
    "source",
    "new_length_m",
    "new_area_m2",
    "lon",
    "lat",
)
"""Columns of the table of suggested new cameras."""
CAMERA_PROBLEM_COLUMNS = (
    "row",
    "camera_id",
    "field",
    "value",
    "severity",
    "message_zh",
    "message_en",
)


def surveillance_spec(
    fov_deg: float = 90.0,
    range_m: float = 30.0,
    bearing_step_deg: float = 45.0,
    kind: str | None = None,
) -> CameraSpec:
    """The standard camera for new positions, checked.

    A ``fov_deg`` of 360 (or ``kind="dome"``) is an all-round camera tried with one bearing;
    ``kind`` defaults to ``dome`` for 360 degrees and ``bullet`` otherwise.

    Raises
    ------
    ProjectError
        When the range or bearing step is not positive or the field of view is not in (0, 360].
    """
    if kind == "dome":
        fov_deg = 360.0
    if not range_m > 0 or not 0 < fov_deg <= 360 or not bearing_step_deg > 0:
        raise ProjectError(
            "视距、视场角和朝向间隔须为正数(视场角不超过 360 度)/ range, field of view and "
            "bearing step must be positive (field of view at most 360 degrees)"
        )
    if fov_deg >= 360:
        return CameraSpec(kind=kind or "dome", fov_deg=360.0, range_m=float(range_m))
    return CameraSpec(
        kind=kind or "bullet",
        fov_deg=float(fov_deg),
        range_m=float(range_m),
        bearing_step_deg=float(bearing_step_deg),
    )


def project_surveillance(
    project: Project,
    *,
    district: str | None = None,
    spec: CameraSpec | None = None,
    max_cameras: int | None = None,
    suggest: bool = True,
    piece_m: float = 5.0,
    time_limit: float = 60.0,
    extra_candidates: gpd.GeoDataFrame | None = None,
    on_invalid: str = "raise",
) -> SurveillanceResult:
    """Art. 20 surveillance check of a project (or of one ``district``, name or code).

    Reads ``cameras`` and the optional :data:`SURVEILLANCE_LAYERS`, takes the working-rate
    target from the project's standard set (national guidance 98 % when the set has no Art. 20
    rule) and calls :func:`analysis.surveillance.analyse_surveillance` in the project's metric
    CRS. ``spec`` is the standard new camera (:func:`surveillance_spec`; default 90 degrees,
    30 m, bearings every 45 degrees).

    Raises
    ------
    ProjectError
        When the project has no ``cameras`` layer.
    CameraValidationError
        When camera rows are invalid and ``on_invalid="raise"`` (``"skip"`` leaves them out;
        they are listed in ``result.problems`` either way).
    ValueError
        With a bilingual message for an unknown district or missing public spaces.
    """
    if not project.has_layer("cameras"):
        raise ProjectError("项目中没有监控图层 cameras / the project has no cameras layer")
    layers = {n: project.layer(n) if project.has_layer(n) else None for n in SURVEILLANCE_LAYERS}
    try:
        standard = project_standard(project)
    except StandardError:
        standard = None  # the national guidance (98 % working) applies
    targets = targets_from_standard(standard)
    return analyse_surveillance(
        project.layer("cameras"),
        public_spaces=layers["public_spaces"],
        buildings=layers["buildings"],
        communities=layers["communities"],
        network_edges=layers["network_edges"],
        network_nodes=layers["network_nodes"],
        districts=layers["districts"],
        district=district,
        extra_candidates=extra_candidates,
        spec=spec or CameraSpec(),
        max_cameras=max_cameras,
        suggest=suggest,
        piece_m=piece_m,
        time_limit=time_limit,
        crs=project.metric_crs,
        on_invalid=on_invalid,
        working_target=targets["working_target"],
        coverage_target=targets["coverage_target"],
        management=management_from_standard(standard),
    )


def _writable(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame ready for the GeoPackage: CRS set, no table without columns."""
    if isinstance(frame, gpd.GeoDataFrame):
        return frame if frame.crs is not None else frame.set_crs("EPSG:4326")
    frame = pd.DataFrame(frame)
    if not len(frame.columns):
        frame = pd.DataFrame({"note": pd.Series(dtype=str)})
    return frame


def surveillance_layers(result: SurveillanceResult) -> dict[str, pd.DataFrame]:
    """The layers of a result GeoPackage, by name.

    Spatial: ``camera_views``, ``blind_spots``, ``repair_list``, ``suggested_cameras``
    (always, possibly empty) and, with a placement, ``suggested_views`` and
    ``uncoverable_spots``; tables: ``surveillance_by_community``, ``surveillance_by_district``,
    ``camera_problems``.
    """
    out: dict[str, pd.DataFrame] = {
        "camera_views": result.views,
        "blind_spots": result.blind_spots,
        "repair_list": result.repair,
        "surveillance_by_community": result.by_community,
        "surveillance_by_district": result.by_district,
        "camera_problems": result.problems.astype({"value": str}),
    }
    placement = result.placement
    if placement is not None:
        out["suggested_cameras"] = placement.cameras
        out["suggested_views"] = placement.views
        out["uncoverable_spots"] = placement.uncoverable
    else:
        out["suggested_cameras"] = gpd.GeoDataFrame(
            {"camera_id": pd.Series(dtype=str)}, geometry=[], crs=result.views.crs
        )
    return {name: _writable(frame) for name, frame in out.items()}


def write_surveillance(result: SurveillanceResult, path: str | os.PathLike) -> Path:
    """Write :func:`surveillance_layers` to the GeoPackage ``path`` (atomically); return it."""
    path = Path(path)
    GeoPackageStore(path).write_layers(surveillance_layers(result))
    return path


def surveillance_gpkg_bytes(result: SurveillanceResult) -> bytes:
    """The result GeoPackage of :func:`write_surveillance` as bytes (for a download button)."""
    with tempfile.TemporaryDirectory(prefix="geo_app_surveillance_") as tmp:
        return write_surveillance(result, Path(tmp) / "surveillance.gpkg").read_bytes()


def surveillance_district_options(
    communities: pd.DataFrame, districts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Districts with communities: ``district_code, name, communities, scattered``.

    ``scattered`` counts the communities whose ``management`` is ``scattered`` (散住居民区,
    the subject of Art. 20). Sorted by district code.
    """
    if "district_code" not in communities.columns:
        return pd.DataFrame(columns=["district_code", "name", "communities", "scattered"])
    codes = communities["district_code"].astype(str)
    management = (
        communities["management"].astype(str)
        if "management" in communities.columns
        else pd.Series("", index=communities.index)
    )
    table = (
        pd.DataFrame({"district_code": codes, "scattered": management == "scattered"})
        .groupby("district_code")
        .agg(communities=("scattered", "size"), scattered=("scattered", "sum"))
        .reset_index()
    )
    names = {}
    if districts is not None and {"district_code", "name"} <= set(districts.columns):
        names = dict(zip(districts["district_code"].astype(str), districts["name"], strict=False))
    table["name"] = [str(names.get(c, c)) for c in table["district_code"]]
    table[["communities", "scattered"]] = table[["communities", "scattered"]].astype(int)
    return table[["district_code", "name", "communities", "scattered"]].sort_values(
        "district_code", ignore_index=True
    )


def default_surveillance_district(options: pd.DataFrame) -> str | None:
    """The district the page opens with: the smallest one that has scattered communities.

    Smallest (fewest communities) keeps the first run quick; ties go to the lower code.
    ``None`` when no district has scattered communities (then the smallest of all).
    """
    if not len(options):
        return None
    pool = options[options["scattered"] > 0]
    pool = pool if len(pool) else options
    pick = pool.sort_values(["communities", "district_code"]).iloc[0]
    return str(pick["district_code"])


def analysed_cameras(cameras: gpd.GeoDataFrame, result: SurveillanceResult) -> gpd.GeoDataFrame:
    """The cameras a result is about: working ones with a view, broken ones on the repair list.

    Returns the rows of ``cameras`` with ``status`` normalised to ``working`` / ``broken``.
    """
    wanted = set(result.views["camera_id"].astype(str)) | set(
        result.repair["camera_id"].astype(str)
    )
    out = cameras[cameras["camera_id"].astype(str).isin(wanted)].copy()
    out["status"] = [normalise_status(v) for v in out["status"]]
    return out


def _surveillance_value(column: str, value: object, lang: str) -> object:
    key = f"surveillance.value.{column}.{value}"
    if key in catalogue():
        return t(key, lang)
    if column == "kind":
        for layer in ("cameras", "public_spaces"):
            if f"values.{layer}.kind.{value}" in catalogue():
                return value_label(layer, "kind", value, lang)
        return value
    if column in ("status", "management"):
        layer = "cameras" if column == "status" else "communities"
        return value_label(layer, column, value, lang)
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    return value


def surveillance_column_label(name: str, lang: str = "zh") -> str:
    """Header of a surveillance table column: ``surveillance.col.<name>``, else the name."""
    key = f"surveillance.col.{name}"
    return t(key, lang) if key in catalogue() else field_label("cameras", name, lang)


def surveillance_table(
    frame: pd.DataFrame, lang: str = "zh", columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A surveillance table for the screen: chosen columns, coded values and headers in ``lang``.

    Shares (``covered_share``, ``working_rate`` ...) become percentages with one decimal, camera
    kinds, statuses and the management type their labels; point tables get ``lon`` / ``lat``;
    ``message_zh`` / ``message_en`` collapse into ``message``.
    """
    lang = normalise_lang(lang)
    out = pd.DataFrame(frame).copy()
    if isinstance(frame, gpd.GeoDataFrame) and len(frame):
        points = frame.geometry.to_crs("EPSG:4326") if frame.crs is not None else frame.geometry
        if (points.geom_type == "Point").all():
            out["lon"], out["lat"] = points.x.round(6), points.y.round(6)
    if "message_zh" in out.columns and "message_en" in out.columns:
        out["message"] = out["message_zh" if lang == "zh" else "message_en"]
        out = out.drop(columns=["message_zh", "message_en"])
    if columns is not None:
        wanted = [*columns, "message"] if "message" in out.columns else list(columns)
        out = out[[c for c in dict.fromkeys(wanted) if c in out.columns]]
    out = out.drop(columns=[c for c in out.columns if c == "geometry"])
    for col in out.columns:
        if col in ("covered_share", "covered_share_area", "working_rate", "working_target"):
            out[col] = pd.to_numeric(out[col], errors="coerce").mul(100).round(1)
        elif col.endswith(("_m", "_m2")) and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round(1)
        elif col in (
            "kind",
            "status",
            "management",
            "source",
            "severity",
            "meets_working_target",
            "fully_covered",
        ):
            out[col] = out[col].map(
                lambda v, col=col: (
                    v if compliance_is_missing(v) else _surveillance_value(col, v, lang)
                )
            )
    return out.rename(columns={c: surveillance_column_label(c, lang) for c in out.columns})


# -- walking coverage, accessibility and gaps (issues 4 and 6) ---------------------------------
# ``project_network``, ``walking_speed`` and ``project_coverage`` are shared by ``geo-app
# coverage``/``isochrones``, ``geo-app site-select`` and the coverage and site-selection pages.


def project_network(project: Project) -> nx.MultiDiGraph | None:
    """The project's walking network, or None when it has no network layers.

    Read from the layers ``network_nodes`` / ``network_edges``; without them the analyses fall
    back to straight-line distance x detour factor (and say so in their ``method`` column).
    """
    if not (project.has_layer(NODES_LAYER) and project.has_layer(EDGES_LAYER)):
        return None
    nodes = project.layer(NODES_LAYER)
    edges = project.layer(EDGES_LAYER)
    if len(nodes) == 0 or len(edges) == 0:
        return None
    return load_walking_network((nodes, edges))


def walking_speed(project: Project) -> float:
    """Walking speed (km/h) of the project (parameter ``walking_speed_kmh``), default 4 km/h."""
    value = project.settings.parameters.get("walking_speed_kmh", DEFAULT_WALK_SPEED_KMH)
    try:
        speed = float(value)
    except (TypeError, ValueError):
        speed = DEFAULT_WALK_SPEED_KMH
    return speed if speed > 0 else DEFAULT_WALK_SPEED_KMH


def check_facility_kind(kind: str) -> None:
    """Raise :class:`ProjectError` (zh/en) for a facility kind outside ``FACILITY_KINDS``."""
    if kind not in FACILITY_KINDS:
        known = ", ".join(FACILITY_KINDS)
        raise ProjectError(f"未知设施类型 {kind!r};可选:{known} / unknown facility kind {kind!r}")


def _required_layer(project: Project, name: str) -> gpd.GeoDataFrame:
    if not project.has_layer(name):
        raise ProjectError(f"项目缺少图层 {name} / the project lacks the layer {name}")
    return project.layer(name)


def project_coverage(
    project: Project,
    kind: str,
    distance_m: float,
    *,
    isochrone_distances: list[float] | None = None,
    overlap: str = "keep",
    G: nx.MultiDiGraph | None = None,
    detour: float = DEFAULT_DETOUR,
    progress=None,
) -> CoverageResult:
    """Coverage of a project's communities by facilities of ``kind`` within ``distance_m``
    (per community, street and district) and isochrones; see ``analysis.coverage``.

    ``G`` defaults to :func:`project_network` (straight line x ``detour`` without one).
    """
    check_facility_kind(kind)
    communities = _required_layer(project, "communities")
    facilities = _required_layer(project, "facilities")
    G = project_network(project) if G is None else G
    streets = project.layer("streets") if project.has_layer("streets") else None
    districts = project.layer("districts") if project.has_layer("districts") else None
    return coverage_analysis(
        G,
        communities,
        facilities,
        kind,
        distance_m,
        isochrone_distances=isochrone_distances,
        overlap=overlap,
        streets=streets,
        districts=districts,
        detour=detour,
        progress=progress,
    )


def project_accessibility(
    project: Project,
    kind: str,
    distance_m: float,
    *,
    G: nx.MultiDiGraph | None = None,
    decay: str = "step",
    detour: float = DEFAULT_DETOUR,
) -> pd.DataFrame:
    """Two-step floating catchment accessibility of every community to facilities of ``kind``.

    Supply = usable area (m2), demand = households (``analysis.coverage.two_step_fca``). Returns
    ``community_id, name, district_code, street_code, households, accessibility_per_100,
    facilities_in_reach, method`` (m2 reachable per 100 households: compare Art. 12's 20 m2),
    lowest accessibility first.
    """
    check_facility_kind(kind)
    communities = _required_layer(project, "communities")
    facilities = _required_layer(project, "facilities")
    G = project_network(project) if G is None else G
    table = two_step_fca(
        G, communities, facilities, distance_m, kind=kind, decay=decay, detour=detour
    )
    for col in ("name", "district_code", "street_code"):
        table[col] = communities[col].to_numpy() if col in communities.columns else None
    columns = [
        "community_id",
        "name",
        "district_code",
        "street_code",
        "households",
        "accessibility_per_100",
        "facilities_in_reach",
        "method",
    ]
    table = table[columns].sort_values("accessibility_per_100", kind="mergesort")
    return table.reset_index(drop=True)


def project_gaps(
    project: Project,
    coverage: CoverageResult,
    accessibility: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    standard: StandardSet | str | None = None,
) -> GapResult:
    """Gap priority of every community (``analysis.gaps.gap_analysis``).

    Combines the area shortfall of :func:`project_compliance` (Art. 11, 12), the uncovered
    households of ``coverage`` and the 2SFCA ``accessibility`` with ``weights`` (``area``,
    ``coverage``, ``access``; default 0.5 / 0.3 / 0.2, shown with the result).
    """
    compliance = project_compliance(project, standard).communities
    return gap_analysis(
        compliance, pd.DataFrame(coverage.communities), accessibility, weights=weights
    )


def coverage_metrics(result: CoverageResult) -> dict[str, object]:
    """Headline numbers of a coverage result.

    ``communities, covered_communities, households, covered_households, uncovered_households,
    covered_share`` (of households; NaN without households), ``population, covered_population,
    isochrones, method`` (``network``, ``euclidean_detour`` or ``mixed``) and
    ``fallback_communities`` (communities measured by straight line x detour because the
    project has no network or they lie off it).
    """
    per = result.communities
    households = float(per["households"].fillna(0).sum())
    covered = float(per["covered_households"].sum())
    methods = set(per["method"].astype(str)) if len(per) else set()
    method = methods.pop() if len(methods) == 1 else ("mixed" if methods else result.method)
    return {
        "communities": int(len(per)),
        "covered_communities": int(per["covered"].sum()),
        "households": households,
        "covered_households": covered,
        "uncovered_households": households - covered,
        "covered_share": covered / households if households > 0 else float("nan"),
        "population": float(per["population"].fillna(0).sum()),
        "covered_population": float(per["covered_population"].sum()),
        "isochrones": int(len(result.isochrones)),
        "method": method,
        "fallback_communities": int((per["method"].astype(str) == "euclidean_detour").sum()),
    }


COVERAGE_COMMUNITY_COLUMNS = (
    "community_id",
    "name",
    "district_code",
    "street_code",
    "covered",
    "households",
    "covered_households",
    "covered_share",
    "nearest_m",
    "nearest_facility",
    "method",
)
"""Columns of the per-community coverage table the coverage page shows."""
COVERAGE_AREA_COLUMNS = (
    "district_code",
    "street_code",
    "name",
    "communities",
    "covered_communities",
    "households",
    "covered_households",
    "uncovered_households",
    "covered_share",
    "population",
    "covered_population",
    "method",
)
"""Columns of the per-district and per-street coverage tables (those present are shown)."""
ACCESS_COLUMNS = (
    "community_id",
    "name",
    "district_code",
    "households",
    "accessibility_per_100",
    "facilities_in_reach",
    "method",
)
GAP_TABLE_COLUMNS = (
    "rank",
    "community_id",
    "name",
    "district_code",
    "households",
    "shortfall_m2",
    "uncovered_households",
    "accessibility_per_100",
    "area_score",
    "coverage_score",
    "access_score",
    "priority",
)
"""Columns of the gap priority table."""
GAP_AREA_COLUMNS = (
    "district_code",
    "street_code",
    "communities",
    "households",
    "shortfall_m2",
    "communities_short",
    "uncovered_households",
    "mean_priority",
    "max_priority",
)


# -- site selection on a page (issue 6) ---------------------------------------------------------

SITE_COLUMNS = (
    "rank",
    "site_id",
    "name",
    "source_layer",
    "offer",
    "usable_area_m2",
    "communities_served",
    "households_served",
    "shortfall_taken_m2",
    "mean_distance_m",
    "max_distance_m",
    "served_names",
)
"""Columns of the table of chosen sites (one row per site) on the site-selection page."""
ASSIGNMENT_COLUMNS = (
    "site_id",
    "site_name",
    "community_id",
    "name",
    "households",
    "shortfall_m2",
    "distance_m",
    "method",
)
UNSERVED_COLUMNS = ("community_id", "name", "households", "reason")
SCENARIO_COLUMNS = (
    "name",
    "created",
    "model",
    "candidates",
    "distance_m",
    "p",
    "district",
    "same_street",
    "demand_communities",
    "chosen_sites",
    "served_communities",
    "unserved_communities",
    "served_households",
    "mean_distance_m",
    "method",
    "optimal",
    "gap",
)
"""Columns of the scenario comparison table."""

DEFAULT_SITE_DISTRICT = "道外区"
"""District the site-selection page opens with (an old core district, Art. 13), when present."""


def site_summary(selection, sep: str = "、") -> pd.DataFrame:
    """One row per chosen site: its data, what it serves and how far (from ``assignments``).

    Columns :data:`SITE_COLUMNS`: ``communities_served``, ``households_served``,
    ``shortfall_taken_m2`` (hub model), the household-weighted ``mean_distance_m`` and the
    ``max_distance_m`` of the communities assigned to the site, and ``served_names`` (their
    names joined by ``sep``, nearest first). Sites serving nobody (p-median/required) keep NaN
    distances.
    """
    chosen = pd.DataFrame(selection.chosen_sites).drop(columns="geometry", errors="ignore")
    chosen["site_id"] = chosen["site_id"].astype(str)
    assign = pd.DataFrame(selection.assignments).drop(columns="geometry", errors="ignore")
    if len(assign):
        assign = assign.assign(site_id=assign["site_id"].astype(str))
        assign = assign.sort_values(["site_id", "distance_m"], kind="mergesort")
        weight = assign["households"].fillna(0).astype(float).clip(lower=1e-9)
        assign["_wd"] = assign["distance_m"] * weight
        assign["_w"] = weight
        names = assign["name"].where(assign["name"].notna(), assign["community_id"]).astype(str)
        grouped = assign.assign(_name=names).groupby("site_id", sort=False)
        per = pd.DataFrame(
            {
                "mean_distance_m": grouped["_wd"].sum() / grouped["_w"].sum(),
                "max_distance_m": grouped["distance_m"].max(),
                "served_names": grouped["_name"].agg(sep.join),
            }
        )
        chosen = chosen.merge(per, left_on="site_id", right_index=True, how="left")
    else:
        chosen["mean_distance_m"] = float("nan")
        chosen["max_distance_m"] = float("nan")
        chosen["served_names"] = ""
    chosen["served_names"] = chosen["served_names"].fillna("")
    return chosen[[c for c in SITE_COLUMNS if c in chosen.columns]].reset_index(drop=True)


def site_selection_gpkg_bytes(selection) -> bytes:
    """The result GeoPackage of ``geo-app site-select`` (layers ``chosen_sites``,
    ``assignments``, ``radiation_lines``, ``unserved``) as bytes, for a download button."""
    from geo_app.site_selection import write_site_selection

    with tempfile.TemporaryDirectory(prefix="geo_app_site_selection_") as tmp:
        return write_site_selection(selection, Path(tmp) / "site_selection.gpkg").read_bytes()


def default_site_district(options: pd.DataFrame) -> str | None:
    """District code the site-selection page opens with: 道外区 (an old core district of
    Art. 13) when the project has it, else None (all districts). ``options`` as
    :func:`surveillance_district_options` returns."""
    if not len(options):
        return None
    named = options[options["name"].astype(str) == DEFAULT_SITE_DISTRICT]
    if len(named):
        return str(named["district_code"].iloc[0])
    return None


# -- display of coverage, gap and site-selection tables ----------------------------------------
_SHARE_COLUMNS = ("covered_share",)
_SCORE_COLUMNS = (
    "area_score",
    "coverage_score",
    "access_score",
    "priority",
    "mean_priority",
    "max_priority",
)


def planning_column_label(name: str, lang: str = "zh") -> str:
    """Header of a coverage / gap / site-selection column (``coverage.col.<name>`` or
    ``site_selection.col.<name>``), else the communities field label."""
    for section in ("coverage", "site_selection"):
        key = f"{section}.col.{name}"
        if key in catalogue():
            return t(key, lang)
    return field_label("communities", name, lang)


def _planning_value(column: str, value: object, lang: str) -> object:
    if compliance_is_missing(value):
        return value
    if column == "method":
        key = f"coverage.method.{value}"
        return t(key, lang) if key in catalogue() else value
    if column == "source_layer":
        return layer_label(str(value), lang)
    if column == "offer":
        return value_label("candidate_sites", "offer", str(value), lang)
    if column == "model":
        from geo_app.site_selection import MODEL_LABELS

        pair = MODEL_LABELS.get(str(value))
        return pair[0 if lang == "zh" else 1] if pair else value
    if column == "candidates" and isinstance(value, list | tuple):
        return ", ".join(layer_label(str(v), lang) for v in value)
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    return value


def planning_table(
    frame: pd.DataFrame, lang: str = "zh", columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A coverage, gap or site-selection table for the screen, with headers in ``lang``.

    Shares (``covered_share``) become percentages with one decimal, metres and m2 one decimal,
    scores three decimals; methods, candidate layers, offers and models their labels;
    ``reason_zh`` / ``reason_en`` collapse into ``reason``. Geometry is dropped.
    """
    lang = normalise_lang(lang)
    out = pd.DataFrame(frame).drop(columns="geometry", errors="ignore").copy()
    if "reason_zh" in out.columns and "reason_en" in out.columns:
        out["reason"] = out["reason_zh" if lang == "zh" else "reason_en"]
        out = out.drop(columns=["reason_zh", "reason_en"])
    if columns is not None:
        out = out[[c for c in dict.fromkeys(columns) if c in out.columns]]
    for col in out.columns:
        if col in _SHARE_COLUMNS:
            out[col] = pd.to_numeric(out[col], errors="coerce").mul(100).round(1)
        elif col in _SCORE_COLUMNS:
            out[col] = pd.to_numeric(out[col], errors="coerce").round(3)
        elif col.endswith(("_m", "_m2", "_per_100")) and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round(1)
        elif col in ("method", "source_layer", "offer", "model", "candidates", "optimal"):
            out[col] = out[col].map(lambda v, col=col: _planning_value(col, v, lang))
        elif col in ("covered", "same_street"):
            out[col] = out[col].map(lambda v, col=col: _planning_value(col, bool(v), lang))
    return out.rename(columns={c: planning_column_label(c, lang) for c in out.columns})
