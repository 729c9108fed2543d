"""What a site-selection model works on: demand communities and candidate sites of a project.

The hub model serves the communities of the Art. 13 rule (old urban areas short of area); the
covering models every community with households. Candidate sites are idle boiler rooms and the
``candidate_sites`` layer. Both may be restricted to one district.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.compliance import ComplianceResult
from analysis.distances import representative_points
from analysis.hubs import HubRule, hub_demand_mask
from analysis.selection import district_codes
from geo_app.project import Project, ProjectError
from layers.crs import WGS84

MODELS: tuple[str, ...] = ("set-cover", "max-cover", "p-median", "hub")
DEFAULT_DISTANCE_M = 500.0
"""Walking distance of the covering models when none is given (10-minute life circle)."""
CANDIDATE_LAYERS: tuple[str, ...] = ("boiler_rooms", "candidate_sites")

DistrictFilter = Callable[[gpd.GeoDataFrame], np.ndarray]
"""A function telling which features of a frame lie inside the chosen district."""


def _check_candidate_layers(layers: Sequence[str]) -> None:
    unknown = [name for name in layers if name not in CANDIDATE_LAYERS]
    if unknown:
        raise ProjectError(
            f"候选图层只能是 {', '.join(CANDIDATE_LAYERS)},不能是 {', '.join(unknown)} / "
            f"candidate layers must be among {', '.join(CANDIDATE_LAYERS)}, not {', '.join(unknown)}"
        )


def _candidate_frame(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """The sites of one candidate layer in the common columns."""
    if name == "boiler_rooms" and "idle" in frame.columns:
        frame = frame[frame["idle"].fillna(False).astype(bool)]
    return gpd.GeoDataFrame(
        {
            "site_id": frame["site_id"].astype(str),
            "name": frame.get("name", pd.Series(index=frame.index, dtype=object)),
            "source_layer": name,
            "usable_area_m2": pd.to_numeric(frame["usable_area_m2"], errors="coerce"),
            "owner_unit": frame.get("owner_unit", pd.Series(index=frame.index, dtype=object)),
            "offer": frame.get(
                "offer",
                pd.Series("free" if name == "boiler_rooms" else None, index=frame.index),
            ),
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )


def candidate_sites(
    project: Project,
    layers: Sequence[str] = ("boiler_rooms",),
    *,
    district_filter: DistrictFilter | None = None,
) -> gpd.GeoDataFrame:
    """Candidate hub sites from the given layers, in one frame.

    Boiler rooms count only when ``idle`` (Art. 13: idle boiler rooms are given free). Columns:
    ``site_id, name, source_layer, usable_area_m2, owner_unit, offer, geometry``; a site whose
    usable area is unknown gets NaN (it can serve the covering models, never a hub).
    """
    _check_candidate_layers(layers)
    frames = [
        _candidate_frame(project.layer(name), name) for name in layers if project.has_layer(name)
    ]
    if not frames:
        raise ProjectError(
            f"项目中没有候选用房图层({', '.join(layers)})/ "
            f"the project has none of the candidate layers {', '.join(layers)}"
        )
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    if district_filter is not None:
        sites = sites[district_filter(sites)].reset_index(drop=True)
    if sites.empty:
        raise ProjectError("所选范围内没有候选用房 / no candidate sites in the chosen area")
    return sites


def district_filter(project: Project, district: str | None) -> DistrictFilter | None:
    """A function keeping features inside the district (by geometry), or None for all."""
    if not district:
        return None
    districts = project.required_layer("districts")
    codes = district_codes(district, districts)
    chosen = districts[districts["district_code"].astype(str).isin(codes)]
    if chosen.empty:
        raise ProjectError(f"找不到区县 {district} / no district {district}")
    area = chosen.to_crs(WGS84).geometry.union_all()

    def inside(frame: gpd.GeoDataFrame) -> np.ndarray:
        points = representative_points(frame.to_crs(WGS84))
        return shapely.within(points.values, area) | shapely.touches(points.values, area)

    return inside


def district_communities(project: Project, district: str | None) -> gpd.GeoDataFrame:
    """The project's communities, those of ``district`` (name or code) when given."""
    communities = project.required_layer("communities")
    if not district:
        return communities
    codes = district_codes(district, project.optional_layer("districts"))
    communities = communities[communities["district_code"].astype(str).isin(codes)]
    if communities.empty:
        raise ProjectError(f"区县 {district} 没有社区 / district {district} has no communities")
    return communities


def covering_demand(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Demand of the covering models: every community with households (no shortfall)."""
    demand = communities.copy()
    demand["shortfall_m2"] = np.nan
    return demand[demand["households"].fillna(0) > 0]


def hub_demand(
    communities: gpd.GeoDataFrame, compliance: ComplianceResult, rule: HubRule
) -> gpd.GeoDataFrame:
    """Demand of the Art. 13 hub model: old urban communities short of area, with shortfall.

    ``compliance`` gives each community's kind, era and area shortfall
    (:func:`analysis.hubs.hub_demand_mask`); villages are never served by a hub.
    """
    table = compliance.communities
    table = table.set_index(table["community_id"].astype(str))
    demand = communities.copy()
    ids = demand["community_id"].astype(str)
    checked = table.reindex(ids)[["kind", "era", "shortfall_m2"]].reset_index(drop=True)
    demand["shortfall_m2"] = checked["shortfall_m2"].to_numpy()
    return demand[hub_demand_mask(checked, rule)]


def street_of(points: gpd.GeoDataFrame, streets: gpd.GeoDataFrame | None) -> np.ndarray:
    """The ``street_code`` of the street each feature lies in (None outside every street)."""
    if streets is None or streets.empty:
        return np.full(len(points), None, dtype=object)
    pts = gpd.GeoDataFrame(geometry=representative_points(points.to_crs(WGS84)).values, crs=WGS84)
    joined = gpd.sjoin(pts, streets[["street_code", "geometry"]].to_crs(WGS84), how="left")
    joined = joined[~joined.index.duplicated()]
    return joined["street_code"].reindex(range(len(points))).to_numpy(dtype=object)
