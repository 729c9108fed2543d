"""Progress of long runs printed by the CLI (the callback type is :data:`layers.progress.Progress`)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class TextProgress:
    """Progress printed as text lines: ``[ 50%] message``, or ``LABEL  50% message``.

    Parameters
    ----------
    label : str, optional
        Printed before the percentage (then without brackets).
    stream : text file, optional
        Where to print; default standard error.
    every_s : float
        Print at most once per ``every_s`` seconds (the end, fraction 1, is always printed).
    indent : str
        Printed at the start of every line.
    """

    def __init__(
        self,
        label: str | None = None,
        stream: TextIO | None = None,
        *,
        every_s: float = 0.0,
        indent: str = "",
    ) -> None:
        self.label = label
        self.stream = stream
        self.every_s = every_s
        self.indent = indent
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if fraction < 1.0 and self.every_s and now - self._last < self.every_s:
            return
        self._last = now
        share = f"{self.label} {fraction:4.0%}" if self.label else f"[{fraction:4.0%}]"
        print(f"{self.indent}{share} {message}", file=self.stream or sys.stderr, flush=True)
