"""District comparison of a project: the metrics of ``analysis.compare`` for chosen districts.

:func:`project_district_metrics` joins a :class:`~geo_app.project.Project` with the analyses
(compliance, budgets, walking coverage at 300/500/1000 m, idle boiler rooms, surveillance) and
returns a :class:`DistrictComparison`; ``geo-app compare``, the page "区县对比 / Compare" and the
report summary call it. An analysis whose layers are missing (or whose data cannot be used)
leaves its metrics as NaN ("no data") and a note in ``comparison.notes``.

Modules: :mod:`.model` (the comparison as data, how values are shown), :mod:`.districts`
(choosing districts), :mod:`.metrics` (computing the metrics). The files are
:mod:`geo_app.present.compare_export`'s, the small maps :mod:`geo_app.maps.small_maps`'.
"""

from geo_app.workflows.compare.districts import default_districts, district_table, resolve_districts
from geo_app.workflows.compare.metrics import Precomputed, Progress, project_district_metrics
from geo_app.workflows.compare.model import STATION_KINDS, DistrictComparison, article_label

__all__ = [
    "STATION_KINDS",
    "DistrictComparison",
    "Precomputed",
    "Progress",
    "article_label",
    "default_districts",
    "district_table",
    "project_district_metrics",
    "resolve_districts",
]
