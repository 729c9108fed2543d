"""Validation and repair of layers against their schema (``layers.schema``).

``validate`` lists every problem of a layer (missing field, wrong type, empty value, value not
in the vocabulary, value out of range, unknown Art. 8 room code, invalid, empty or wrongly typed
geometry, coordinates outside China, duplicate identifiers, missing or foreign CRS) in Chinese
and English, row by row. ``repair`` fixes what can be fixed without guessing (make_valid,
explode multi-points, cast numbers written as text, normalise vocabulary) and says what it
changed. Neither function modifies its input.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.crs import CHINA_BOUNDS, WGS84
from layers.schema import (
    FACILITY_KIND_LABELS,
    ROOM_LABELS,
    FieldSpec,
    LayerSchema,
    get_schema,
    parse_rooms,
)

CODE_LABELS: dict[str, tuple[str, str]] = {
    "missing_field": ("缺少字段", "missing field"),
    "wrong_type": ("类型错误", "wrong type"),
    "null_value": ("缺少取值", "missing value"),
    "not_allowed": ("取值不在允许范围", "value not allowed"),
    "out_of_range": ("数值超出范围", "value out of range"),
    "unknown_room": ("未知功能用房", "unknown room code"),
    "missing_geometry": ("缺少几何", "no geometry column"),
    "empty_geometry": ("几何为空", "empty geometry"),
    "invalid_geometry": ("几何无效", "invalid geometry"),
    "wrong_geometry_type": ("几何类型错误", "wrong geometry type"),
    "outside_china": ("坐标超出中国范围", "coordinates outside China"),
    "duplicate_id": ("编号重复", "duplicate id"),
    "missing_crs": ("缺少坐标系", "no coordinate reference system"),
    "wrong_crs": ("坐标系不是 WGS-84", "CRS is not WGS-84"),
}
"""Problem codes with their Chinese and English names."""

_TYPE_NAMES = {
    "str": ("文本", "text"),
    "int": ("整数", "whole number"),
    "float": ("数值", "number"),
    "bool": ("是/否", "yes/no"),
}
_GEOM_NAMES = {
    "Point": "点",
    "MultiPoint": "多点",
    "LineString": "线",
    "MultiLineString": "多线",
    "Polygon": "面",
    "MultiPolygon": "多面",
    "GeometryCollection": "几何集合",
    "LinearRing": "环",
}


@dataclass(frozen=True)
class Problem:
    """One problem found by :func:`validate`.

    Attributes
    ----------
    row : hashable or None
        Index label of the row, ``None`` for a problem of the whole layer.
    field : str or None
        Field concerned (``"geometry"`` for geometry problems, ``None`` for the CRS).
    code : str
        Machine-readable code, a key of ``CODE_LABELS``.
    message_zh, message_en : str
        Explanation for the planner.
    """

    row: object
    field: str | None
    code: str
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.message_zh if lang == "zh" else self.message_en

    def __str__(self) -> str:
        where = "" if self.row is None else f"[{self.row}] "
        return f"{where}{self.message_zh} / {self.message_en}"


class ValidationReport:
    """All problems of one layer, as returned by :func:`validate`.

    Attributes
    ----------
    layer : str
        Layer name.
    n_rows : int
        Number of rows checked.
    problems : list of Problem
        Every problem, layer-level first, then by row.
    """

    def __init__(self, layer: str, n_rows: int, problems: list[Problem]) -> None:
        self.layer = layer
        self.n_rows = n_rows
        self.problems = list(problems)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def __bool__(self) -> bool:  # a report is truthy when the layer is valid
        return self.ok

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def counts(self) -> dict[str, int]:
        """Number of problems per code."""
        return dict(Counter(p.code for p in self.problems))

    def count(self, code: str) -> int:
        """Number of problems with ``code``."""
        return sum(p.code == code for p in self.problems)

    @property
    def bad_rows(self) -> list:
        """Index labels of the rows with at least one problem, in order of appearance."""
        return list(dict.fromkeys(p.row for p in self.problems if p.row is not None))

    def codes(self) -> set[str]:
        """The set of problem codes present."""
        return {p.code for p in self.problems}

    def to_frame(self, lang: str = "zh") -> pd.DataFrame:
        """Problems as a table; column names and messages in ``lang`` ("zh" or "en")."""
        cols = (
            ("行", "字段", "问题", "说明")
            if lang == "zh"
            else ("row", "field", "problem", "message")
        )
        i = 0 if lang == "zh" else 1
        return pd.DataFrame(
            {
                cols[0]: ["" if p.row is None else p.row for p in self.problems],
                cols[1]: [p.field or "" for p in self.problems],
                cols[2]: [CODE_LABELS.get(p.code, (p.code, p.code))[i] for p in self.problems],
                cols[3]: [p.message(lang) for p in self.problems],
            },
            columns=list(cols),
        )

    def summary(self, lang: str = "zh") -> str:
        """One sentence: rows checked, number of problems and their count per code."""
        i = 0 if lang == "zh" else 1
        if self.ok:
            if lang == "zh":
                return f"图层 {self.layer}:{self.n_rows} 行,校验通过"
            return f"layer {self.layer}: {self.n_rows} rows, no problems"
        parts = [f"{CODE_LABELS.get(c, (c, c))[i]} {n}" for c, n in self.counts.items()]
        n_bad = len(self.bad_rows)
        if lang == "zh":
            return (
                f"图层 {self.layer}:{self.n_rows} 行,{n_bad} 行有问题,共 {len(self)} 个问题"
                f"({','.join(parts)})"
            )
        return (
            f"layer {self.layer}: {self.n_rows} rows, {n_bad} with problems, "
            f"{len(self)} problems ({', '.join(parts)})"
        )

    def __repr__(self) -> str:
        return f"ValidationReport({self.summary('en')!r})"


# -- value helpers -------------------------------------------------------------------------


def _blank(value: object) -> bool:
    """Whether a cell counts as empty: None, NaN, NA, or a text of only whitespace."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def _null_mask(values: pd.Series) -> np.ndarray:
    mask = values.isna().to_numpy(dtype=bool)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        blank = np.array([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
        mask = mask | blank
    return mask


def _is_int(v: object) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def _is_number(v: object) -> bool:
    if isinstance(v, bool | np.bool_):
        return False
    return isinstance(v, int | float | np.integer | np.floating)


def _type_ok(spec: FieldSpec, v: object) -> bool:
    """Whether non-empty value ``v`` has the logical type of ``spec``."""
    if spec.dtype == "str":
        return isinstance(v, str)
    if spec.dtype == "int":
        if _is_int(v):
            return True
        return _is_number(v) and math.isfinite(v) and float(v).is_integer()
    if spec.dtype == "float":
        return _is_number(v) and not (isinstance(v, float | np.floating) and math.isinf(v))
    if spec.dtype == "bool":
        return isinstance(v, bool | np.bool_) or (_is_number(v) and v in (0, 1))
    return True


def _fmt(v: object) -> str:
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _field_name(spec: FieldSpec) -> tuple[str, str]:
    return f"「{spec.label_zh or spec.name}」({spec.name})", f"'{spec.name}'"


def is_wgs84(crs) -> bool:
    """Whether ``crs`` is WGS-84 longitude/latitude (EPSG:4326 or OGC:CRS84)."""
    if crs is None:
        return False
    try:
        return CRS.from_user_input(crs).equals(CRS.from_user_input(WGS84), ignore_axis_order=True)
    except Exception:
        return False


# -- validate ------------------------------------------------------------------------------


def validate(
    layer_name: str, gdf: gpd.GeoDataFrame | pd.DataFrame, *, in_china: bool = True
) -> ValidationReport:
    """Check a layer against its schema and list every problem.

    Parameters
    ----------
    layer_name : str
        A layer of ``layers.schema.SCHEMAS`` (e.g. ``"communities"``).
    gdf : GeoDataFrame
        The layer; it is not modified.
    in_china : bool
        Flag coordinates outside China's extent (projects in China).

    Returns
    -------
    ValidationReport
        ``report.ok`` is True when nothing is wrong.
    """
    schema = get_schema(layer_name)
    problems: list[Problem] = []
    labels = list(gdf.index)

    def add(pos: int | None, field: str | None, code: str, zh: str, en: str) -> None:
        row = None if pos is None else labels[pos]
        problems.append(Problem(row, field, code, zh, en))

    for spec in schema.fields:
        _check_field(schema, spec, gdf, add)
    if schema.id_field and schema.id_field in gdf.columns:
        _check_duplicates(schema, gdf, add)
    if schema.spatial:
        _check_geometry(schema, gdf, add, in_china=in_china)

    layer_level = [p for p in problems if p.row is None]
    positions = {label: i for i, label in enumerate(labels)}
    by_row = sorted(
        (p for p in problems if p.row is not None),
        key=lambda p: positions.get(p.row, 0),
    )
    return ValidationReport(layer_name, len(gdf), layer_level + by_row)


def _check_field(schema: LayerSchema, spec: FieldSpec, gdf, add) -> None:
    zh_name, en_name = _field_name(spec)
    if spec.name not in gdf.columns:
        if spec.required:
            add(
                None,
                spec.name,
                "missing_field",
                f"缺少必填字段{zh_name}",
                f"required field {en_name} ({spec.label_en}) is missing",
            )
        return
    values = gdf[spec.name]
    if isinstance(values, pd.DataFrame):  # duplicated column names
        values = values.iloc[:, 0]
    null = _null_mask(values)
    if not spec.nullable:
        for pos in np.flatnonzero(null):
            add(
                int(pos),
                spec.name,
                "null_value",
                f"字段{zh_name}不能为空",
                f"field {en_name} must not be empty",
            )
    arr = values.to_numpy(dtype=object)
    tzh, ten = _TYPE_NAMES.get(spec.dtype, (spec.dtype, spec.dtype))
    typed = np.zeros(len(arr), dtype=bool)
    for pos in np.flatnonzero(~null):
        v = arr[pos]
        if _type_ok(spec, v):
            typed[pos] = True
            continue
        hint_zh = hint_en = ""
        if spec.dtype in ("int", "float") and isinstance(v, str):
            hint_zh, hint_en = "(文本不是数字)", " (text, not a number)"
        add(
            int(pos),
            spec.name,
            "wrong_type",
            f"字段{zh_name}应为{tzh},实际为 {_fmt(v)}{hint_zh}",
            f"field {en_name} must be a {ten}, got {_fmt(v)}{hint_en}",
        )
    for pos in np.flatnonzero(typed):
        v = arr[pos]
        if spec.allowed is not None and v not in spec.allowed:
            allowed = ", ".join(spec.allowed)
            add(
                int(pos),
                spec.name,
                "not_allowed",
                f"字段{zh_name}的取值 {_fmt(v)} 不在允许范围:{allowed}",
                f"field {en_name}: {_fmt(v)} is not one of {allowed}",
            )
        if spec.dtype in ("int", "float"):
            x = float(v)
            low = spec.minimum is not None and x < spec.minimum
            high = spec.maximum is not None and x > spec.maximum
            if low or high:
                rng = _range_text(spec)
                add(
                    int(pos),
                    spec.name,
                    "out_of_range",
                    f"字段{zh_name}的取值 {_fmt(v)} 超出范围 {rng}",
                    f"field {en_name}: {_fmt(v)} is outside {rng}",
                )
        if spec.list_of is not None:
            unknown = [r for r in parse_rooms(v) if r not in spec.list_of]
            if unknown:
                add(
                    int(pos),
                    spec.name,
                    "unknown_room",
                    f"字段{zh_name}含未知代码 {', '.join(unknown)};可用:{', '.join(spec.list_of)}",
                    f"field {en_name} has unknown codes {', '.join(unknown)}; "
                    f"known: {', '.join(spec.list_of)}",
                )


def _range_text(spec: FieldSpec) -> str:
    low = "-∞" if spec.minimum is None else f"{spec.minimum:g}"
    high = "∞" if spec.maximum is None else f"{spec.maximum:g}"
    return f"[{low}, {high}]"


def _check_duplicates(schema: LayerSchema, gdf, add) -> None:
    values = gdf[schema.id_field]
    if isinstance(values, pd.DataFrame):
        values = values.iloc[:, 0]
    null = _null_mask(values)
    keys = pd.Series([str(v).strip() for v in values], index=range(len(values)))[~null]
    dup = keys[keys.duplicated(keep=False)]
    if dup.empty:
        return
    spec = schema.field(schema.id_field)
    zh_name, en_name = _field_name(spec)
    labels = list(gdf.index)
    groups = dup.groupby(dup).groups
    for key, positions in groups.items():
        for pos in positions:
            others = ", ".join(str(labels[p]) for p in positions if p != pos)
            add(
                int(pos),
                schema.id_field,
                "duplicate_id",
                f"{zh_name} {key!r} 重复(另见第 {others} 行)",
                f"{en_name} {key!r} is duplicated (also rows {others})",
            )


def _is_geographic(crs) -> bool:
    if crs is None:
        return True
    try:
        return CRS.from_user_input(crs).is_geographic
    except Exception:  # unparsable CRS: treat as unknown
        return False


def _check_geometry(schema: LayerSchema, gdf, add, *, in_china: bool) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf._geometry_column_name not in gdf.columns:
        add(
            None,
            "geometry",
            "missing_geometry",
            f"图层 {schema.name} 没有几何列(坐标)",
            f"layer {schema.name} has no geometry column (coordinates)",
        )
        return
    crs = gdf.crs
    if crs is None:
        add(
            None,
            None,
            "missing_crs",
            "图层没有坐标系,应为 WGS-84 (EPSG:4326)",
            "the layer has no coordinate reference system; it must be WGS-84 (EPSG:4326)",
        )
    elif not is_wgs84(crs):
        name = CRS.from_user_input(crs).to_string()
        add(
            None,
            None,
            "wrong_crs",
            f"坐标系为 {name},项目图层应为 WGS-84 (EPSG:4326)",
            f"the CRS is {name}; project layers must be WGS-84 (EPSG:4326)",
        )
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(geoms)
    type_names = np.array(
        ["" if e else g.geom_type for g, e in zip(geoms, empty, strict=True)],
        dtype=object,
    )
    allowed = set(schema.geometry_types)
    allowed_zh = "、".join(_GEOM_NAMES.get(t, t) for t in schema.geometry_types)
    allowed_en = ", ".join(schema.geometry_types)
    valid = np.ones(len(geoms), dtype=bool)
    valid[~empty] = shapely.is_valid(geoms[~empty])
    check_china = in_china and _is_geographic(crs)
    if check_china:
        bounds = shapely.bounds(geoms)
        minx, miny, maxx, maxy = CHINA_BOUNDS
        with np.errstate(invalid="ignore"):
            outside = ~empty & ~(
                (bounds[:, 0] >= minx)
                & (bounds[:, 2] <= maxx)
                & (bounds[:, 1] >= miny)
                & (bounds[:, 3] <= maxy)
            )
    for pos in range(len(geoms)):
        if empty[pos]:
            what_zh, what_en = (
                ("缺少几何(坐标)", "missing") if missing[pos] else ("几何为空", "empty")
            )
            add(
                pos,
                "geometry",
                "empty_geometry",
                f"{what_zh}",
                f"geometry is {what_en}",
            )
            continue
        gtype = type_names[pos]
        if gtype not in allowed:
            add(
                pos,
                "geometry",
                "wrong_geometry_type",
                f"几何类型为{_GEOM_NAMES.get(gtype, gtype)}({gtype}),"
                f"图层 {schema.name} 需要{allowed_zh}",
                f"geometry is a {gtype}; layer {schema.name} needs {allowed_en}",
            )
        if not valid[pos]:
            reason = shapely.is_valid_reason(geoms[pos])
            add(
                pos,
                "geometry",
                "invalid_geometry",
                f"几何无效:{reason}",
                f"invalid geometry: {reason}",
            )
        if check_china and outside[pos]:
            b = bounds[pos]
            hint_zh = hint_en = ""
            if _inside_china(b[1], b[0]) and _inside_china(b[3], b[2]):
                hint_zh, hint_en = ";经纬度可能写反", "; longitude and latitude may be swapped"
            add(
                pos,
                "geometry",
                "outside_china",
                f"坐标 ({b[0]:.5f}, {b[1]:.5f}) 超出中国范围{hint_zh}",
                f"coordinates ({b[0]:.5f}, {b[1]:.5f}) are outside China{hint_en}",
            )


def _inside_china(lon: float, lat: float) -> bool:
    minx, miny, maxx, maxy = CHINA_BOUNDS
    return bool(minx <= lon <= maxx and miny <= lat <= maxy)


# -- repair --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change made by :func:`repair`: row label (None for the layer), field and messages."""

    row: object
    field: str | None
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.message_zh if lang == "zh" else self.message_en

    def __str__(self) -> str:
        where = "" if self.row is None else f"[{self.row}] "
        return f"{where}{self.message_zh} / {self.message_en}"


_UNITS = re.compile(
    r"(平方米|平米|㎡|m2|m²|sqm|米|m|度|°|deg|户|人|层|个|元)$",
    re.IGNORECASE,
)
_TRUE = {"true", "t", "yes", "y", "1", "是", "对", "闲置", "√", "✓"}
_FALSE = {"false", "f", "no", "n", "0", "否", "不", "非闲置", "在用", "×", "✗"}


def parse_number(value: object) -> float | None:
    """Read a number written as text by a planner, or None if it is not one.

    Handles full-width digits, thousands separators ("1,234"), surrounding spaces and a
    trailing unit ("300㎡", "300 平方米", "45度").
    """
    if _is_number(value):
        x = float(value)
        return x if math.isfinite(x) else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace(" ", "")
    text = text.replace("，", "")
    text = _UNITS.sub("", text).strip()
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def parse_bool(value: object) -> bool | None:
    """Read a yes/no value (true/false, 是/否, 1/0 ...), or None if it is not one."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if _is_number(value) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


VALUE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "urban": ("城市", "城市社区", "城镇"),
    "rural": ("农村", "农村社区", "村"),
    "old": ("老旧", "老旧小区", "老", "旧"),
    "new": ("新建", "新"),
    "regulated": ("规范", "规范管理", "物业管理"),
    "basic": ("基本", "基本管理", "基础管理"),
    "scattered": ("散居", "散居院落", "散居楼院", "弃管", "无物业"),
    "dome": ("球机", "半球", "半球机"),
    "bullet": ("枪机", "枪式"),
    "ptz": ("云台", "球形云台", "云台机"),
    "working": ("正常", "在用", "完好", "运行"),
    "broken": ("损坏", "故障", "坏", "离线", "失效"),
    "core": ("中心城区", "主城区"),
    "outer": ("外围", "外围城区"),
    "county": ("县", "县市", "县(市)", "县级市"),
    "free": ("无偿", "无偿提供", "无偿使用", "免费"),
    "low_rent": ("低租金", "低价租赁", "低租"),
    "exchange": ("置换",),
    "transfer": ("划拨", "调剂", "划转"),
    "lease": ("租赁", "租用"),
    "street": ("街路", "街道"),
    "alley": ("胡同", "小巷", "巷道"),
    "courtyard": ("院落", "庭院"),
    "entrance": ("出入口", "入口", "大门"),
    "square": ("广场",),
}
"""Chinese spellings of vocabulary codes that :func:`repair` turns into the codes."""


def _vocab_lookup(spec: FieldSpec) -> dict[str, str]:
    """Lower-cased spellings (codes and labels) of an allowed vocabulary -> code."""
    lookup: dict[str, str] = {}
    labels = FACILITY_KIND_LABELS if spec.allowed and "street_centre" in spec.allowed else {}
    for code in spec.allowed or ():
        for synonym in VALUE_SYNONYMS.get(code, ()):
            lookup[synonym] = code
        lookup[code.lower()] = code
        lookup[code.lower().replace("_", " ")] = code
        if code in labels:
            zh, en = labels[code]
            lookup[zh] = code
            lookup[en.lower()] = code
    return lookup


def _room_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, (zh, en) in ROOM_LABELS.items():
        lookup[code] = code
        lookup[zh] = code
        lookup[en.lower()] = code
    return lookup


def _text(v: object) -> str:
    if _is_number(v) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _cast_value(spec: FieldSpec, v: object, vocab: dict[str, str]) -> object:
    """Return the repaired value of a non-empty cell, or ``v`` itself if it cannot be fixed."""
    if spec.dtype == "str":
        out = v if isinstance(v, str) else _text(v)
        out = unicodedata.normalize("NFKC", out).strip() if spec.allowed or spec.list_of else out
        if isinstance(out, str) and out != out.strip():
            out = out.strip()
        if spec.allowed:
            key = out.lower()
            out = vocab.get(key, vocab.get(key.replace("-", "_"), out))
        if spec.list_of:
            rooms = _room_lookup()
            items = [s.strip() for s in re.split(r"[,,、;;/|\s]+", out) if s.strip()]
            out = ",".join(rooms.get(s.lower(), rooms.get(s, s)) for s in items)
        return out
    if spec.dtype in ("int", "float"):
        if _type_ok(spec, v) and not isinstance(v, str):
            return int(v) if spec.dtype == "int" else float(v)
        x = parse_number(v)
        if x is None:
            return v
        if spec.dtype == "int":
            return int(x) if x.is_integer() else v
        return x
    if spec.dtype == "bool":
        b = parse_bool(v)
        return v if b is None else b
    return v


def _column_dtype(spec: FieldSpec, values: list) -> object:
    """A pandas dtype for a repaired column (nullable integers/booleans when needed)."""
    present = [v for v in values if not _blank(v)]
    if spec.dtype == "int" and all(_is_int(v) for v in present):
        return "int64" if len(present) == len(values) else "Int64"
    if spec.dtype == "float" and all(_is_number(v) for v in present):
        return "float64"
    if spec.dtype == "bool" and all(isinstance(v, bool) for v in present):
        return "bool" if len(present) == len(values) else "boolean"
    return object


def repair(layer_name: str, gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Change]]:
    """Fix what can be fixed without guessing and say what changed.

    Repairs: text numbers are cast ("12" -> 12, "1,234" -> 1234, "300㎡" -> 300), whole
    floats in integer fields become integers, numbers in text fields become text, yes/no
    texts become booleans; vocabulary values are stripped and lower-cased, Chinese facility
    kind and room labels become codes; invalid geometries are made valid keeping the parts of
    the layer's geometry type; multi-points are exploded into points where the layer needs
    points (ids of the parts suffixed ``-1``, ``-2`` ...); a layer without CRS whose
    coordinates are degrees gets EPSG:4326; another CRS is reprojected to EPSG:4326.

    Parameters
    ----------
    layer_name : str
        Layer of ``layers.schema.SCHEMAS``.
    gdf : GeoDataFrame
        The layer; it is not modified.

    Returns
    -------
    (GeoDataFrame, list of Change)
        The repaired copy and one ``Change`` per change made. Problems that cannot be fixed
        are left for :func:`validate` to report.
    """
    schema = get_schema(layer_name)
    out = gdf.copy()
    changes: list[Change] = []
    labels = list(out.index)
    for spec in schema.fields:
        if spec.name not in out.columns:
            continue
        values = out[spec.name].to_numpy(dtype=object)
        vocab = _vocab_lookup(spec)
        new = list(values)
        for pos, v in enumerate(values):
            if _blank(v):
                if isinstance(v, str):
                    new[pos] = None
                    changes.append(
                        Change(
                            labels[pos],
                            spec.name,
                            f"字段 {spec.name}:空白文本改为空值",
                            f"field {spec.name}: blank text set to empty",
                        )
                    )
                continue
            fixed = _cast_value(spec, v, vocab)
            if fixed is v or _same(fixed, v):
                continue
            new[pos] = fixed
            if _is_number(v) and _is_number(fixed) and float(v) == float(fixed):
                continue  # 12 -> 12.0: a storage type, not a change of value
            changes.append(
                Change(
                    labels[pos],
                    spec.name,
                    f"字段 {spec.name}:{_fmt(v)} → {_fmt(fixed)}",
                    f"field {spec.name}: {_fmt(v)} -> {_fmt(fixed)}",
                )
            )
        dtype = _column_dtype(spec, new)
        series = pd.Series(new, index=out.index, dtype=object)
        try:
            out[spec.name] = series.astype(dtype)
        except (TypeError, ValueError):
            out[spec.name] = series
    if schema.spatial and isinstance(out, gpd.GeoDataFrame) and out.geometry.name in out.columns:
        out, geo_changes = _repair_geometry(schema, out)
        changes.extend(geo_changes)
    return out, changes


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        # 12 (int) vs 12.0 (float) differ in type: that is a change worth reporting
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


_FAMILY = {
    "Point": (0,),
    "LineString": (1, 2),
    "Polygon": (3,),
}


def _parts_of_family(geom, wanted: tuple[str, ...]):
    """Keep the parts of ``geom`` whose type is in the layer's geometry types."""
    if geom is None or geom.is_empty:
        return geom
    base = {t.replace("Multi", "") for t in wanted}
    parts = [p for p in shapely.get_parts(shapely.get_parts(geom)) if p.geom_type in base]
    if not parts:
        return geom
    if len(parts) == 1:
        single = parts[0]
        if single.geom_type in wanted:
            return single
    if "Polygon" in base:
        merged = shapely.union_all([p for p in parts if p.geom_type == "Polygon"])
        return merged
    if "LineString" in base:
        return shapely.MultiLineString([p for p in parts if p.geom_type == "LineString"])
    return shapely.MultiPoint(parts)


def _repair_geometry(
    schema: LayerSchema, gdf: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Change]]:
    changes: list[Change] = []
    out = gdf
    if out.crs is None:
        bounds = out.total_bounds
        if len(out) and np.all(np.isfinite(bounds)) and _degrees(bounds):
            out = out.set_crs(WGS84)
            changes.append(
                Change(
                    None,
                    None,
                    "图层没有坐标系,坐标为经纬度:设为 WGS-84 (EPSG:4326)",
                    "the layer had no CRS and its coordinates are degrees: set to WGS-84",
                )
            )
    elif not is_wgs84(out.crs):
        name = CRS.from_user_input(out.crs).to_string()
        out = out.to_crs(WGS84)
        changes.append(
            Change(
                None,
                None,
                f"坐标系 {name} 已转换为 WGS-84 (EPSG:4326)",
                f"reprojected from {name} to WGS-84 (EPSG:4326)",
            )
        )
    labels = list(out.index)
    geoms = out.geometry.to_numpy().copy()
    wanted = schema.geometry_types
    changed = False
    for pos, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        new = geom
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            try:
                fixed = shapely.make_valid(geom)
            except shapely.errors.GEOSException:  # e.g. infinite coordinates: reported below
                fixed = None
            new = None if fixed is None else _parts_of_family(fixed, wanted)
            if new is not None and not new.is_empty and new.is_valid:
                changes.append(
                    Change(
                        labels[pos],
                        "geometry",
                        f"修复无效几何({reason}),结果为{_GEOM_NAMES.get(new.geom_type, '')}",
                        f"made invalid geometry valid ({reason}); now a {new.geom_type}",
                    )
                )
            else:
                new = geom
        elif new.geom_type not in wanted:
            parts = _parts_of_family(new, wanted)
            if parts is not new and parts.geom_type in wanted:
                changes.append(
                    Change(
                        labels[pos],
                        "geometry",
                        f"{_GEOM_NAMES.get(new.geom_type, new.geom_type)}只保留"
                        f"{_GEOM_NAMES.get(parts.geom_type, parts.geom_type)}部分",
                        f"kept the {parts.geom_type} parts of a {new.geom_type}",
                    )
                )
                new = parts
        if new is not geom:
            geoms[pos] = new
            changed = True
    if changed:
        out = out.copy() if out is gdf else out
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    if "MultiPoint" not in wanted and "Point" in wanted:
        out, explode_changes = _explode_points(schema, out)
        changes.extend(explode_changes)
    return out, changes


def _degrees(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = bounds
    return bool(-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)


def _explode_points(
    schema: LayerSchema, gdf: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Change]]:
    geoms = gdf.geometry.to_numpy()
    is_multi = np.array([g is not None and g.geom_type == "MultiPoint" for g in geoms])
    if not is_multi.any():
        return gdf, []
    changes: list[Change] = []
    labels = list(gdf.index)
    pieces = []
    for pos in range(len(gdf)):
        row = gdf.iloc[[pos]]
        geom = geoms[pos]
        if not is_multi[pos] or geom.is_empty:
            pieces.append(row)
            continue
        parts = list(shapely.get_parts(geom))
        if len(parts) == 1:
            row = row.copy()
            row[row.geometry.name] = gpd.GeoSeries(parts, index=row.index, crs=gdf.crs)
            pieces.append(row)
            changes.append(
                Change(
                    labels[pos],
                    "geometry",
                    "单点的多点几何改为点",
                    "single-part MultiPoint turned into a Point",
                )
            )
            continue
        exploded = row.loc[row.index.repeat(len(parts))].copy()
        exploded[exploded.geometry.name] = gpd.GeoSeries(parts, crs=gdf.crs).to_numpy()
        exploded.index = [f"{labels[pos]}-{k + 1}" for k in range(len(parts))]
        id_field = schema.id_field
        if id_field and id_field in exploded.columns and not _blank(row[id_field].iloc[0]):
            base = _text(row[id_field].iloc[0])
            exploded[id_field] = [f"{base}-{k + 1}" for k in range(len(parts))]
        pieces.append(exploded)
        changes.append(
            Change(
                labels[pos],
                "geometry",
                f"多点拆分为 {len(parts)} 个点(编号加后缀 -1、-2 …)",
                f"MultiPoint exploded into {len(parts)} points (ids suffixed -1, -2 ...)",
            )
        )
    out = pd.concat(pieces)
    return gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=gdf.crs), changes
