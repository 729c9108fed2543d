"""Repairing an import before validation: values cast to their field types, vocabularies and\nroom codes normalised, geometries made valid and of the layer's type; every change listed."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.crs import WGS84
from layers.field_values import (
    GEOM_NAMES,
    format_value,
    is_blank,
    is_int_value,
    is_number_value,
    is_wgs84,
    type_ok,
)
from layers.schema import (
    FACILITY_KIND_LABELS,
    ROOM_LABELS,
    FieldSpec,
    LayerSchema,
    get_schema,
)

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
    if is_number_value(value):
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
    if is_number_value(value) and value in (0, 1):
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
    if is_number_value(v) and float(v).is_integer():
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
        if type_ok(spec, v) and not isinstance(v, str):
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
    present = [v for v in values if not is_blank(v)]
    if spec.dtype == "int" and all(is_int_value(v) for v in present):
        return "int64" if len(present) == len(values) else "Int64"
    if spec.dtype == "float" and all(is_number_value(v) for v in present):
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
            if is_blank(v):
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
            if is_number_value(v) and is_number_value(fixed) and float(v) == float(fixed):
                continue  # 12 -> 12.0: a storage type, not a change of value
            changes.append(
                Change(
                    labels[pos],
                    spec.name,
                    f"字段 {spec.name}:{format_value(v)} → {format_value(fixed)}",
                    f"field {spec.name}: {format_value(v)} -> {format_value(fixed)}",
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
                        f"修复无效几何({reason}),结果为{GEOM_NAMES.get(new.geom_type, '')}",
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
                        f"{GEOM_NAMES.get(new.geom_type, new.geom_type)}只保留"
                        f"{GEOM_NAMES.get(parts.geom_type, parts.geom_type)}部分",
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
        if id_field and id_field in exploded.columns and not is_blank(row[id_field].iloc[0]):
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
