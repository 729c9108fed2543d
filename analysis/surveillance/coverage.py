"""Coverage of public spaces by camera views: covered length / area, blind spots, community and
district tables against the Art. 20 targets, and the repair list of broken cameras."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._frames import back_to, empty_frame, resolve_metric_crs, to_metric
from .cameras import clean_cameras, normalise_status
from .spaces import SLIVER_M, assign_community
from .targets import ARTICLE, COVERAGE_TARGET, WORKING_TARGET
from .views import as_obstacles, camera_views


def _measure(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(length of line parts, area of polygon parts) of each geometry."""
    return shapely.length(_lines_only(geoms)), shapely.area(geoms)


def _lines_only(geoms: np.ndarray) -> np.ndarray:
    out = np.asarray(geoms, dtype=object).copy()
    types = shapely.get_type_id(out)
    out[~np.isin(types, (1, 2, 5))] = None  # only (multi)linestrings / linearring keep length
    return out


def _clean_parts(geom, is_area: bool):
    """Drop numerical slivers and parts of the other dimension from a blind-spot geometry."""
    if geom is None or geom.is_empty:
        return None
    parts = shapely.get_parts(geom)
    if is_area:
        parts = parts[np.isin(shapely.get_type_id(parts), (3,))]
        parts = parts[shapely.area(parts) > SLIVER_M]
    else:
        parts = parts[np.isin(shapely.get_type_id(parts), (1,))]
        parts = parts[shapely.length(parts) > SLIVER_M]
    if not len(parts):
        return None
    return shapely.line_merge(shapely.union_all(parts)) if not is_area else shapely.union_all(parts)


