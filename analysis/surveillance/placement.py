"""New cameras: the fewest covering every blind spot, or the best coverage for a given number.

The blind spots are cut into pieces; every candidate position and bearing of the standard
camera (:mod:`.candidates`) gives a view; a view covers the pieces lying entirely in it. The
pieces x views incidence matrix is then solved by :func:`analysis.siting.set_cover` or
:func:`analysis.siting.max_cover` (exact through HiGHS, after merging identical rows and
dropping dominated columns).
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import time
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from analysis.siting import SitingResult, max_cover, set_cover

from ._frames import back_to, empty_frame, resolve_metric_crs, to_metric
from .candidates import CameraSpec, candidate_views
from .views import Obstacles, as_obstacles

_CAMERA_COLUMNS = [
    "camera_id",
    "kind",
    "bearing_deg",
    "fov_deg",
    "range_m",
    "status",
    "source",
    "community_id",
    "new_length_m",
    "new_area_m2",
]


@dataclass(frozen=True)
class PlacementOptions:
    """How :func:`suggest_cameras` places new cameras.

    Attributes
    ----------
    spec : CameraSpec
        The standard new camera.
    max_cameras : int, optional
        ``None``: fewest cameras covering every coverable piece (set cover); a number: the most
        length + area covered with at most that many cameras (max cover).
    piece_m : float
        Length of line pieces and side of polygon grid cells (metres).
    time_limit : float
        Seconds for the solver.
    tol_m : float
        A view covers a piece lying in it within this distance (metres).
    step_deg : float
        Angular step of the rays of the candidate views.
    order_weights : (float, float)
        What a metre of line and a square metre of area count for when the chosen cameras are
        put in install order (greedy by marginal gain). ``(1, 1)`` counts metres and square
        metres alike, as the solver does; ``(1 / public length, 1 / public area)`` orders by
        the share of the public places each camera adds (what
        :func:`~analysis.surveillance.analyse_surveillance` uses).
    """

    spec: CameraSpec = field(default_factory=CameraSpec)
    max_cameras: int | None = None
    piece_m: float = 5.0
    time_limit: float = 30.0
    tol_m: float = 0.01
    step_deg: float = 1.0
    order_weights: tuple[float, float] = (1.0, 1.0)

    @property
    def mode(self) -> str:
        """``set_cover`` or ``max_cover``."""
        return "set_cover" if self.max_cameras is None else "max_cover"


def placement_options(
    options: PlacementOptions | None = None, **overrides: Any
) -> PlacementOptions:
    """``options`` (default :class:`PlacementOptions`) with the fields named in ``overrides``
    replaced; ``spec=None`` keeps the default camera. An unknown name raises ``TypeError``."""
    if overrides.get("spec", 0) is None:
        overrides.pop("spec")
    return dataclasses.replace(options or PlacementOptions(), **overrides)


def discretise(targets: gpd.GeoDataFrame, piece_m: float = 5.0) -> gpd.GeoDataFrame:
    """Cut lines into pieces of at most ``piece_m`` and polygons into ``piece_m`` grid cells.

    ``targets`` must be in a metric CRS. Each piece keeps the attributes of its target row and
    gets ``measure`` (``length`` / ``area``) and ``size`` (metres or square metres).
    """
    geoms = targets.geometry.to_numpy()
    rows, pieces, sizes, kinds = [], [], [], []
    types = shapely.get_type_id(geoms)
    line_idx = np.flatnonzero(np.isin(types, (1, 5)))
    if len(line_idx):
        parts, owner = shapely.get_parts(geoms[line_idx], return_index=True)
        dense = shapely.segmentize(parts, piece_m)
        coords, ci = shapely.get_coordinates(dense, return_index=True)
        same = ci[1:] == ci[:-1]
        segs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
        seg_owner = line_idx[owner[ci[:-1][same]]]
        seg_geoms = shapely.linestrings(segs)
        length = shapely.length(seg_geoms)
        keep = length > 1e-6
        pieces.append(seg_geoms[keep])
        rows.append(seg_owner[keep])
        sizes.append(length[keep])
        kinds += ["length"] * int(keep.sum())
    for i in np.flatnonzero(np.isin(types, (3, 6))):
        g = geoms[i]
        x0, y0, x1, y1 = g.bounds
        xs = np.arange(x0, x1, piece_m)
        ys = np.arange(y0, y1, piece_m)
        gx, gy = np.meshgrid(xs, ys)
        cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + piece_m, gy.ravel() + piece_m)
        cells = cells[shapely.intersects(cells, g)]
        cells = shapely.intersection(cells, g)
        cells = shapely.get_parts(cells)
        cells = cells[shapely.get_type_id(cells) == 3]
        area = shapely.area(cells)
        keep = area > 1e-6
        pieces.append(cells[keep])
        rows.append(np.full(int(keep.sum()), i))
        sizes.append(area[keep])
        kinds += ["area"] * int(keep.sum())
    attrs = pd.DataFrame(targets.drop(columns=targets.geometry.name)).reset_index(drop=True)
    if not pieces:
        out = gpd.GeoDataFrame(attrs.iloc[:0], geometry=[], crs=targets.crs)
        out["measure"], out["size"] = [], []
        return out
    idx = np.concatenate(rows)
    out = gpd.GeoDataFrame(
        attrs.iloc[idx].reset_index(drop=True),
        geometry=gpd.GeoSeries(np.concatenate(pieces), crs=targets.crs),
        crs=targets.crs,
    )
    out["measure"] = kinds
    out["size"] = np.concatenate(sizes)
    return out


@dataclass
class PlacementResult:
    """New camera positions chosen by :func:`suggest_cameras`.

    Attributes
    ----------
    cameras : GeoDataFrame
        New cameras: ``camera_id, kind, bearing_deg, fov_deg, range_m, status, source,
        community_id, new_length_m, new_area_m2`` (points).
    views : GeoDataFrame
        Their view polygons.
    pieces : GeoDataFrame
        The pieces of blind spot that had to be covered, with ``covered`` and ``coverable``.
    uncoverable : GeoDataFrame
        Pieces no candidate camera can see (need another candidate position or spec).
    status : str
        ``optimal``, ``time_limit`` (best found, with ``bound`` and ``gap``), ``nothing_to_do``
        or ``infeasible``.
    objective : float
        Number of cameras (set cover) or covered length + area (max coverage).
    bound : float
        Best proven bound on the objective (lower for set cover, upper for max coverage).
    gap : float
        Relative gap between objective and bound (0 when optimal).
    """

    cameras: gpd.GeoDataFrame
    views: gpd.GeoDataFrame
    pieces: gpd.GeoDataFrame
    uncoverable: gpd.GeoDataFrame
    status: str
    objective: float
    bound: float
    gap: float
    mode: str
    seconds: float
    stats: dict = field(default_factory=dict)

    @property
    def n_cameras(self) -> int:
        """Number of new cameras."""
        return len(self.cameras)


def _cover_matrix(views: np.ndarray, pieces: np.ndarray, tol: float) -> sp.csr_matrix:
    """Sparse pieces x views incidence: view j covers piece i (within ``tol`` metres)."""
    tree = shapely.STRtree(pieces)
    grown = shapely.buffer(views, tol, quad_segs=2) if tol > 0 else views
    v_idx, p_idx = tree.query(grown, predicate="covers")
    data = np.ones(len(v_idx), dtype=np.int8)
    return sp.csr_matrix((data, (p_idx, v_idx)), shape=(len(pieces), len(views)))


def _order_by_gain(Acsc: sp.csc_matrix, columns: np.ndarray, weight: np.ndarray) -> list[int]:
    """``columns`` by decreasing marginal gain: each adds the most row weight not yet covered.

    Lazy evaluation (a heap of stale gains); a column adding nothing (possible in a
    time-limited solution) is dropped.
    """
    remaining = np.ones(Acsc.shape[0], dtype=bool)

    def rows(j):
        r = Acsc.indices[Acsc.indptr[j] : Acsc.indptr[j + 1]]
        return r[remaining[r]]

    heap = [(-float(weight[rows(j)].sum()), int(j)) for j in columns]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        _, j = heapq.heappop(heap)
        r = rows(j)
        gain = float(weight[r].sum())
        if gain <= 0:
            continue
        if heap and gain < -heap[0][0] - 1e-9:
            heapq.heappush(heap, (-gain, j))  # stale: re-queue with its current gain
            continue
        remaining[r] = False
        order.append(j)
    return order


@dataclass(frozen=True)
class _Solution:
    chosen: np.ndarray  # view columns, by decreasing marginal gain
    status: str
    objective: float
    bound: float
    gap: float
    stats: dict = field(default_factory=dict)


def _solve(
    A: sp.csr_matrix, sizes: np.ndarray, opts: PlacementOptions, order: np.ndarray | None = None
) -> _Solution:
    """Set cover or max cover of the pieces x views matrix ``A`` by :mod:`analysis.siting`;
    the chosen views are put in greedy order of the row weights ``order`` (default ``sizes``)."""
    if opts.max_cameras is None:
        res: SitingResult = set_cover(A, 1.0, time_limit=opts.time_limit)
    else:
        p = min(int(opts.max_cameras), A.shape[1])
        res = max_cover(A, sizes, 1.0, p, time_limit=opts.time_limit)
    order = sizes if order is None else order
    chosen = np.asarray(_order_by_gain(A.tocsc(), np.asarray(res.selected), order), dtype=int)
    status = "optimal" if res.optimal else "time_limit"
    if opts.max_cameras is None:
        objective = float(len(chosen))
        bound = float(math.ceil(res.bound - 1e-9))  # a number of cameras
        gap = 0.0 if res.optimal else max(objective - bound, 0.0) / max(objective, 1.0)
    else:
        covered = np.asarray(A[:, chosen].sum(axis=1)).ravel() > 0
        objective = float(sizes[covered].sum())
        bound = objective if res.optimal else float(res.bound)
        gap = 0.0 if res.optimal else max(bound - objective, 0.0) / max(abs(bound), 1e-9)
    reduced = res.details.get("reduction", {})
    stats = {
        "method": res.method,
        "rows": reduced.get("rows_out", 0),
        "columns": reduced.get("cols_out", 0),
    }
    return _Solution(chosen, status, objective, bound, gap, stats)


def _visible_candidates(
    cand: gpd.GeoDataFrame, pieces: gpd.GeoDataFrame, obstacles: Obstacles, reach_m: float
) -> gpd.GeoDataFrame:
    """Candidates within ``reach_m`` of a piece and outside every building."""
    cand = cand[cand.geometry.notna() & ~cand.geometry.is_empty].reset_index(drop=True)
    if not len(cand):
        return cand
    near, _ = shapely.STRtree(pieces.geometry.to_numpy()).query(
        cand.geometry.to_numpy(), predicate="dwithin", distance=reach_m
    )
    cand = cand.iloc[np.unique(near)].reset_index(drop=True)
    return cand[obstacles.inside(cand.geometry.to_numpy()) < 0].reset_index(drop=True)


def _new_cameras(
    cand: gpd.GeoDataFrame,
    views: gpd.GeoDataFrame,
    A: sp.csr_matrix,
    pieces: gpd.GeoDataFrame,
    chosen: np.ndarray,
    spec: CameraSpec,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The chosen views as new cameras (with the length and area each adds) and their views."""
    sizes = pieces["size"].to_numpy()
    is_len = (pieces["measure"] == "length").to_numpy()
    Acsc = A.tocsc()
    seen = np.zeros(len(sizes), dtype=bool)
    gains = []
    for j in chosen:
        r = Acsc.indices[Acsc.indptr[j] : Acsc.indptr[j + 1]]
        r = r[~seen[r]]
        seen[r] = True
        gains.append((float(sizes[r][is_len[r]].sum()), float(sizes[r][~is_len[r]].sum())))
    crs = views.crs
    pos = views["position"].to_numpy()[chosen]
    pts = cand.geometry.to_numpy()[pos]
    cams = gpd.GeoDataFrame(
        {
            "camera_id": [f"NEW-{i + 1}" for i in range(len(chosen))],
            "kind": spec.kind,
            "bearing_deg": views["bearing_deg"].to_numpy()[chosen],
            "fov_deg": float(spec.fov_deg),
            "range_m": float(spec.range_m),
            "status": "planned",
            "source": cand["source"].to_numpy()[pos] if "source" in cand else "user",
            "community_id": (
                cand["community_id"].to_numpy()[pos] if "community_id" in cand else None
            ),
            "new_length_m": np.round([g[0] for g in gains], 3),
            "new_area_m2": np.round([g[1] for g in gains], 3),
        },
        geometry=gpd.GeoSeries(pts, crs=crs),
        crs=crs,
    )
    out_views = gpd.GeoDataFrame(
        {"camera_id": cams["camera_id"].to_numpy(), "bearing_deg": cams["bearing_deg"]},
        geometry=gpd.GeoSeries(views.geometry.to_numpy()[chosen], crs=crs),
        crs=crs,
    )
    return cams, out_views


