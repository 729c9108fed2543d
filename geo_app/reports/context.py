"""Everything a district site-selection report shows, as plain data (:class:`ReportContext`).

:func:`build_report_context` joins a project with the analyses for one district: compliance of
its communities (Art. 8, 11, 12), walking coverage by community stations at the life-circle
distances, the chosen sites of a saved site-selection scenario (or of a run made now) with the
communities each serves, how each site is obtained (Art. 10, 13) and its area against what it
must provide, the heating cost of the new sites split between city and district (Art. 32), the
departments responsible for each kind of gap (Art. 31) and the rules cited. Tables are
:class:`ReportTable` objects of display texts, so that the HTML, PDF and Word renderers of
:mod:`geo_app.reports.render` show the same numbers; map layers are kept as GeoDataFrames.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.budgets import heating_costs
from analysis.compliance import ComplianceInputError, gap_kinds
from analysis.coverage import community_coverage
from analysis.hubs import hub_demand_mask, hub_rule
from analysis.selection import district_codes
from analysis.standards import StandardSet
from geo_app import workflows
from geo_app.compare import project_district_metrics
from geo_app.formatting import TIME_FORMAT, local_time, now_local
from geo_app.headlines import shortfall_link
from geo_app.i18n import layer_label, normalise_lang, t, value_label
from geo_app.project import Project, ProjectError
from geo_app.reports import departments as dep
from geo_app.site_selection import (
    CANDIDATE_LAYERS,
    MODEL_LABELS,
    SiteSelection,
    candidate_sites,
    run_site_selection,
)
from layers.crs import WGS84

Progress = Callable[[float, str], None]

COVERAGE_KIND = "community_station"
"""Facility kind whose walking coverage a report shows (Art. 8: one committee, one station)."""
COVERAGE_DISTANCES: tuple[float, ...] = (300.0, 500.0, 1000.0)
"""Life-circle walking distances (GB 50180-2018: 5, 10, 15 minutes)."""
GAP_DISTANCE = 500.0
"""Distance (m) beyond which a community counts as uncovered in the gap tables."""
DEFAULT_MODEL = "hub"
"""Model run when no scenario is given: the Art. 13 central service stations."""
DEFAULT_DISTANCE_M = 500.0
"""Walking distance shown when a saved scenario does not record one (the run made when no
scenario is given uses the Art. 13 rule's ``max_walk_m``)."""
SCENARIO_LAYERS = ("chosen_sites", "assignments", "radiation_lines", "unserved")


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


@dataclass
class ReportContext:
    """What a report shows; built by :func:`build_report_context`."""

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


# -- formatting ----------------------------------------------------------------------------------
def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def fmt_number(value: object, decimals: int = 0) -> str:
    """``12,345`` / ``12,345.6``; a dash for missing values."""
    if _missing(value):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "—"
    return f"{number:,.{decimals}f}"


def fmt_share(value: object) -> str:
    """A share 0..1 as a percentage with one decimal (``68.5%``)."""
    if _missing(value):
        return "—"
    return f"{float(value) * 100:.1f}%"


def _text(value: object) -> str:
    return "—" if _missing(value) or str(value).strip() == "" else str(value)


def _in_lang(text: str, lang: str) -> str:
    """The ``lang`` half of a bilingual "中文 / English" message (the whole text otherwise)."""
    parts = re.split(r"\s?/ ", text, maxsplit=1)
    if len(parts) < 2:
        return text
    return parts[0].strip() if lang == "zh" else parts[1].strip()


def _lbl(key: str, lang: str, **values: object) -> str:
    return t(f"reports.{key}", lang, **values)


def _table(
    key: str,
    lang: str,
    columns: Sequence[tuple[str, bool]],
    rows: list[list[str]],
    note: str = "",
) -> ReportTable:
    """A table whose headers are ``reports.col.<name>`` and title ``reports.table.<key>``."""
    return ReportTable(
        key=key,
        title=_lbl(f"table.{key}", lang),
        columns=[_lbl(f"col.{name}", lang) for name, _ in columns],
        rows=rows,
        numeric=[numeric for _, numeric in columns],
        note=note,
    )


# -- district and scenario lookup ------------------------------------------------------------------
def resolve_district(project: Project, district: str) -> pd.Series:
    """The row of the districts layer named ``district`` (full name, short name or code).

    Raises :class:`ProjectError` listing the project's districts when there is no such district.
    """
    if not project.has_layer("districts"):
        raise ProjectError("项目缺少图层 districts / the project lacks the layer districts")
    districts = project.layer("districts")
    name = str(district or "").strip()
    codes = district_codes(name, districts) if name else set()
    match = districts[districts["district_code"].astype(str).isin(codes)]
    if match.empty:
        known = "、".join(districts["name"].astype(str))
        raise ProjectError(
            f"找不到区县“{name}”;项目中的区县:{known} / no district {name!r} in the project; "
            f"districts: {', '.join(districts['name'].astype(str))}"
        )
    return match.iloc[0]


def site_scenarios(project: Project) -> pd.DataFrame:
    """Saved site-selection scenarios: ``name, kind, created, parameters`` (parsed dict)."""
    table = project.scenarios()
    if not len(table):
        return pd.DataFrame(columns=["name", "kind", "created", "parameters"])
    table = table[table["kind"].astype(str).str.startswith("site-select")].copy()
    table["parameters"] = [json.loads(p) if isinstance(p, str) else {} for p in table["parameters"]]
    return table[["name", "kind", "created", "parameters"]].reset_index(drop=True)


def load_scenario(project: Project, name: str) -> tuple[SiteSelection, pd.Series]:
    """A saved site-selection scenario as a :class:`SiteSelection` (and its row).

    Raises :class:`ProjectError` naming the saved scenarios when ``name`` is not one of them.
    """
    table = site_scenarios(project)
    match = table[table["name"].astype(str) == str(name)]
    if match.empty:
        known = "、".join(table["name"].astype(str)) or "无"
        known_en = ", ".join(table["name"].astype(str)) or "none"
        raise ProjectError(
            f"找不到选址方案“{name}”;已保存的选址方案:{known} / no saved site-selection "
            f"scenario {name!r}; saved: {known_en}"
        )
    row = match.iloc[-1]
    params = dict(row["parameters"])
    summary = params.pop("summary", {})
    frames = {}
    for layer in SCENARIO_LAYERS:
        try:
            frames[layer] = project.scenario_layer(str(name), layer)
        except Exception as exc:  # a scenario saved without a result layer
            raise ProjectError(
                f"方案“{name}”缺少结果图层 {layer} / scenario {name!r} lacks its layer {layer}"
            ) from exc
    model = str(params.get("model") or str(row["kind"]).split(":")[-1])
    selection = SiteSelection(
        model=model,
        parameters=params,
        chosen_sites=frames["chosen_sites"],
        assignments=frames["assignments"],
        radiation_lines=frames["radiation_lines"],
        unserved=pd.DataFrame(frames["unserved"]).drop(columns="geometry", errors="ignore"),
        summary=summary,
    )
    return selection, row


def _scenario_district_matches(project: Project, scenario_district: object, code: str) -> bool:
    if _missing(scenario_district) or str(scenario_district).strip() == "":
        return True
    districts = project.layer("districts") if project.has_layer("districts") else None
    return code in district_codes(str(scenario_district), districts)


def scenarios_for_district(project: Project, code: str) -> pd.DataFrame:
    """Saved site-selection scenarios usable for the report of district ``code``: those made
    for that district or for the whole project (:func:`site_scenarios` rows)."""
    table = site_scenarios(project)
    keep = pd.Series(
        [
            _scenario_district_matches(project, params.get("district"), str(code))
            for params in table["parameters"]
        ],
        index=table.index,
        dtype=bool,
    )
    return table[keep].reset_index(drop=True)


def _restrict_selection(selection: SiteSelection, community_ids: set[str]) -> SiteSelection:
    """The part of a (whole-project) selection serving the given communities."""
    assign = selection.assignments[
        selection.assignments["community_id"].astype(str).isin(community_ids)
    ]
    lines = selection.radiation_lines
    if "community_id" in lines.columns:
        lines = lines[lines["community_id"].astype(str).isin(community_ids)]
    sites = set(assign["site_id"].astype(str))
    chosen = selection.chosen_sites[selection.chosen_sites["site_id"].astype(str).isin(sites)]
    unserved = selection.unserved
    if len(unserved) and "community_id" in unserved.columns:
        unserved = unserved[unserved["community_id"].astype(str).isin(community_ids)]
    return SiteSelection(
        selection.model,
        selection.parameters,
        chosen.reset_index(drop=True),
        assign.reset_index(drop=True),
        lines.reset_index(drop=True),
        unserved.reset_index(drop=True),
        dict(selection.summary),
        selection.result,
        list(selection.notes),
    )


# -- the sections ----------------------------------------------------------------------------------
COMPLIANCE_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("name", False),
    ("street", False),
    ("era", False),
    ("households", True),
    ("required_m2", True),
    ("provided_m2", True),
    ("shortfall_m2", True),
    ("status", False),
    ("strictness", False),
    ("article", False),
    ("missing_rooms", False),
)


