"""Compliance results as a planner reads and exports them: labels, display tables, CSV/XLSX.

The check itself is :func:`geo_app.workflows.project_compliance`; this module turns its result
into the tables of the compliance page and the files of its download buttons and the CLI.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import BinaryIO

import pandas as pd

from analysis.budgets import HeatingCosts, StarRewards
from analysis.compliance import (
    FUNDING_LABELS,
    SCOPE_LABELS,
    STARTED_LABELS,
    STATUS_LABELS,
    ComplianceResult,
    room_labels,
    undecided_text,
)
from analysis.compliance import is_missing as compliance_is_missing
from analysis.standards import STRICTNESS_LABELS, StandardSet
from geo_app.i18n import catalogue, field_label, normalise_lang, t, value_label
from geo_app.present.spreadsheets import write_csv, write_xlsx
from layers.basis import BASIS_LABELS, basis_label
from layers.errors import InputValueError

# -- compliance: tables for display and export (Art. 8, 11, 12, 32, 33, 36) -----------------

COMPLIANCE_SHEET_NAMES: dict[str, str] = {
    "communities": "社区达标",
    "by_street": "街道汇总",
    "by_district": "区县汇总",
    "stations": "服务站用房",
    "street_centres": "街道中心",
    "rural": "农村社区",
    "security": "治安与物业",
    "failed_terms": "星级届次",
    "district_notes": "区县类别",
    "central_stations": "中心服务站",
    "misused_housing": "挪用用房",
    "village_start": "村启动进度",
    "issues": "问题清单",
    "star_rewards": "星级奖励",
    "star_streets": "星级街道",
    "heating": "供暖费用",
    "rules": "规则参数",
}
"""Workbook sheet of each table (Chinese names; column names stay the stable English codes)."""

EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx")
EXPORT_MIME: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def compliance_sheets(
    result: ComplianceResult,
    *,
    stars: StarRewards | None = None,
    heating: HeatingCosts | None = None,
) -> dict[str, pd.DataFrame]:
    """All tables of a compliance export, keyed like :data:`COMPLIANCE_SHEET_NAMES`, in order."""
    sheets = result.sheets()
    if stars is not None:
        sheets["star_rewards"] = stars.by_district
        sheets["star_streets"] = stars.by_street
    if heating is not None:
        sheets["heating"] = heating.by_district
    return {k: sheets[k] for k in COMPLIANCE_SHEET_NAMES if k in sheets}


def write_compliance(
    result: ComplianceResult,
    target: str | os.PathLike | BinaryIO,
    fmt: str,
    *,
    stars: StarRewards | None = None,
    heating: HeatingCosts | None = None,
    lang: str | None = None,
) -> None:
    """Write a compliance result: ``"csv"`` (one row per community) or ``"xlsx"`` (all tables).

    ``target`` is a path or a binary file object (``io.BytesIO`` for a download button). The
    CSV is UTF-8 with a byte-order mark so that Excel shows the Chinese names; the workbook
    has one sheet per table (:data:`COMPLIANCE_SHEET_NAMES`), with the Art. 33 star rewards and
    Art. 32 heating costs when given. ``lang`` "zh"/"en": headers and codes in that language;
    None/"raw": machine-readable (:mod:`geo_app.present.export_language`).
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "csv":
        write_csv(result.communities, target, lang=lang)
        return
    if fmt != "xlsx":
        raise InputValueError(
            f"导出格式应为 csv 或 xlsx:{fmt!r} / the export format must be csv or xlsx: {fmt!r}"
        )
    sheets = compliance_sheets(result, stars=stars, heating=heating)
    write_xlsx(
        {COMPLIANCE_SHEET_NAMES[key]: frame for key, frame in sheets.items()}, target, lang=lang
    )


def compliance_export_bytes(
    result: ComplianceResult,
    fmt: str,
    *,
    stars: StarRewards | None = None,
    heating: HeatingCosts | None = None,
    lang: str | None = None,
) -> bytes:
    """The bytes of :func:`write_compliance` (what the page's download buttons hand out)."""
    buffer = io.BytesIO()
    write_compliance(result, buffer, fmt, stars=stars, heating=heating, lang=lang)
    return buffer.getvalue()


COMPLIANCE_COLUMNS: tuple[str, ...] = (
    "community_id",
    "name",
    "district",
    "street",
    "kind",
    "era",
    "households",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "status",
    "strictness",
    "rule_id",
    "article",
    "missing_rooms",
    "one_station_ok",
    "two_failed_terms",
    "funding",
    "undecided_reason",
    "provisional_shortfall_m2",
    "households_basis",
    "era_basis",
    "community_source",
    "facility_basis",
)
"""Columns of the per-community table the compliance page shows, in order."""

