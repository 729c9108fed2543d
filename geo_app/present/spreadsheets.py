"""CSV and XLSX exports that a spreadsheet program opens as text, never as a formula.

A community named ``=HYPERLINK("http://x","y")`` would become a live formula in Excel or WPS
when exported as it is (CSV injection). Every CSV/XLSX the workbench writes goes through
:func:`write_csv` or :func:`write_xlsx`, which prefix text cells and column headers that begin
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return with a single quote, as OWASP's
CSV-injection guidance recommends. Numbers, and text that is just a number such as ``"-2.5"``,
are left as they are.

Both writers take ``lang``: ``"zh"`` or ``"en"`` write the table in the planner's language
(headers, coded values and shares translated by :func:`geo_app.present.export_language.localize_frame`),
``None`` or ``"raw"`` the machine-readable table exactly as given (field names and codes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import BinaryIO

import pandas as pd

from geo_app.present.export_language import RAW, localize_frame

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?$")


def neutralise_cell(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.match(value.strip())
    ):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels are neutralised."""
    out = pd.DataFrame(frame).copy()
    for position in range(out.shape[1]):
        series = out.iloc[:, position]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out.isetitem(position, series.map(neutralise_cell, na_action="ignore"))
    out.columns = [neutralise_cell(c) for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index.dtype):
        out.index = out.index.map(neutralise_cell)
    return out


def export_frame(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """The table an export writes: ``frame`` in ``lang``, or as it is (``None``/``"raw"``)."""
    return frame if lang in (None, RAW) else localize_frame(frame, lang)


def write_csv(
    frame: pd.DataFrame,
    target: str | os.PathLike | BinaryIO,
    *,
    index: bool = False,
    lang: str | None = None,
) -> None:
    """Write ``frame`` as UTF-8 CSV with a byte-order mark (Excel then shows the Chinese).

    ``lang`` ``"zh"``/``"en"``: headers and coded values in that language; ``None``/``"raw"``:
    machine-readable, the frame as it is.
    """
    text = neutralise_frame(export_frame(frame, lang)).to_csv(index=index)
    data = ("\ufeff" + text).encode("utf-8")
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as fh:
            fh.write(data)
    else:
        target.write(data)


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    target: str | os.PathLike | BinaryIO,
    *,
    index: bool = False,
    lang: str | None = None,
) -> None:
    """Write one sheet per ``{sheet name: frame}`` to an XLSX workbook (``lang`` as CSV)."""
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            shown = _excel_values(export_frame(frame, lang))
            neutralise_frame(shown).to_excel(writer, sheet_name=name, index=index)


def _excel_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable booleans/integers as plain objects (openpyxl cannot write ``pd.NA``)."""
    out = pd.DataFrame(frame).copy()
    for position in range(out.shape[1]):
        series = out.iloc[:, position]
        if isinstance(series.dtype, pd.BooleanDtype | pd.Int64Dtype):
            out.isetitem(position, series.astype(object).where(series.notna(), None))
    return out