def _compliance_table(comm: pd.DataFrame, standard: StandardSet, lang: str) -> ReportTable:
    """Compliance of the district's communities, gaps first (largest shortfall first)."""
    order = {"below": 0, "compliant": 1, "not_applicable": 2}
    ranked = comm.assign(_o=comm["status"].map(order).fillna(3)).sort_values(
        ["_o", "shortfall_m2", "street_code", "community_id"],
        ascending=[True, False, True, True],
        kind="mergesort",
    )
    shown = workflows.display_table(
        ranked, lang, [c for c, _ in COMPLIANCE_COLUMNS], standard=standard
    )
    rows = []
    for values, (_, raw) in zip(shown.itertuples(index=False), ranked.iterrows(), strict=True):
        cells = []
        for (column, _), value in zip(COMPLIANCE_COLUMNS, values, strict=True):
            if column == "households":
                cells.append(fmt_number(raw[column]))
            elif column.endswith("_m2"):
                cells.append(fmt_number(raw[column], 1))
            else:
                cells.append(_text(value))
        rows.append(cells)
    return _table("compliance", lang, COMPLIANCE_COLUMNS, rows, note=_lbl("note.compliance", lang))


def _coverage(
    project: Project, communities: gpd.GeoDataFrame, lang: str, G=None
) -> tuple[ReportTable, ReportTable, pd.DataFrame, list[str]]:
    """Walking coverage of the district's communities by community stations (300/500/1000 m)."""
    notes: list[str] = []
    columns = (
        ("distance_m", True),
        ("life_circle", False),
        ("covered_communities", True),
        ("covered_households", True),
        ("covered_share", True),
        ("uncovered_households", True),
    )
    gap_columns = (
        ("name", False),
        ("street", False),
        ("households", True),
        ("nearest_m", True),
        ("nearest_facility", False),
    )
    if not project.has_layer("facilities") or communities.empty:
        empty = _table("coverage", lang, columns, [])
        return empty, _table("coverage_gaps", lang, gap_columns, []), pd.DataFrame(), notes
    if G is None:
        notes.append(_lbl("note.no_network", lang))
    facilities = project.layer("facilities")
    per = community_coverage(
        G, communities, facilities, max(COVERAGE_DISTANCES), kind=COVERAGE_KIND
    )
    names = (
        dict(zip(facilities["facility_id"].astype(str), facilities["name"], strict=False))
        if "name" in facilities.columns
        else {}
    )
    households = per["households"].fillna(0).astype(float)
    total = float(households.sum())
    nearest = pd.to_numeric(per["nearest_m"], errors="coerce")
    rows = []
    for i, distance in enumerate(COVERAGE_DISTANCES):
        covered = nearest.le(distance).fillna(False).to_numpy()
        hh = float(households[covered].sum())
        rows.append(
            [
                fmt_number(distance),
                _lbl(f"life_circle.{i}", lang),
                f"{int(covered.sum())} / {len(per)}",
                fmt_number(hh),
                fmt_share(hh / total if total > 0 else float("nan")),
                fmt_number(total - hh),
            ]
        )
    method = set(per["method"].astype(str))
    note = _lbl("note.coverage", lang, kind=value_label("facilities", "kind", COVERAGE_KIND, lang))
    if "euclidean_detour" in method:
        note += " " + _lbl("note.detour", lang)
    table = _table("coverage", lang, columns, rows, note=note)
    far = per[~nearest.le(GAP_DISTANCE).fillna(False).to_numpy()]
    far = far.assign(_n=pd.to_numeric(far["nearest_m"], errors="coerce")).sort_values(
        ["_n", "households"], ascending=[False, False], na_position="first", kind="mergesort"
    )
    streets = _street_names(project)
    gap_rows = [
        [
            _text(r["name"]),
            _text(streets.get(str(r.get("street_code")), r.get("street_code"))),
            fmt_number(r["households"]),
            fmt_number(r["_n"])
            if not _missing(r["_n"])
            else f"> {fmt_number(max(COVERAGE_DISTANCES))}",
            _text(names.get(str(r.get("nearest_facility")), r.get("nearest_facility"))),
        ]
        for _, r in far.iterrows()
    ]
    gaps = _table(
        "coverage_gaps",
        lang,
        gap_columns,
        gap_rows,
        note=_lbl("note.coverage_gaps", lang, distance=fmt_number(GAP_DISTANCE)),
    )
    return table, gaps, per, notes


