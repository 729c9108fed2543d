"""The district and the saved site-selection scenario a report is made for."""

from __future__ import annotations

import json

import pandas as pd

from analysis.selection import district_codes
from geo_app.project import Project, ProjectError
from geo_app.reports.context._format import missing
from geo_app.workflows.site_selection import SiteSelection

SCENARIO_LAYERS = ("chosen_sites", "assignments", "radiation_lines", "unserved")


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


def scenario_district_matches(project: Project, scenario_district: object, code: str) -> bool:
    """Whether a scenario made for ``scenario_district`` (none: the whole project) fits the
    report of district ``code``."""
    if missing(scenario_district) or str(scenario_district).strip() == "":
        return True
    districts = project.layer("districts") if project.has_layer("districts") else None
    return code in district_codes(str(scenario_district), districts)


def scenarios_for_district(project: Project, code: str) -> pd.DataFrame:
    """Saved site-selection scenarios usable for the report of district ``code``: those made
    for that district or for the whole project (:func:`site_scenarios` rows)."""
    table = site_scenarios(project)
    keep = pd.Series(
        [
            scenario_district_matches(project, params.get("district"), str(code))
            for params in table["parameters"]
        ],
        index=table.index,
        dtype=bool,
    )
    return table[keep].reset_index(drop=True)
