"""Export of a district comparison as CSV (UTF-8 with BOM) or XLSX."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

from geo_app.i18n import normalise_lang, t
from geo_app.present.spreadsheets import write_csv, write_xlsx
from geo_app.workflows.compare.model import DistrictComparison
from layers.errors import InputValueError

COMPARE_FORMATS: tuple[str, ...] = ("csv", "xlsx")


def write_comparison(
    comparison: DistrictComparison,
    out: str | os.PathLike | BinaryIO,
    lang: str = "zh",
    fmt: str | None = None,
    *,
    machine_readable: bool = False,
) -> Path | BinaryIO:
    """Write the comparison as CSV (UTF-8 with BOM, so that Excel shows Chinese) or XLSX.

    The format follows the extension of ``out`` (``.csv`` / ``.xlsx``) or ``fmt``. The table is
    :meth:`DistrictComparison.display` with the metric id as first column; the workbook has a
    second sheet with the raw values (shares as fractions) for further computation.
    ``machine_readable``: the CSV holds the raw values instead (metric ids, shares as
    fractions), for scripts. Returns the path (or the file object).
    """
    if fmt is None:
        if not isinstance(out, str | os.PathLike):
            raise ValueError("写入文件对象时须给出格式 / give fmt when writing to a file object")
        fmt = Path(out).suffix
    fmt = fmt.lower().lstrip(".")
    if fmt not in COMPARE_FORMATS:
        raise InputValueError(
            f"导出格式应为 csv 或 xlsx:{fmt!r} / the export format must be csv or xlsx: {fmt!r}"
        )
    lang = normalise_lang(lang)
    table = comparison.display(lang).reset_index()
    table = table.rename(columns={"metric": t("compare.col.metric_id", lang)})
    raw = comparison.metrics.copy()
    raw.insert(0, "unit", comparison.definitions["unit"].reindex(raw.index))
    if fmt == "csv":
        write_csv(raw.reset_index() if machine_readable else table, out)
    else:
        ranks = comparison.ranks.astype(object).where(comparison.ranks.notna(), None)
        sheets = {
            t("compare.sheet.table", lang): table,
            t("compare.sheet.values", lang): raw.reset_index(),
            t("compare.sheet.ranks", lang): ranks.reset_index(),
        }
        write_xlsx(sheets, out)
    return Path(out) if isinstance(out, str | os.PathLike) else out


def comparison_bytes(
    comparison: DistrictComparison, fmt: str, lang: str = "zh", *, machine_readable: bool = False
) -> bytes:
    """The bytes of :func:`write_comparison` (for a download button)."""
    buffer = io.BytesIO()
    write_comparison(comparison, buffer, lang, fmt=fmt, machine_readable=machine_readable)
    return buffer.getvalue()
