"""Reading planners' values: blanks, numbers, yes/no, types of a field, WGS-84 check."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pyproj import CRS

from layers.crs import WGS84

if TYPE_CHECKING:  # the schema's fields are read here; the schema reads blanks from here
    from layers.schema import FieldSpec


def is_blank(value: object) -> bool:
    """Whether a cell counts as empty: None, NaN, NA, or a text of only whitespace."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def null_mask(values: pd.Series) -> np.ndarray:
    """Empty cells of a column (missing values and whitespace-only texts)."""
    mask = values.isna().to_numpy(dtype=bool)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        blank = np.array([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
        mask = mask | blank
    return mask


def is_int_value(v: object) -> bool:
    """Whether ``v`` is an integer (booleans are not)."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def is_number_value(v: object) -> bool:
    """Whether ``v`` is a number (booleans are not)."""
    if isinstance(v, bool | np.bool_):
        return False
    return isinstance(v, int | float | np.integer | np.floating)


def type_ok(spec: FieldSpec, v: object) -> bool:
    """Whether non-empty value ``v`` has the logical type of ``spec``."""
    if spec.dtype == "str":
        return isinstance(v, str)
    if spec.dtype == "int":
        if is_int_value(v):
            return True
        return is_number_value(v) and math.isfinite(v) and float(v).is_integer()
    if spec.dtype == "float":
        return is_number_value(v) and not (isinstance(v, float | np.floating) and math.isinf(v))
    if spec.dtype == "bool":
        return isinstance(v, bool | np.bool_) or (is_number_value(v) and v in (0, 1))
    return True


def format_value(v: object) -> str:
    """``v`` as shown in a problem message, cut to 40 characters."""
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 40 else text[:37] + "..."


def field_labels(spec: FieldSpec) -> tuple[str, str]:
    """How messages name a field, in Chinese and English."""
    return f"「{spec.label_zh or spec.name}」({spec.name})", f"'{spec.name}'"


def is_wgs84(crs) -> bool:
    """Whether ``crs`` is WGS-84 longitude/latitude (EPSG:4326 or OGC:CRS84)."""
    if crs is None:
        return False
    try:
        return CRS.from_user_input(crs).equals(CRS.from_user_input(WGS84), ignore_axis_order=True)
    except Exception:
        return False


GEOM_NAMES: dict[str, str] = {
    "Point": "点",
    "MultiPoint": "多点",
    "LineString": "线",
    "MultiLineString": "多线",
    "Polygon": "面",
    "MultiPolygon": "多面",
    "GeometryCollection": "几何集合",
    "LinearRing": "环",
}
"""Chinese names of the geometry types, for messages."""
