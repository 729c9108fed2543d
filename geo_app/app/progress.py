"""Progress of long runs on a page's bar (the callback type is :data:`layers.progress.Progress`)."""

from __future__ import annotations

from typing import Protocol


class _Bar(Protocol):
    def progress(self, value: float, text: str | None = None) -> object: ...


class BarProgress:
    """Progress shown on a bar (``st.progress``), the fraction mapped into ``[start, end]``."""

    def __init__(self, bar: _Bar, start: float = 0.0, end: float = 1.0) -> None:
        self.bar = bar
        self.start = start
        self.end = end

    def __call__(self, fraction: float, message: str) -> None:
        value = self.start + (self.end - self.start) * fraction
        self.bar.progress(min(max(value, 0.0), 1.0), text=message)
