"""Coverage of communities by facilities at life-circle walking distances.

Rule used throughout (documented for planners): a community counts as **covered** by a
facility kind at distance ``d`` when its centroid -- or, when the centroid falls outside the
community (an L- or U-shaped area), a point surely inside it -- is within ``d`` metres of walking
on the network from at least one facility of that kind (each facility reduced to a point the same
way). Coverage is all-or-nothing per community: all its households and population count as
covered or none do. Streets and districts sum their communities.

Distances come from ``analysis.distances`` (network, snapped to the nearest edge), or, without a
network, from the straight-line x detour fallback; every table carries a ``method`` column.

Life circles: GB 50180-2018 (urban residential area planning and design standard) defines the
5-, 10- and 15-minute life circles by walking distances of about 300, 500 and 800-1000 m
(``LIFE_CIRCLE_M``). Minutes are converted to metres at ``DEFAULT_WALK_SPEED_KMH`` = 4 km/h,
the speed implied by the standard's 15-minute circle (1000 m in 15 min), unless a project sets
its own walking speed.

Accessibility: two-step floating catchment area (2SFCA, Luo & Wang 2003; Gaussian decay after
Dai 2010) with supply = facility usable area (m2) and demand = households, giving usable area per
household reachable -- comparable with the Art. 12 ratio of 20 m2 per 100 households.

Modules: :mod:`~analysis.coverage.options` (:class:`CoverageOptions`; life circles and walking speed
are :mod:`analysis.life_circles`'),
:mod:`~analysis.coverage.communities` (per community, per street or district),
:mod:`~analysis.coverage.isochrones`, :mod:`~analysis.coverage.accessibility` (2SFCA) and
:mod:`~analysis.coverage.overview` (one call for a page).
"""

from __future__ import annotations

from analysis.coverage.accessibility import two_step_fca
from analysis.coverage.communities import (
    COMMUNITY_TABLE_COLUMNS,
    community_coverage,
    coverage_at_distances,
    coverage_from_pairs,
    search_radius,
    summarize_coverage,
)
from analysis.coverage.isochrones import isochrones
from analysis.coverage.options import DEFAULT_BUFFER_M, CoverageOptions, facilities_of_kind
from analysis.coverage.overview import CoverageResult, coverage_analysis
from analysis.life_circles import DEFAULT_WALK_SPEED_KMH, LIFE_CIRCLE_M, minutes_to_metres

__all__ = [
    "COMMUNITY_TABLE_COLUMNS",
    "DEFAULT_BUFFER_M",
    "DEFAULT_WALK_SPEED_KMH",
    "LIFE_CIRCLE_M",
    "CoverageOptions",
    "CoverageResult",
    "community_coverage",
    "coverage_analysis",
    "coverage_at_distances",
    "coverage_from_pairs",
    "facilities_of_kind",
    "isochrones",
    "minutes_to_metres",
    "search_radius",
    "summarize_coverage",
    "two_step_fca",
]
