"""Grouping a project's OpenStreetMap residential areas into communities, kept and redoable.

:func:`group_project_communities` takes the residential areas of an OSM import (rows of
``communities`` with ``community_source`` ``osm_residential``), groups them with
:func:`layers.grouping.group_areas` (by street, or by a committee table) and writes in one
atomic step: the new ``communities`` (the office's own rows untouched), the areas themselves in
the layer ``residential_areas`` (so that a new grouping starts from them again), the
``community_grouping`` table (which area went to which community, how, when, from which file)
and a log entry in ``parameters["community_grouping"]``. Facilities that name an area by its id
are moved to its community. :func:`ungroup_project_communities` puts the areas back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_app.project import Project, ProjectError
from layers.grouping import Grouping, group_areas, read_committee_table

RESIDENTIAL_LAYER = "residential_areas"
"""The OSM residential areas a grouping started from (kept to redo it)."""
GROUPING_TABLE = "community_grouping"
"""Which residential area went to which community (:data:`layers.grouping.MEMBERSHIP_COLUMNS`
plus ``grouped_at`` and ``source``)."""
OSM_SOURCES = ("osm_residential", "osm_grouped")


def _source(frame: pd.DataFrame) -> pd.Series:
    if "community_source" not in frame.columns:
        return pd.Series("office", index=frame.index, dtype=object)
    return frame["community_source"].astype(object).fillna("office")


def _areas(project: Project) -> gpd.GeoDataFrame:
    if project.has_layer(RESIDENTIAL_LAYER):
        return project.store.read_layer(RESIDENTIAL_LAYER)
    communities = project.store.read_layer("communities")
    return communities[_source(communities).eq("osm_residential").to_numpy()]


def group_project_communities(
    project: Project,
    *,
    by: str = "street",
    table: pd.DataFrame | str | Path | None = None,
) -> Grouping:
    """Group the project's OSM residential areas into communities and keep the grouping.

    Parameters
    ----------
    project : Project
    by : {"street", "table"}
        One community per street, or per committee of ``table``.
    table : DataFrame or path, optional
        The committee table (CSV/XLSX: committee name, residential-area ids or names).

    Raises
    ------
    ProjectError
        Without communities or without OSM residential areas to group.
    layers.grouping.GroupingError
        A table that cannot be read or matches no area.
    """
    source = ""
    if isinstance(table, str | Path):
        source = Path(table).name
        table = read_committee_table(table)
    with project.locked():
        if not project.has_layer("communities"):
            raise ProjectError("项目没有社区图层 / the project has no communities layer")
        areas = _areas(project)
        if areas.empty:
            raise ProjectError(
                "项目中没有可归并的 OSM 居住区(community_source = osm_residential)/ the "
                "project has no OSM residential areas to group"
            )
        communities = project.store.read_layer("communities")
        office = communities[~_source(communities).isin(OSM_SOURCES).to_numpy()]
        grouping = group_areas(
            areas,
            by=by,
            table=table,
            streets=project.optional_layer("streets"),
            metric_crs=project.metric_crs,
        )
        new = pd.concat([office, grouping.communities], ignore_index=True)
        new = gpd.GeoDataFrame(new, geometry=communities.geometry.name, crs=communities.crs)
        when = datetime.now(UTC).isoformat(timespec="seconds")
        membership = grouping.membership.assign(grouped_at=when, source=source)
        layers = {"communities": new, RESIDENTIAL_LAYER: areas, GROUPING_TABLE: membership}
        facilities = _moved_facilities(project, membership)
        if facilities is not None:
            layers["facilities"] = facilities
        settings = project.settings
        settings.parameters["community_grouping"] = {
            "method": by,
            "file": source,
            "time": when,
            "areas": int(len(areas)),
            "grouped_areas": int(len(membership)),
            "communities": int(membership["community_id"].nunique()),
            "unmatched": grouping.unmatched[:50],
        }
        project.write_layers(layers, with_settings=True)
    return grouping


def _moved_facilities(project: Project, membership: pd.DataFrame) -> gpd.GeoDataFrame | None:
    """Facilities naming a grouped area by id, moved to its community (None: none moved)."""
    facilities = project.optional_layer("facilities")
    if facilities is None or "community_id" not in facilities.columns or membership.empty:
        return None
    moves = dict(zip(membership["area_id"].astype(str), membership["community_id"], strict=True))
    ids = facilities["community_id"].astype(object)
    hit = ids.map(lambda v: isinstance(v, str) and v in moves).to_numpy(bool)
    if not hit.any():
        return None
    facilities = facilities.copy()
    facilities.loc[hit, "community_id"] = ids[hit].map(moves).to_numpy()
    return facilities


def ungroup_project_communities(project: Project) -> int:
    """Put the residential areas back as the project's communities; the number of areas."""
    with project.locked():
        if not project.has_layer(RESIDENTIAL_LAYER):
            raise ProjectError("项目没有归并记录 / the project has no grouping to undo")
        areas = project.store.read_layer(RESIDENTIAL_LAYER)
        communities = project.store.read_layer("communities")
        office = communities[~_source(communities).isin(OSM_SOURCES).to_numpy()]
        new = gpd.GeoDataFrame(
            pd.concat([office, areas], ignore_index=True),
            geometry=communities.geometry.name,
            crs=communities.crs,
        )
        project.settings.parameters.pop("community_grouping", None)
        project.write_layers({"communities": new}, with_settings=True)
        project.store.delete_layers([RESIDENTIAL_LAYER, GROUPING_TABLE])
    return len(areas)


def grouping_table(project: Project) -> pd.DataFrame | None:
    """The recorded grouping (:data:`GROUPING_TABLE`), None when there is none."""
    return project.optional_layer(GROUPING_TABLE)
