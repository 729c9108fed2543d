"""Life circles and walking speed (GB 50180-2018): minutes and metres of a walk.

A module outside :mod:`analysis.coverage` (whose package loads the distance engines), so that
what only needs the walking speed (a project's settings, the page widgets) does not load numba.
:mod:`analysis.coverage` re-exports these names.
"""

from __future__ import annotations

from layers.errors import InputValueError

LIFE_CIRCLE_M: dict[int, float] = {5: 300.0, 10: 500.0, 15: 1000.0}
"""GB 50180-2018 life circles: minutes -> walking distance in metres (15 min: 800-1000 m)."""

DEFAULT_WALK_SPEED_KMH = 4.0
"""Walking speed implied by GB 50180-2018's 15-minute life circle (1000 m / 15 min)."""


def minutes_to_metres(minutes: float, speed_kmh: float = DEFAULT_WALK_SPEED_KMH) -> float:
    """Walking distance in metres covered in ``minutes`` at ``speed_kmh``."""
    if speed_kmh <= 0:
        raise InputValueError("步行速度须大于 0 / walking speed must be positive")
    return float(minutes) * speed_kmh * 1000.0 / 60.0
