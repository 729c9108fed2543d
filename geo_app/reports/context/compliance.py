"""The compliance section: the district's communities against Art. 8, 11 and 12."""

from __future__ import annotations

import pandas as pd

from analysis.standards import StandardSet
from geo_app import present
from geo_app.reports.context._format import fmt_number, lbl, table, text
from geo_app.reports.context.model import ReportTable

COMPLIANCE_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("name", False),
    ("street", False),
    ("era", False),
    ("households", True),
    ("required_m2", True),
    ("provided_m2", True),
    ("shortfall_m2", True),
    ("status", False),
    ("strictness", False),
    ("article", False),
    ("missing_rooms", False),
)


def compliance_table(comm: pd.DataFrame, standard: StandardSet, lang: str) -> ReportTable:
    """Compliance of the district's communities, gaps first (largest shortfall first), then
    the undecided ones (the data cannot decide them), then the compliant."""
    order = {"below": 0, "undecided": 1, "compliant": 2, "not_applicable": 3}
    ranked = comm.assign(_o=comm["status"].map(order).fillna(3)).sort_values(
        ["_o", "shortfall_m2", "street_code", "community_id"],
        ascending=[True, False, True, True],
        kind="mergesort",
    )
    shown = present.display_table(
        ranked, lang, [c for c, _ in COMPLIANCE_COLUMNS], standard=standard
    )
    rows = []
    for values, (_, raw) in zip(shown.itertuples(index=False), ranked.iterrows(), strict=True):
        cells = []
        for (column, _), value in zip(COMPLIANCE_COLUMNS, values, strict=True):
            if column == "households":
                cells.append(fmt_number(raw[column]))
            elif column.endswith("_m2"):
                cells.append(fmt_number(raw[column], 1))
            else:
                cells.append(text(value))
        rows.append(cells)
    return table("compliance", lang, COMPLIANCE_COLUMNS, rows, note=lbl("note.compliance", lang))
