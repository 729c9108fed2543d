"""The synthetic walking network of the demo (:mod:`layers.demo`), stored like osmnx.

A jittered 120 m street grid over the core of 道里/南岗/道外/香坊, extended by a coarser grid
over every other place the demo has communities, facilities or candidate sites (松北, 平房,
呼兰, 阿城 and the villages of 五常市), stitched to the core grid where the two meet and joined
to it by straight trunk roads where they do not. Every demo community then lies on the network,
so the demo's analyses measure walking distances instead of the straight-line estimate.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from layers.demo_base import NETWORK_BOX, NETWORK_DISTRICTS, NETWORK_SPACING_M, to_metric

OUTER_SPACING_M = 200.0
"""Grid spacing (m) of the network outside the core box."""
REACH_BUFFER_M = 250.0
"""Places are covered by grid nodes within this distance of them."""
TRUNK_STEP_M = 200.0
"""Largest spacing (m) of the nodes along a trunk road joining two parts of the network."""


def _jittered_grid(rng: np.random.Generator, bounds, spacing: float):
    """Grid points (rows = y, cols = x) over ``bounds`` with a little random jitter."""
    minx, miny, maxx, maxy = bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, spacing), np.arange(miny, maxy, spacing))
    gx = gx + rng.normal(0, spacing * 0.12, gx.shape)
    gy = gy + rng.normal(0, spacing * 0.12, gy.shape)
    return gx, gy


def _grid_pairs(rng: np.random.Generator, inside: np.ndarray) -> np.ndarray:
    """Neighbour pairs (local node numbers) of the grid points ``inside``, a few dropped."""
    index = -np.ones(inside.shape, dtype=np.int64)
    index[inside] = np.arange(int(inside.sum()))
    pairs = []
    for a, b in (
        (index[:, :-1], index[:, 1:]),  # east-west
        (index[:-1, :], index[1:, :]),  # north-south
    ):
        ok = (a >= 0) & (b >= 0)
        pairs.append(np.column_stack([a[ok], b[ok]]))
    pairs = np.concatenate(pairs)
    return pairs[rng.random(len(pairs)) >= 0.07]  # some blocks are longer


def _core_grid(rng: np.random.Generator, dm: gpd.GeoDataFrame):
    """The 120 m grid of the core box: points (n, 2) and its largest connected part's pairs."""
    x0, y0 = to_metric(NETWORK_BOX[0], NETWORK_BOX[1])
    x1, y1 = to_metric(NETWORK_BOX[2], NETWORK_BOX[3])
    bounds = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    gx, gy = _jittered_grid(rng, bounds, NETWORK_SPACING_M)
    area = shapely.union_all(dm.loc[list(NETWORK_DISTRICTS)].geometry.values)
    shapely.prepare(area)
    inside = shapely.contains_xy(area, gx, gy)
    pairs = _grid_pairs(rng, inside)
    xy = np.column_stack([gx[inside], gy[inside]])
    return _largest_part(xy, pairs), shapely.box(*bounds).intersection(area)


def _largest_part(xy: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points and pairs of the largest connected part, renumbered."""
    n = len(xy)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    keep = labels == np.argmax(np.bincount(labels))
    new_id = -np.ones(n, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    pairs = pairs[keep[pairs[:, 0]] & keep[pairs[:, 1]]]
    return xy[keep], new_id[pairs]


def _outer_grid(rng: np.random.Generator, places, core_area) -> tuple[np.ndarray, np.ndarray]:
    """A coarser grid over the places outside the core area: points and pairs."""
    reach = shapely.difference(shapely.union_all(shapely.buffer(places, REACH_BUFFER_M)), core_area)
    gx, gy = _jittered_grid(rng, reach.bounds, OUTER_SPACING_M)
    shapely.prepare(reach)
    inside = shapely.contains_xy(reach, gx, gy)
    return np.column_stack([gx[inside], gy[inside]]), _grid_pairs(rng, inside)


def _stitch(xy: np.ndarray, n_core: int) -> np.ndarray:
    """Pairs joining each outer node to the nearest core node less than a block away."""
    tree = cKDTree(xy[:n_core])
    dist, nearest = tree.query(xy[n_core:], distance_upper_bound=1.5 * OUTER_SPACING_M)
    near = np.isfinite(dist)
    return np.column_stack([np.flatnonzero(near) + n_core, nearest[near]])


def _trunks(xy: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Join every part of the network to the largest one by straight trunk roads.

    Parts are joined in order of their distance to the network built so far (nearest pair of
    nodes); a trunk has a node at least every :data:`TRUNK_STEP_M` metres.
    """
    n = len(xy)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    k, labels = connected_components(graph, directed=False)
    joined = labels == labels[0]  # the core grid comes first
    points, links = [xy], [pairs]
    total = n
    for _ in range(k - 1):
        tree = cKDTree(xy[joined])
        free = np.flatnonzero(~joined)
        dist, nearest = tree.query(xy[free])
        a = int(free[np.argmin(dist)])
        b = int(np.flatnonzero(joined)[nearest[np.argmin(dist)]])
        steps = max(1, int(np.ceil(dist.min() / TRUNK_STEP_M)))
        inner = xy[a] + (xy[b] - xy[a]) * (np.arange(1, steps) / steps)[:, None]
        chain = [a, *range(total, total + len(inner)), b]
        points.append(inner)
        links.append(np.column_stack([chain[:-1], chain[1:]]))
        total += len(inner)
        joined |= labels == labels[a]
    return np.concatenate(points), np.concatenate(links)


def walking_network(
    rng: np.random.Generator, dm: gpd.GeoDataFrame, places=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo's walking network, stored like ``osmnx.graph_to_gdfs`` (nodes, edges).

    Parameters
    ----------
    rng : numpy.random.Generator
        The demo's random generator.
    dm : GeoDataFrame
        Districts in the metric CRS, indexed by ``district_code``.
    places : array of shapely geometries, optional
        Metric geometries the network must reach (communities, facilities, sites); without
        them only the core grid is built.
    """
    (xy, pairs), core_area = _core_grid(rng, dm)
    if places is not None and len(places):
        outer_xy, outer_pairs = _outer_grid(rng, np.asarray(places), core_area)
        n_core = len(xy)
        xy = np.concatenate([xy, outer_xy])
        pairs = np.concatenate([pairs, outer_pairs + n_core])
        pairs = np.concatenate([pairs, _stitch(xy, n_core)])
        xy, pairs = _trunks(xy, pairs)
    return _osmnx_layers(xy, pairs)


def _osmnx_layers(xy: np.ndarray, pairs: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge tables (both directions of every street) from points and pairs."""
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    osmid = np.arange(1, len(xy) + 1, dtype=np.int64) + 100_000_000
    nodes = pd.DataFrame({"osmid": osmid, "geometry": shapely.points(xy)})
    both = np.concatenate([pairs, pairs[:, ::-1]])
    coords = np.stack([xy[both[:, 0]], xy[both[:, 1]]], axis=1)
    lines = shapely.linestrings(coords)
    edges = pd.DataFrame(
        {
            "u": osmid[both[:, 0]],
            "v": osmid[both[:, 1]],
            "key": np.zeros(len(both), dtype=np.int64),
            "length": np.round(shapely.length(lines), 3),
            "highway": "residential",
            "geometry": lines,
        }
    )
    return nodes, edges