_CODED = {
    "status": lambda v, lang: _status_label(v, lang),
    "district_class": lambda v, lang: value_label("districts", "district_class", v, lang),
    "era": lambda v, lang: value_label("communities", "era", v, lang),
    "kind": lambda v, lang: value_label("communities", "kind", v, lang),
    "missing_rooms": lambda v, lang: room_labels(v, lang) if isinstance(v, str) else v,
    "funding": lambda v, lang: FUNDING_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "remainder_funding": lambda v, lang: FUNDING_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "strictness": lambda v, lang: STRICTNESS_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "scope": lambda v, lang: SCOPE_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "started": lambda v, lang: STARTED_LABELS.get(v, (v, v))[0 if lang == "zh" else 1],
    "payer": lambda v, lang: (
        t(f"compliance.payer.{v}", lang) if f"compliance.payer.{v}" in catalogue() else v
    ),
    "level": lambda v, lang: (
        t(f"compliance.level.{v}", lang) if f"compliance.level.{v}" in catalogue() else v
    ),
    "undecided_reason": lambda v, lang: undecided_text(v, lang),
    **{name: (lambda v, lang, name=name: basis_label(name, v, lang)) for name in BASIS_LABELS},
}


def _status_label(value: object, lang: str) -> object:
    pair = STATUS_LABELS.get(str(value))
    if pair is None:
        key = f"compliance.status.{value}"
        return t(key, lang) if key in catalogue() else value
    return pair[0 if lang == "zh" else 1]


def column_label(name: str, lang: str = "zh") -> str:
    """Label of a compliance table column: ``compliance.col.<name>``, else the field label."""
    key = f"compliance.col.{name}"
    if key in catalogue():
        return t(key, lang)
    return field_label("communities", name, lang)


def cite_rule(
    standard: StandardSet | None, rule_id: object, article: object, lang: str = "zh"
) -> tuple[object, object]:
    """``(article, rule)`` as shown to a planner: 第十一条第一款 and the rule's title in Chinese.

    Without a standard, or for a rule the standard does not know, both stay as given.
    """
    rule = standard.rules.get(str(rule_id)) if standard is not None else None
    if rule is None:
        return article, rule_id
    return (rule.article_zh if lang == "zh" else rule.article), rule.title(lang)


def display_table(
    frame: pd.DataFrame,
    lang: str = "zh",
    columns: Sequence[str] | None = None,
    standard: StandardSet | None = None,
) -> pd.DataFrame:
    """A compliance table for the screen: chosen columns, coded values and headers in ``lang``.

    Statuses, district classes, eras, kinds, payers and Art. 8 rooms are shown by their labels
    (达标/未达标, 老旧小区 ...); the column names become :func:`column_label`. Numbers stay
    numbers so that the table sorts correctly. Message columns ``message_zh``/``message_en``
    collapse into one ``message`` column in ``lang``. With ``standard``, ``article`` and
    ``rule_id`` are cited by :func:`cite_rule` (第十一条第一款, the rule's title).
    """
    lang = normalise_lang(lang)
    out = frame.copy()
    if standard is not None and "rule_id" in out.columns:
        cited = [
            cite_rule(standard, r, a, lang)
            for r, a in zip(
                out["rule_id"],
                out["article"] if "article" in out.columns else [None] * len(out),
                strict=True,
            )
        ]
        if "article" in out.columns:
            out["article"] = [c[0] for c in cited]
        out["rule_id"] = [c[1] for c in cited]
    if "message_zh" in out.columns and "message_en" in out.columns:
        out["message"] = out["message_zh" if lang == "zh" else "message_en"]
        out = out.drop(columns=["message_zh", "message_en"])
    if columns is not None:
        out = out[[c for c in columns if c in out.columns]]
    out = out.drop(columns=[c for c in out.columns if c == "geometry"])
    for col, label in _CODED.items():
        if col in out.columns:
            out[col] = out[col].map(
                lambda v, label=label: v if compliance_is_missing(v) else label(v, lang)
            )
    return out.rename(columns={c: column_label(c, lang) for c in out.columns})


def problems_table(problems: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The rows of a :class:`~analysis.compliance.ComplianceInputError` for the screen."""
    keep = ["layer", "row", "record_id", "field", "value", "message_zh", "message_en"]
    return display_table(problems[[c for c in keep if c in problems.columns]], lang)
