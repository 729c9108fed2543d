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
import shapely
from pyproj import CRS, Transformer

from layers.crs import WGS84, convert_coords, convert_gdf, metric_crs, out_of_china
from layers.field_values import is_wgs84
from layers.repair import Change, repair
from layers.schema import get_schema
from layers.validation import Problem, ValidationReport, validate

CGCS2000_GEOGRAPHIC = "EPSG:4490"

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

CRS_ALIASES: dict[str, str] = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "wgs_84": "wgs84",
    "gps": "wgs84",
    "4326": "wgs84",
    "epsg:4326": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "火星": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
    "cgcs2000": "cgcs2000",
    "cgcs-2000": "cgcs2000",
    "国家2000": "cgcs2000",
    "2000": "cgcs2000",
}
"""Spellings accepted for ``source_crs`` (besides ``EPSG:N``)."""


class MappingError(ValueError):
    """A field mapping or coordinate system choice cannot be used (message in zh / en)."""


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


# -- coordinates ---------------------------------------------------------------------------


def normalize_crs_name(source_crs: str | int | None) -> str | None:
    """``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:N`` from a planner's spelling."""
    if source_crs is None:
        return None
    text = unicodedata.normalize("NFKC", str(source_crs)).strip().lower().replace(" ", "")
    if not text:
        return None
    if text in CRS_ALIASES:
        return CRS_ALIASES[text]
    m = re.fullmatch(r"(?:epsg:?)?(\d{4,6})", text)
    if m:
        code = int(m.group(1))
        if code == 4326:
            return "wgs84"
        try:
            CRS.from_epsg(code)
        except Exception:
            raise MappingError(f"未知的 EPSG 代码 {code}", f"unknown EPSG code {code}") from None
        return f"EPSG:{code}"
    raise MappingError(
        f"未知坐标系 {source_crs!r};可选 wgs84、gcj02(高德/腾讯)、bd09(百度)、cgcs2000 或 EPSG:代码",
        f"unknown coordinate system {source_crs!r}; choose wgs84, gcj02 (Amap/Tencent), "
        "bd09 (Baidu), cgcs2000 or EPSG:N",
    )


def _looks_like_degrees(gdf: gpd.GeoDataFrame) -> bool:
    b = gdf.total_bounds
    if not np.all(np.isfinite(b)):
        return True
    return bool(-180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90)


def _crs_label(crs) -> str:
    try:
        c = CRS.from_user_input(crs)
        epsg = c.to_epsg()
        return f"EPSG:{epsg} {c.name}" if epsg else c.name
    except Exception:
        return str(crs)


