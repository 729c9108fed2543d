"""The sites section: the chosen sites of a saved scenario (or of the Art. 13 model run now),
how each is obtained (Art. 10, 13), its area against what it must provide, the communities
it serves and those left unserved."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.hubs import hub_demand_mask, hub_rule
from geo_app.i18n import layer_label, t
from geo_app.present.formatting import local_time
from geo_app.project import Project, ProjectError
from geo_app.reports import departments as dep
from geo_app.reports.context._format import fmt_number, in_lang, lbl, missing, table, text
from geo_app.reports.context.model import KeyNumber, ReportInputs, ReportTable
from geo_app.workflows.site_selection import (
    CANDIDATE_LAYERS,
    SiteSelection,
    model_label,
    run_site_selection,
    site_summary,
)
from geo_app.workflows.site_selection.walking import walk_warning

DEFAULT_MODEL = "hub"
"""Model run when no scenario is given: the Art. 13 central service stations."""
DEFAULT_DISTANCE_M = 500.0
"""Walking distance shown when a saved scenario does not record one (the run made when no
scenario is given uses the Art. 13 rule's ``max_walk_m``)."""

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


# -- which sites ----------------------------------------------------------------------------------
def restrict_selection(selection: SiteSelection, community_ids: set[str]) -> SiteSelection:
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


def choose_sites(
    inputs: ReportInputs, selection: SiteSelection | None, comm: pd.DataFrame
) -> tuple[SiteSelection | None, str, list[str]]:
    """The sites of the report: the saved scenario (restricted to the district when it was made
    for the whole project), else the Art. 13 model run now. Returns the selection, its source
    (``saved``, ``run``, ``empty``, ``none``) and notes on why there are no sites."""
    lang = inputs.lang
    notes: list[str] = []
    if selection is not None:
        if not selection.parameters.get("district"):
            selection = restrict_selection(selection, set(comm["community_id"].astype(str)))
        if not len(selection.chosen_sites):
            notes.append(lbl("note.no_sites", lang))
        notes.extend(w for w in [walk_warning(selection, lang)] if w)
        return selection, "saved", notes
    if not hub_demand_mask(comm, hub_rule(inputs.standard)).any():
        # the Art. 13 model serves old urban communities short of area (not villages): none here
        undecided = int(comm["status"].astype(str).eq("undecided").sum())
        if undecided:
            notes.append(
                lbl("note.no_hub_demand_undecided", lang, district=inputs.name, n=undecided)
            )
        else:
            notes.append(lbl("note.no_hub_demand", lang, district=inputs.name))
        return None, "none", notes
    try:
        selection = run_site_selection(
            inputs.project,
            DEFAULT_MODEL,
            candidates=CANDIDATE_LAYERS,
            distance_m=None,  # the Art. 13 rule's walking limit
            district=inputs.code,
            standard=inputs.standard.name,
            G=inputs.network,
            compliance=inputs.compliance,
        )
    except ProjectError as exc:
        notes.append(lbl("note.no_sites_error", lang, error=in_lang(str(exc), lang)))
        notes.append(lbl("note.no_sites", lang))
        return None, "none", notes
    notes.extend(in_lang(n, lang) for n in selection.notes)
    notes.extend(w for w in [walk_warning(selection, lang)] if w)
    if not len(selection.chosen_sites):
        used = selection.parameters.get("distance_m", DEFAULT_DISTANCE_M)
        notes.append(lbl("note.none_served", lang, distance=fmt_number(used)))
        notes.append(lbl("note.no_sites", lang))
        return selection, "empty", notes
    return selection, "run", notes


# -- the tables -----------------------------------------------------------------------------------
def site_attributes(project: Project) -> pd.DataFrame:
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


def site_tables(
    project: Project,
    selection: SiteSelection | None,
    compliance: pd.DataFrame,
    class_minimum: float,
    lang: str,
) -> tuple[ReportTable, ReportTable, ReportTable]:
    """Chosen sites (how obtained, area against requirement), what each serves, the unserved."""
    if selection is None:
        return (
            table("sites", lang, SITE_COLUMNS, []),
            table("assignments", lang, ASSIGNMENT_COLUMNS, []),
            table("unserved", lang, UNSERVED_COLUMNS, []),
        )
    assign = _assignments(selection, compliance)
    sites = _sites_table(project, selection, assign, class_minimum, lang)
    return sites, _assignments_table(assign, lang), _unserved_table(selection, lang)


def _assignments(selection: SiteSelection, compliance: pd.DataFrame) -> pd.DataFrame:
    """The selection's assignments (text ids) with the shortfall of each community."""
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
    return assign


def _sites_table(
    project: Project,
    selection: SiteSelection,
    assign: pd.DataFrame,
    class_minimum: float,
    lang: str,
) -> ReportTable:
    """One row per chosen site: how it is obtained, its area against what it must provide
    (the shortfall it serves for a hub, else the class minimum) and what it serves."""
    sep = "、" if lang == "zh" else ", "
    summary = site_summary(selection, sep=sep)
    needed = assign.groupby("site_id")["shortfall_m2"].sum() if len(assign) else pd.Series()
    attrs = site_attributes(project)
    summary = summary.assign(site_id=summary["site_id"].astype(str))
    if "source_layer" not in summary.columns:
        summary["source_layer"] = None
    summary = summary.merge(attrs, on=["source_layer", "site_id"], how="left", suffixes=("", "_a"))
    hub = selection.model == "hub"
    rows = []
    for _, r in summary.iterrows():
        area = pd.to_numeric(pd.Series([r.get("usable_area_m2")]), errors="coerce").iloc[0]
        required = float(needed.get(r["site_id"], 0.0)) if hub else class_minimum
        balance = area - required if not missing(area) else np.nan
        keys = dep.acquisition_keys(
            r.get("source_layer"),
            r.get("offer"),
            r.get("condition"),
            -balance if not missing(balance) else 0.0,
        )
        rows.append(
            [
                fmt_number(r.get("rank")),
                text(r["site_id"]),
                text(r.get("name")),
                dep.acquisition_text(keys, lang),
                fmt_number(area, 1),
                fmt_number(required, 1),
                ("+" if not missing(balance) and balance > 0 else "") + fmt_number(balance, 1),
                fmt_number(r.get("communities_served")),
                fmt_number(r.get("households_served")),
                fmt_number(r.get("mean_distance_m")),
                fmt_number(r.get("max_distance_m")),
            ]
        )
    basis = "note.sites_hub" if hub else "note.sites_cover"
    return table(
        "sites",
        lang,
        SITE_COLUMNS,
        rows,
        note=lbl(basis, lang, minimum=fmt_number(class_minimum)),
    )


def _assignments_table(assign: pd.DataFrame, lang: str) -> ReportTable:
    """The communities each site serves, by site and distance."""
    assign = assign.sort_values(["site_id", "distance_m"], kind="mergesort")
    method = {m: t(f"coverage.method.{m}", lang) for m in ("network", "euclidean_detour")}
    rows = [
        [
            text(r["site_id"]),
            text(r.get("site_name")),
            text(r.get("name")),
            fmt_number(r.get("households")),
            fmt_number(r.get("shortfall_m2"), 1),
            fmt_number(r.get("distance_m")),
            method.get(str(r.get("method")), text(r.get("method"))),
        ]
        for _, r in assign.iterrows()
    ]
    return table("assignments", lang, ASSIGNMENT_COLUMNS, rows)


def _unserved_table(selection: SiteSelection, lang: str) -> ReportTable:
    """The communities no site serves, with the reason."""
    reason = "reason_zh" if lang == "zh" else "reason_en"
    rows = [
        [
            text(r.get("name")),
            fmt_number(r.get("households")),
            text(r.get(reason, r.get("reason"))),
        ]
        for _, r in selection.unserved.iterrows()
    ]
    return table("unserved", lang, UNSERVED_COLUMNS, rows)


def scenario_facts(
    selection: SiteSelection | None, row: pd.Series | None, source: str, lang: str
) -> list[KeyNumber]:
    """Where the sites come from (saved scenario or a run made now) and its parameters."""
    if selection is None:
        return [KeyNumber(lbl("scenario.source", lang), lbl("scenario.none", lang))]
    params = selection.parameters
    s = selection.summary or {}
    if source == "saved" and row is not None:
        origin = lbl(
            "scenario.saved",
            lang,
            name=row["name"],
            created=local_time(row["created"]),
        )
    else:
        origin = lbl("scenario.run", lang)
    candidates = params.get("candidates") or []
    facts = [
        KeyNumber(lbl("scenario.source", lang), origin),
        KeyNumber(lbl("scenario.model", lang), model_label(selection.model, lang)),
        KeyNumber(
            lbl("scenario.candidates", lang),
            ("、" if lang == "zh" else ", ").join(layer_label(str(c), lang) for c in candidates)
            or "—",
        ),
        KeyNumber(lbl("scenario.distance", lang), fmt_number(params.get("distance_m"))),
    ]
    if s:
        facts += [
            KeyNumber(lbl("scenario.demand", lang), fmt_number(s.get("demand_communities"))),
            KeyNumber(
                lbl("scenario.solver", lang),
                lbl("scenario.optimal" if s.get("optimal") else "scenario.feasible", lang),
            ),
        ]
    if selection.model == "hub":
        facts.append(
            KeyNumber(lbl("scenario.demand_basis", lang), lbl("scenario.hub_demand", lang))
        )
    return facts
