"""The Art. 20 targets: working share of cameras, covered share of public places, who is bound.

Art. 20 of the measures asks that scattered residential areas (散住居民区) "install monitoring
equipment covering all public places"; the national guidance of 2015 asks for 100 % coverage of
key public areas and at least 98 % of cameras in working order. A standard set may change both
(rule ``check == "surveillance"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

WORKING_TARGET = 0.98
"""Share of cameras that must be in working order (national guidance 2015)."""
COVERAGE_TARGET = 1.0
"""Share of key public areas that must be covered (Art. 20; national guidance 2015)."""
ARTICLE = "Art. 20"

SURVEILLANCE_CHECK = "surveillance"
"""``check`` of the Art. 20 rule in a standard set (params ``working_target``,
``coverage_target``); the constants above are used when the set has no such rule."""


def targets_from_standard(standard=None) -> dict[str, float]:
    """``working_target`` and ``coverage_target`` of the Art. 20 rule of a standard set.

    ``standard`` is an :class:`analysis.standards.StandardSet` (or ``None``); a set without a
    rule whose ``check`` is ``"surveillance"`` gives the national guidance of 2015 (98 %
    working, 100 % covered).
    """
    out = {"working_target": WORKING_TARGET, "coverage_target": COVERAGE_TARGET}
    rule = standard.first(SURVEILLANCE_CHECK) if standard is not None else None
    if rule is not None:
        for key in out:
            if key in rule.params:
                out[key] = float(rule.params[key])
    return out


def managed(communities: pd.DataFrame, management: str | Sequence[str]) -> np.ndarray:
    """Rows whose ``management`` is ``management`` (one value or several, e.g. the
    ``management`` list of the Art. 20 rule)."""
    wanted = [management] if isinstance(management, str) else list(management)
    return communities["management"].isin(wanted).to_numpy()


def management_from_standard(standard=None) -> str | list[str]:
    """The ``management`` types the Art. 20 rule binds (``["scattered"]``, 散住居民区)."""
    rule = standard.first(SURVEILLANCE_CHECK) if standard is not None else None
    if rule is not None and "management" in rule.params:
        return list(rule.params["management"])
    return "scattered"
