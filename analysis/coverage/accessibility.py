"""Accessibility by the two-step floating catchment area (2SFCA) method."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from analysis.coverage.options import (
    DEFAULT_OPTIONS,
    CoverageOptions,
    _facility_labels,
    _method,
    facilities_of_kind,
)
from analysis.distances import point_distances
from layers.errors import InputValueError


def _decay(d: np.ndarray, d0: float, decay: str) -> np.ndarray:
    if decay == "step":
        return np.where(d <= d0, 1.0, 0.0)
    if decay == "gaussian":
        e = math.exp(-0.5)
        w = (np.exp(-0.5 * (d / d0) ** 2) - e) / (1 - e)
        return np.where(d <= d0, w, 0.0)
    raise InputValueError("衰减函数只能是 step 或 gaussian / decay must be 'step' or 'gaussian'")


def two_step_fca(
    G: nx.MultiDiGraph | None,
    communities: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    distance_m: float,
    *,
    kind: str | None = None,
    decay: str = "step",
    options: CoverageOptions = DEFAULT_OPTIONS,
    return_ratios: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Two-step floating catchment area accessibility.

    Step 1, per facility j: ``R_j = S_j / sum_i D_i W(d_ij)`` over communities within
    ``distance_m``. Step 2, per community i: ``A_i = sum_j R_j W(d_ij)``. ``W`` is 1 inside the
    catchment ("step") or the Gaussian ``(exp(-d^2/2d0^2) - exp(-1/2)) / (1 - exp(-1/2))``
    ("gaussian", Dai 2010). Facilities with no demand in reach get ``R_j = 0``. ``S_j`` is the
    facility field ``options.supply``, ``D_i`` the community field ``options.demand``.

    Returns
    -------
    DataFrame
        Per community: ``community_id, households, accessibility`` (m2 of usable area per
        household), ``accessibility_per_100`` (m2 per 100 households, compare Art. 12's 20),
        ``facilities_in_reach, method``. With ``return_ratios`` also the facility table
        ``facility_id, supply, demand_in_reach, ratio``.
    """
    supply, demand = options.supply, options.demand
    id_field, facility_id_field = options.id_field, options.facility_id_field
    chosen = facilities_of_kind(facilities, kind)
    for frame, col, layer in (
        (chosen, supply, "facilities"),
        (communities, demand, "communities"),
    ):
        if col not in frame.columns:
            raise InputValueError(f"{layer} 图层缺少 {col} 字段 / the {layer} layer lacks {col!r}")
    pairs = point_distances(G, communities, chosen, distance_m, detour=options.detour)
    pairs = pairs[pairs["distance_m"] <= distance_m].copy()
    pairs["w"] = _decay(pairs["distance_m"].to_numpy(), distance_m, decay)
    dem = communities[demand].fillna(0).astype(float)
    sup = chosen[supply].fillna(0).astype(float)
    pairs["D"] = dem.reindex(pairs["origin"]).to_numpy()
    pairs["wD"] = pairs["w"] * pairs["D"]
    demand_j = pairs.groupby("destination")["wD"].sum().reindex(chosen.index, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(demand_j > 0, sup / demand_j, 0.0)
    ratio = pd.Series(ratio, index=chosen.index)
    pairs["wR"] = pairs["w"] * ratio.reindex(pairs["destination"]).to_numpy()
    acc = pairs.groupby("origin")["wR"].sum().reindex(communities.index, fill_value=0.0)
    n_in = pairs[pairs["w"] > 0].groupby("origin").size().reindex(communities.index, fill_value=0)
    ids = (
        communities[id_field].to_numpy()
        if id_field in communities.columns
        else communities.index.astype(str)
    )
    out = pd.DataFrame(
        {
            "community_id": ids,
            demand: dem.to_numpy(),
            "accessibility": acc.to_numpy(),
            "accessibility_per_100": acc.to_numpy() * 100.0,
            "facilities_in_reach": n_in.to_numpy(),
            "method": _method(G),
        },
        index=communities.index,
    )
    if not return_ratios:
        return out
    fac = pd.DataFrame(
        {
            "facility_id": _facility_labels(chosen, facility_id_field).to_numpy(),
            "supply": sup.to_numpy(),
            "demand_in_reach": demand_j.to_numpy(),
            "ratio": ratio.to_numpy(),
            "method": _method(G),
        },
        index=chosen.index,
    )
    return out, fac
