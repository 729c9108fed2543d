"""Project-level workflows: a project's layers and settings joined with the analyses.

The CLI and the Streamlit pages both call these functions, so that a page stays a thin layer of
widgets and a command a thin layer of arguments. Errors a planner can fix are raised as
:class:`~geo_app.project.ProjectError` with a bilingual message. One module per feature:

- :mod:`~geo_app.workflows.project_access`: standard set, walking network, walking speed;
- :mod:`~geo_app.workflows.compliance`: the compliance check, its filter, Art. 32/33 budgets;
- :mod:`~geo_app.workflows.imports`: reading files and uploads, field mapping, import, export;
- :mod:`~geo_app.workflows.surveillance`: the Art. 20 surveillance check and its tables;
- :mod:`~geo_app.workflows.coverage`: walking coverage, accessibility, gaps;
- :mod:`~geo_app.workflows.site_selection`: the location models on a project, with reasons;
- :mod:`~geo_app.workflows.compare`: the districts side by side;
- :mod:`~geo_app.workflows.registry`: the Art. 14 registry; :mod:`~geo_app.workflows.readiness`
  and :mod:`~geo_app.workflows.grouping`: what the data lacks, OSM areas into communities;
- :mod:`~geo_app.workflows.assess`: many cities at once on Dask;
  :mod:`~geo_app.workflows.demo`: the demo project.

Tables for display and export are :mod:`geo_app.present`'s. Imports only
:mod:`geo_app.project` and :mod:`geo_app.i18n` of the application.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from layers.facade import lazy_attributes

if TYPE_CHECKING:
    from geo_app.workflows.compliance import (
        COMPLIANCE_LAYERS,
        FACILITY_INVENTORY,
        filter_compliance,
        project_budgets,
        project_compliance,
    )
    from geo_app.workflows.coverage import (
        ACCESS_COLUMNS,
        COVERAGE_AREA_COLUMNS,
        COVERAGE_COMMUNITY_COLUMNS,
        GAP_AREA_COLUMNS,
        GAP_TABLE_COLUMNS,
        coverage_metrics,
        project_accessibility,
        project_coverage,
        project_gaps,
    )
    from geo_app.workflows.imports import (
        CRS_CHOICES,
        IMPORT_MODES,
        MAX_UPLOAD_MB,
        PLACE_FIELDS,
        ImportEffect,
        ImportOptions,
        ImportOutcome,
        check_upload_size,
        export_project_bytes,
        import_file,
        mapping_choices,
        preview_features,
        read_source,
        read_upload,
        upload_layers,
    )
    from geo_app.workflows.project_access import (
        check_facility_kind,
        project_network,
        project_standard,
        walking_speed,
    )
    from geo_app.workflows.surveillance import (
        CAMERA_PROBLEM_COLUMNS,
        REPAIR_COLUMNS,
        SUGGESTED_COLUMNS,
        SURVEILLANCE_COMMUNITY_COLUMNS,
        SURVEILLANCE_LAYERS,
        SurveillanceOptions,
        analysed_cameras,
        default_surveillance_district,
        project_surveillance,
        surveillance_column_label,
        surveillance_district_options,
        surveillance_gpkg_bytes,
        surveillance_layers,
        surveillance_spec,
        surveillance_table,
        write_surveillance,
    )

_NAMES = {
    "ACCESS_COLUMNS": "geo_app.workflows.coverage",
    "CAMERA_PROBLEM_COLUMNS": "geo_app.workflows.surveillance",
    "COMPLIANCE_LAYERS": "geo_app.workflows.compliance",
    "COVERAGE_AREA_COLUMNS": "geo_app.workflows.coverage",
    "COVERAGE_COMMUNITY_COLUMNS": "geo_app.workflows.coverage",
    "CRS_CHOICES": "geo_app.workflows.imports",
    "FACILITY_INVENTORY": "geo_app.workflows.compliance",
    "GAP_AREA_COLUMNS": "geo_app.workflows.coverage",
    "GAP_TABLE_COLUMNS": "geo_app.workflows.coverage",
    "IMPORT_MODES": "geo_app.workflows.imports",
    "PLACE_FIELDS": "geo_app.workflows.imports",
    "ImportEffect": "geo_app.workflows.imports",
    "ImportOptions": "geo_app.workflows.imports",
    "ImportOutcome": "geo_app.workflows.imports",
    "MAX_UPLOAD_MB": "geo_app.workflows.imports",
    "REPAIR_COLUMNS": "geo_app.workflows.surveillance",
    "SUGGESTED_COLUMNS": "geo_app.workflows.surveillance",
    "SURVEILLANCE_COMMUNITY_COLUMNS": "geo_app.workflows.surveillance",
    "SURVEILLANCE_LAYERS": "geo_app.workflows.surveillance",
    "SurveillanceOptions": "geo_app.workflows.surveillance",
    "analysed_cameras": "geo_app.workflows.surveillance",
    "check_facility_kind": "geo_app.workflows.project_access",
    "check_upload_size": "geo_app.workflows.imports",
    "coverage_metrics": "geo_app.workflows.coverage",
    "default_surveillance_district": "geo_app.workflows.surveillance",
    "export_project_bytes": "geo_app.workflows.imports",
    "filter_compliance": "geo_app.workflows.compliance",
    "import_file": "geo_app.workflows.imports",
    "mapping_choices": "geo_app.workflows.imports",
    "preview_features": "geo_app.workflows.imports",
    "project_accessibility": "geo_app.workflows.coverage",
    "project_budgets": "geo_app.workflows.compliance",
    "project_compliance": "geo_app.workflows.compliance",
    "project_coverage": "geo_app.workflows.coverage",
    "project_gaps": "geo_app.workflows.coverage",
    "project_network": "geo_app.workflows.project_access",
    "project_standard": "geo_app.workflows.project_access",
    "project_surveillance": "geo_app.workflows.surveillance",
    "read_source": "geo_app.workflows.imports",
    "read_upload": "geo_app.workflows.imports",
    "surveillance_column_label": "geo_app.workflows.surveillance",
    "surveillance_district_options": "geo_app.workflows.surveillance",
    "surveillance_gpkg_bytes": "geo_app.workflows.surveillance",
    "surveillance_layers": "geo_app.workflows.surveillance",
    "surveillance_spec": "geo_app.workflows.surveillance",
    "surveillance_table": "geo_app.workflows.surveillance",
    "upload_layers": "geo_app.workflows.imports",
    "walking_speed": "geo_app.workflows.project_access",
    "write_surveillance": "geo_app.workflows.surveillance",
}
"""Each public name and the module that defines it (loaded on first use)."""

__all__ = [
    "ACCESS_COLUMNS",
    "CAMERA_PROBLEM_COLUMNS",
    "COMPLIANCE_LAYERS",
    "COVERAGE_AREA_COLUMNS",
    "COVERAGE_COMMUNITY_COLUMNS",
    "CRS_CHOICES",
    "FACILITY_INVENTORY",
    "GAP_AREA_COLUMNS",
    "GAP_TABLE_COLUMNS",
    "IMPORT_MODES",
    "PLACE_FIELDS",
    "ImportEffect",
    "ImportOptions",
    "ImportOutcome",
    "MAX_UPLOAD_MB",
    "REPAIR_COLUMNS",
    "SUGGESTED_COLUMNS",
    "SURVEILLANCE_COMMUNITY_COLUMNS",
    "SURVEILLANCE_LAYERS",
    "SurveillanceOptions",
    "analysed_cameras",
    "check_facility_kind",
    "check_upload_size",
    "coverage_metrics",
    "default_surveillance_district",
    "export_project_bytes",
    "filter_compliance",
    "import_file",
    "mapping_choices",
    "preview_features",
    "project_accessibility",
    "project_budgets",
    "project_compliance",
    "project_coverage",
    "project_gaps",
    "project_network",
    "project_standard",
    "project_surveillance",
    "read_source",
    "read_upload",
    "surveillance_column_label",
    "surveillance_district_options",
    "surveillance_gpkg_bytes",
    "surveillance_layers",
    "surveillance_spec",
    "surveillance_table",
    "upload_layers",
    "walking_speed",
    "write_surveillance",
]

__getattr__, __dir__ = lazy_attributes(globals(), _NAMES)