def suggest_cameras(
    targets: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | Obstacles | None = None,
    options: PlacementOptions | None = None,
    *,
    crs=None,
    **overrides: Any,
) -> PlacementResult:
    """Fewest new cameras covering every blind spot, or best coverage with ``max_cameras``.

    The blind spots (``targets``: uncovered public-space lines / polygons, e.g.
    ``SpaceCoverage.blind_spots``) are cut into pieces of at most ``piece_m`` (lines) or
    ``piece_m`` grid cells (polygons). A candidate view (``spec`` at every candidate position
    and bearing, occluded by ``buildings``) covers a piece when the piece lies entirely in it
    (within ``tol_m``). Pieces no candidate covers are reported as ``uncoverable``; the others
    are covered with the fewest cameras by :func:`analysis.siting.set_cover` (exact, HiGHS).
    If ``max_cameras`` is given, the total covered length + area (1 m of line counting as
    1 m2) is maximised with at most that many cameras instead
    (:func:`analysis.siting.max_cover`). ``time_limit`` (seconds) bounds the solver; when it
    stops early, the best solution found is kept and the result carries the proven bound and
    the gap (status ``time_limit``).

    ``options`` is a :class:`PlacementOptions`; its fields may also be given as keywords
    (``spec=..., max_cameras=..., piece_m=..., time_limit=..., tol_m=..., step_deg=...``).

    Returns
    -------
    PlacementResult
        In the CRS of ``targets``.
    """
    t0 = time.perf_counter()
    opts = placement_options(options, **overrides)
    work_crs = resolve_metric_crs(targets, candidates, buildings, crs=crs)
    tg = to_metric(targets, work_crs)
    obstacles = as_obstacles(buildings, work_crs)
    pieces = discretise(tg, opts.piece_m) if len(tg) else discretise(tg.iloc[:0], opts.piece_m)
    pieces["covered"] = False
    pieces["coverable"] = False
    empty = (
        empty_frame(_CAMERA_COLUMNS, work_crs),
        empty_frame(["camera_id", "bearing_deg"], work_crs),
    )

    def finish(new, solution: _Solution, stats: dict) -> PlacementResult:
        pieces_out = back_to(pieces, targets.crs)
        unc = pieces_out[~pieces_out["coverable"].to_numpy()] if len(pieces_out) else pieces_out
        return PlacementResult(
            cameras=back_to(new[0], targets.crs),
            views=back_to(new[1], targets.crs),
            pieces=pieces_out,
            uncoverable=unc,
            status=solution.status,
            objective=solution.objective,
            bound=solution.bound,
            gap=solution.gap,
            mode=opts.mode,
            seconds=time.perf_counter() - t0,
            stats=stats,
        )

    if not len(pieces):
        return finish(empty, _Solution(np.zeros(0, int), "nothing_to_do", 0, 0, 0), {"pieces": 0})
    cand = _visible_candidates(
        to_metric(candidates, work_crs), pieces, obstacles, opts.spec.range_m
    )
    views = candidate_views(cand, opts.spec, obstacles, step_deg=opts.step_deg)
    vg = views.geometry.to_numpy()
    pg = pieces.geometry.to_numpy()
    A = _cover_matrix(vg, pg, opts.tol_m) if len(vg) else sp.csr_matrix((len(pg), 0))
    coverable = np.asarray(A.sum(axis=1)).ravel() > 0
    pieces["coverable"] = coverable
    stats = {
        "pieces": int(len(pieces)),
        "coverable_pieces": int(coverable.sum()),
        "candidate_positions": int(len(cand)),
        "candidate_views": int(len(views)),
    }
    if not coverable.any():
        return finish(empty, _Solution(np.zeros(0, int), "infeasible", 0, 0, 0), stats)
    is_len = (pieces["measure"] == "length").to_numpy()
    w_len, w_area = opts.order_weights
    sizes = pieces["size"].to_numpy()
    solution = _solve(A.tocsr(), sizes, opts, sizes * np.where(is_len, w_len, w_area))
    stats.update(solution.stats)
    pieces["covered"] = np.asarray(A[:, solution.chosen].sum(axis=1)).ravel() > 0
    new = _new_cameras(cand, views, A, pieces, solution.chosen, opts.spec)
    return finish(new, solution, stats)