def _street_names(project: Project) -> dict[str, str]:
    if not project.has_layer("streets"):
        return {}
    streets = project.layer("streets")
    return dict(zip(streets["street_code"].astype(str), streets["name"].astype(str), strict=False))


def _site_attributes(project: Project) -> pd.DataFrame:
    """``condition`` and ``owner_type`` of every candidate site, by (layer, site_id)."""
    frames = []
    for name in CANDIDATE_LAYERS:
        if project.has_layer(name):
            layer = pd.DataFrame(project.layer(name)).drop(columns="geometry", errors="ignore")
            frames.append(
                pd.DataFrame(
                    {
                        "source_layer": name,
                        "site_id": layer["site_id"].astype(str),
                        "condition": layer.get("condition", pd.Series(None, index=layer.index)),
                        "owner_unit": layer.get("owner_unit", pd.Series(None, index=layer.index)),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["source_layer", "site_id", "condition", "owner_unit"])
    return pd.concat(frames, ignore_index=True)


SITE_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("rank", True),
    ("site_id", False),
    ("site_name", False),
    ("acquisition", False),
    ("usable_area_m2", True),
    ("required_m2", True),
    ("balance_m2", True),
    ("communities_served", True),
    ("households_served", True),
    ("mean_distance_m", True),
    ("max_distance_m", True),
)
ASSIGNMENT_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("site_id", False),
    ("site_name", False),
    ("community", False),
    ("households", True),
    ("shortfall_m2", True),
    ("distance_m", True),
    ("method", False),
)
UNSERVED_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("community", False),
    ("households", True),
    ("reason", False),
)


