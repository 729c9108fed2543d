"""District site-selection reports in HTML, PDF and Word (issue 8).

:func:`build_report_context` gathers what a report shows (plain data, in Chinese or English);
:func:`render_report` writes it as ``html`` (interactive offline map), ``pdf`` (WeasyPrint,
Noto CJK fonts, static map) or ``docx`` (python-docx). Used by ``geo-app report`` and the
reports page.
"""

from geo_app.reports.context import KeyNumber, ReportContext, ReportTable, build_report_context
from geo_app.reports.render import FORMATS, MIME, render_report, report_bytes

__all__ = [
    "FORMATS",
    "MIME",
    "KeyNumber",
    "ReportContext",
    "ReportTable",
    "build_report_context",
    "render_report",
    "report_bytes",
]
