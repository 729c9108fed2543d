"""A hint when a file's points seem shifted by the Chinese datums (GCJ-02, BD-09) although\ndeclared WGS-84: the offset evidence against the project's reference layers."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from layers.crs import WGS84, convert_coords, metric_crs, out_of_china
from layers.field_values import is_wgs84

# -- datum hint ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OffsetEvidence:
    """Numbers behind :func:`detect_offset_hint` for one candidate system (metres).

    Attributes
    ----------
    system : str
        ``gcj02`` or ``bd09``: the points are converted from it to WGS-84.
    n_points : int
        Points compared (inside China, at most ``max_points``).
    median_as_is_m : float
        Median distance of the points, as declared, to the nearest reference geometry.
    median_converted_m : float
        The same after converting them from ``system``.
    median_other_directions_m : float
        The same after moving them by the same distance in other directions (the datum
        shift rotated by 45, 90, ... 315 degrees; the median over those seven): what any
        shift of that size would do by chance.
    share_closer : float
        Share of the points that come closer to the reference when converted.
    direction_score : float
        Mean over the points of the share of the seven other directions that leave the point
        farther from the reference than the conversion does: 0.5 when the datum direction is
        nothing special, near 1 when only the conversion brings the points back.
    shift_m, shift_bearing_deg : float
        Mean datum shift (declared minus converted position): length and compass bearing.
    """

    system: str
    n_points: int
    median_as_is_m: float
    median_converted_m: float
    median_other_directions_m: float
    share_closer: float
    direction_score: float
    shift_m: float
    shift_bearing_deg: float


def _reference_geoms(reference) -> np.ndarray:
    frames = (
        [reference] if isinstance(reference, gpd.GeoDataFrame | gpd.GeoSeries) else list(reference)
    )
    parts = []
    for frame in frames:
        if frame is None or len(frame) == 0:
            continue
        series = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
        if series.crs is not None and not is_wgs84(series.crs):
            series = series.to_crs(WGS84)
        geoms = series.to_numpy()
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        geoms = geoms.copy()
        geoms[polygonal] = shapely.boundary(geoms[polygonal])
        parts.append(geoms)
    return np.concatenate(parts) if parts else np.array([], dtype=object)


def _nearest_distance(xy: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    idx, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    out = np.full(len(xy), np.inf)
    out[idx[0]] = dist
    return out


def offset_evidence(
    points_gdf: gpd.GeoDataFrame,
    reference,
    *,
    max_points: int = 2000,
) -> list[OffsetEvidence]:
    """Nearest-distance statistics of the points as declared, converted from gcj02/bd09, and
    moved by the same distance in other directions (see :class:`OffsetEvidence`)."""
    geoms = points_gdf.geometry
    if geoms.crs is not None and not is_wgs84(geoms.crs):
        geoms = geoms.to_crs(WGS84)
    arr = geoms.to_numpy()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if len(arr) == 0:
        return []
    xy = shapely.get_coordinates(shapely.point_on_surface(arr))
    xy = xy[~out_of_china(xy[:, 0], xy[:, 1])]
    if len(xy) > max_points:
        xy = xy[np.random.default_rng(0).choice(len(xy), max_points, replace=False)]
    ref = _reference_geoms(reference)
    if len(xy) == 0 or len(ref) == 0:
        return []
    crs = metric_crs(float(np.median(xy[:, 0])), float(np.median(xy[:, 1])))
    pad = 0.05  # degrees (~4-5 km): beyond the largest BD-09 shift
    box = shapely.box(
        xy[:, 0].min() - pad, xy[:, 1].min() - pad, xy[:, 0].max() + pad, xy[:, 1].max() + pad
    )
    ref = ref[shapely.intersects(ref, box)]
    if len(ref) == 0:
        return []
    tree = shapely.STRtree(gpd.GeoSeries(ref, crs=WGS84).to_crs(crs).to_numpy())
    to_metric = Transformer.from_crs(WGS84, crs, always_xy=True)

    def project(lon, lat) -> np.ndarray:
        return np.column_stack(to_metric.transform(lon, lat))

    raw = project(xy[:, 0], xy[:, 1])
    d0 = _nearest_distance(raw, tree)
    evidence = []
    for system in ("gcj02", "bd09"):
        conv = project(*convert_coords(xy[:, 0], xy[:, 1], system, "wgs84"))
        dc = _nearest_distance(conv, tree)
        shift = raw - conv
        others = []
        for angle in np.radians(np.arange(45, 360, 45)):
            c, s = np.cos(angle), np.sin(angle)
            rotated = np.column_stack(
                [c * shift[:, 0] - s * shift[:, 1], s * shift[:, 0] + c * shift[:, 1]]
            )
            others.append(_nearest_distance(raw - rotated, tree))
        others = np.array(others)
        mean = shift.mean(axis=0)
        evidence.append(
            OffsetEvidence(
                system=system,
                n_points=len(xy),
                median_as_is_m=float(np.median(d0)),
                median_converted_m=float(np.median(dc)),
                median_other_directions_m=float(np.median(np.median(others, axis=1))),
                share_closer=float(np.mean(dc < d0)),
                direction_score=float(np.mean(others > dc[None, :])),
                shift_m=float(np.hypot(*mean)),
                shift_bearing_deg=float(np.degrees(np.arctan2(mean[0], mean[1])) % 360),
            )
        )
    return evidence


_COMPASS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_COMPASS_EN = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def _suspected(e: OffsetEvidence, max_ratio: float, min_share_closer: float, z: float) -> bool:
    """The decision rule of :func:`detect_offset_hint` for one candidate system."""
    if e.median_as_is_m <= 0:
        return False
    # few points: a large effect in every respect
    if (
        e.median_converted_m <= max_ratio * e.median_as_is_m
        and e.share_closer >= min_share_closer
        and e.median_converted_m <= max_ratio * e.median_other_directions_m
    ):
        return True
    # many points (dense networks, where any shift lands near some street): a moderate
    # effect that is statistically certain
    n = e.n_points
    z_closer = (e.share_closer - 0.5) / (0.5 / np.sqrt(n))
    z_direction = (e.direction_score - 0.5) / (0.327 / np.sqrt(n))  # sd of a rank share of 7
    return bool(
        e.median_converted_m <= 0.8 * e.median_as_is_m
        and e.median_converted_m <= 0.8 * e.median_other_directions_m
        and z_closer >= z
        and z_direction >= z
    )


def detect_offset_hint(
    points_gdf: gpd.GeoDataFrame,
    reference_gdf,
    *,
    min_points: int = 5,
    max_ratio: float = 0.5,
    min_share_closer: float = 0.7,
    z: float = 3.0,
) -> str | None:
    """Warn when points declared WGS-84 look like GCJ-02 or BD-09 coordinates.

    The points (representative points of other geometries) are compared with the project's
    reference geometries (streets, communities, network: lines, polygon boundaries, points)
    as declared and after converting them gcj02 -> wgs84 and bd09 -> wgs84
    (:func:`offset_evidence`). A system is suspected when converting from it brings the
    points closer to the reference *and* works only in the direction of the datum shift --
    moving them by the same distance in the seven other compass directions does not. So
    points offset consistently one way are caught, while a layer that is merely far from
    the reference (centroids of large polygons, sparse data) is not. Two rules, either
    suffices:

    - large effect (few points): the median distance falls to at most ``max_ratio`` of the
      median as declared and of the median in other directions, and at least
      ``min_share_closer`` of the points come closer;
    - certain effect (many points, dense networks where any shift lands near some street):
      both medians fall below 0.8 of the alternatives, and both the share of points coming
      closer and the direction score (see :class:`OffsetEvidence`) exceed their chance
      value 0.5 by ``z`` standard errors.

    Returns
    -------
    str or None
        A bilingual hint naming the likely system and the ``--crs`` to use, else None.
    """
    if len(points_gdf) < min_points:
        return None
    evidence = [e for e in offset_evidence(points_gdf, reference_gdf) if e.n_points >= min_points]
    suspects = [e for e in evidence if _suspected(e, max_ratio, min_share_closer, z)]
    if not suspects:
        return None
    best = min(suspects, key=lambda e: e.median_converted_m)
    name_zh = {"gcj02": "GCJ-02(高德/腾讯地图)", "bd09": "BD-09(百度地图)"}[best.system]
    name_en = {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}[best.system]
    k = int(((best.shift_bearing_deg + 22.5) % 360) // 45)
    return (
        f"提示:这些坐标可能是 {name_zh} 坐标却按 WGS-84 导入——它们整体向{_COMPASS_ZH[k]}偏移约 "
        f"{best.shift_m:.0f} 米;按 {best.system} 转换后,到项目街道/社区/路网的中位距离由 "
        f"{best.median_as_is_m:.0f} 米降到 {best.median_converted_m:.0f} 米"
        f"({best.share_closer:.0%} 的点更近)。请确认后用 --crs {best.system} 重新导入。"
        f" / Hint: these coordinates look like {name_en} declared as WGS-84 -- they sit about "
        f"{best.shift_m:.0f} m {_COMPASS_EN[k]} of where they would be; converted from "
        f"{best.system}, the median distance to the project's streets/communities/network "
        f"falls from {best.median_as_is_m:.0f} m to {best.median_converted_m:.0f} m "
        f"({best.share_closer:.0%} of the points get closer). Check and re-import with "
        f"--crs {best.system}."
    )
