"""Row-by-row input checks shared by the analyses: problem rows with zh/en messages.

Every analysis validates its inputs row by row before computing and raises
:class:`ComplianceInputError` listing every bad row; nothing is silently treated as zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from layers.errors import InputProblemsError
from layers.field_values import is_blank

PROBLEM_COLUMNS: list[str] = [
    "layer",
    "row",
    "record_id",
    "field",
    "value",
    "problem",
    "message_zh",
    "message_en",
]
"""Columns of the row-by-row problem table of :class:`ComplianceInputError`."""


class ComplianceInputError(InputProblemsError):
    """Input layers have rows the analysis cannot use; ``problems`` lists them row by row.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem with the columns :data:`PROBLEM_COLUMNS` (``row`` is the 1-based
        row number in the layer, ``record_id`` its identifier).
    """

    def __init__(self, problems: pd.DataFrame) -> None:
        problems = problems.reset_index(drop=True)
        n = len(problems)
        head = "; ".join(problems["message_zh"].head(5))
        more = f" …(另有 {n - 5} 条 / {n - 5} more)" if n > 5 else ""
        super().__init__(
            problems,
            f"输入数据有 {n} 处问题,无法评估:{head}{more} / "
            f"the input layers have {n} problem(s); see .problems for every row",
        )


# -- helpers -------------------------------------------------------------------------------


def as_code(values: pd.Series) -> pd.Series:
    """Identifiers as text: 230102.0 -> "230102", missing stays missing."""

    def conv(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        text = str(v).strip()
        return text or None

    # built as an object Series: ``map`` may infer a string dtype that turns None into NaN
    return pd.Series([conv(v) for v in values], index=values.index, dtype=object)


is_missing = is_blank
"""A cell counts as missing when it is blank (:func:`layers.field_values.is_blank`)."""


def problem_row(
    layer: str,
    row: int | None,
    record_id: Any,
    field: str,
    value: Any,
    problem: str,
    zh: str,
    en: str,
) -> dict:
    where_zh = f"图层 {layer} 第 {row} 行" if row is not None else f"图层 {layer}"
    where_en = f"layer {layer} row {row}" if row is not None else f"layer {layer}"
    rid_en = "" if is_missing(record_id) else f" ({record_id})"
    rid = "" if is_missing(record_id) else f"({record_id})"
    return {
        "layer": layer,
        "row": row,
        "record_id": None if is_missing(record_id) else str(record_id),
        "field": field,
        "value": None if is_missing(value) else str(value),
        "problem": problem,
        "message_zh": f"{where_zh}{rid} 字段 {field}:{zh}",
        "message_en": f"{where_en}{rid_en} field {field}: {en}",
    }


def problems_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def check_columns(frame: pd.DataFrame, layer: str, columns: Iterable[str]) -> list[dict]:
    """Problems for required ``columns`` absent from ``frame``."""
    return [
        problem_row(
            layer, None, None, c, None, "missing_column", "缺少必需字段", "required column missing"
        )
        for c in columns
        if c not in frame.columns
    ]


def check_numbers(
    frame: pd.DataFrame,
    layer: str,
    column: str,
    id_column: str | None,
    *,
    integer: bool = False,
    mask: pd.Series | None = None,
    bounds: tuple[float | None, float | None] = (0.0, None),
    allow_missing: bool = False,
) -> list[dict]:
    """Row-by-row problems of a numeric column: missing, not a number, negative, out of range.

    Parameters
    ----------
    frame : DataFrame
        The layer.
    layer, column, id_column : str
        Names used in the messages.
    integer : bool
        Whether values must be whole numbers (households).
    mask : Series of bool, optional
        Only rows where ``mask`` is true are checked.
    bounds : (float or None, float or None)
        Inclusive ``(minimum, maximum)``; None for no bound (default: not negative).
    allow_missing : bool
        Whether an empty value is allowed (``star_rating``).
    """
    if column not in frame.columns:
        return []
    minimum, maximum = bounds
    out = []
    ids = frame[id_column] if id_column and id_column in frame.columns else None
    check = np.ones(len(frame), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    for pos, value in enumerate(frame[column].tolist()):
        if not check[pos]:
            continue
        rid = ids.iloc[pos] if ids is not None else None
        row = pos + 1
        if is_missing(value):
            if not allow_missing:
                out.append(
                    problem_row(
                        layer, row, rid, column, value, "missing", "缺少数值", "value is missing"
                    )
                )
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(
                problem_row(
                    layer, row, rid, column, value, "not_a_number", "不是数值", "not a number"
                )
            )
            continue
        if isinstance(value, bool) or not np.isfinite(number):
            out.append(
                problem_row(
                    layer, row, rid, column, value, "not_a_number", "不是数值", "not a number"
                )
            )
        elif minimum is not None and number < minimum:
            kind = "negative" if minimum == 0 else "below_minimum"
            zh = "不能为负数" if minimum == 0 else f"不能小于 {minimum:g}"
            en = "cannot be negative" if minimum == 0 else f"cannot be below {minimum:g}"
            out.append(problem_row(layer, row, rid, column, value, kind, zh, en))
        elif maximum is not None and number > maximum:
            out.append(
                problem_row(
                    layer,
                    row,
                    rid,
                    column,
                    value,
                    "above_maximum",
                    f"不能大于 {maximum:g}",
                    f"cannot be above {maximum:g}",
                )
            )
        elif integer and not number.is_integer():
            out.append(
                problem_row(
                    layer,
                    row,
                    rid,
                    column,
                    value,
                    "not_integer",
                    "应为整数",
                    "must be a whole number",
                )
            )
    return out


def check_ids(frame: pd.DataFrame, layer: str, column: str) -> list[dict]:
    if column not in frame.columns:
        return []
    out = []
    codes = as_code(frame[column])
    dup = codes.duplicated(keep=False) & codes.notna()
    for pos, (code, is_dup) in enumerate(zip(codes, dup, strict=True)):
        if code is None:
            out.append(
                problem_row(layer, pos + 1, None, column, None, "missing", "缺少编号", "id missing")
            )
        elif is_dup:
            out.append(
                problem_row(
                    layer, pos + 1, code, column, code, "duplicate", "编号重复", "duplicate id"
                )
            )
    return out


def _check_allowed(
    frame: pd.DataFrame, layer: str, column: str, id_column: str, allowed: Sequence[str]
) -> list[dict]:
    if column not in frame.columns:
        return []
    out = []
    ids = frame[id_column] if id_column in frame.columns else pd.Series([None] * len(frame))
    for pos, value in enumerate(frame[column].tolist()):
        if is_missing(value) or str(value) not in allowed:
            out.append(
                problem_row(
                    layer,
                    pos + 1,
                    ids.iloc[pos],
                    column,
                    value,
                    "missing" if is_missing(value) else "not_allowed",
                    f"取值应为 {', '.join(allowed)} 之一",
                    f"must be one of {', '.join(allowed)}",
                )
            )
    return out
