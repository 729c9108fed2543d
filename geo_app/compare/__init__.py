"""District comparison of a project: the metrics of ``analysis.compare`` for chosen districts.

:func:`project_district_metrics` joins a :class:`~geo_app.project.Project` with the analyses
(compliance, budgets, walking coverage at 300/500/1000 m, idle boiler rooms, surveillance) and
returns a :class:`DistrictComparison`; ``geo-app compare``, the page "区县对比 / Compare" and the
report summary call it. An analysis whose layers are missing (or whose data cannot be used)
leaves its metrics as NaN ("no data") and a note in ``comparison.notes``.

Modules: :mod:`.model` (the comparison as data, how values are shown), :mod:`.districts`
(choosing districts), :mod:`.metrics` (computing the metrics), :mod:`.export` (CSV, XLSX),
:mod:`.small_maps` (one small map per district, all at one scale).
"""

from geo_app.compare.districts import default_districts, district_table, resolve_districts
from geo_app.compare.export import COMPARE_FORMATS, comparison_bytes, write_comparison
from geo_app.compare.metrics import Precomputed, Progress, project_district_metrics
from geo_app.compare.model import STATION_KINDS, DistrictComparison, article_label
from geo_app.compare.small_maps import (
    MAP_HEIGHT_PX,
    MAP_WIDTH_PX,
    STATION_COLOUR,
    district_bounds,
    district_maps,
    same_scale_zoom,
    shortfall_legend,
)

__all__ = [
    "COMPARE_FORMATS",
    "MAP_HEIGHT_PX",
    "MAP_WIDTH_PX",
    "STATION_COLOUR",
    "STATION_KINDS",
    "DistrictComparison",
    "Precomputed",
    "Progress",
    "article_label",
    "comparison_bytes",
    "default_districts",
    "district_bounds",
    "district_maps",
    "district_table",
    "project_district_metrics",
    "resolve_districts",
    "same_scale_zoom",
    "shortfall_legend",
    "write_comparison",
]
