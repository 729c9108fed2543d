"""Surveillance coverage of public places in scattered residential areas (Art. 20).

Art. 20 of the measures asks that scattered residential areas (散住居民区) "install monitoring
equipment covering all public places" and that broken equipment is "repaired promptly"; the
national guidance of 2015 asks for 100 % coverage of key public areas and at least 98 % of
cameras in working order. This package answers, for a set of cameras, buildings and public
spaces:

* :mod:`.targets` -- the Art. 20 targets of a standard set, and the communities it binds;
* :mod:`.cameras` -- :func:`validate_cameras`: per-row problems of the camera table
  (bilingual messages);
* :mod:`.views` -- :func:`camera_views`: the area each working camera sees, a sector of
  ``range_m`` around ``bearing_deg`` (degrees clockwise from north), ``fov_deg`` wide, minus
  whatever buildings hide (a true visibility polygon, see :mod:`analysis.visibility`);
* :mod:`.spaces` -- :func:`derive_public_spaces`: public spaces from the walking network when
  the ``public_spaces`` layer is missing;
* :mod:`.coverage` -- :func:`space_coverage`, :func:`community_summary`,
  :func:`district_summary`: covered length / area, covered share, blind spots and camera
  counts against the 98 % target; :func:`repair_list`: broken cameras ordered by the public
  space they would cover again;
* :mod:`.candidates`, :mod:`.placement` -- :func:`candidate_positions`,
  :func:`suggest_cameras`: fewest new cameras covering every blind spot (exact set cover with
  HiGHS, :mod:`analysis.siting`), or best coverage for a given number of cameras;
* :mod:`.ranking` -- :func:`rank_new_cameras`: the new cameras in install order (greedy, by
  what each adds) with the coverage reached after the first k (:func:`coverage_after`);
* :mod:`.analyse` -- :func:`analyse_surveillance`: all of the above in one call (used by the
  CLI and the app).

Every function is pure: GeoDataFrames in, GeoDataFrames / DataFrames out. Metric work is done
in ``crs`` (default: :func:`layers.crs.metric_crs` of the data centroid); results come back in
the CRS of the input.
"""

from ._frames import resolve_metric_crs
from .analyse import (
    SurveillanceLayers,
    SurveillanceOptions,
    SurveillanceResult,
    analyse_surveillance,
    overall_totals,
)
from .cameras import CameraValidationError, normalise_status, validate_cameras
from .candidates import CameraSpec, candidate_positions, candidate_views
from .coverage import (
    SpaceCoverage,
    community_summary,
    district_summary,
    overlay_views,
    repair_list,
    space_coverage,
)
from .placement import PlacementOptions, PlacementResult, discretise, suggest_cameras
from .ranking import RANK_COLUMNS, coverage_after, rank_new_cameras
from .spaces import assign_community, derive_public_spaces
from .targets import (
    ARTICLE,
    COVERAGE_TARGET,
    SURVEILLANCE_CHECK,
    WORKING_TARGET,
    managed,
    management_from_standard,
    targets_from_standard,
)
from .views import Obstacles, camera_views

__all__ = [
    "ARTICLE",
    "COVERAGE_TARGET",
    "RANK_COLUMNS",
    "SURVEILLANCE_CHECK",
    "WORKING_TARGET",
    "CameraSpec",
    "CameraValidationError",
    "Obstacles",
    "PlacementOptions",
    "PlacementResult",
    "SpaceCoverage",
    "SurveillanceLayers",
    "SurveillanceOptions",
    "SurveillanceResult",
    "analyse_surveillance",
    "assign_community",
    "camera_views",
    "candidate_positions",
    "candidate_views",
    "community_summary",
    "coverage_after",
    "derive_public_spaces",
    "discretise",
    "district_summary",
    "managed",
    "management_from_standard",
    "normalise_status",
    "overall_totals",
    "overlay_views",
    "rank_new_cameras",
    "repair_list",
    "resolve_metric_crs",
    "space_coverage",
    "suggest_cameras",
    "targets_from_standard",
    "validate_cameras",
]
