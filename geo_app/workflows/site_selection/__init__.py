"""Site selection on a project: demand, candidate sites, walking distances, a model, results.

Joins a project's layers with the solvers of :mod:`analysis.siting` (set cover, max cover,
p-median) and the Art. 13 hub model of :mod:`analysis.hubs`, and shapes the outcome into the
layers ``chosen_sites``, ``assignments`` and ``radiation_lines`` (one line from each served
community to its site), saved as a scenario of the project. Used by ``geo-app site-select`` and
the site-selection page.

- :mod:`~geo_app.workflows.site_selection.inputs`: demand communities and candidate sites;
- :mod:`~geo_app.workflows.site_selection.run`: :func:`run_site_selection` in named steps;
- :mod:`~geo_app.workflows.site_selection.results`: the result, its files, scenarios and page tables.
"""

from __future__ import annotations

from geo_app.workflows.site_selection.inputs import (
    CANDIDATE_LAYERS,
    DEFAULT_DISTANCE_M,
    MODELS,
    candidate_sites,
)
from geo_app.workflows.site_selection.results import (
    ASSIGNMENT_COLUMNS,
    DEFAULT_SITE_DISTRICT,
    SCENARIO_COLUMNS,
    SITE_COLUMNS,
    UNSERVED_COLUMNS,
    SiteSelection,
    compare_scenarios,
    default_site_district,
    model_label,
    save_site_selection,
    site_selection_gpkg_bytes,
    site_summary,
    write_site_selection,
)
from geo_app.workflows.site_selection.run import SiteOptions, run_site_selection

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "CANDIDATE_LAYERS",
    "DEFAULT_DISTANCE_M",
    "DEFAULT_SITE_DISTRICT",
    "MODELS",
    "SCENARIO_COLUMNS",
    "SITE_COLUMNS",
    "UNSERVED_COLUMNS",
    "SiteOptions",
    "SiteSelection",
    "candidate_sites",
    "compare_scenarios",
    "default_site_district",
    "model_label",
    "run_site_selection",
    "save_site_selection",
    "site_selection_gpkg_bytes",
    "site_summary",
    "write_site_selection",
]