def overlay_views(geoms: np.ndarray, views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each geometry into its part inside the union of ``views`` and the rest.

    Only the views meeting a geometry are dissolved for it (an STRtree query), which is much
    faster than intersecting with the union of every view of a city.

    Returns
    -------
    covered, uncovered : ndarray of geometries (``None`` / the geometry where no view meets it)
    """
    geoms = np.asarray(geoms, dtype=object)
    views = np.asarray(views, dtype=object)
    covered = np.full(len(geoms), None, dtype=object)
    blind = geoms.copy()
    if views.size:
        views = views[~shapely.is_missing(views)]
        views = views[~shapely.is_empty(views)]
    if not views.size or not geoms.size:
        return covered, blind
    g_idx, v_idx = shapely.STRtree(views).query(geoms, predicate="intersects")
    if not len(g_idx):
        return covered, blind
    order = np.argsort(g_idx, kind="stable")
    g_idx, v_idx = g_idx[order], v_idx[order]
    starts = np.flatnonzero(np.r_[True, g_idx[1:] != g_idx[:-1]])
    ends = np.r_[starts[1:], len(g_idx)]
    which = g_idx[starts]
    unions = np.array(
        [
            views[v_idx[a]] if b - a == 1 else shapely.union_all(views[v_idx[a:b]])
            for a, b in zip(starts, ends, strict=True)
        ],
        dtype=object,
    )
    covered[which] = shapely.intersection(geoms[which], unions)
    blind[which] = shapely.difference(geoms[which], unions)
    return covered, blind


@dataclass
class SpaceCoverage:
    """Coverage of each public space and the uncovered parts (blind spots).

    ``spaces``: ``space_id, kind, community_id, measure`` (``length``/``area``), ``length_m``,
    ``covered_length_m``, ``area_m2``, ``covered_area_m2``, ``covered_share``, with the space
    geometry. ``blind_spots``: one row per space with an uncovered part: ``space_id, kind,
    community_id, length_m, area_m2`` and the uncovered geometry. Both in the input CRS.
    """

    spaces: gpd.GeoDataFrame
    blind_spots: gpd.GeoDataFrame


def space_coverage(
    spaces: gpd.GeoDataFrame, views: gpd.GeoDataFrame | None, *, crs=None
) -> SpaceCoverage:
    """Covered length (lines) or area (polygons) of each public space, and its blind spots.

    A point of a space is covered when it lies in at least one camera view. Uncovered pieces
    shorter than 5 cm (or smaller than 0.05 m2) are rounding noise and dropped from the blind
    spots.
    """
    work_crs = resolve_metric_crs(spaces, views, crs=crs)
    sp = to_metric(spaces, work_crs).reset_index(drop=True)
    if "space_id" not in sp.columns:
        sp["space_id"] = [f"space-{i + 1}" for i in range(len(sp))]
    for col in ("kind", "community_id"):
        if col not in sp.columns:
            sp[col] = None
    geoms = sp.geometry.to_numpy()
    vg = np.empty(0, dtype=object)
    if views is not None and len(views):
        vg = to_metric(views, work_crs).geometry.to_numpy()
    is_area = np.isin(shapely.get_type_id(geoms), (3, 6))
    length = np.where(is_area, 0.0, shapely.length(geoms))
    area = np.where(is_area, shapely.area(geoms), 0.0)
    covered, blind = overlay_views(geoms, vg)
    cl, ca = _measure(covered)
    cl = np.where(is_area, 0.0, np.nan_to_num(cl))
    ca = np.where(is_area, np.nan_to_num(ca), 0.0)
    total = np.where(is_area, area, length)
    cov = np.where(is_area, ca, cl)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, np.minimum(cov / total, 1.0), np.nan)
    out = gpd.GeoDataFrame(
        {
            "space_id": sp["space_id"].to_numpy(),
            "kind": sp["kind"].to_numpy(),
            "community_id": sp["community_id"].to_numpy(),
            "measure": np.where(is_area, "area", "length"),
            "length_m": length,
            "covered_length_m": cl,
            "area_m2": area,
            "covered_area_m2": ca,
            "covered_share": share,
        },
        geometry=gpd.GeoSeries(geoms, crs=sp.crs),
        crs=sp.crs,
    )
    bl = [_clean_parts(g, a) for g, a in zip(blind, is_area, strict=True)]
    has = np.array([g is not None for g in bl], dtype=bool)
    bl_arr = np.array(bl, dtype=object)[has] if has.any() else np.empty(0, dtype=object)
    b_area = np.isin(shapely.get_type_id(bl_arr), (3, 6)) if bl_arr.size else np.zeros(0, bool)
    blind_gdf = gpd.GeoDataFrame(
        {
            "space_id": out["space_id"].to_numpy()[has],
            "kind": out["kind"].to_numpy()[has],
            "community_id": out["community_id"].to_numpy()[has],
            "length_m": np.where(b_area, 0.0, shapely.length(bl_arr)) if bl_arr.size else [],
            "area_m2": np.where(b_area, shapely.area(bl_arr), 0.0) if bl_arr.size else [],
        },
        geometry=gpd.GeoSeries(bl_arr, crs=sp.crs),
        crs=sp.crs,
    )
    return SpaceCoverage(back_to(out, spaces.crs), back_to(blind_gdf, spaces.crs))


def _camera_counts(cameras: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    status = pd.Series([normalise_status(s) for s in cameras["status"]], index=cameras.index)
    frame = pd.DataFrame(
        {key: cameras[key].to_numpy(), "working": (status == "working").to_numpy()}
    )
    frame["broken"] = (status == "broken").to_numpy()
    g = frame.groupby(key, dropna=True)
    counts = pd.DataFrame(
        {
            "cameras_total": g.size(),
            "cameras_working": g["working"].sum(),
            "cameras_broken": g["broken"].sum(),
        }
    )
    return counts


def _rates(
    frame: pd.DataFrame, working_target: float, coverage_target: float = COVERAGE_TARGET
) -> pd.DataFrame:
    """Working rate against ``working_target``; ``fully_covered`` against ``coverage_target``.

    Art. 20 asks for *all* public places ("全部公共部位"): lines (streets, alleys) and areas
    (courtyards, squares) must each reach ``coverage_target`` (shares of length and of area
    are not added up); a community without any public space is not fully covered.
    """
    tot = frame["cameras_total"].astype(float)
    frame["working_rate"] = np.where(tot > 0, frame["cameras_working"] / tot.where(tot > 0), np.nan)
    frame["working_target"] = working_target
    frame["meets_working_target"] = frame["working_rate"] >= working_target - 1e-12
    length = frame["public_length_m"].astype(float).to_numpy()
    area = frame["public_area_m2"].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        by_len = frame["covered_length_m"].to_numpy(float) / length
        by_area = frame["covered_area_m2"].to_numpy(float) / area
    lines_ok = (length <= 0) | (by_len >= coverage_target - 1e-6)
    areas_ok = (area <= 0) | (by_area >= coverage_target - 1e-6)
    frame["coverage_target"] = coverage_target
    frame["fully_covered"] = lines_ok & areas_ok & ((length > 0) | (area > 0))
    return frame


def community_summary(
    coverage: SpaceCoverage,
    cameras: gpd.GeoDataFrame | None,
    communities: gpd.GeoDataFrame | None = None,
    *,
    working_target: float = WORKING_TARGET,
    coverage_target: float = COVERAGE_TARGET,
) -> pd.DataFrame:
    """Per community: public length / area, covered, share, cameras total / working / broken.

    ``covered_share`` is the covered share of the length of line spaces where the community
    has any, otherwise the covered share of the area of its polygon spaces (a metre of street
    and a square metre of courtyard are not added up). ``working_rate`` is compared with the
    98 % target of the national guidance (2015); ``fully_covered`` asks ``coverage_target``
    (100 %: all public places, Art. 20) of the lines *and* of the areas, so an unwatched
    courtyard is not hidden by a watched street. Cameras are counted in the community
    containing them.
    """
    sp = pd.DataFrame(coverage.spaces.drop(columns=coverage.spaces.geometry.name))
    sp["community_id"] = sp["community_id"].astype(object)
    g = sp.groupby("community_id", dropna=True)
    table = pd.DataFrame(
        {
            "public_length_m": g["length_m"].sum(),
            "covered_length_m": g["covered_length_m"].sum(),
            "public_area_m2": g["area_m2"].sum(),
            "covered_area_m2": g["covered_area_m2"].sum(),
            "spaces": g.size(),
        }
    )
    if cameras is not None and len(cameras):
        cams = cameras.copy()
        if "community_id" not in cams.columns or cams["community_id"].isna().all():
            cams["community_id"] = assign_community(cams, communities)
        table = table.join(_camera_counts(cams, "community_id"), how="outer")
    ids = table.index
    if communities is not None and len(communities):
        ids = ids.union(pd.Index(communities["community_id"]))
    table = table.reindex(ids)
    for col in ("cameras_total", "cameras_working", "cameras_broken", "spaces"):
        if col not in table.columns:
            table[col] = 0
        table[col] = table[col].fillna(0).astype(int)
    for col in ("public_length_m", "covered_length_m", "public_area_m2", "covered_area_m2"):
        table[col] = table[col].fillna(0.0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_len = table["covered_length_m"] / table["public_length_m"]
        by_area = table["covered_area_m2"] / table["public_area_m2"]
    table["covered_share"] = np.where(table["public_length_m"] > 0, by_len, by_area)
    table["covered_share"] = table["covered_share"].clip(upper=1.0)
    table["covered_share_area"] = by_area.clip(upper=1.0)
    table = _rates(table, working_target, coverage_target)
    table.index.name = "community_id"
    table = table.reset_index()
    if communities is not None and len(communities):
        extra = [c for c in ("name", "district_code", "management") if c in communities]
        info = pd.DataFrame(communities[["community_id", *extra]]).drop_duplicates("community_id")
        table = table.merge(info, on="community_id", how="left")
    table["article"] = ARTICLE
    first = [
        "community_id",
        "public_length_m",
        "covered_length_m",
        "covered_share",
        "cameras_total",
        "cameras_broken",
    ]
    return table[first + [c for c in table.columns if c not in first]]


def district_summary(
    by_community: pd.DataFrame,
    districts: pd.DataFrame | None = None,
    *,
    working_target: float = WORKING_TARGET,
    coverage_target: float = COVERAGE_TARGET,
) -> pd.DataFrame:
    """Per district: public length / area covered, cameras total / working / broken and the
    working rate against the 98 % target (national guidance 2015; Art. 20)."""
    if "district_code" not in by_community.columns:
        return pd.DataFrame()
    num = [
        "public_length_m",
        "covered_length_m",
        "public_area_m2",
        "covered_area_m2",
        "cameras_total",
        "cameras_working",
        "cameras_broken",
    ]
    g = by_community.groupby("district_code", dropna=True)
    table = g[num].sum()
    table["communities"] = g.size()
    with np.errstate(invalid="ignore", divide="ignore"):
        by_len = table["covered_length_m"] / table["public_length_m"]
        by_area = table["covered_area_m2"] / table["public_area_m2"]
    table["covered_share"] = np.where(table["public_length_m"] > 0, by_len, by_area)
    table["covered_share_area"] = by_area
    table = _rates(table, working_target, coverage_target).reset_index()
    if districts is not None and len(districts) and "district_code" in districts:
        names = pd.DataFrame(districts[["district_code", "name"]]).drop_duplicates("district_code")
        table = table.merge(names, on="district_code", how="left")
    table["article"] = ARTICLE
    return table


def repair_list(
    cameras: gpd.GeoDataFrame,
    spaces: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    crs=None,
    views: gpd.GeoDataFrame | None = None,
    step_deg: float = 1.0,
    on_invalid: str = "raise",
) -> gpd.GeoDataFrame:
    """Broken cameras ordered by what repairing each one would cover again (Art. 20).

    The gain of a camera is the public-space length (lines) and area (polygons) inside its
    view that no working camera covers now (each gain is measured against the current
    coverage alone, not after the other repairs). Ordered by gain in length, then area.

    Returns
    -------
    GeoDataFrame
        Camera points: ``rank, camera_id, kind, gain_length_m, gain_area_m2`` (plus
        ``community_id`` if present), in the CRS of ``cameras``.
    """
    work_crs = resolve_metric_crs(cameras, spaces, buildings, crs=crs)
    cams = clean_cameras(cameras, on_invalid)
    broken = cams[cams["status"] == "broken"]
    cols = ["rank", "camera_id", "kind", "gain_length_m", "gain_area_m2"]
    if not len(broken):
        return back_to(empty_frame(cols, work_crs), cameras.crs)
    obstacles = as_obstacles(buildings, work_crs)
    if views is None:
        views = camera_views(cams, obstacles, crs=work_crs, step_deg=step_deg)
    now = to_metric(views, work_crs).geometry.to_numpy() if len(views) else np.empty(0)
    sp = to_metric(spaces, work_crs).geometry.to_numpy()
    _, blind = overlay_views(sp, now)
    blind = blind[~shapely.is_missing(blind)]
    blind = blind[~shapely.is_empty(blind)]
    broken_m = to_metric(broken, work_crs)
    bviews = camera_views(broken_m, obstacles, crs=work_crs, step_deg=step_deg, include_broken=True)
    vg = bviews.geometry.to_numpy()
    gl = np.zeros(len(vg))
    ga = np.zeros(len(vg))
    if blind.size and vg.size:
        v_idx, b_idx = shapely.STRtree(blind).query(vg, predicate="intersects")
        part = shapely.intersection(vg[v_idx], blind[b_idx])
        is_area = np.isin(shapely.get_type_id(blind[b_idx]), (3, 6))
        gl = np.bincount(v_idx[~is_area], shapely.length(part[~is_area]), minlength=len(vg))
        ga = np.bincount(v_idx[is_area], shapely.area(part[is_area]), minlength=len(vg))
    pts = to_metric(broken, work_crs).geometry.to_numpy()
    out = gpd.GeoDataFrame(
        {
            "camera_id": broken["camera_id"].to_numpy(),
            "kind": broken["kind"].to_numpy() if "kind" in broken else None,
            "gain_length_m": np.round(gl, 3),
            "gain_area_m2": np.round(ga, 3),
        },
        geometry=gpd.GeoSeries(pts, crs=work_crs),
        crs=work_crs,
    )
    if "community_id" in broken.columns:
        out["community_id"] = broken["community_id"].to_numpy()
    out = out.sort_values(
        ["gain_length_m", "gain_area_m2", "camera_id"],
        ascending=[False, False, True],
        kind="stable",
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return back_to(out, cameras.crs)
