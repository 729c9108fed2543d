"""Location models for siting community facilities: set cover, max cover, p-median, Art. 13 hubs.

All models take a cost matrix (rows = demand points, columns = candidate sites): a 2-D numpy
array where ``inf`` means unreachable, or a scipy sparse matrix where an absent entry means
unreachable (a stored 0 is a reachable zero cost). They are solved exactly as MILPs through
HiGHS, after reductions of the formulation; large instances fall back to heuristics with a
proven bound and gap.
"""

from ._common import InfeasibleError, SitingResult
from .cover import max_cover, set_cover
from .hub import REASONS, central_stations_core
from .median import p_median

__all__ = [
    "InfeasibleError",
    "SitingResult",
    "set_cover",
    "max_cover",
    "p_median",
    "central_stations_core",
    "REASONS",
]
