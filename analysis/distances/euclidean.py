"""The straight-line fallback (distance x detour factor) and the point that stands for a feature."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.crs import metric_crs as _metric_crs_for
from layers.errors import InputValueError

METHOD_NETWORK = "network"
METHOD_EUCLIDEAN = "euclidean_detour"
DEFAULT_DETOUR = 1.3
"""Straight-line to walking-distance factor of the fallback (a common urban detour index)."""


def representative_points(gdf: gpd.GeoDataFrame, crs: str | None = None) -> gpd.GeoSeries:
    """One point per feature, in ``crs`` (metric): points stay; lines and polygons use their
    centroid when it lies inside the feature, else ``representative_point()`` (a point surely
    inside, for L- or U-shaped communities)."""
    geoms = gdf.geometry if crs is None else gdf.geometry.to_crs(crs)
    values = geoms.values
    is_point = shapely.get_type_id(values) == 0
    centroid = shapely.centroid(values)
    inside = shapely.within(centroid, values) | is_point
    rep = shapely.point_on_surface(values)
    out = np.where(is_point, values, np.where(inside, centroid, rep))
    return gpd.GeoSeries(out, index=gdf.index, crs=geoms.crs)


def euclidean_distances(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    cutoff: float | None,
    detour: float = DEFAULT_DETOUR,
    *,
    crs: str | None = None,
) -> pd.DataFrame:
    """Straight-line distance x ``detour`` between features, as the explicit no-network fallback.

    Returns ``origin, destination, distance_m, method`` with ``method == "euclidean_detour"``.
    """
    columns = ["origin", "destination", "distance_m", "method"]
    if detour < 1:
        raise InputValueError("绕行系数不能小于 1 / the detour factor must be >= 1")
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame(columns=columns).astype({"distance_m": float})
    if crs is None:
        centre = origins.to_crs("EPSG:4326").geometry.union_all().centroid
        crs = _metric_crs_for(centre.x, centre.y)
    po = representative_points(origins, crs).values
    pd_ = representative_points(destinations, crs).values
    if cutoff is None:
        i, j = np.meshgrid(np.arange(len(po)), np.arange(len(pd_)), indexing="ij")
        i, j = i.ravel(), j.ravel()
    else:
        tree = shapely.STRtree(pd_)
        i, j = tree.query(po, predicate="dwithin", distance=cutoff / detour)
    dist = shapely.distance(po[i], pd_[j]) * detour
    out = pd.DataFrame(
        {"origin": origins.index[i], "destination": destinations.index[j], "distance_m": dist}
    )
    if cutoff is not None:
        out = out[out["distance_m"] <= cutoff]
    out = out.sort_values(["origin", "destination"], ignore_index=True)
    out["method"] = METHOD_EUCLIDEAN
    return out[columns]
