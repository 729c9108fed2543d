"""What a map export is asked for (formats, options, file names), without matplotlib.

The export buttons of the pages need these names on every run; the drawing itself
(:func:`geo_app.maps.export.export_map`, matplotlib) is imported only when a planner clicks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

FORMATS = {"png": "image/png", "pdf": "application/pdf"}
"""Export formats and their MIME types."""
TIMEZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class ExportOptions:
    """How a map is exported.

    Attributes
    ----------
    fmt : {"png", "pdf"}
    lang : {"zh", "en"}
    title : str
        Printed above the map (empty: none).
    dpi : int
    size : (float, float)
        Figure size in inches.
    date : datetime, optional
        The map date (default: now, Asia/Shanghai).
    """

    fmt: str = "png"
    lang: str = "zh"
    title: str = ""
    dpi: int = 150
    size: tuple[float, float] = (8.0, 8.6)
    date: datetime | None = None


def file_name(stem: str, fmt: str) -> str:
    """``<stem>_<YYYYMMDD>.<fmt>`` with today's date in Asia/Shanghai."""
    return f"{stem}_{datetime.now(TIMEZONE):%Y%m%d}.{fmt}"


__all__ = ["FORMATS", "TIMEZONE", "ExportOptions", "file_name"]
