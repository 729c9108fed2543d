"""Location models for siting community facilities: set cover, max cover, p-median.

The Art. 13 hub model, built on the same HiGHS solver, is :mod:`analysis.hubs`.

All models take a cost matrix (rows = demand points, columns = candidate sites): a 2-D numpy
array where ``inf`` means unreachable, or a scipy sparse matrix where an absent entry means
unreachable (a stored 0 is a reachable zero cost). They are solved exactly as MILPs through
HiGHS, after reductions of the formulation; large instances fall back to heuristics with a
proven bound and gap.
"""

from ._common import InfeasibleError, SitingResult
from .cover import set_cover
from .mclp import max_cover
from .median import p_median

__all__ = [
    "InfeasibleError",
    "SitingResult",
    "set_cover",
    "max_cover",
    "p_median",
]