def _sites_tables(
    project: Project,
    selection: SiteSelection | None,
    compliance: pd.DataFrame,
    class_minimum: float,
    lang: str,
) -> tuple[ReportTable, ReportTable, ReportTable]:
    """Chosen sites (how obtained, area against requirement), what each serves, the unserved."""
    if selection is None:
        return (
            _table("sites", lang, SITE_COLUMNS, []),
            _table("assignments", lang, ASSIGNMENT_COLUMNS, []),
            _table("unserved", lang, UNSERVED_COLUMNS, []),
        )
    sep = "、" if lang == "zh" else ", "
    summary = workflows.site_summary(selection, sep=sep)
    shortfall = dict(
        zip(
            compliance["community_id"].astype(str),
            compliance["shortfall_m2"].fillna(0).astype(float),
            strict=False,
        )
    )
    assign = pd.DataFrame(selection.assignments).drop(columns="geometry", errors="ignore")
    assign = assign.assign(
        site_id=assign["site_id"].astype(str) if len(assign) else [],
        community_id=assign["community_id"].astype(str) if len(assign) else [],
    )
    assign["shortfall_m2"] = [shortfall.get(c, np.nan) for c in assign["community_id"]]
    needed = assign.groupby("site_id")["shortfall_m2"].sum() if len(assign) else pd.Series()
    attrs = _site_attributes(project)
    summary = summary.assign(site_id=summary["site_id"].astype(str))
    if "source_layer" not in summary.columns:
        summary["source_layer"] = None
    summary = summary.merge(attrs, on=["source_layer", "site_id"], how="left", suffixes=("", "_a"))
    hub = selection.model == "hub"
    rows = []
    for _, r in summary.iterrows():
        area = pd.to_numeric(pd.Series([r.get("usable_area_m2")]), errors="coerce").iloc[0]
        required = float(needed.get(r["site_id"], 0.0)) if hub else class_minimum
        balance = area - required if not _missing(area) else np.nan
        keys = dep.acquisition_keys(
            r.get("source_layer"),
            r.get("offer"),
            r.get("condition"),
            -balance if not _missing(balance) else 0.0,
        )
        rows.append(
            [
                fmt_number(r.get("rank")),
                _text(r["site_id"]),
                _text(r.get("name")),
                dep.acquisition_text(keys, lang),
                fmt_number(area, 1),
                fmt_number(required, 1),
                ("+" if not _missing(balance) and balance > 0 else "") + fmt_number(balance, 1),
                fmt_number(r.get("communities_served")),
                fmt_number(r.get("households_served")),
                fmt_number(r.get("mean_distance_m")),
                fmt_number(r.get("max_distance_m")),
            ]
        )
    basis = "note.sites_hub" if hub else "note.sites_cover"
    sites = _table(
        "sites",
        lang,
        SITE_COLUMNS,
        rows,
        note=_lbl(basis, lang, minimum=fmt_number(class_minimum)),
    )
    assign = assign.sort_values(["site_id", "distance_m"], kind="mergesort")
    method = {m: t(f"coverage.method.{m}", lang) for m in ("network", "euclidean_detour")}
    a_rows = [
        [
            _text(r["site_id"]),
            _text(r.get("site_name")),
            _text(r.get("name")),
            fmt_number(r.get("households")),
            fmt_number(r.get("shortfall_m2"), 1),
            fmt_number(r.get("distance_m")),
            method.get(str(r.get("method")), _text(r.get("method"))),
        ]
        for _, r in assign.iterrows()
    ]
    assignments = _table("assignments", lang, ASSIGNMENT_COLUMNS, a_rows)
    unserved = selection.unserved
    reason = "reason_zh" if lang == "zh" else "reason_en"
    u_rows = [
        [
            _text(r.get("name")),
            fmt_number(r.get("households")),
            _text(r.get(reason, r.get("reason"))),
        ]
        for _, r in unserved.iterrows()
    ]
    unserved_table = _table("unserved", lang, UNSERVED_COLUMNS, u_rows)
    return sites, assignments, unserved_table


COST_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("item", False),
    ("heated_m2", True),
    ("price", True),
    ("cost_yuan", True),
    ("city_pays_yuan", True),
    ("district_pays_yuan", True),
    ("payer", False),
)


