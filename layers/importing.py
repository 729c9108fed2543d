"""Importing planners' layers: field mapping, conversion to WGS-84, validation, datum hints.

The steps of an import, each usable on its own (the CLI ``geo-app import`` and the data page
chain them):

1. ``suggest_mapping(columns, layer)``: which source column feeds which schema field (exact
   names, Chinese names such as 户数, 面积, 名称, 社区编号 ...);
2. ``prepare_import(gdf, layer, mapping, source_crs)``: rename and cast the columns, convert
   the geometry to WGS-84 from ``wgs84``/``gcj02``/``bd09`` (``layers.crs``) or from
   ``cgcs2000``/``EPSG:N`` (pyproj), repair what can be repaired and validate the result;
3. ``detect_offset_hint(points, reference)``: a warning when points declared WGS-84 sit
   consistently off the project's streets in the way GCJ-02 (Amap, Tencent) or BD-09 (Baidu)
   coordinates do.

Nothing here writes to a project: the caller writes ``result.gdf`` only when ``result.ok``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.datum_hint import detect_offset_hint
from layers.repair import Change, repair
from layers.schema import get_schema
from layers.source_crs import MappingError, normalize_crs_name, to_wgs84
from layers.validation import Problem, ValidationReport, validate

FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "名称",
        "名字",
        "名",
        "社区名称",
        "设施名称",
        "街道名称",
        "区县名称",
        "站点名称",
        "单位名称",
        "title",
    ),
    "district_code": (
        "区县代码",
        "区县编码",
        "行政区划代码",
        "区划代码",
        "行政代码",
        "adcode",
        "区县编号",
        "所属区县代码",
        "district",
    ),
    "district_class": ("区县类别", "区县类型", "城区类别", "class"),
    "street_code": ("街道代码", "街道编码", "街道编号", "乡镇代码", "所属街道代码", "所属街道编号"),
    "community_id": ("社区编号", "社区代码", "社区编码", "社区id", "所属社区", "community"),
    "kind": (
        "类型",
        "种类",
        "类别",
        "设施类型",
        "设施种类",
        "摄像机类型",
        "设备类型",
        "社区类型",
        "部位类型",
        "type",
    ),
    "era": ("建成年代", "年代", "新旧", "新老"),
    "management": ("管理类型", "管理方式", "管理模式", "物业管理"),
    "households": ("户数", "住户数", "总户数", "居民户数", "户", "household", "hh"),
    "population": ("人口", "人口数", "总人口", "常住人口", "居民人数", "人数", "pop"),
    "star_rating": ("星级", "星级评定", "评星", "星", "stars", "star"),
    "usable_area_m2": (
        "面积",
        "使用面积",
        "可用面积",
        "用房面积",
        "实际使用面积",
        "area",
        "usable_area",
        "area_m2",
    ),
    "rooms": ("功能用房", "功能室", "用房配置", "功能用房配置", "功能"),
    "status": ("状态", "运行状态", "设备状态", "使用状态", "现状状态", "state"),
    "owner_unit": ("产权单位", "权属单位", "所属单位", "产权人", "owner"),
    "owner_type": ("产权类型", "权属类型", "产权性质", "单位性质"),
    "idle": ("是否闲置", "闲置", "闲置状态"),
    "condition": ("房屋状况", "状况", "现状", "房屋现状", "完好程度"),
    "offer": ("取得方式", "提供方式", "供给方式", "使用方式"),
    "bearing_deg": (
        "朝向",
        "方向",
        "方位角",
        "方位",
        "朝向角",
        "bearing",
        "direction",
        "camera:direction",
        "heading",
        "azimuth",
    ),
    "fov_deg": ("视场角", "视角", "可视角度", "水平视场角", "fov", "angle"),
    "range_m": ("视距", "可视距离", "监控距离", "监控范围", "有效距离", "range", "distance"),
    "levels": ("层数", "楼层数", "楼层", "地上层数", "building:levels", "floors"),
    "use": ("用途", "使用性质", "建筑用途", "功能用途", "building"),
    "length": ("长度", "length_m"),
    "key": ("序号",),
}
"""Source column names (normalised: lower case, no spaces, no trailing unit) per field."""

ID_SYNONYMS: tuple[str, ...] = ("编号", "id", "代码", "编码", "序号", "标识", "code", "fid")
"""Generic identifier names mapped to the layer's id field."""


