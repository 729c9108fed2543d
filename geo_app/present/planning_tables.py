"""Display of coverage, gap and site-selection tables: labels, rounding, headers in zh/en."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compliance import is_missing as compliance_is_missing
from geo_app.i18n import catalogue, field_label, layer_label, normalise_lang, t, value_label

_SHARE_COLUMNS = ("covered_share",)
_SCORE_COLUMNS = (
    "area_score",
    "coverage_score",
    "access_score",
    "priority",
    "mean_priority",
    "max_priority",
)


def planning_column_label(name: str, lang: str = "zh") -> str:
    """Header of a coverage / gap / site-selection column (``coverage.col.<name>`` or
    ``site_selection.col.<name>``), else the communities field label."""
    for section in ("coverage", "site_selection"):
        key = f"{section}.col.{name}"
        if key in catalogue():
            return t(key, lang)
    return field_label("communities", name, lang)


def _planning_value(column: str, value: object, lang: str) -> object:
    if compliance_is_missing(value):
        return value
    if column == "method":
        key = f"coverage.method.{value}"
        return t(key, lang) if key in catalogue() else value
    if column == "source_layer":
        return layer_label(str(value), lang)
    if column == "offer":
        return value_label("candidate_sites", "offer", str(value), lang)
    if column == "model":
        key = f"site_selection.models.{value}"
        return t(key, lang) if key in catalogue() else value
    if column == "candidates" and isinstance(value, list | tuple):
        return ", ".join(layer_label(str(v), lang) for v in value)
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    return value


def planning_table(
    frame: pd.DataFrame, lang: str = "zh", columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A coverage, gap or site-selection table for the screen, with headers in ``lang``.

    Shares (``covered_share``) become percentages with one decimal, metres and m2 one decimal,
    scores three decimals; methods, candidate layers, offers and models their labels;
    ``reason_zh`` / ``reason_en`` collapse into ``reason``. Geometry is dropped.
    """
    lang = normalise_lang(lang)
    out = pd.DataFrame(frame).drop(columns="geometry", errors="ignore").copy()
    if "reason_zh" in out.columns and "reason_en" in out.columns:
        out["reason"] = out["reason_zh" if lang == "zh" else "reason_en"]
        out = out.drop(columns=["reason_zh", "reason_en"])
    if columns is not None:
        out = out[[c for c in dict.fromkeys(columns) if c in out.columns]]
    for col in out.columns:
        if col in _SHARE_COLUMNS:
            out[col] = pd.to_numeric(out[col], errors="coerce").mul(100).round(1)
        elif col in _SCORE_COLUMNS:
            out[col] = pd.to_numeric(out[col], errors="coerce").round(3)
        elif col.endswith(("_m", "_m2", "_per_100")) and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round(1)
        elif col in ("method", "source_layer", "offer", "model", "candidates", "optimal"):
            out[col] = out[col].map(lambda v, col=col: _planning_value(col, v, lang))
        elif col in ("covered", "same_street"):
            out[col] = out[col].map(lambda v, col=col: _planning_value(col, bool(v), lang))
    return out.rename(columns={c: planning_column_label(c, lang) for c in out.columns})