def _costs(
    project: Project,
    standard: StandardSet,
    selection: SiteSelection | None,
    code: str,
    community_ids: list[str],
    lang: str,
) -> tuple[ReportTable, dict[str, float]]:
    """Yearly heating cost of the district's housing now and of the chosen sites (Art. 32)."""
    rule = standard.first("heating_split")
    totals = {"new_cost": 0.0, "new_city": 0.0, "new_district": 0.0}
    if rule is None or not project.has_layer("facilities"):
        return _table("costs", lang, COST_COLUMNS, []), totals
    price = project.settings.parameters.get("heating_price_yuan_per_m2")
    communities = project.layer("communities")
    districts = project.layer("districts")
    classes = project.settings.district_classes

    def split(facilities: pd.DataFrame) -> pd.Series | None:
        costs = heating_costs(
            facilities,
            communities,
            districts,
            standard=standard,
            price_yuan_per_m2=price,
            district_classes=classes,
        )
        row = costs.by_district[costs.by_district["district_code"].astype(str) == code]
        return row.iloc[0] if len(row) else None

    def payer(row: pd.Series) -> str:
        return t(f"compliance.payer.{row['payer']}", lang) + (
            f"({row['city_share'] * 100:.0f}% / {(1 - row['city_share']) * 100:.0f}%)"
            if row["payer"] == "split"
            else ""
        )

    rows = []
    try:
        existing = split(project.layer("facilities"))
    except ComplianceInputError:
        existing = None
    if existing is not None:
        rows.append(
            [
                _lbl("cost.existing", lang),
                fmt_number(existing["heated_m2"], 1),
                fmt_number(existing["price_yuan_per_m2"], 1),
                fmt_number(existing["cost_yuan"]),
                fmt_number(existing["city_pays_yuan"]),
                fmt_number(existing["district_pays_yuan"]),
                payer(existing),
            ]
        )
    chosen = pd.DataFrame(selection.chosen_sites) if selection is not None else pd.DataFrame()
    if len(chosen) and community_ids:
        area = pd.to_numeric(chosen["usable_area_m2"], errors="coerce")
        known = chosen[area.notna()]
        if len(known):
            sites = pd.DataFrame(
                {
                    "facility_id": known["site_id"].astype(str),
                    "kind": rule.param("heated_kinds")[0],
                    "usable_area_m2": pd.to_numeric(known["usable_area_m2"]).astype(float),
                    "community_id": community_ids[0],
                }
            )
            try:
                new = split(sites)
            except ComplianceInputError:  # the district's class is missing or invalid
                new = None
            if new is not None:
                share = float(new["city_share"])
                unit = float(new["price_yuan_per_m2"])
                for _, s in sites.iterrows():
                    cost = s["usable_area_m2"] * unit
                    rows.append(
                        [
                            _lbl("cost.site", lang, site=s["facility_id"]),
                            fmt_number(s["usable_area_m2"], 1),
                            fmt_number(unit, 1),
                            fmt_number(cost),
                            fmt_number(cost * share),
                            fmt_number(cost * (1 - share)),
                            payer(new),
                        ]
                    )
                totals = {
                    "new_cost": float(new["cost_yuan"]),
                    "new_city": float(new["city_pays_yuan"]),
                    "new_district": float(new["district_pays_yuan"]),
                }
                rows.append(
                    [
                        _lbl("cost.new_total", lang),
                        fmt_number(new["heated_m2"], 1),
                        fmt_number(unit, 1),
                        fmt_number(new["cost_yuan"]),
                        fmt_number(new["city_pays_yuan"]),
                        fmt_number(new["district_pays_yuan"]),
                        payer(new),
                    ]
                )
    assumed = "price_yuan_per_m2" in rule.assumptions and price is None
    note = _lbl("note.costs", lang)
    if assumed:
        note += " " + _lbl("note.price_assumed", lang)
    return _table("costs", lang, COST_COLUMNS, rows, note=note), totals


DEPARTMENT_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("gap_kind", False),
    ("count", True),
    ("field", False),
    ("departments", False),
    ("basis", False),
)


def _gap_counts(
    compliance: pd.DataFrame,
    coverage: pd.DataFrame,
    street_centres: pd.DataFrame,
    selection: SiteSelection | None,
) -> dict[str, int]:
    """How many gaps of each kind of :data:`~geo_app.reports.departments.GAP_KINDS` the
    district has: communities below the standard (old urban / new development / village, by
    the payer of :func:`analysis.compliance.gap_kinds`), communities with no station
    within :data:`GAP_DISTANCE`, street centres below Art. 11, chosen boiler rooms to hand over
    (Art. 13) and stations lacking rooms of each field of Art. 31 (one count per station)."""
    kinds = gap_kinds(compliance)  # the same codes as the table's payer column (funding)
    counts = {
        "area_old": int(kinds.eq("area_old").sum()),
        "area_new": int(kinds.eq("area_new").sum()),
        "area_rural": int(kinds.eq("area_rural").sum()),
        "street_centre": int((~street_centres["compliant"].astype(bool)).sum())
        if len(street_centres)
        else 0,
        "uncovered": int(
            (~pd.to_numeric(coverage["nearest_m"], errors="coerce").le(GAP_DISTANCE)).sum()
        )
        if len(coverage)
        else 0,
        "boiler_rooms": 0,
    }
    if (
        selection is not None
        and len(selection.chosen_sites)
        and "source_layer" in selection.chosen_sites
    ):
        counts["boiler_rooms"] = int(
            selection.chosen_sites["source_layer"].eq("boiler_rooms").sum()
        )
    for kind in set(dep.ROOM_GAP_KIND.values()):
        counts[kind] = 0
    for rooms in compliance["missing_rooms"].fillna(""):
        codes = (c.strip() for c in str(rooms).split(","))
        kinds = {dep.ROOM_GAP_KIND[c] for c in codes if c in dep.ROOM_GAP_KIND}
        for kind in kinds:
            counts[kind] += 1
    return counts


