"""Validation and repair of layers against their schema (``layers.schema``).

``validate`` lists every problem of a layer (missing field, wrong type, empty value, value not
in the vocabulary, value out of range, unknown Art. 8 room code, invalid, empty or wrongly typed
geometry, coordinates outside China, duplicate identifiers, missing or foreign CRS) in Chinese
and English, row by row. ``repair`` fixes what can be fixed without guessing (make_valid,
explode multi-points, cast numbers written as text, normalise vocabulary) and says what it
changed. Neither function modifies its input.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.crs import CHINA_BOUNDS
from layers.field_values import GEOM_NAMES, field_labels, format_value, is_wgs84, null_mask, type_ok
from layers.schema import (
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
        if n_bad == 0:  # problems of the whole layer only (a missing field): no row is to blame
            if lang == "zh":
                return f"图层 {self.layer}:{self.n_rows} 行,整个图层有 {len(self)} 个问题({','.join(parts)})"
            return (
                f"layer {self.layer}: {self.n_rows} rows, {len(self)} problems of the whole "
                f"layer ({', '.join(parts)})"
            )
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
    zh_name, en_name = field_labels(spec)
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
    null = null_mask(values)
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
    typed = _check_types(spec, arr, null, add)
    for pos in np.flatnonzero(typed):
        _check_value(spec, arr[pos], int(pos), add)


def _check_types(spec: FieldSpec, arr: np.ndarray, null: np.ndarray, add) -> np.ndarray:
    """Report non-empty values of the wrong type; the mask of values of the right type."""
    zh_name, en_name = field_labels(spec)
    tzh, ten = _TYPE_NAMES.get(spec.dtype, (spec.dtype, spec.dtype))
    typed = np.zeros(len(arr), dtype=bool)
    for pos in np.flatnonzero(~null):
        v = arr[pos]
        if type_ok(spec, v):
            typed[pos] = True
            continue
        hint_zh = hint_en = ""
        if spec.dtype in ("int", "float") and isinstance(v, str):
            hint_zh, hint_en = "(文本不是数字)", " (text, not a number)"
        add(
            int(pos),
            spec.name,
            "wrong_type",
            f"字段{zh_name}应为{tzh},实际为 {format_value(v)}{hint_zh}",
            f"field {en_name} must be a {ten}, got {format_value(v)}{hint_en}",
        )
    return typed


def _check_value(spec: FieldSpec, v: object, pos: int, add) -> None:
    """Report a typed value outside the allowed values, the range or the known room codes."""
    zh_name, en_name = field_labels(spec)
    if spec.allowed is not None and v not in spec.allowed:
        allowed = ", ".join(spec.allowed)
        add(
            pos,
            spec.name,
            "not_allowed",
            f"字段{zh_name}的取值 {format_value(v)} 不在允许范围:{allowed}",
            f"field {en_name}: {format_value(v)} is not one of {allowed}",
        )
    if spec.dtype in ("int", "float"):
        x = float(v)
        low = spec.minimum is not None and x < spec.minimum
        high = spec.maximum is not None and x > spec.maximum
        if low or high:
            rng = _range_text(spec)
            add(
                pos,
                spec.name,
                "out_of_range",
                f"字段{zh_name}的取值 {format_value(v)} 超出范围 {rng}",
                f"field {en_name}: {format_value(v)} is outside {rng}",
            )
    if spec.list_of is not None:
        unknown = [r for r in parse_rooms(v) if r not in spec.list_of]
        if unknown:
            add(
                pos,
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
    null = null_mask(values)
    keys = pd.Series([str(v).strip() for v in values], index=range(len(values)))[~null]
    dup = keys[keys.duplicated(keep=False)]
    if dup.empty:
        return
    spec = schema.field(schema.id_field)
    zh_name, en_name = field_labels(spec)
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
    allowed_zh = "、".join(GEOM_NAMES.get(t, t) for t in schema.geometry_types)
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
                f"几何类型为{GEOM_NAMES.get(gtype, gtype)}({gtype}),"
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
