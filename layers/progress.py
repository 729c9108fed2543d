"""Progress of long runs: one callback type for every wing of the house.

A long computation takes ``progress(fraction, message)`` (:data:`Progress`): ``fraction`` from 0
to 1 and a bilingual message. :func:`report` calls an optional callback. The CLI's and the
pages' displays of it live in :mod:`geo_app.cli.progress` and :mod:`geo_app.app.progress`.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]
"""Progress callback: ``progress(fraction_done, message)``."""


def report(progress: Progress | None, fraction: float, message: str) -> None:
    """Call ``progress(fraction, message)`` when a callback is given."""
    if progress is not None:
        progress(fraction, message)