def _departments(counts: dict[str, int], lang: str) -> ReportTable:
    i = 0 if lang == "zh" else 1
    rows = [
        [g.label[i], fmt_number(counts.get(key, 0)), g.field[i], g.departments[i], g.article[i]]
        for key, g in dep.GAP_KINDS.items()
        if counts.get(key, 0) > 0
    ]
    return _table(
        "departments", lang, DEPARTMENT_COLUMNS, rows, note=_lbl("note.departments", lang)
    )


APPENDIX_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("rule", False),
    ("article", False),
    ("text", False),
)


def _appendix(standard: StandardSet, lang: str) -> ReportTable:
    rows = [
        [
            f"{rule.title(lang)} ({rule.id})",
            rule.article_zh if lang == "zh" else rule.article,
            rule.text(lang),
        ]
        for rule in standard.rules.values()
    ]
    for key, (art_zh, art_en, text_zh, text_en) in dep.ARTICLES.items():
        rows.append(
            [
                _lbl(f"article.{key}", lang),
                art_zh if lang == "zh" else art_en,
                text_zh if lang == "zh" else text_en,
            ]
        )
    return _table(
        "appendix",
        lang,
        APPENDIX_COLUMNS,
        rows,
        note=_lbl("note.appendix", lang, standard=standard.title(lang)),
    )


def _metrics_table(project: Project, district_name: str, lang: str) -> ReportTable | None:
    """The district's column of the district comparison (``geo_app.compare``)."""
    comparison = project_district_metrics(project, districts=[district_name], lang=lang)
    if district_name not in comparison.names:
        return None
    shown = comparison.display(lang, ranks=False)
    rows = []
    for values in shown.itertuples(index=False):
        label, unit, article, value = values[0], values[1], values[2], values[4]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = fmt_number(value, 0 if float(value).is_integer() else 1)
        rows.append([_text(label), _text(value), _text(unit), _text(article)])
    return _table(
        "metrics",
        lang,
        (("metric", False), ("value", True), ("unit", False), ("article", False)),
        rows,
        note=" ".join(_in_lang(n, lang) for n in comparison.notes),
    )


# -- the whole report --------------------------------------------------------------------------------
def _district_layers(
    project: Project, code: str, compliance: pd.DataFrame
) -> dict[str, gpd.GeoDataFrame]:
    """District outline, its streets and communities (with their compliance) for the maps."""
    out: dict[str, gpd.GeoDataFrame] = {}
    districts = project.layer("districts").to_crs(WGS84)
    out["district"] = districts[districts["district_code"].astype(str) == code]
    if project.has_layer("streets"):
        streets = project.layer("streets").to_crs(WGS84)
        out["streets"] = streets[streets["district_code"].astype(str) == code]
    communities = project.layer("communities").to_crs(WGS84)
    communities = communities[communities["district_code"].astype(str) == code]
    info = compliance[
        ["community_id", "status", "required_m2", "provided_m2", "shortfall_m2", "era"]
    ].assign(community_id=compliance["community_id"].astype(str))
    communities = communities.drop(columns=["era"], errors="ignore").assign(
        community_id=communities["community_id"].astype(str)
    )
    out["communities"] = communities.merge(info, on="community_id", how="left")
    return out


def _choose_sites(
    project: Project,
    selection: SiteSelection | None,
    comm: pd.DataFrame,
    code: str,
    name: str,
    standard: StandardSet,
    network,
    lang: str,
) -> tuple[SiteSelection | None, str, list[str]]:
    """The sites of the report: the saved scenario (restricted to the district when it was made
    for the whole project), else the Art. 13 model run now. Returns the selection, its source
    (``saved``, ``run``, ``empty``, ``none``) and notes on why there are no sites."""
    notes: list[str] = []
    if selection is not None:
        if not selection.parameters.get("district"):
            selection = _restrict_selection(selection, set(comm["community_id"].astype(str)))
        if not len(selection.chosen_sites):
            notes.append(_lbl("note.no_sites", lang))
        return selection, "saved", notes
    if not hub_demand_mask(comm, hub_rule(standard)).any():
        # the Art. 13 model serves old urban communities short of area (not villages): none here
        notes.append(_lbl("note.no_hub_demand", lang, district=name))
        return None, "none", notes
    try:
        selection = run_site_selection(
            project,
            DEFAULT_MODEL,
            candidates=CANDIDATE_LAYERS,
            distance_m=None,  # the Art. 13 rule's walking limit
            district=code,
            standard=standard.name,
            G=network,
        )
    except ProjectError as exc:
        notes.append(_lbl("note.no_sites_error", lang, error=_in_lang(str(exc), lang)))
        notes.append(_lbl("note.no_sites", lang))
        return None, "none", notes
    notes.extend(_in_lang(n, lang) for n in selection.notes)
    if not len(selection.chosen_sites):
        used = selection.parameters.get("distance_m", DEFAULT_DISTANCE_M)
        notes.append(_lbl("note.none_served", lang, distance=fmt_number(used)))
        notes.append(_lbl("note.no_sites", lang))
        return selection, "empty", notes
    return selection, "run", notes


