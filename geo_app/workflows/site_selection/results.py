"""A site-selection result: its layers, files, scenarios and the tables the page shows.

:class:`SiteSelection` is what :func:`geo_app.workflows.site_selection.run_site_selection` returns;
it is written to a GeoPackage (``geo-app site-select``, the page's download), saved as a
scenario of the project and tabulated (one row per chosen site, scenario comparison).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from analysis.hubs import HubResult
from analysis.siting import SitingResult
from geo_app.i18n import catalogue, t
from geo_app.project import Project, ProjectError
from geo_app.workflows.site_selection.walking import walk_warning


@dataclass
class SiteSelection:
    """Outcome of :func:`~geo_app.workflows.site_selection.run_site_selection`, ready to map, tabulate
    and save."""

    model: str
    parameters: dict
    chosen_sites: gpd.GeoDataFrame
    assignments: gpd.GeoDataFrame
    radiation_lines: gpd.GeoDataFrame
    unserved: pd.DataFrame
    summary: dict
    result: SitingResult | HubResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """What the planner must know about the result (``zh / en``): walks beyond the walking
        distance (:func:`~geo_app.workflows.site_selection.walking.walk_warning`, the p-median)."""
        warning = walk_warning(self, "both")
        return [warning] if warning else []

    def layers(self) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
        """The result layers by name (``unserved`` is a table)."""
        return {
            "chosen_sites": self.chosen_sites,
            "assignments": self.assignments,
            "radiation_lines": self.radiation_lines,
            "unserved": self.unserved,
        }


def model_label(model: str, lang: str = "zh") -> str:
    """Name of a model for planners (``site_selection.models.<model>`` of the i18n texts)."""
    key = f"site_selection.models.{model}"
    return t(key, lang) if key in catalogue() else model


def write_site_selection(selection: SiteSelection, out: str | Path) -> Path:
    """Write the result layers to a GeoPackage (replacing the file)."""
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise ProjectError(
            f"结果须写为 .gpkg 文件:{out} / results are written to a .gpkg file: {out}"
        )
    if out.exists():
        out.unlink()
    for name, frame in selection.layers().items():
        if isinstance(frame, gpd.GeoDataFrame):
            pyogrio.write_dataframe(frame, out, layer=name, driver="GPKG")
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), out, layer=name, driver="GPKG")
    return out


def save_site_selection(project: Project, selection: SiteSelection, name: str) -> None:
    """Save the run as scenario ``name`` of the project (parameters and result layers)."""
    if not name or not str(name).strip():
        raise ProjectError("方案名称不能为空 / the scenario needs a name")
    params = {**selection.parameters, "summary": selection.summary}
    project.save_scenario(
        str(name).strip(), f"site-select:{selection.model}", params, selection.layers()
    )


def compare_scenarios(project: Project) -> pd.DataFrame:
    """One row per saved site-selection scenario with its parameters and summary numbers."""
    table = project.scenarios()
    rows = []
    for row in table.itertuples(index=False):
        if not str(row.kind).startswith("site-select"):
            continue
        params = json.loads(row.parameters)
        summary = params.pop("summary", {})
        rows.append({"name": row.name, "created": row.created, **params, **summary})
    return pd.DataFrame(rows)


# -- tables of the site-selection page (issue 6) --------------------------------------------

SITE_COLUMNS = (
    "rank",
    "site_id",
    "name",
    "source_layer",
    "offer",
    "usable_area_m2",
    "communities_served",
    "households_served",
    "shortfall_taken_m2",
    "mean_distance_m",
    "max_distance_m",
    "served_names",
)
"""Columns of the table of chosen sites (one row per site) on the site-selection page."""
ASSIGNMENT_COLUMNS = (
    "site_id",
    "site_name",
    "community_id",
    "name",
    "households",
    "shortfall_m2",
    "distance_m",
    "method",
)
UNSERVED_COLUMNS = ("community_id", "name", "households", "reason")
SCENARIO_COLUMNS = (
    "name",
    "created",
    "model",
    "candidates",
    "distance_m",
    "p",
    "district",
    "same_street",
    "demand_communities",
    "chosen_sites",
    "served_communities",
    "unserved_communities",
    "served_households",
    "mean_distance_m",
    "method",
    "optimal",
    "gap",
)
"""Columns of the scenario comparison table."""

DEFAULT_SITE_DISTRICT = "道外区"
"""District the site-selection page opens with (an old core district, Art. 13), when present."""


def site_summary(selection: SiteSelection, sep: str = "、") -> pd.DataFrame:
    """One row per chosen site: its data, what it serves and how far (from ``assignments``).

    Columns :data:`SITE_COLUMNS`: ``communities_served``, ``households_served``,
    ``shortfall_taken_m2`` (hub model), the household-weighted ``mean_distance_m`` and the
    ``max_distance_m`` of the communities assigned to the site, and ``served_names`` (their
    names joined by ``sep``, nearest first). Sites serving nobody (p-median/required) keep NaN
    distances.
    """
    chosen = pd.DataFrame(selection.chosen_sites).drop(columns="geometry", errors="ignore")
    chosen["site_id"] = chosen["site_id"].astype(str)
    assign = pd.DataFrame(selection.assignments).drop(columns="geometry", errors="ignore")
    if len(assign):
        assign = assign.assign(site_id=assign["site_id"].astype(str))
        assign = assign.sort_values(["site_id", "distance_m"], kind="mergesort")
        weight = assign["households"].fillna(0).astype(float).clip(lower=1e-9)
        assign["_wd"] = assign["distance_m"] * weight
        assign["_w"] = weight
        names = assign["name"].where(assign["name"].notna(), assign["community_id"]).astype(str)
        grouped = assign.assign(_name=names).groupby("site_id", sort=False)
        per = pd.DataFrame(
            {
                "mean_distance_m": grouped["_wd"].sum() / grouped["_w"].sum(),
                "max_distance_m": grouped["distance_m"].max(),
                "served_names": grouped["_name"].agg(sep.join),
            }
        )
        chosen = chosen.merge(per, left_on="site_id", right_index=True, how="left")
    else:
        chosen["mean_distance_m"] = float("nan")
        chosen["max_distance_m"] = float("nan")
        chosen["served_names"] = ""
    chosen["served_names"] = chosen["served_names"].fillna("")
    return chosen[[c for c in SITE_COLUMNS if c in chosen.columns]].reset_index(drop=True)


def site_selection_gpkg_bytes(selection: SiteSelection) -> bytes:
    """The result GeoPackage of ``geo-app site-select`` (layers ``chosen_sites``,
    ``assignments``, ``radiation_lines``, ``unserved``) as bytes, for a download button."""
    with tempfile.TemporaryDirectory(prefix="geo_app_site_selection_") as tmp:
        return write_site_selection(selection, Path(tmp) / "site_selection.gpkg").read_bytes()


def default_site_district(options: pd.DataFrame) -> str | None:
    """District code the site-selection page opens with: 道外区 (an old core district of
    Art. 13) when the project has it, else None (all districts). ``options`` as
    :func:`geo_app.workflows.surveillance_district_options` returns."""
    if not len(options):
        return None
    named = options[options["name"].astype(str) == DEFAULT_SITE_DISTRICT]
    if len(named):
        return str(named["district_code"].iloc[0])
    return None
