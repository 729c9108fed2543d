"""The layers of the report maps: the district, its streets and communities (with their
compliance), the chosen sites with their lines and the other candidate sites."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from analysis.selection import in_districts
from geo_app.project import Project, ProjectError
from geo_app.workflows.site_selection import CANDIDATE_LAYERS, SiteSelection, candidate_sites
from layers.crs import WGS84


def district_area(project: Project, code: str) -> dict[str, gpd.GeoDataFrame]:
    """The district's outline, streets and communities (WGS-84): the one place a report
    narrows the project to its district (:func:`analysis.selection.in_districts`)."""
    out = {"district": in_districts(project.layer("districts").to_crs(WGS84), code)}
    if project.has_layer("streets"):
        out["streets"] = in_districts(project.layer("streets").to_crs(WGS84), code)
    out["communities"] = in_districts(project.layer("communities").to_crs(WGS84), code)
    return out


def district_layers(
    area: dict[str, gpd.GeoDataFrame], compliance: pd.DataFrame
) -> dict[str, gpd.GeoDataFrame]:
    """District outline, its streets and communities (with their compliance) for the maps."""
    out = {k: v for k, v in area.items() if k != "communities"}
    communities = area["communities"]
    info = compliance[
        ["community_id", "status", "required_m2", "provided_m2", "shortfall_m2", "era"]
    ].assign(community_id=compliance["community_id"].astype(str))
    communities = communities.drop(columns=["era"], errors="ignore").assign(
        community_id=communities["community_id"].astype(str)
    )
    out["communities"] = communities.merge(info, on="community_id", how="left")
    return out


def map_layers(
    project: Project,
    area: dict[str, gpd.GeoDataFrame],
    comm: pd.DataFrame,
    selection: SiteSelection | None,
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the maps: :func:`district_layers` of the :func:`district_area` plus the
    sites, lines and the other candidate sites inside the district."""
    layers = district_layers(area, comm)
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
