"""District site-selection reports in HTML, PDF and Word (issue 8).

:func:`build_report_context` gathers what a report shows (plain data, in Chinese or English);
:func:`render_report` writes it as ``html`` (interactive offline map), ``pdf`` (WeasyPrint,
Noto CJK fonts, static map) or ``docx`` (python-docx). Used by ``geo-app report`` and the
reports page.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo_app.project import Project
from geo_app.reports.context import KeyNumber, ReportContext, ReportTable, build_report_context
from geo_app.reports.render import FORMATS, MIME, render_report, report_bytes
from layers.progress import Progress


def build_report(  # noqa: PLR0913 - keyword options of one call, as ``geo-app report`` has
    project: Project,
    district: str,
    out: str | os.PathLike,
    fmt: str | None = None,
    *,
    scenario: str | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
) -> Path:
    """Write a district's report (what ``geo-app report`` does).

    Parameters
    ----------
    project : Project
        The project (:func:`geo_app.open_project`).
    district : str
        District name or code (道外区 or 230104).
    out : str or path-like
        The file to write.
    fmt : {"html", "pdf", "docx"}, optional
        Default: the suffix of ``out``.
    scenario : str, optional
        A saved site-selection scenario; default: the Art. 13 hub model run now.
    lang : {"zh", "en"}
    progress : callable, optional
        ``progress(fraction, message)`` of the build.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    fmt = fmt or Path(out).suffix.lstrip(".")
    context = build_report_context(
        project, district, scenario=scenario, lang=lang, progress=progress
    )
    return render_report(context, fmt, out)


__all__ = [
    "FORMATS",
    "MIME",
    "KeyNumber",
    "ReportContext",
    "ReportTable",
    "build_report",
    "build_report_context",
    "render_report",
    "report_bytes",
]
