"""What a report shows, as plain data: tables, headline numbers and the whole context.

Tables are :class:`ReportTable` objects of display texts, so that the HTML, PDF and Word
renderers of :mod:`geo_app.reports.render` show the same numbers; map layers are kept as
GeoDataFrames. :class:`ReportInputs` carries what the sections share, read or computed once
per report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import pandas as pd

from analysis.compliance import ComplianceResult
from analysis.standards import StandardSet
from geo_app.project import Project
from geo_app.workflows.site_selection import SiteSelection


@dataclass
class ReportTable:
    """One table of display texts.

    Attributes
    ----------
    key : str
        Stable id (``compliance``, ``sites`` ...), used for widths and tests.
    title : str
        Caption in the report's language.
    columns : list of str
        Headers.
    rows : list of list of str
        Cells, already formatted.
    numeric : list of bool
        Which columns hold numbers (right-aligned).
    note : str
        A sentence under the table (basis, assumptions), may be empty.
    """

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    note: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def nowrap(self, limit: int = 9) -> list[bool]:
        """Columns kept on one line: numbers, and texts of at most ``limit`` characters."""
        out = []
        for i, numeric in enumerate(self.numeric):
            longest = max((len(row[i]) for row in self.rows), default=0)
            out.append(numeric or longest <= limit)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame of texts (for the app)."""
        return pd.DataFrame(self.rows, columns=self.columns)


@dataclass
class KeyNumber:
    """A headline number: label, formatted value, optional note (basis)."""

    label: str
    value: str
    note: str = ""


HEADINGS: tuple[str, ...] = (
    "readiness",
    "summary",
    "metrics",
    "map",
    "compliance",
    "coverage",
    "sites",
    "costs",
    "departments",
    "appendix",
    "notes",
    "scenario",
    "no_sites",
)
"""Section heading keys (``reports.h.<key>``)."""


@dataclass
class ReportContext:
    """What a report shows; built by :func:`~geo_app.reports.context.build_report_context`."""

    lang: str
    title: str
    project_name: str
    city: str
    district_code: str
    district_name: str
    district_class: str
    standard_title: str
    generated: str
    headings: dict[str, str]
    summary: list[KeyNumber]
    summary_text: list[str]
    metrics: ReportTable | None
    compliance: ReportTable
    coverage: ReportTable
    coverage_gaps: ReportTable
    scenario: list[KeyNumber]
    scenario_source: str
    sites: ReportTable
    assignments: ReportTable
    unserved: ReportTable
    costs: ReportTable
    departments: ReportTable
    appendix: ReportTable
    notes: list[str] = field(default_factory=list)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    selection: SiteSelection | None = None
    readiness: list[str] = field(default_factory=list)
    """The data gaps and assumptions of the district (:mod:`geo_app.workflows.readiness`), one line each,
    shown on the first page; empty when the data is complete."""
    readiness_headline: str = ""

    @property
    def has_sites(self) -> bool:
        """Whether the report has chosen sites."""
        return len(self.sites) > 0

    def tables(self) -> list[ReportTable]:
        """All tables in report order (the optional metrics table when present)."""
        out = [self.metrics] if self.metrics is not None else []
        return out + [
            self.compliance,
            self.coverage,
            self.coverage_gaps,
            self.sites,
            self.assignments,
            self.unserved,
            self.costs,
            self.departments,
            self.appendix,
        ]

    def shown_tables(self) -> list[ReportTable]:
        """The tables a rendered report shows, in order: non-empty ones, and the site tables
        only when there are sites."""
        hidden = set() if self.has_sites else {id(self.sites), id(self.assignments)}
        return [tb for tb in self.tables() if tb.rows and id(tb) not in hidden]

    def __post_init__(self) -> None:
        word = "表" if self.lang == "zh" else "Table"
        for number, tb in enumerate(self.shown_tables(), start=1):
            if tb.title:
                tb.title = f"{word} {number} {tb.title}"


@dataclass(frozen=True)
class ReportInputs:
    """What the sections of one report share, read or computed once and passed down.

    Attributes
    ----------
    project : Project
    code, name : str
        District code and name.
    standard : StandardSet
        The project's standard set (with its overrides).
    compliance : ComplianceResult
        Compliance of the whole project (site selection and the district metrics reuse it).
    network : networkx.MultiDiGraph or None
        The project's walking network (``None``: straight line x detour factor).
    lang : {"zh", "en"}
    """

    project: Project
    code: str
    name: str
    standard: StandardSet
    compliance: ComplianceResult
    network: nx.MultiDiGraph | None
    lang: str
