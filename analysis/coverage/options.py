"""Settings shared by the coverage analyses: the options object (life circles and walking speed
are :mod:`~analysis.life_circles`', re-exported here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import pandas as pd

from analysis.distances import (
    DEFAULT_DETOUR,
    DEFAULT_MAX_SNAP_M,
    METHOD_EUCLIDEAN,
    METHOD_NETWORK,
    graph_metric_crs,
)
from analysis.life_circles import (
    DEFAULT_WALK_SPEED_KMH,
    LIFE_CIRCLE_M,
    minutes_to_metres,
)
from layers.crs import WGS84
from layers.crs import metric_crs as _metric_crs_for
from layers.errors import InputValueError

DEFAULT_BUFFER_M = 30.0
"""Half-width of the band drawn around reached network pieces in an isochrone polygon."""


@dataclass(frozen=True)
class CoverageOptions:
    """How walks are measured and which fields name and weigh the rows.

    Attributes
    ----------
    detour : float
        Straight-line x ``detour`` stands for a walk where there is no network (flagged in
        ``method``).
    max_snap_m : float, optional
        Communities or facilities farther than this from every walkable edge (outside the
        mapped network) use the straight-line fallback; None: always the network.
    id_field, facility_id_field : str
        Fields naming communities and facilities in the tables.
    supply, demand : str
        Fields of the facilities' supply and the communities' demand (two-step FCA).
    """

    detour: float = DEFAULT_DETOUR
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M
    id_field: str = "community_id"
    facility_id_field: str = "facility_id"
    supply: str = "usable_area_m2"
    demand: str = "households"


DEFAULT_OPTIONS = CoverageOptions()


def facilities_of_kind(facilities: gpd.GeoDataFrame, kind: str | None) -> gpd.GeoDataFrame:
    """Facilities of ``kind`` (all when None); a planner-readable error for an unknown column."""
    if kind is None:
        return facilities
    if "kind" not in facilities.columns:
        raise InputValueError("设施图层缺少 kind 字段 / the facilities layer has no 'kind' field")
    return facilities[facilities["kind"] == kind]


def _metric_crs(G: nx.MultiDiGraph | None, frames: Sequence[gpd.GeoDataFrame]) -> str:
    if G is not None:
        return graph_metric_crs(G)
    for frame in frames:
        if len(frame):
            centre = frame.to_crs(WGS84).geometry.union_all().centroid
            return _metric_crs_for(centre.x, centre.y)
    return "EPSG:4551"


def _method(G: nx.MultiDiGraph | None) -> str:
    return METHOD_NETWORK if G is not None else METHOD_EUCLIDEAN


def _facility_labels(frame: gpd.GeoDataFrame, id_field: str) -> pd.Series:
    if id_field in frame.columns:
        return pd.Series(frame[id_field].to_numpy(), index=frame.index)
    return pd.Series(frame.index.astype(str), index=frame.index)


__all__ = [
    "DEFAULT_BUFFER_M",
    "DEFAULT_OPTIONS",
    "DEFAULT_WALK_SPEED_KMH",
    "LIFE_CIRCLE_M",
    "CoverageOptions",
    "facilities_of_kind",
    "minutes_to_metres",
]
