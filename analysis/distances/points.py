"""Walking distances between two sets of features: access legs plus the network in between."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from analysis.distances.euclidean import DEFAULT_DETOUR, METHOD_NETWORK, euclidean_distances
from analysis.distances.nodes import Progress, node_distances
from analysis.distances.snapping import graph_metric_crs, snap_points

DEFAULT_MAX_SNAP_M = 500.0
"""Points farther than this from every walkable edge are off the network (see point_distances)."""


@dataclass(frozen=True)
class NetworkOptions:
    """How :func:`point_distances` searches the network.

    Attributes
    ----------
    weight : str
        Edge attribute used as length (metres).
    crs : str, optional
        Metric CRS of the snapping and of the fallback; chosen from the graph when None.
    engine : {"auto", "numba", "scipy"}
        Engine of :func:`~analysis.distances.nodes.node_distances`.
    """

    weight: str = "length"
    crs: str | None = None
    engine: str = "auto"


DEFAULT_NETWORK = NetworkOptions()


def _access_table(snap: pd.DataFrame, label: str) -> pd.DataFrame:
    """Long table (label, node, leg) with the two ends of each snapped edge."""
    labels = snap.index.to_numpy()
    return pd.DataFrame(
        {
            label: np.concatenate([labels, labels]),
            "node": np.concatenate([snap["u"].to_numpy(), snap["v"].to_numpy()]),
            "leg": np.concatenate([snap["to_u_m"].to_numpy(), snap["to_v_m"].to_numpy()]),
        }
    )


def point_distances(
    G: nx.MultiDiGraph | None,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    cutoff: float | None,
    *,
    detour: float = DEFAULT_DETOUR,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    network: NetworkOptions = DEFAULT_NETWORK,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Walking distances between two sets of features within ``cutoff`` metres.

    Each feature is reduced to a point (``representative_points``) and snapped to its nearest
    edge; the distance is access leg + network distance + access leg, or, for two points on the
    same edge, the walk along that edge when it is shorter (a point off the network walks to
    it and back, so a point is ``2 x access leg`` from itself). When ``G`` is None the
    straight-line fallback ``euclidean_distances`` is used for every pair; when a point is
    farther than ``max_snap_m`` from every edge (outside the mapped network), the fallback is
    used for the pairs involving it. Each row says which in ``method``. ``network`` sets the
    edge attribute used as length, the metric CRS and the engine (:class:`NetworkOptions`).

    Returns
    -------
    pandas.DataFrame
        ``origin, destination, distance_m, method`` (index labels of the inputs); ``method`` is
        ``"network"`` or ``"euclidean_detour"``.
    """
    crs, weight = network.crs, network.weight
    if G is None:
        return euclidean_distances(origins, destinations, cutoff, detour=detour, crs=crs)
    columns = ["origin", "destination", "distance_m", "method"]
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame(columns=columns).astype({"distance_m": float})
    crs = crs or graph_metric_crs(G)
    so = snap_points(G, origins, crs=crs, weight=weight)
    sd = snap_points(G, destinations, crs=crs, weight=weight)
    parts = []
    if max_snap_m is not None:
        off_o = (so["access_m"] > max_snap_m).reindex(origins.index).to_numpy()
        off_d = (sd["access_m"] > max_snap_m).reindex(destinations.index).to_numpy()
        if off_o.any():
            parts.append(euclidean_distances(origins[off_o], destinations, cutoff, detour, crs=crs))
        if off_d.any() and (~off_o).any():
            parts.append(
                euclidean_distances(origins[~off_o], destinations[off_d], cutoff, detour, crs=crs)
            )
        so = so[so["access_m"] <= max_snap_m]
        sd = sd[sd["access_m"] <= max_snap_m]
    if len(so) and len(sd):
        net = _network_pairs(G, so, sd, cutoff, network, progress)
        net["method"] = METHOD_NETWORK
        parts.append(net)
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns).astype({"distance_m": float})
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return out.sort_values(["origin", "destination"], ignore_index=True)[columns]


def _network_pairs(G, so, sd, cutoff, network, progress) -> pd.DataFrame:
    """Network distances between snapped origins ``so`` and destinations ``sd``."""
    ao = _access_table(so, "origin")
    ad = _access_table(sd, "destination")
    # a node pair can only matter when it leaves room for the shortest access legs
    limit = None if cutoff is None else cutoff - ao["leg"].min() - ad["leg"].min()
    pairs = pd.DataFrame(columns=["origin", "destination", "distance_m"])
    if limit is None or limit >= 0:
        nd = node_distances(
            G,
            ao["node"].unique(),
            targets=ad["node"].unique(),
            cutoff=limit,
            weight=network.weight,
            engine=network.engine,
            progress=progress,
        )
        pairs = ao.merge(nd, left_on="node", right_on="source").drop(columns=["node", "source"])
        pairs["leg"] += pairs.pop("distance_m")
        pairs = pairs.merge(ad, left_on="target", right_on="node", suffixes=("", "_d"))
        pairs["distance_m"] = pairs["leg"] + pairs["leg_d"]
        pairs = pairs[["origin", "destination", "distance_m"]]
    # same edge: walk directly along it
    same = pd.DataFrame(
        {
            "origin": so.index,
            "edge": so["edge"].to_numpy(),
            "a": so["along_m"].to_numpy(),
            "pa": so["access_m"].to_numpy(),
        }
    ).merge(
        pd.DataFrame(
            {
                "destination": sd.index,
                "edge": sd["edge"].to_numpy(),
                "b": sd["along_m"].to_numpy(),
                "pb": sd["access_m"].to_numpy(),
            }
        ),
        on="edge",
    )
    if len(same):
        same["distance_m"] = same["pa"] + (same["a"] - same["b"]).abs() + same["pb"]
        same = same[["origin", "destination", "distance_m"]]
        pairs = pd.concat([pairs, same]) if len(pairs) else same
    if cutoff is not None:
        pairs = pairs[pairs["distance_m"] <= cutoff]
    return pairs.groupby(["origin", "destination"], sort=False, as_index=False)["distance_m"].min()
