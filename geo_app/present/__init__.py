"""Results as a planner reads and exports them: tables in zh/en, numbers, headlines, files.

Modules: :mod:`~geo_app.present.compliance` (compliance tables, labels, CSV/XLSX),
:mod:`~geo_app.present.planning_tables` (coverage, gap and site tables),
:mod:`~geo_app.present.export_language` and :mod:`~geo_app.present.spreadsheets` (exports in
the planner's language, formula-safe), :mod:`~geo_app.present.formatting` (84.6%, Harbin time,
"—"), :mod:`~geo_app.present.headlines` (headline numbers that say what they rest on),
:mod:`~geo_app.present.district_names` (the one district list),
:mod:`~geo_app.present.compare_export` (the district comparison as a file) and
:mod:`~geo_app.present.platform_tables` (history and registry lists of the shared platform).
Imports :mod:`geo_app.project` and :mod:`geo_app.workflows`; never maps, reports, CLI or app.
"""

from geo_app.present.compliance import (
    COMPLIANCE_COLUMNS,
    COMPLIANCE_SHEET_NAMES,
    EXPORT_FORMATS,
    EXPORT_MIME,
    cite_rule,
    column_label,
    compliance_export_bytes,
    compliance_sheets,
    display_table,
    problems_table,
    write_compliance,
)
from geo_app.present.planning_tables import planning_column_label, planning_table

__all__ = [
    "COMPLIANCE_COLUMNS",
    "COMPLIANCE_SHEET_NAMES",
    "EXPORT_FORMATS",
    "EXPORT_MIME",
    "cite_rule",
    "column_label",
    "compliance_export_bytes",
    "compliance_sheets",
    "display_table",
    "planning_column_label",
    "planning_table",
    "problems_table",
    "write_compliance",
]
