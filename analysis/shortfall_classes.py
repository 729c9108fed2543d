"""One classification of the community shortfall, from the standard, for every map and report.

The usable-area shortfall of a community (required minus provided m2, Art. 11, 12, 36; see
:func:`analysis.compliance.check_compliance`) falls in fixed classes whose bounds do not depend
on the communities in view, so that two maps (a district, the whole city, a comparison, a
printed report) can be compared by colour:

=====  ==================  ========
class  shortfall (m2)      colour
=====  ==================  ========
-1     not assessed        grey
0      none (<= 0)         green
1      0 < s < 50          yellow
2      50 <= s < 100       orange
3      100 <= s < 200      red
4      s >= 200            dark red
=====  ==================  ========

Pure numpy/pandas: the colours are plain hex strings shared by the folium maps and the static
(matplotlib) maps of :mod:`geo_app`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SHORTFALL_BOUNDS: tuple[float, ...] = (50.0, 100.0, 200.0)
"""Lower bounds (m2) of the shortfall classes 2, 3 and 4 (class 1 is above 0 and below 50)."""

NOT_ASSESSED = -1
"""Class of a community the standard does not assess (missing shortfall)."""
NO_SHORTFALL = 0
"""Class of a community that meets the standard (shortfall <= 0)."""

NOT_ASSESSED_COLOUR = "#bdbdbd"
"""Fill of communities the standard set does not assess."""
COMPLIANT_COLOUR = "#4daf4a"
"""Fill of communities without a shortfall."""
SHORTFALL_COLOURS: tuple[str, ...] = ("#fed976", "#fd8d3c", "#f03b20", "#bd0026")
"""Fills of the shortfall classes 1..4, light to dark (ColorBrewer YlOrRd)."""

CLASSES: tuple[int, ...] = (NO_SHORTFALL, 1, 2, 3, 4, NOT_ASSESSED)
"""Every class in legend order: none, the four shortfall classes, not assessed."""


def shortfall_class(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Class of each shortfall (m2): ``-1`` missing, ``0`` none, ``1..4`` by :data:`SHORTFALL_BOUNDS`.

    Examples
    --------
    >>> shortfall_class([float("nan"), -5, 0, 10, 50, 99.9, 100, 250]).tolist()
    [-1, 0, 0, 1, 2, 2, 3, 4]
    """
    arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = np.full(arr.shape, NOT_ASSESSED, dtype=int)
    known = np.isfinite(arr)
    out[known & (arr <= 0)] = NO_SHORTFALL
    positive = known & (arr > 0)
    bounds = np.asarray(SHORTFALL_BOUNDS, dtype=float)
    out[positive] = np.searchsorted(bounds, arr[positive], side="right") + 1
    return out


def class_colour(cls: int) -> str:
    """Fill colour of one class."""
    if cls == NOT_ASSESSED:
        return NOT_ASSESSED_COLOUR
    if cls == NO_SHORTFALL:
        return COMPLIANT_COLOUR
    if 1 <= cls <= len(SHORTFALL_COLOURS):
        return SHORTFALL_COLOURS[cls - 1]
    raise ValueError(f"未知缺口分级 {cls} / unknown shortfall class {cls}")


def shortfall_colours(values: Sequence[float] | np.ndarray | pd.Series) -> list[str]:
    """Fill colour of each shortfall (:func:`shortfall_class`, then :func:`class_colour`)."""
    return [class_colour(int(c)) for c in shortfall_class(values)]


def class_range(cls: int) -> tuple[float, float] | None:
    """``(lower, upper)`` m2 of a shortfall class 1..4 (upper ``inf`` for the last), else None."""
    if not 1 <= cls <= len(SHORTFALL_BOUNDS) + 1:
        return None
    edges = (0.0, *SHORTFALL_BOUNDS, float("inf"))
    return edges[cls - 1], edges[cls]