def to_wgs84(
    gdf: gpd.GeoDataFrame, source_crs: str | None, *, metric_crs: str | None = None
) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """Convert ``gdf`` to WGS-84 (EPSG:4326) from the declared coordinate system.

    Parameters
    ----------
    gdf : GeoDataFrame
        Source layer (not modified).
    source_crs : str or None
        ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:N``; ``None`` uses the CRS
        the file declares (WGS-84 if it declares none).
    metric_crs : str, optional
        CGCS2000 Gauss-Kruger CRS to assume for ``cgcs2000`` plane coordinates without a zone
        number in the easting (the project's metric CRS, EPSG:4551 for Harbin).

    Returns
    -------
    (GeoDataFrame, list of (zh, en) notes)
    """
    system = normalize_crs_name(source_crs)
    notes: list[tuple[str, str]] = []
    declared = gdf.crs
    out = gdf
    if system is None:
        if declared is None:
            notes.append(
                ("文件未声明坐标系,按 WGS-84 处理", "the file declares no CRS; read as WGS-84")
            )
            return out.set_crs(WGS84), notes
        if is_wgs84(declared):
            return out.copy(), notes
        notes.append(
            (
                f"按文件声明的坐标系 {_crs_label(declared)} 转换为 WGS-84",
                f"converted from the declared CRS {_crs_label(declared)} to WGS-84",
            )
        )
        return out.to_crs(WGS84), notes
    if system in ("wgs84", "gcj02", "bd09"):
        if declared is not None and not CRS.from_user_input(declared).is_geographic:
            if system == "wgs84":
                notes.append(
                    (
                        f"文件坐标为平面坐标 {_crs_label(declared)},已转换为 WGS-84",
                        f"the file has plane coordinates {_crs_label(declared)}; "
                        "converted to WGS-84",
                    )
                )
                return out.to_crs(WGS84), notes
            raise MappingError(
                f"文件坐标是平面坐标({_crs_label(declared)}),不是 {system} 经纬度;"
                "请用 --crs EPSG:代码 指定",
                f"the file has plane coordinates ({_crs_label(declared)}), not {system} "
                "longitude/latitude; pass --crs EPSG:N",
            )
        if not _looks_like_degrees(out):
            raise MappingError(
                f"坐标值不是经纬度,不能按 {system} 处理;平面坐标请用 --crs cgcs2000 或 EPSG:代码",
                f"the coordinates are not degrees, so they cannot be {system}; for plane "
                "coordinates pass --crs cgcs2000 or EPSG:N",
            )
        out = out.set_crs(WGS84, allow_override=True)
        if system != "wgs84":
            out = convert_gdf(out, system, "wgs84")
            name = {"gcj02": "GCJ-02(高德/腾讯)", "bd09": "BD-09(百度)"}[system]
            notes.append(
                (
                    f"坐标由 {name} 转换为 WGS-84",
                    f"coordinates converted from {system.upper()} to WGS-84",
                )
            )
        return out, notes
    if system == "cgcs2000":
        epsg = _cgcs2000_epsg(out, metric_crs)
        notes.append(
            (
                f"坐标按 CGCS2000({_crs_label(epsg)})转换为 WGS-84",
                f"coordinates read as CGCS2000 ({_crs_label(epsg)}) and converted to WGS-84",
            )
        )
        return out.set_crs(epsg, allow_override=True).to_crs(WGS84), notes
    # EPSG:N
    if declared is not None and not CRS.from_user_input(declared).equals(
        CRS.from_user_input(system)
    ):
        notes.append(
            (
                f"文件声明的坐标系 {_crs_label(declared)} 被指定的 {system} 取代",
                f"the declared CRS {_crs_label(declared)} was overridden by {system}",
            )
        )
    out = out.set_crs(system, allow_override=True)
    if not is_wgs84(system):
        out = out.to_crs(WGS84)
        notes.append((f"坐标由 {system} 转换为 WGS-84", f"coordinates converted from {system}"))
    return out, notes


