"""The Art. 20 surveillance check in one call: views, coverage, repairs and new cameras."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.selection import select_district
from layers.errors import InputValueError

from ._frames import back_to, resolve_metric_crs, to_metric
from .cameras import clean_cameras, normalise_status, validate_cameras
from .candidates import CameraSpec, candidate_positions
from .coverage import (
    SpaceCoverage,
    community_summary,
    district_summary,
    repair_list,
    space_coverage,
)
from .placement import PlacementOptions, PlacementResult, suggest_cameras
from .ranking import rank_new_cameras
from .spaces import assign_community, derive_public_spaces
from .targets import COVERAGE_TARGET, WORKING_TARGET, managed
from .views import Obstacles, camera_views


@dataclass(frozen=True)
class SurveillanceLayers:
    """The layers :func:`analyse_surveillance` reads besides the cameras (all optional).

    ``public_spaces`` (derived from ``communities`` x ``network_edges`` when missing),
    ``buildings`` (occlusion, corner candidates), ``communities``, ``network_edges`` and
    ``network_nodes`` (walking network), ``districts`` (names, district selection) and
    ``extra_candidates`` (the user's positions for new cameras).
    """

    public_spaces: gpd.GeoDataFrame | None = None
    buildings: gpd.GeoDataFrame | None = None
    communities: gpd.GeoDataFrame | None = None
    network_edges: gpd.GeoDataFrame | None = None
    network_nodes: gpd.GeoDataFrame | None = None
    districts: pd.DataFrame | None = None
    extra_candidates: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class SurveillanceOptions:
    """Settings of :func:`analyse_surveillance`.

    Attributes
    ----------
    district : str, optional
        Check one district (name or code) only.
    spec, max_cameras, piece_m, time_limit
        New cameras, see :class:`~analysis.surveillance.placement.PlacementOptions`.
    suggest : bool
        Whether to propose new cameras at all.
    crs : optional
        Metric CRS to work in (default: resolved from the data).
    on_invalid : {"raise", "skip"}
        Invalid camera rows raise or are left out.
    working_target, coverage_target : float
        The Art. 20 targets (98 % working, 100 % covered).
    management : str or list of str, optional
        Communities Art. 20 binds (``scattered``); ``None``: all.
    line_spacing_m : float, optional
        Spacing of candidates along lines (default: the camera range).
    """

    district: str | None = None
    spec: CameraSpec | None = None
    max_cameras: int | None = None
    suggest: bool = True
    piece_m: float = 5.0
    time_limit: float = 30.0
    crs: Any = None
    on_invalid: str = "raise"
    working_target: float = WORKING_TARGET
    management: str | Sequence[str] | None = "scattered"
    line_spacing_m: float | None = None
    coverage_target: float = COVERAGE_TARGET


_LAYER_FIELDS = {f.name for f in dataclasses.fields(SurveillanceLayers)}
_OPTION_FIELDS = {f.name for f in dataclasses.fields(SurveillanceOptions)}


def _with_keywords(
    layers: SurveillanceLayers | None, options: SurveillanceOptions | None, keywords: dict
) -> tuple[SurveillanceLayers, SurveillanceOptions]:
    """``layers`` and ``options`` with the fields named by ``keywords`` replaced."""
    unknown = set(keywords) - _LAYER_FIELDS - _OPTION_FIELDS
    if unknown:
        raise TypeError(
            f"analyse_surveillance() got unexpected keyword arguments {sorted(unknown)}"
        )
    layers = dataclasses.replace(
        layers or SurveillanceLayers(), **{k: v for k, v in keywords.items() if k in _LAYER_FIELDS}
    )
    options = dataclasses.replace(
        options or SurveillanceOptions(),
        **{k: v for k, v in keywords.items() if k in _OPTION_FIELDS},
    )
    return layers, options


@dataclass
class SurveillanceResult:
    """Result of :func:`analyse_surveillance` (all frames in the CRS of the inputs)."""

    views: gpd.GeoDataFrame
    spaces: gpd.GeoDataFrame
    blind_spots: gpd.GeoDataFrame
    repair: gpd.GeoDataFrame
    placement: PlacementResult | None
    by_community: pd.DataFrame
    by_district: pd.DataFrame
    problems: pd.DataFrame
    derived_spaces: bool
    crs: object = None
    totals: dict = field(default_factory=dict)


def overall_totals(
    spaces: pd.DataFrame, cameras: pd.DataFrame, *, working_target: float = WORKING_TARGET
) -> dict:
    """Totals of the analysed area: public length / area, covered, cameras and working rate.

    ``spaces`` is ``SpaceCoverage.spaces``; ``cameras`` the camera table counted (status
    ``working`` / ``broken``).
    """
    status = [normalise_status(v) for v in cameras["status"]] if len(cameras) else []
    total = len(status)
    working = sum(v == "working" for v in status)
    broken = sum(v == "broken" for v in status)
    length = float(spaces["length_m"].sum()) if len(spaces) else 0.0
    covered = float(spaces["covered_length_m"].sum()) if len(spaces) else 0.0
    area = float(spaces["area_m2"].sum()) if len(spaces) else 0.0
    covered_area = float(spaces["covered_area_m2"].sum()) if len(spaces) else 0.0
    rate = working / total if total else float("nan")
    return {
        "cameras_total": total,
        "cameras_working": working,
        "cameras_broken": broken,
        "working_rate": rate,
        "working_target": working_target,
        "meets_working_target": bool(total and rate >= working_target - 1e-12),
        "public_length_m": length,
        "covered_length_m": covered,
        "public_area_m2": area,
        "covered_area_m2": covered_area,
        "covered_share": covered / length if length else float("nan"),
        "covered_share_area": covered_area / area if area else float("nan"),
    }


def _communities(layers: SurveillanceLayers, opts: SurveillanceOptions, work_crs):
    """The communities in ``work_crs``, of ``opts.district`` only when one is asked for."""
    com = to_metric(layers.communities, work_crs)
    if opts.district is None:
        return com
    if com is None:
        raise InputValueError("按区县筛选需要社区图层 / selecting a district needs communities")
    return select_district(com, opts.district, layers.districts)


def _public_spaces(com, layers: SurveillanceLayers, opts: SurveillanceOptions, work_crs):
    """``(spaces, derived)``: the layer's spaces with their community, or derived ones."""
    if layers.public_spaces is None or not len(layers.public_spaces):
        if com is None or layers.network_edges is None:
            raise InputValueError(
                "没有公共部位图层,也无法从社区和步行路网推导 / no public_spaces layer, and no "
                "communities + network_edges to derive them from"
            )
        spaces = derive_public_spaces(
            com, layers.network_edges, management=opts.management, crs=work_crs
        )
        return spaces, True
    spaces = to_metric(layers.public_spaces, work_crs)
    if "community_id" not in spaces.columns or spaces["community_id"].isna().any():
        assigned = assign_community(spaces, com)
        if "community_id" in spaces.columns:
            spaces["community_id"] = spaces["community_id"].where(
                spaces["community_id"].notna(), pd.Series(assigned, index=spaces.index)
            )
        else:
            spaces["community_id"] = assigned
    if opts.district is not None:
        spaces = spaces[spaces["community_id"].isin(set(com["community_id"]))]
    return spaces, False


def _cameras_in_reach(cams_m, com, spaces, opts: SurveillanceOptions):
    """Cameras with their community; for a district, those whose range reaches it."""
    cams_m["community_id"] = assign_community(cams_m, com)
    if opts.district is None or not len(spaces):
        return cams_m
    reach = float(cams_m["range_m"].max()) if len(cams_m) else 0.0
    zone = shapely.union_all(com.geometry.to_numpy()).buffer(reach)
    return cams_m[shapely.intersects(cams_m.geometry.to_numpy(), zone)]


def _district_repairs(repair: gpd.GeoDataFrame, com) -> gpd.GeoDataFrame:
    """Broken cameras of the district, and those next to it that would cover some of it."""
    if not len(repair):
        return repair
    inside = repair["community_id"].isin(set(com["community_id"])).to_numpy()
    gain = (repair["gain_length_m"] > 0) | (repair["gain_area_m2"] > 0)
    repair = repair[inside | gain.to_numpy()].copy()
    repair["rank"] = np.arange(1, len(repair) + 1)
    return repair


def _share_weights(totals: dict) -> tuple[float, float]:
    """Install-order weights of a metre of line and a square metre of area: the share of the
    public places each stands for (a camera adding 1 % of the lines counts as much as one
    adding 1 % of the areas)."""
    length, area = float(totals["public_length_m"]), float(totals["public_area_m2"])
    return (1.0 / length if length > 0 else 0.0, 1.0 / area if area > 0 else 0.0)


def _suggest(
    cov: SpaceCoverage,
    spaces: gpd.GeoDataFrame,
    com,
    obstacles: Obstacles,
    layers: SurveillanceLayers,
    opts: SurveillanceOptions,
    work_crs,
    totals: dict,
) -> PlacementResult:
    """New cameras for the blind spots of the communities Art. 20 binds (in ``work_crs``), in
    install order by the share of the public places each adds (``totals``)."""
    spec = opts.spec or CameraSpec()
    line_src = [spaces]
    if layers.network_edges is not None and len(layers.network_edges):
        line_src.append(to_metric(layers.network_edges, work_crs)[["geometry"]])
    lines = pd.concat([f[["geometry"]] for f in line_src], ignore_index=True)
    cand = candidate_positions(
        com,
        layers.network_nodes,
        obstacles,
        layers.extra_candidates,
        lines=gpd.GeoDataFrame(lines, geometry="geometry", crs=work_crs),
        line_spacing_m=opts.line_spacing_m if opts.line_spacing_m is not None else spec.range_m,
        management=opts.management,
        crs=work_crs,
    )
    targets = cov.blind_spots
    if opts.management is not None and com is not None and "management" in com.columns:
        keep = set(com.loc[managed(com, opts.management), "community_id"])
        targets = targets[targets["community_id"].isin(keep).to_numpy()]
    placement = PlacementOptions(
        spec=spec,
        max_cameras=opts.max_cameras,
        piece_m=opts.piece_m,
        time_limit=opts.time_limit,
        order_weights=_share_weights(totals),
    )
    return suggest_cameras(targets, cand, obstacles, placement, crs=work_crs)


def _placement_back(placement: PlacementResult, crs) -> PlacementResult:
    """``placement`` with its frames in ``crs``."""
    return dataclasses.replace(
        placement,
        cameras=back_to(placement.cameras, crs),
        views=back_to(placement.views, crs),
        pieces=back_to(placement.pieces, crs),
        uncoverable=back_to(placement.uncoverable, crs),
    )


def analyse_surveillance(
    cameras: gpd.GeoDataFrame,
    layers: SurveillanceLayers | None = None,
    options: SurveillanceOptions | None = None,
    **keywords: Any,
) -> SurveillanceResult:
    """Art. 20 surveillance check of a project (or of one ``district``).

    ``layers`` (:class:`SurveillanceLayers`) and ``options`` (:class:`SurveillanceOptions`)
    may also be given field by field as keywords (``communities=..., district=...,
    spec=...``).

    Public spaces come from ``public_spaces`` or, when that is ``None`` / empty, from
    :func:`derive_public_spaces` (scattered communities x walking network). Views, coverage,
    blind spots, the repair list, new camera suggestions (:func:`suggest_cameras` on the blind
    spots, candidates from :func:`candidate_positions`) and the community / district tables are
    computed in one metric CRS and returned in the CRS of ``cameras``. The new cameras come in
    the order to install them, each with what it adds and the coverage reached once it is in
    (:func:`~analysis.surveillance.ranking.rank_new_cameras`).

    Art. 20 binds scattered residential areas: with ``management="scattered"`` (default) the
    public spaces are derived for, and new cameras proposed in, communities whose
    ``management`` is ``scattered`` only (the coverage table still lists every community);
    ``None`` uses all. New-camera candidates are network nodes, building corners and points
    every ``line_spacing_m`` (default: the camera range) along public-space lines, polygon
    outlines and network edges, plus ``extra_candidates``.
    """
    layers, opts = _with_keywords(layers, options, keywords)
    out_crs = cameras.crs
    work_crs = resolve_metric_crs(
        cameras, layers.public_spaces, layers.communities, layers.buildings, crs=opts.crs
    )
    problems = validate_cameras(cameras)
    cams = clean_cameras(cameras, opts.on_invalid)
    com = _communities(layers, opts, work_crs)
    spaces, derived = _public_spaces(com, layers, opts, work_crs)
    cams_m = _cameras_in_reach(to_metric(cams, work_crs), com, spaces, opts)
    obstacles = Obstacles(to_metric(layers.buildings, work_crs))
    views = camera_views(cams_m, obstacles, crs=work_crs)
    views = views.merge(
        pd.DataFrame(cams_m[["camera_id", "community_id"]]), on="camera_id", how="left"
    )
    cov = space_coverage(spaces, views, crs=work_crs)
    counted = cams_m[cams_m["community_id"].notna()]
    targets = {"working_target": opts.working_target, "coverage_target": opts.coverage_target}
    by_com = community_summary(cov, counted, com, **targets)
    by_dis = district_summary(by_com, layers.districts, **targets)
    repair = repair_list(cams_m, spaces, obstacles, crs=work_crs, views=views)
    if opts.district is not None:
        repair = _district_repairs(repair, com)
    totals = overall_totals(
        cov.spaces, counted if com is not None else cams_m, working_target=opts.working_target
    )
    placement = None
    if opts.suggest:
        placement = _suggest(cov, spaces, com, obstacles, layers, opts, work_crs, totals)
        placement = _placement_back(placement, out_crs)
        placement.cameras = rank_new_cameras(placement.cameras, totals)  # install order
    return SurveillanceResult(
        views=back_to(views, out_crs),
        spaces=back_to(cov.spaces, out_crs),
        blind_spots=back_to(cov.blind_spots, out_crs),
        repair=back_to(repair, out_crs),
        placement=placement,
        by_community=by_com,
        by_district=by_dis,
        problems=problems,
        derived_spaces=derived,
        crs=work_crs,
        totals=totals,
    )
