"""The departments section: how many gaps of each kind the district has and who acts on them
(Art. 31; :mod:`geo_app.reports.departments`)."""

from __future__ import annotations

import pandas as pd

from analysis.compliance import gap_kinds
from geo_app.reports import departments as dep
from geo_app.reports.context._format import fmt_number, lbl, table
from geo_app.reports.context.coverage import GAP_DISTANCE
from geo_app.reports.context.model import ReportTable
from geo_app.workflows.site_selection import SiteSelection

DEPARTMENT_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("gap_kind", False),
    ("count", True),
    ("field", False),
    ("departments", False),
    ("basis", False),
)


def gap_counts(
    compliance: pd.DataFrame,
    coverage: pd.DataFrame,
    street_centres: pd.DataFrame,
    selection: SiteSelection | None,
) -> dict[str, int]:
    """How many gaps of each kind of :data:`~geo_app.reports.departments.GAP_KINDS` the
    district has: communities below the standard (old urban / new development / village, by
    the payer of :func:`analysis.compliance.gap_kinds`), communities with no station
    within :data:`GAP_DISTANCE`, street centres below Art. 11, chosen boiler rooms to hand over
    (Art. 13) and stations lacking rooms of each field of Art. 31 (one count per station)."""
    kinds = gap_kinds(compliance)  # the same codes as the table's payer column (funding)
    counts = {
        "area_old": int(kinds.eq("area_old").sum()),
        "area_new": int(kinds.eq("area_new").sum()),
        "area_rural": int(kinds.eq("area_rural").sum()),
        "street_centre": int((~street_centres["compliant"].astype(bool)).sum())
        if len(street_centres)
        else 0,
        "uncovered": int(
            (~pd.to_numeric(coverage["nearest_m"], errors="coerce").le(GAP_DISTANCE)).sum()
        )
        if len(coverage)
        else 0,
        "boiler_rooms": 0,
    }
    if (
        selection is not None
        and len(selection.chosen_sites)
        and "source_layer" in selection.chosen_sites
    ):
        counts["boiler_rooms"] = int(
            selection.chosen_sites["source_layer"].eq("boiler_rooms").sum()
        )
    counts.update(_room_gap_counts(compliance))
    return counts


def _room_gap_counts(compliance: pd.DataFrame) -> dict[str, int]:
    """Stations lacking rooms of each field of Art. 31 (one count per station and field)."""
    counts = dict.fromkeys(set(dep.ROOM_GAP_KIND.values()), 0)
    for rooms in compliance["missing_rooms"].fillna(""):
        codes = (c.strip() for c in str(rooms).split(","))
        kinds = {dep.ROOM_GAP_KIND[c] for c in codes if c in dep.ROOM_GAP_KIND}
        for kind in kinds:
            counts[kind] += 1
    return counts


def departments_table(counts: dict[str, int], lang: str) -> ReportTable:
    """The kinds of gap found, their number, field of Art. 31 and responsible departments."""
    i = 0 if lang == "zh" else 1
    rows = [
        [g.label[i], fmt_number(counts.get(key, 0)), g.field[i], g.departments[i], g.article[i]]
        for key, g in dep.GAP_KINDS.items()
        if counts.get(key, 0) > 0
    ]
    return table("departments", lang, DEPARTMENT_COLUMNS, rows, note=lbl("note.departments", lang))