def _headline(
    name: str,
    totals: dict,
    comm: pd.DataFrame,
    population: float,
    coverage: pd.DataFrame,
    n_far: int,
    selection: SiteSelection | None,
    n_unserved: int,
    cost_totals: dict[str, float],
    lang: str,
) -> tuple[list[KeyNumber], list[str]]:
    """The key numbers and the summary sentences of the report."""
    households = float(comm["households"].fillna(0).sum())
    assessed = totals["n_assessed"]
    rate = (assessed - totals["n_below"]) / assessed if assessed else float("nan")
    near = pd.to_numeric(coverage.get("nearest_m"), errors="coerce").le(GAP_DISTANCE)
    covered = (
        float(coverage.loc[near.to_numpy(), "households"].fillna(0).sum())
        if len(coverage)
        else float("nan")
    )
    share = fmt_share(covered / households if households > 0 else float("nan"))
    n_sites = len(selection.chosen_sites) if selection is not None else 0
    served = (
        int(selection.assignments["community_id"].nunique())
        if selection is not None and len(selection.assignments)
        else 0
    )
    summary = [
        KeyNumber(_lbl("key.communities", lang), fmt_number(totals["n_communities"])),
        KeyNumber(_lbl("key.households", lang), fmt_number(households)),
        KeyNumber(_lbl("key.population", lang), fmt_number(population)),
        KeyNumber(
            _lbl("key.compliance_rate", lang),
            fmt_share(rate),
            _lbl("key.compliance_rate_note", lang),
        ),
        KeyNumber(_lbl("key.below", lang), fmt_number(totals["n_below"])),
        KeyNumber(_lbl("key.shortfall", lang), fmt_number(totals["shortfall_m2"], 1)),
        KeyNumber(_lbl("key.missing_rooms", lang), fmt_number(totals["n_missing_rooms"])),
        KeyNumber(_lbl("key.covered500", lang), share),
        KeyNumber(_lbl("key.sites", lang), fmt_number(n_sites)),
        KeyNumber(_lbl("key.served", lang), fmt_number(served)),
        KeyNumber(
            _lbl("key.heating", lang),
            fmt_number(cost_totals["new_cost"]),
            _lbl(
                "key.heating_note",
                lang,
                city=fmt_number(cost_totals["new_city"]),
                district=fmt_number(cost_totals["new_district"]),
            ),
        ),
    ]
    text = [
        _lbl(
            "summary.compliance",
            lang,
            district=name,
            n=totals["n_communities"],
            assessed=assessed,
            below=totals["n_below"],
            shortfall=fmt_number(totals["shortfall_m2"], 1),
            rooms=totals["n_missing_rooms"],
        ),
        _lbl("summary.coverage", lang, share=share, distance=fmt_number(GAP_DISTANCE), n=n_far),
    ]
    if n_sites:
        text.append(
            _lbl(
                "summary.sites",
                lang,
                n=n_sites,
                served=served,
                unserved=n_unserved,
                cost=fmt_number(cost_totals["new_cost"]),
            )
        )
    else:
        text.append(_lbl("summary.no_sites", lang))
    return summary, text


