"""District metrics side by side: one row per metric, one column per district, and ranks.

Planners compare districts to decide where money goes. :func:`district_metrics` turns the
results of the other analyses (compliance, coverage, budgets, boiler rooms, surveillance), each
optional, into one table; a metric whose input is missing is NaN ("no data"), never an error.
Every metric is defined once in :data:`METRICS` with its zh/en label, unit, the article of the
measures it rests on and whether a higher value is better; :func:`rank_metrics` ranks the
districts per metric (rank 1 = best; size metrics such as households are not ranked).

Modules: :mod:`~analysis.compare.definitions` (the metrics), ``_per_input`` (the metrics of
each input) and :mod:`~analysis.compare.table` (the table and its ranks).

Where districts differ in size the fair comparison is per 100 households (the unit of Art. 12:
20 m2 of community housing per 100 households) or a share.

Definitions (per district, over its communities):

- ``compliance_rate``: compliant / assessed communities (Art. 11, 12).
- ``shortfall_m2``: total usable-area shortfall; ``shortfall_m2_per_100_households`` divides by
  the households of the district x 100.
- ``housing_m2_per_100_households``: provided community housing (the kinds counted by the
  compliance check) per 100 households (Art. 12).
- ``art8_room_completeness``: rooms of the Art. 8 checklist present in the stations of the
  communities the rule applies to, over ``checklist x those communities`` (a community without a
  station has none of its rooms).
- ``covered_households_<d>m``: households of communities within ``d`` m walk of a service
  station (GB 50180-2018 life circles 300/500/1000 m); ``covered_share_<d>m`` over all households.
- ``idle_boiler_rooms`` / ``idle_boiler_area_m2``: idle boiler rooms that Art. 13 allows to be
  handed over free, and their usable area.
- ``star_rated_share``: communities with 1-5 stars / all communities; ``art33_*`` the rewards
  per naming round by payer (Art. 33).
- ``art32_heating_*``: heated area, yearly heating cost and the city / district split (Art. 32).
- ``camera_working_rate``: working / all cameras in the district's communities;
  ``public_space_camera_coverage``: covered share of the public spaces of its *scattered*
  communities (Art. 20): the lower of the covered share of line spaces (by length) and of
  area spaces (by area), since the article asks for every public place.
"""

from __future__ import annotations

from analysis.compare.definitions import (
    COVERAGE_DISTANCES_M,
    KEY_METRICS,
    METRIC_IDS,
    METRICS,
    UNIT_LABELS,
    Metric,
    definitions_for,
    metric,
    metric_definitions,
)
from analysis.compare.table import BudgetTables, district_metrics, rank_metrics

__all__ = [
    "COVERAGE_DISTANCES_M",
    "KEY_METRICS",
    "METRICS",
    "METRIC_IDS",
    "UNIT_LABELS",
    "BudgetTables",
    "Metric",
    "definitions_for",
    "district_metrics",
    "metric",
    "metric_definitions",
    "rank_metrics",
]