def _norm(name: object) -> str:
    """Normalised column name: NFKC, lower case, no spaces, no trailing bracketed unit."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[\(\[\{【].*?[\)\]\}】]$", "", text)
    return text


def suggest_mapping(columns: Iterable, layer_name: str) -> dict[str, str]:
    """Suggest which source column feeds each field of ``layer_name``.

    Matching, in order of precedence (each column is used once): the field name itself,
    the field name ignoring case, the schema labels (``户数``, ``使用面积(平方米)``), the
    synonyms of ``FIELD_SYNONYMS`` (``面积``, ``名称``, ``人口`` ...), and for the layer's id
    field the generic names ``编号``/``id``. Units in brackets are ignored
    (``面积(㎡)`` matches ``面积``).

    Returns
    -------
    dict
        ``{field: column}`` for the fields a column was found for.
    """
    schema = get_schema(layer_name)
    cols = [str(c) for c in columns if str(c) != "geometry"]
    normed = {c: _norm(c) for c in cols}
    used: set[str] = set()
    mapping: dict[str, str] = {}

    def take(fname: str, match) -> None:
        if fname in mapping:
            return
        for c in cols:
            if c not in used and match(c):
                mapping[fname] = c
                used.add(c)
                return

    def spellings(spec, level: int) -> set[str]:
        if level == 0:
            return {spec.name.lower()}
        if level == 1:
            return {_norm(spec.label_zh), _norm(spec.label_en)} - {""}
        return {_norm(s) for s in FIELD_SYNONYMS.get(spec.name, ())}

    for spec in schema.fields:  # exact field names first
        take(spec.name, lambda c, spec=spec: c == spec.name)
    for level in range(3):  # then names ignoring case, labels, synonyms
        for spec in schema.fields:
            names = spellings(spec, level)
            take(spec.name, lambda c, names=names: normed[c] in names)
    if schema.id_field:
        take(schema.id_field, lambda c: normed[c] in ID_SYNONYMS)
    return {spec.name: mapping[spec.name] for spec in schema.fields if spec.name in mapping}


# -- prepare -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import would write, and whether it may be written.

    Attributes
    ----------
    layer : str
        Target layer.
    gdf : GeoDataFrame
        Renamed, cast, repaired columns in WGS-84; written only when ``ok``.
    report : ValidationReport
        Validation of ``gdf`` against the layer schema.
    mapping : dict
        ``{field: source column}`` used.
    source_crs : str
        Coordinate system the source was read in.
    changes : list of Change
        What the repair step changed.
    notes : list of (zh, en)
        Coordinate conversions and assumptions.
    hint : str or None
        A datum warning (GCJ-02/BD-09 declared as WGS-84), see :func:`detect_offset_hint`.
    """

    layer: str
    gdf: gpd.GeoDataFrame
    report: ValidationReport
    mapping: dict[str, str]
    source_crs: str
    changes: list[Change] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    hint: str | None = None

    @property
    def ok(self) -> bool:
        """True when the layer is valid and may be written."""
        return self.report.ok

    def summary(self, lang: str = "zh") -> str:
        """Rows, coordinate conversion and validation result in one paragraph."""
        i = 0 if lang == "zh" else 1
        lines = [self.report.summary(lang)]
        lines += [n[i] for n in self.notes]
        if self.changes:
            lines.append(
                f"自动修正 {len(self.changes)} 处"
                if lang == "zh"
                else f"{len(self.changes)} automatic fixes"
            )
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


def _check_mapping(mapping: Mapping[str, str], columns: list[str], layer_name: str) -> None:
    schema = get_schema(layer_name)
    for fname, col in mapping.items():
        if fname not in schema.field_names:
            raise MappingError(
                f"图层 {layer_name} 没有字段 {fname};字段有:{', '.join(schema.field_names)}",
                f"layer {layer_name} has no field {fname}; fields: {', '.join(schema.field_names)}",
            )
        if col not in columns:
            raise MappingError(
                f"文件中没有列 {col!r}(对应字段 {fname});现有列:{', '.join(columns)}",
                f"the file has no column {col!r} (for field {fname}); columns: {', '.join(columns)}",
            )


def resolve_mapping(
    columns: Iterable, layer_name: str, mapping: Mapping[str, str] | None = None, *, auto=True
) -> dict[str, str]:
    """Suggested mapping overridden by the explicit ``mapping`` (``{field: column}``)."""
    cols = [str(c) for c in columns if str(c) != "geometry"]
    explicit = dict(mapping or {})
    _check_mapping(explicit, cols, layer_name)
    result = suggest_mapping(cols, layer_name) if auto else {}
    taken = set(explicit.values())
    result = {f: c for f, c in result.items() if c not in taken and f not in explicit}
    result.update(explicit)
    schema = get_schema(layer_name)
    return {f: result[f] for f in schema.field_names if f in result}


