"""Frames between CRSs: the metric CRS to work in, and the way back to the caller's CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import metric_crs as _metric_crs_of


def resolve_metric_crs(*frames: gpd.GeoDataFrame | None, crs=None):
    """The metric CRS to work in.

    ``crs`` wins; else the CRS of the first projected frame; else
    :func:`layers.crs.metric_crs` of the centroid of the first geographic frame; ``None`` if
    no frame has a CRS (coordinates are then taken as metres).
    """
    if crs is not None:
        return crs
    frames = [
        f
        for f in frames
        if isinstance(f, gpd.GeoDataFrame | gpd.GeoSeries) and len(f) and f.crs is not None
    ]
    for f in frames:
        if f.crs.is_projected:
            return f.crs
    for f in frames:
        x0, y0, x1, y1 = f.to_crs("EPSG:4326").total_bounds
        if np.all(np.isfinite([x0, y0, x1, y1])):
            return _metric_crs_of((x0 + x1) / 2, (y0 + y1) / 2)
    return None


def to_metric(gdf: gpd.GeoDataFrame | None, crs) -> gpd.GeoDataFrame | None:
    """A copy of ``gdf`` in ``crs`` (as is when either CRS is unknown); ``None`` stays."""
    if gdf is None:
        return None
    if crs is None or gdf.crs is None:
        return gdf.copy()
    return gdf.to_crs(crs)


def back_to(gdf: gpd.GeoDataFrame, crs_out) -> gpd.GeoDataFrame:
    """``gdf`` in the caller's CRS ``crs_out`` (as is when either CRS is unknown)."""
    if crs_out is None or gdf.crs is None:
        return gdf
    return gdf.to_crs(crs_out)


def empty_frame(columns: list[str], crs) -> gpd.GeoDataFrame:
    """An empty GeoDataFrame with ``columns`` (object dtype) and a geometry column."""
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs=crs)
