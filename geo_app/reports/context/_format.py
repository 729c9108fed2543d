"""Formatting of report cells and labels (numbers, shares, bilingual messages, tables)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from geo_app.i18n import t
from geo_app.reports.context.model import ReportTable
from layers.field_values import is_blank

missing = is_blank
"""Whether a value is blank (:func:`layers.field_values.is_blank`): shown as a dash."""


def fmt_number(value: object, decimals: int = 0) -> str:
    """``12,345`` / ``12,345.6``; a dash for missing values."""
    if missing(value):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "—"
    return f"{number:,.{decimals}f}"


def fmt_share(value: object) -> str:
    """A share 0..1 as a percentage with one decimal (``68.5%``)."""
    if missing(value):
        return "—"
    return f"{float(value) * 100:.1f}%"


def text(value: object) -> str:
    """``value`` as a cell text; a dash for missing or blank values."""
    return "—" if missing(value) or str(value).strip() == "" else str(value)


def in_lang(message: str, lang: str) -> str:
    """The ``lang`` half of a bilingual "中文 / English" message (the whole text otherwise)."""
    parts = re.split(r"\s?/ ", message, maxsplit=1)
    if len(parts) < 2:
        return message
    return parts[0].strip() if lang == "zh" else parts[1].strip()


def lbl(key: str, lang: str, **values: object) -> str:
    """The report text ``reports.<key>``."""
    return t(f"reports.{key}", lang, **values)


def table(
    key: str,
    lang: str,
    columns: Sequence[tuple[str, bool]],
    rows: list[list[str]],
    note: str = "",
) -> ReportTable:
    """A table whose headers are ``reports.col.<name>`` and title ``reports.table.<key>``."""
    return ReportTable(
        key=key,
        title=lbl(f"table.{key}", lang),
        columns=[lbl(f"col.{name}", lang) for name, _ in columns],
        rows=rows,
        numeric=[numeric for _, numeric in columns],
        note=note,
    )
