"""Numbers, times and empty values as a planner reads them: 84.6%, Harbin time, "—".

The analyses keep shares as fractions (0.8462), times in UTC (ISO 8601 with ``+00:00``) and
missing values as ``None``/``NaN``; the screen, the reports and the localized exports show
them with these functions, so that "0.8462", a UTC clock time, "None" or "nan" never reach a
planner.

Examples
--------
>>> format_share(0.8462)
'84.6%'
>>> format_share(None)
'—'
>>> local_time("2026-12-06T13:30:00+00:00")
'2026-12-06 21:30'
"""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from layers.field_values import is_blank as field_is_blank

MISSING = "—"
"""What an empty value looks like on screen (never "None" or "nan")."""
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
"""Time zone of the planners (Harbin keeps Beijing time, UTC+8)."""
TIME_FORMAT = "%Y-%m-%d %H:%M"


BLANK_TEXTS = frozenset({"none", "nan", "nat", "<na>"})
"""Texts that a table stringified from missing values holds instead of them."""


def is_blank(value: object) -> bool:
    """Whether a shown value is empty: blank (:func:`layers.field_values.is_blank`) or a text
    that stands for a missing value ("None", "nan" ...)."""
    if isinstance(value, str):
        return not value.strip() or value.strip().lower() in BLANK_TEXTS
    return field_is_blank(value)


def format_share(value: object, digits: int = 1) -> str:
    """A share (0-1) as a percentage with ``digits`` decimals: 0.8462 -> "84.6%"."""
    if is_blank(value):
        return MISSING
    number = float(value)
    if math.isnan(number):
        return MISSING
    return f"{number * 100:.{digits}f}%"


def show_value(value: object) -> object:
    """``value`` for the screen: :data:`MISSING` when blank, else unchanged."""
    return MISSING if is_blank(value) else value


def to_local(value: object) -> datetime | None:
    """A timestamp (ISO text, ``datetime``, pandas ``Timestamp``) in Asia/Shanghai.

    A timestamp without a zone is taken as UTC (how the project stores times); a plain date
    has no clock time and is returned at midnight local time. None for blank values.
    """
    if is_blank(value):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=LOCAL_TZ)
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(LOCAL_TZ).to_pydatetime()


def local_time(value: object, fmt: str = TIME_FORMAT) -> str:
    """A timestamp as Harbin time text, ``2026-12-06 21:30``; :data:`MISSING` when blank."""
    local = to_local(value)
    return MISSING if local is None else local.strftime(fmt)


def now_local() -> datetime:
    """The current time in Asia/Shanghai."""
    return datetime.now(LOCAL_TZ)


def blank_to_dash(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns show :data:`MISSING` instead of empty values.

    Numeric columns are left as they are so that they still sort as numbers; the screen table
    (:func:`geo_app.app.frame.show_table`) renders their gaps as :data:`MISSING` too.
    """
    out = pd.DataFrame(frame).copy()
    for position in range(out.shape[1]):
        series = out.iloc[:, position]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out.isetitem(position, series.map(show_value).astype(object))
    return out


def local_series(values: pd.Series) -> pd.Series:
    """Timestamps (naive = UTC, or zoned) as zoned Asia/Shanghai datetimes (NaT stays)."""
    stamps = pd.to_datetime(values, errors="coerce", utc=True)
    return stamps.dt.tz_convert(LOCAL_TZ)


def plain_number(value: object) -> str:
    """A number without trailing zeros (1360.0 -> "1360", 84.60 -> "84.6"); "—" when blank."""
    if is_blank(value):
        return MISSING
    return np.format_float_positional(float(value), precision=3, trim="-")


def percent_points(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """A copy of ``frame`` whose ``columns`` (shares 0-1) are percentage points (84.6)."""
    out = pd.DataFrame(frame).copy()
    for name in columns:
        if name in out.columns:
            out[name] = pd.to_numeric(out[name], errors="coerce").mul(100).round(1)
    return out
