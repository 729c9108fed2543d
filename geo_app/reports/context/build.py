"""Build the :class:`~geo_app.reports.context.model.ReportContext` of one district.

The project's compliance and walking network are computed once here and passed down: to the
site selection run for the report and to the district metrics (:mod:`geo_app.workflows.compare`).
"""

from __future__ import annotations

import pandas as pd

from analysis.compliance import ComplianceResult
from analysis.hubs import hub_rule
from geo_app import workflows
from geo_app.i18n import normalise_lang, value_label
from geo_app.present.formatting import TIME_FORMAT, now_local
from geo_app.present.headlines import shortfall_link
from geo_app.project import Project, ProjectError
from geo_app.reports.context._format import lbl
from geo_app.reports.context.appendix import appendix_table
from geo_app.reports.context.compliance import compliance_table
from geo_app.reports.context.costs import cost_table
from geo_app.reports.context.coverage import coverage_tables
from geo_app.reports.context.gaps import departments_table, gap_counts
from geo_app.reports.context.lookup import (
    load_scenario,
    resolve_district,
    scenario_district_matches,
)
from geo_app.reports.context.map_layers import district_area, map_layers
from geo_app.reports.context.model import HEADINGS, ReportContext, ReportInputs
from geo_app.reports.context.sites import choose_sites, scenario_facts, site_tables
from geo_app.reports.context.summary import Headline, headline, metrics_table
from geo_app.workflows.readiness import data_readiness
from geo_app.workflows.site_selection import SiteSelection
from layers.progress import Progress


def _saved_scenario(
    project: Project, scenario: str | None, code: str, name: str
) -> tuple[SiteSelection | None, pd.Series | None]:
    """The saved scenario ``scenario`` (none when not given); it must fit the district."""
    if not scenario:
        return None, None
    saved, row = load_scenario(project, scenario)
    if not scenario_district_matches(project, saved.parameters.get("district"), code):
        other = saved.parameters.get("district")
        raise ProjectError(
            f"方案“{scenario}”是为 {other} 做的,不是 {name} / scenario {scenario!r} was "
            f"made for {other}, not {name}"
        )
    return saved, row


def _population(communities: pd.DataFrame) -> float:
    if "population" not in communities.columns:
        return float("nan")
    return float(communities["population"].fillna(0).sum())


def build_report_context(
    project: Project,
    district: str,
    scenario: str | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
    compliance: ComplianceResult | None = None,
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
    compliance : ComplianceResult, optional
        The project's compliance under its own standard set, if the caller has it (the app's
        shared result); computed here otherwise.

    Raises
    ------
    ProjectError
        Unknown district, unknown scenario, a scenario of another district, missing layers.
    """
    lang = normalise_lang(lang)
    report = progress or (lambda fraction, message: None)
    report(0.02, lbl("progress.start", lang))
    row = resolve_district(project, district)
    code = str(row["district_code"])
    name = str(row["name"])
    for needed in ("communities", "facilities"):
        if not project.has_layer(needed):
            raise ProjectError(f"项目缺少图层 {needed} / the project lacks the layer {needed}")
    saved, scenario_row = _saved_scenario(project, scenario, code, name)
    standard = workflows.project_standard(project)
    report(0.1, lbl("progress.compliance", lang))
    if compliance is None:  # the caller's result of the project's standard, if it has one
        compliance = workflows.project_compliance(project, standard)
    result = workflows.filter_compliance(compliance, [code])
    comm = result.communities
    if comm.empty:
        raise ProjectError(f"区县 {name} 没有社区 / district {name} has no communities")
    compliance_shown = compliance_table(comm, standard, lang)
    minimum = pd.to_numeric(comm["class_minimum_m2"], errors="coerce").dropna()
    class_minimum = float(minimum.iloc[0]) if len(minimum) else float("nan")

    report(0.3, lbl("progress.coverage", lang))
    area = district_area(project, code)
    communities = area["communities"]
    network = workflows.project_network(project)
    inputs = ReportInputs(project, code, name, standard, compliance, network, lang)
    coverage_table, coverage_gaps, coverage, notes = coverage_tables(
        project, communities, lang, network
    )

    report(0.45, lbl("progress.sites", lang))
    selection, source, site_notes = choose_sites(inputs, saved, comm)
    notes += site_notes
    sites, assignments, unserved = site_tables(project, selection, comm, class_minimum, lang)

    report(0.7, lbl("progress.costs", lang))
    ids = comm["community_id"].astype(str).tolist()
    costs, cost_totals = cost_table(project, standard, selection, code, ids, lang)
    counts = gap_counts(comm, coverage, result.street_centres, selection)
    report(0.8, lbl("progress.metrics", lang))
    metrics = metrics_table(inputs)
    facts = Headline(
        totals=result.totals(),
        communities=comm,
        population=_population(communities),
        coverage=coverage,
        n_far=len(coverage_gaps),
        selection=selection,
        n_unserved=len(unserved),
        cost_totals=cost_totals,
    )
    summary, summary_text = headline(name, facts, lang)
    summary_text.insert(1, shortfall_link(comm, hub_rule(standard), lang))  # Art. 11 -> 13
    ready = data_readiness(project, district=code)
    report(0.9, lbl("progress.maps", lang))
    layers = map_layers(project, area, comm, selection)
    report(1.0, lbl("progress.done", lang))
    return ReportContext(
        lang=lang,
        title=lbl("doc_title", lang, district=name),
        project_name=project.settings.name,
        city=project.settings.city,
        district_code=code,
        district_name=name,
        district_class=value_label(
            "districts", "district_class", str(row.get("district_class")), lang
        ),
        standard_title=standard.title(lang),
        generated=now_local().strftime(TIME_FORMAT),
        headings={k: lbl(f"h.{k}", lang) for k in HEADINGS},
        summary=summary,
        summary_text=summary_text,
        metrics=metrics,
        compliance=compliance_shown,
        coverage=coverage_table,
        coverage_gaps=coverage_gaps,
        scenario=scenario_facts(selection, scenario_row, source, lang),
        scenario_source=source,
        sites=sites,
        assignments=assignments,
        unserved=unserved,
        costs=costs,
        departments=departments_table(counts, lang),
        appendix=appendix_table(standard, lang),
        notes=notes,
        layers=layers,
        selection=selection,
        readiness=ready.lines(lang),
        readiness_headline=ready.headline(lang),
    )
