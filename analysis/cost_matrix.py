"""Cost matrices of a location model: walking distances from demand points to candidate sites.

The geometry half of a siting model (what spopt's ``from_geodataframe`` does before solving):
every demand feature and candidate site is reduced to a point, the walking distance of every
pair within the cutoff is measured on the network (straight line x detour off it, see
:func:`analysis.distances.point_distances`), and the distances become a sparse matrix with one
row per demand feature and one column per site. A pair beyond the cutoff has no entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.distances import point_distances

METHOD_CODES: tuple[str, ...] = ("network", "euclidean_detour")
"""How a distance was measured; stored in :attr:`CostMatrix.methods` as 1-based codes."""


@dataclass(frozen=True)
class CostMatrix:
    """Walking distances (m) of the reachable demand-site pairs.

    Attributes
    ----------
    cost : scipy.sparse.csr_matrix
        ``cost[i, j]`` is the distance of demand row ``i`` to site column ``j``; pairs beyond
        the cutoff have no entry (an exact zero is stored as 1e-9 m, so it stays reachable).
    methods : scipy.sparse.csr_matrix
        The 1-based index into :data:`METHOD_CODES` of every stored pair (int8).
    rows, cols : pandas.Index
        Index labels of the demand features and of the sites.
    """

    cost: sp.csr_matrix
    methods: sp.csr_matrix
    rows: pd.Index
    cols: pd.Index

    @property
    def reachable(self) -> np.ndarray:
        """Whether each demand row has at least one site within the cutoff."""
        return np.diff(self.cost.indptr) > 0

    def distances(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Distances of the pairs ``(rows[k], cols[k])`` (float; empty for no pairs)."""
        if not len(rows):
            return np.zeros(0)
        return np.asarray(self.cost.tocsr()[rows, cols]).ravel().astype(float)

    def method_names(self, rows: np.ndarray, cols: np.ndarray) -> list[str | None]:
        """Method (``network`` / ``euclidean_detour``) of the pairs ``(rows[k], cols[k])``."""
        if not len(rows):
            return []
        codes = np.asarray(self.methods[rows, cols]).ravel()
        return [METHOD_CODES[k - 1] if k else None for k in codes]


def cost_matrix(
    G: nx.MultiDiGraph | None,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    cutoff: float | None,
) -> CostMatrix:
    """The :class:`CostMatrix` of ``demand`` (rows) to ``sites`` (columns) within ``cutoff`` m.

    ``G`` is the walking network; without one every distance is straight line x detour.
    ``cutoff=None`` measures every pair (p-median: every walk counts).
    """
    pairs = point_distances(G, demand, sites, cutoff)
    return pairs_matrix(pairs, demand.index, sites.index)


def pairs_matrix(pairs: pd.DataFrame, rows: pd.Index, cols: pd.Index) -> CostMatrix:
    """A :class:`CostMatrix` of a pair table ``origin, destination, distance_m, method``."""
    r = rows.get_indexer(pairs["origin"])
    c = cols.get_indexer(pairs["destination"])
    # a stored 0 would be a reachable zero cost: keep exact zeros as a tiny positive distance
    d = np.maximum(pairs["distance_m"].to_numpy(dtype=float), 1e-9)
    cost = sp.csr_matrix((d, (r, c)), shape=(len(rows), len(cols)))
    codes = pairs["method"].map({m: k + 1 for k, m in enumerate(METHOD_CODES)}).fillna(0)
    methods = sp.csr_matrix((codes.to_numpy(dtype=np.int8), (r, c)), shape=(len(rows), len(cols)))
    return CostMatrix(cost=cost, methods=methods, rows=rows, cols=cols)


def overall_method(methods: pd.Series) -> str:
    """``network``, ``euclidean_detour`` or ``mixed`` over the given pairs (``none``: no pair)."""
    kinds = set(methods.dropna())
    return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "none")
