"""Tables of the shared platform as planners read them: change history and registry lists."""

from __future__ import annotations

import pandas as pd

from geo_app.i18n import field_label, t
from geo_app.project.postgis.platform import changed_fields

HISTORY_SHOWN = ("history_id", "changed_at", "changed_by", "layer", "fid", "operation", "version")


def history_display(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The history with translated headers, operations and the fields each change touched."""
    if table.empty:
        return pd.DataFrame(
            columns=[t(f"history.col.{c}", lang) for c in (*HISTORY_SHOWN, "fields")]
        )
    out = table[list(HISTORY_SHOWN)].copy()
    out["changed_at"] = out["changed_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    out["operation"] = [t(f"history.op.{op}", lang) for op in out["operation"]]
    out["fields"] = [
        "、".join(changed_fields(b, a)[:8]) if lang == "zh" else ", ".join(changed_fields(b, a)[:8])
        for b, a in zip(table["before"], table["after"], strict=True)
    ]
    return out.rename(columns={c: t(f"history.col.{c}", lang) for c in out.columns})


def registry_display(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Registry rows (or facilities waiting) with the layer's field labels as headers."""
    layer = "housing_registry" if "registered_at" in table.columns else "facilities"
    shown = table.astype(object).where(table.notna(), "")  # no "None" on screen
    return shown.rename(columns={c: field_label(layer, c, lang) for c in table.columns})