def _cgcs2000_epsg(gdf: gpd.GeoDataFrame, metric: str | None) -> str:
    """EPSG code for coordinates declared CGCS2000: geographic, GK with zone prefix, or GK CM."""
    if _looks_like_degrees(gdf):
        return CGCS2000_GEOGRAPHIC
    minx = gdf.total_bounds[0]
    maxx = gdf.total_bounds[2]
    zone_min, zone_max = int(minx // 1_000_000), int(maxx // 1_000_000)
    if zone_min == zone_max and 25 <= zone_min <= 45:
        return f"EPSG:{4488 + zone_min}"  # CGCS2000 / 3-degree GK zone 25..45 = EPSG:4513..4533
    if minx > 0 and maxx < 1_000_000:
        if metric:
            return metric
        raise MappingError(
            "CGCS2000 平面坐标没有带号,请用 --crs EPSG:代码 指定投影带(哈尔滨为 EPSG:4551)",
            "CGCS2000 plane coordinates without zone number: pass --crs EPSG:N "
            "(EPSG:4551 for Harbin)",
        )
    raise MappingError(
        "无法识别的 CGCS2000 坐标,请用 --crs EPSG:代码 指定",
        "unrecognised CGCS2000 coordinates; pass --crs EPSG:N",
    )


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


def prepare_import(
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


# -- datum hint ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OffsetEvidence:
    """Numbers behind :func:`detect_offset_hint` for one candidate system (metres).

    Attributes
    ----------
    system : str
        ``gcj02`` or ``bd09``: the points are converted from it to WGS-84.
    n_points : int
        Points compared (inside China, at most ``max_points``).
    median_as_is_m : float
        Median distance of the points, as declared, to the nearest reference geometry.
    median_converted_m : float
        The same after converting them from ``system``.
    median_other_directions_m : float
        The same after moving them by the same distance in other directions (the datum
        shift rotated by 45, 90, ... 315 degrees; the median over those seven): what any
        shift of that size would do by chance.
    share_closer : float
        Share of the points that come closer to the reference when converted.
    direction_score : float
        Mean over the points of the share of the seven other directions that leave the point
        farther from the reference than the conversion does: 0.5 when the datum direction is
        nothing special, near 1 when only the conversion brings the points back.
    shift_m, shift_bearing_deg : float
        Mean datum shift (declared minus converted position): length and compass bearing.
    """

    system: str
    n_points: int
    median_as_is_m: float
    median_converted_m: float
    median_other_directions_m: float
    share_closer: float
    direction_score: float
    shift_m: float
    shift_bearing_deg: float


def _reference_geoms(reference) -> np.ndarray:
    frames = (
        [reference] if isinstance(reference, gpd.GeoDataFrame | gpd.GeoSeries) else list(reference)
    )
    parts = []
    for frame in frames:
        if frame is None or len(frame) == 0:
            continue
        series = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
        if series.crs is not None and not is_wgs84(series.crs):
            series = series.to_crs(WGS84)
        geoms = series.to_numpy()
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        geoms = geoms.copy()
        geoms[polygonal] = shapely.boundary(geoms[polygonal])
        parts.append(geoms)
    return np.concatenate(parts) if parts else np.array([], dtype=object)


def _nearest_distance(xy: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    idx, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    out = np.full(len(xy), np.inf)
    out[idx[0]] = dist
    return out


def offset_evidence(
    points_gdf: gpd.GeoDataFrame,
    reference,
    *,
    max_points: int = 2000,
) -> list[OffsetEvidence]:
    """Nearest-distance statistics of the points as declared, converted from gcj02/bd09, and
    moved by the same distance in other directions (see :class:`OffsetEvidence`)."""
    geoms = points_gdf.geometry
    if geoms.crs is not None and not is_wgs84(geoms.crs):
        geoms = geoms.to_crs(WGS84)
    arr = geoms.to_numpy()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if len(arr) == 0:
        return []
    xy = shapely.get_coordinates(shapely.point_on_surface(arr))
    xy = xy[~out_of_china(xy[:, 0], xy[:, 1])]
    if len(xy) > max_points:
        xy = xy[np.random.default_rng(0).choice(len(xy), max_points, replace=False)]
    ref = _reference_geoms(reference)
    if len(xy) == 0 or len(ref) == 0:
        return []
    crs = metric_crs(float(np.median(xy[:, 0])), float(np.median(xy[:, 1])))
    pad = 0.05  # degrees (~4-5 km): beyond the largest BD-09 shift
    box = shapely.box(
        xy[:, 0].min() - pad, xy[:, 1].min() - pad, xy[:, 0].max() + pad, xy[:, 1].max() + pad
    )
    ref = ref[shapely.intersects(ref, box)]
    if len(ref) == 0:
        return []
    tree = shapely.STRtree(gpd.GeoSeries(ref, crs=WGS84).to_crs(crs).to_numpy())
    to_metric = Transformer.from_crs(WGS84, crs, always_xy=True)

    def project(lon, lat) -> np.ndarray:
        return np.column_stack(to_metric.transform(lon, lat))

    raw = project(xy[:, 0], xy[:, 1])
    d0 = _nearest_distance(raw, tree)
    evidence = []
    for system in ("gcj02", "bd09"):
        conv = project(*convert_coords(xy[:, 0], xy[:, 1], system, "wgs84"))
        dc = _nearest_distance(conv, tree)
        shift = raw - conv
        others = []
        for angle in np.radians(np.arange(45, 360, 45)):
            c, s = np.cos(angle), np.sin(angle)
            rotated = np.column_stack(
                [c * shift[:, 0] - s * shift[:, 1], s * shift[:, 0] + c * shift[:, 1]]
            )
            others.append(_nearest_distance(raw - rotated, tree))
        others = np.array(others)
        mean = shift.mean(axis=0)
        evidence.append(
            OffsetEvidence(
                system=system,
                n_points=len(xy),
                median_as_is_m=float(np.median(d0)),
                median_converted_m=float(np.median(dc)),
                median_other_directions_m=float(np.median(np.median(others, axis=1))),
                share_closer=float(np.mean(dc < d0)),
                direction_score=float(np.mean(others > dc[None, :])),
                shift_m=float(np.hypot(*mean)),
                shift_bearing_deg=float(np.degrees(np.arctan2(mean[0], mean[1])) % 360),
            )
        )
    return evidence


_COMPASS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_COMPASS_EN = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def _suspected(e: OffsetEvidence, max_ratio: float, min_share_closer: float, z: float) -> bool:
    """The decision rule of :func:`detect_offset_hint` for one candidate system."""
    if e.median_as_is_m <= 0:
        return False
    # few points: a large effect in every respect
    if (
        e.median_converted_m <= max_ratio * e.median_as_is_m
        and e.share_closer >= min_share_closer
        and e.median_converted_m <= max_ratio * e.median_other_directions_m
    ):
        return True
    # many points (dense networks, where any shift lands near some street): a moderate
    # effect that is statistically certain
    n = e.n_points
    z_closer = (e.share_closer - 0.5) / (0.5 / np.sqrt(n))
    z_direction = (e.direction_score - 0.5) / (0.327 / np.sqrt(n))  # sd of a rank share of 7
    return bool(
        e.median_converted_m <= 0.8 * e.median_as_is_m
        and e.median_converted_m <= 0.8 * e.median_other_directions_m
        and z_closer >= z
        and z_direction >= z
    )


def detect_offset_hint(
    points_gdf: gpd.GeoDataFrame,
    reference_gdf,
    *,
    min_points: int = 5,
    max_ratio: float = 0.5,
    min_share_closer: float = 0.7,
    z: float = 3.0,
) -> str | None:
    """Warn when points declared WGS-84 look like GCJ-02 or BD-09 coordinates.

    The points (representative points of other geometries) are compared with the project's
    reference geometries (streets, communities, network: lines, polygon boundaries, points)
    as declared and after converting them gcj02 -> wgs84 and bd09 -> wgs84
    (:func:`offset_evidence`). A system is suspected when converting from it brings the
    points closer to the reference *and* works only in the direction of the datum shift --
    moving them by the same distance in the seven other compass directions does not. So
    points offset consistently one way are caught, while a layer that is merely far from
    the reference (centroids of large polygons, sparse data) is not. Two rules, either
    suffices:

    - large effect (few points): the median distance falls to at most ``max_ratio`` of the
      median as declared and of the median in other directions, and at least
      ``min_share_closer`` of the points come closer;
    - certain effect (many points, dense networks where any shift lands near some street):
      both medians fall below 0.8 of the alternatives, and both the share of points coming
      closer and the direction score (see :class:`OffsetEvidence`) exceed their chance
      value 0.5 by ``z`` standard errors.

    Returns
    -------
    str or None
        A bilingual hint naming the likely system and the ``--crs`` to use, else None.
    """
    if len(points_gdf) < min_points:
        return None
    evidence = [e for e in offset_evidence(points_gdf, reference_gdf) if e.n_points >= min_points]
    suspects = [e for e in evidence if _suspected(e, max_ratio, min_share_closer, z)]
    if not suspects:
        return None
    best = min(suspects, key=lambda e: e.median_converted_m)
    name_zh = {"gcj02": "GCJ-02(高德/腾讯地图)", "bd09": "BD-09(百度地图)"}[best.system]
    name_en = {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}[best.system]
    k = int(((best.shift_bearing_deg + 22.5) % 360) // 45)
    return (
        f"提示:这些坐标可能是 {name_zh} 坐标却按 WGS-84 导入——它们整体向{_COMPASS_ZH[k]}偏移约 "
        f"{best.shift_m:.0f} 米;按 {best.system} 转换后,到项目街道/社区/路网的中位距离由 "
        f"{best.median_as_is_m:.0f} 米降到 {best.median_converted_m:.0f} 米"
        f"({best.share_closer:.0%} 的点更近)。请确认后用 --crs {best.system} 重新导入。"
        f" / Hint: these coordinates look like {name_en} declared as WGS-84 -- they sit about "
        f"{best.shift_m:.0f} m {_COMPASS_EN[k]} of where they would be; converted from "
        f"{best.system}, the median distance to the project's streets/communities/network "
        f"falls from {best.median_as_is_m:.0f} m to {best.median_converted_m:.0f} m "
        f"({best.share_closer:.0%} of the points get closer). Check and re-import with "
        f"--crs {best.system}."
    )