def prepare_import(  # noqa: PLR0913 — keyword options of one import, as in geopandas.read_file
    gdf: gpd.GeoDataFrame,
    layer_name: str,
    mapping: Mapping[str, str] | None = None,
    source_crs: str | None = None,
    *,
    auto_map: bool = True,
    keep_extra: bool = True,
    metric_crs: str | None = None,
    reference: gpd.GeoDataFrame | Iterable[gpd.GeoDataFrame] | None = None,
    existing: pd.DataFrame | None = None,
    in_china: bool = True,
) -> ImportResult:
    """Turn a source layer into a project layer and validate it (nothing is written).

    Parameters
    ----------
    gdf : GeoDataFrame
        As read by ``layers.io.read_vector_file`` (not modified).
    layer_name : str
        Target layer of ``layers.schema.SCHEMAS``.
    mapping : dict, optional
        ``{field: source column}``; fields not given are suggested by
        :func:`suggest_mapping` unless ``auto_map`` is False.
    source_crs : str, optional
        ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:N`` (see :func:`to_wgs84`).
    keep_extra : bool
        Keep source columns that feed no field (under their own names).
    metric_crs : str, optional
        Project metric CRS, used for CGCS2000 plane coordinates without a zone number.
    reference : GeoDataFrame or list of them, optional
        Project layers (streets, communities, network) for :func:`detect_offset_hint`, run
        when the source is declared (or defaults to) WGS-84.
    existing : DataFrame, optional
        Rows already in the project layer when appending: new rows whose id is already
        there are reported as ``duplicate_id``.
    in_china : bool
        Passed to :func:`layers.validation.validate`.

    Returns
    -------
    ImportResult
    """
    schema = get_schema(layer_name)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf._geometry_column_name not in gdf.columns:
        raise MappingError("数据没有几何(坐标)列", "the data has no geometry (coordinates) column")
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    used = resolve_mapping(columns, layer_name, mapping, auto=auto_map)
    geom_name = gdf.geometry.name
    data = {}
    for fname in schema.field_names:
        if fname in used:
            data[fname] = gdf[used[fname]].to_numpy(dtype=object)
    if keep_extra:
        mapped = set(used.values())
        for col in columns:
            if col not in mapped and col not in data and col not in schema.field_names:
                data[col] = gdf[col].to_numpy()
    frame = pd.DataFrame(data, index=gdf.index)
    out = gpd.GeoDataFrame(frame, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    if geom_name != "geometry":
        out = out.rename_geometry("geometry") if "geometry" not in frame.columns else out
    _parse_plain_values(schema, out)
    system = normalize_crs_name(source_crs)
    out, notes = to_wgs84(out, system, metric_crs=metric_crs)
    out, empty_notes = _add_empty_nullable(schema, out)
    notes.extend(empty_notes)
    out, changes = repair(layer_name, out)
    report = validate(layer_name, out, in_china=in_china)
    if existing is not None and schema.id_field:
        report.problems.extend(_clashes(schema.id_field, out, existing))
    hint = None
    if reference is not None and system in (None, "wgs84"):
        hint = detect_offset_hint(out, reference)
    return ImportResult(
        layer=layer_name,
        gdf=out,
        report=report,
        mapping=used,
        source_crs=system or "wgs84",
        changes=changes,
        notes=notes,
        hint=hint,
    )


def _add_empty_nullable(schema, frame: gpd.GeoDataFrame):
    """Add required-but-nullable fields the source lacks as empty columns (with a note)."""
    notes = []
    for spec in schema.fields:
        if spec.required and spec.nullable and spec.name not in frame.columns:
            frame = frame.copy() if not notes else frame
            frame.insert(len(frame.columns) - 1, spec.name, None)
            notes.append(
                (
                    f"文件中没有字段「{spec.label_zh}」({spec.name}),该字段留空",
                    f"the file has no field '{spec.name}' ({spec.label_en}); left empty",
                )
            )
    if notes:
        order = [f.name for f in schema.fields if f.name in frame.columns]
        rest = [c for c in frame.columns if c not in order]
        frame = frame[order + rest]
    return frame, notes


_PLAIN_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def _parse_plain_values(schema, frame: pd.DataFrame) -> None:
    """Read plain numbers stored as text (CSV, XLSX) in numeric fields, in place.

    This is parsing, not repair: "45" in a number column of a CSV is the number 45. Texts
    that need interpretation ("1,234", "45度", "是") are left to ``repair``, which reports
    them.
    """
    for spec in schema.fields:
        if spec.dtype not in ("int", "float") or spec.name not in frame.columns:
            continue
        values = frame[spec.name].to_numpy(dtype=object).copy()
        for k, v in enumerate(values):
            if isinstance(v, str) and _PLAIN_NUMBER.match(v):
                x = float(v)
                values[k] = int(x) if spec.dtype == "int" and x.is_integer() else x
        frame[spec.name] = values


def _clashes(id_field: str, new: pd.DataFrame, existing: pd.DataFrame) -> list[Problem]:
    """Problems for new rows whose id is already used in the existing layer."""
    if id_field not in new.columns or id_field not in existing.columns:
        return []
    taken = {str(v).strip() for v in existing[id_field].dropna()}
    problems = []
    for label, value in new[id_field].items():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if str(value).strip() in taken:
            problems.append(
                Problem(
                    label,
                    id_field,
                    "duplicate_id",
                    f"编号 {value!r} 在项目图层中已存在",
                    f"id {value!r} already exists in the project layer",
                )
            )
    return problems