def _map_layers(
    project: Project, code: str, comm: pd.DataFrame, selection: SiteSelection | None
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the maps: :func:`_district_layers` plus the sites, lines and the other
    candidate sites inside the district."""
    layers = _district_layers(project, code, comm)
    if selection is None:
        return layers
    chosen = selection.chosen_sites
    layers["chosen_sites"] = gpd.GeoDataFrame(chosen).to_crs(WGS84) if len(chosen) else chosen
    layers["radiation_lines"] = selection.radiation_lines
    try:
        cands = candidate_sites(project, CANDIDATE_LAYERS)
    except ProjectError:
        return layers
    chosen_ids = set(chosen["site_id"].astype(str)) if len(chosen) else set()
    cands = cands[~cands["site_id"].astype(str).isin(chosen_ids)].to_crs(WGS84)
    area = layers["district"].geometry.union_all()
    layers["candidates"] = cands[cands.geometry.within(area)]
    return layers


def build_report_context(
    project: Project,
    district: str,
    scenario: str | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
) -> ReportContext:
    """Gather everything the report of ``district`` shows.

    Parameters
    ----------
    project : Project
    district : str
        District name (道外区), short name (道外) or 6-digit code.
    scenario : str, optional
        Name of a saved site-selection scenario (``project.scenarios()``). Without one the
        Art. 13 central-station model is run now for the district (idle boiler rooms and
        candidate sites, 500 m); when no site can be planned the report says so and why.
    lang : {"zh", "en"}
    progress : callable(fraction, message), optional

    Raises
    ------
    ProjectError
        Unknown district, unknown scenario, a scenario of another district, missing layers.
    """
    lang = normalise_lang(lang)
    report = progress or (lambda fraction, message: None)
    report(0.02, _lbl("progress.start", lang))
    row = resolve_district(project, district)
    code = str(row["district_code"])
    name = str(row["name"])
    for needed in ("communities", "facilities"):
        if not project.has_layer(needed):
            raise ProjectError(f"项目缺少图层 {needed} / the project lacks the layer {needed}")
    saved: SiteSelection | None = None
    scenario_row = None
    if scenario:
        saved, scenario_row = load_scenario(project, scenario)
        if not _scenario_district_matches(project, saved.parameters.get("district"), code):
            other = saved.parameters.get("district")
            raise ProjectError(
                f"方案“{scenario}”是为 {other} 做的,不是 {name} / scenario {scenario!r} was "
                f"made for {other}, not {name}"
            )
    standard = workflows.project_standard(project)
    report(0.1, _lbl("progress.compliance", lang))
    result = workflows.filter_compliance(workflows.project_compliance(project, standard), [code])
    comm = result.communities
    if comm.empty:
        raise ProjectError(f"区县 {name} 没有社区 / district {name} has no communities")
    compliance_table = _compliance_table(comm, standard, lang)
    minimum = pd.to_numeric(comm["class_minimum_m2"], errors="coerce").dropna()
    class_minimum = float(minimum.iloc[0]) if len(minimum) else float("nan")

    report(0.3, _lbl("progress.coverage", lang))
    communities = project.layer("communities")
    communities = communities[communities["district_code"].astype(str) == code]
    network = workflows.project_network(project)
    coverage_table, coverage_gaps, coverage, notes = _coverage(project, communities, lang, network)

    report(0.45, _lbl("progress.sites", lang))
    selection, source, site_notes = _choose_sites(
        project, saved, comm, code, name, standard, network, lang
    )
    notes += site_notes
    sites, assignments, unserved = _sites_tables(project, selection, comm, class_minimum, lang)

    report(0.7, _lbl("progress.costs", lang))
    ids = comm["community_id"].astype(str).tolist()
    costs, cost_totals = _costs(project, standard, selection, code, ids, lang)
    counts = _gap_counts(comm, coverage, result.street_centres, selection)
    report(0.8, _lbl("progress.metrics", lang))
    metrics = _metrics_table(project, name, lang)
    population = (
        float(communities["population"].fillna(0).sum())
        if "population" in communities.columns
        else float("nan")
    )
    summary, summary_text = _headline(
        name,
        result.totals(),
        comm,
        population,
        coverage,
        len(coverage_gaps),
        selection,
        len(unserved),
        cost_totals,
        lang,
    )
    summary_text.insert(1, shortfall_link(comm, hub_rule(standard), lang))  # Art. 11 -> 13
    report(0.9, _lbl("progress.maps", lang))
    layers = _map_layers(project, code, comm, selection)
    report(1.0, _lbl("progress.done", lang))
    return ReportContext(
        lang=lang,
        title=_lbl("doc_title", lang, district=name),
        project_name=project.settings.name,
        city=project.settings.city,
        district_code=code,
        district_name=name,
        district_class=value_label(
            "districts", "district_class", str(row.get("district_class")), lang
        ),
        standard_title=standard.title(lang),
        generated=now_local().strftime(TIME_FORMAT),
        headings={k: _lbl(f"h.{k}", lang) for k in HEADINGS},
        summary=summary,
        summary_text=summary_text,
        metrics=metrics,
        compliance=compliance_table,
        coverage=coverage_table,
        coverage_gaps=coverage_gaps,
        scenario=_scenario_facts(selection, scenario_row, source, lang),
        scenario_source=source,
        sites=sites,
        assignments=assignments,
        unserved=unserved,
        costs=costs,
        departments=_departments(counts, lang),
        appendix=_appendix(standard, lang),
        notes=notes,
        layers=layers,
        selection=selection,
    )


HEADINGS: tuple[str, ...] = (
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


def _scenario_facts(
    selection: SiteSelection | None, row: pd.Series | None, source: str, lang: str
) -> list[KeyNumber]:
    if selection is None:
        return [KeyNumber(_lbl("scenario.source", lang), _lbl("scenario.none", lang))]
    params = selection.parameters
    s = selection.summary or {}
    pair = MODEL_LABELS.get(selection.model, (selection.model, selection.model))
    if source == "saved" and row is not None:
        origin = _lbl(
            "scenario.saved",
            lang,
            name=row["name"],
            created=local_time(row["created"]),
        )
    else:
        origin = _lbl("scenario.run", lang)
    candidates = params.get("candidates") or []
    facts = [
        KeyNumber(_lbl("scenario.source", lang), origin),
        KeyNumber(_lbl("scenario.model", lang), pair[0 if lang == "zh" else 1]),
        KeyNumber(
            _lbl("scenario.candidates", lang),
            ("、" if lang == "zh" else ", ").join(layer_label(str(c), lang) for c in candidates)
            or "—",
        ),
        KeyNumber(_lbl("scenario.distance", lang), fmt_number(params.get("distance_m"))),
    ]
    if s:
        facts += [
            KeyNumber(_lbl("scenario.demand", lang), fmt_number(s.get("demand_communities"))),
            KeyNumber(
                _lbl("scenario.solver", lang),
                _lbl("scenario.optimal" if s.get("optimal") else "scenario.feasible", lang),
            ),
        ]
    if selection.model == "hub":
        facts.append(
            KeyNumber(_lbl("scenario.demand_basis", lang), _lbl("scenario.hub_demand", lang))
        )
    return facts
