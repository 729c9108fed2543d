"""The coordinate system of a planner's file: accepted names, CGCS2000 zones, GCJ-02/BD-09\nand the conversion to WGS-84 with notes of what was assumed."""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
from pyproj import CRS

from layers.crs import WGS84, convert_gdf
from layers.errors import PlannerError
from layers.field_values import is_wgs84

CGCS2000_GEOGRAPHIC = "EPSG:4490"


CRS_ALIASES: dict[str, str] = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "wgs_84": "wgs84",
    "gps": "wgs84",
    "4326": "wgs84",
    "epsg:4326": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "火星": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
    "cgcs2000": "cgcs2000",
    "cgcs-2000": "cgcs2000",
    "国家2000": "cgcs2000",
    "2000": "cgcs2000",
}
"""Spellings accepted for ``source_crs`` (besides ``EPSG:N``)."""


class MappingError(PlannerError, ValueError):
    """A field mapping or coordinate system choice cannot be used (message in zh / en)."""


# -- coordinates ---------------------------------------------------------------------------


def normalize_crs_name(source_crs: str | int | None) -> str | None:
    """``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:N`` from a planner's spelling."""
    if source_crs is None:
        return None
    text = unicodedata.normalize("NFKC", str(source_crs)).strip().lower().replace(" ", "")
    if not text:
        return None
    if text in CRS_ALIASES:
        return CRS_ALIASES[text]
    m = re.fullmatch(r"(?:epsg:?)?(\d{4,6})", text)
    if m:
        code = int(m.group(1))
        if code == 4326:
            return "wgs84"
        try:
            CRS.from_epsg(code)
        except Exception:
            raise MappingError(f"未知的 EPSG 代码 {code}", f"unknown EPSG code {code}") from None
        return f"EPSG:{code}"
    raise MappingError(
        f"未知坐标系 {source_crs!r};可选 wgs84、gcj02(高德/腾讯)、bd09(百度)、cgcs2000 或 EPSG:代码",
        f"unknown coordinate system {source_crs!r}; choose wgs84, gcj02 (Amap/Tencent), "
        "bd09 (Baidu), cgcs2000 or EPSG:N",
    )


def _looks_like_degrees(gdf: gpd.GeoDataFrame) -> bool:
    b = gdf.total_bounds
    if not np.all(np.isfinite(b)):
        return True
    return bool(-180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90)


def _crs_label(crs) -> str:
    try:
        c = CRS.from_user_input(crs)
        epsg = c.to_epsg()
        return f"EPSG:{epsg} {c.name}" if epsg else c.name
    except Exception:
        return str(crs)


def to_wgs84(
    gdf: gpd.GeoDataFrame, source_crs: str | None, *, metric_crs: str | None = None
) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """Convert ``gdf`` to WGS-84 (EPSG:4326) from the declared coordinate system.

    Parameters
    ----------
    gdf : GeoDataFrame
        Source layer (not modified).
    source_crs : str or None
        ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` or ``EPSG:N``; ``None`` uses the CRS
        the file declares (WGS-84 if it declares none).
    metric_crs : str, optional
        CGCS2000 Gauss-Kruger CRS to assume for ``cgcs2000`` plane coordinates without a zone
        number in the easting (the project's metric CRS, EPSG:4551 for Harbin).

    Returns
    -------
    (GeoDataFrame, list of (zh, en) notes)
    """
    system = normalize_crs_name(source_crs)
    notes: list[tuple[str, str]] = []
    declared = gdf.crs
    out = gdf
    if system is None:
        if declared is None:
            notes.append(
                ("文件未声明坐标系,按 WGS-84 处理", "the file declares no CRS; read as WGS-84")
            )
            return out.set_crs(WGS84), notes
        if is_wgs84(declared):
            return out.copy(), notes
        notes.append(
            (
                f"按文件声明的坐标系 {_crs_label(declared)} 转换为 WGS-84",
                f"converted from the declared CRS {_crs_label(declared)} to WGS-84",
            )
        )
        return out.to_crs(WGS84), notes
    if system in ("wgs84", "gcj02", "bd09"):
        if declared is not None and not CRS.from_user_input(declared).is_geographic:
            if system == "wgs84":
                notes.append(
                    (
                        f"文件坐标为平面坐标 {_crs_label(declared)},已转换为 WGS-84",
                        f"the file has plane coordinates {_crs_label(declared)}; "
                        "converted to WGS-84",
                    )
                )
                return out.to_crs(WGS84), notes
            raise MappingError(
                f"文件坐标是平面坐标({_crs_label(declared)}),不是 {system} 经纬度;"
                "请用 --crs EPSG:代码 指定",
                f"the file has plane coordinates ({_crs_label(declared)}), not {system} "
                "longitude/latitude; pass --crs EPSG:N",
            )
        if not _looks_like_degrees(out):
            raise MappingError(
                f"坐标值不是经纬度,不能按 {system} 处理;平面坐标请用 --crs cgcs2000 或 EPSG:代码",
                f"the coordinates are not degrees, so they cannot be {system}; for plane "
                "coordinates pass --crs cgcs2000 or EPSG:N",
            )
        out = out.set_crs(WGS84, allow_override=True)
        if system != "wgs84":
            out = convert_gdf(out, system, "wgs84")
            name = {"gcj02": "GCJ-02(高德/腾讯)", "bd09": "BD-09(百度)"}[system]
            notes.append(
                (
                    f"坐标由 {name} 转换为 WGS-84",
                    f"coordinates converted from {system.upper()} to WGS-84",
                )
            )
        return out, notes
    if system == "cgcs2000":
        epsg = _cgcs2000_epsg(out, metric_crs)
        notes.append(
            (
                f"坐标按 CGCS2000({_crs_label(epsg)})转换为 WGS-84",
                f"coordinates read as CGCS2000 ({_crs_label(epsg)}) and converted to WGS-84",
            )
        )
        return out.set_crs(epsg, allow_override=True).to_crs(WGS84), notes
    # EPSG:N
    if declared is not None and not CRS.from_user_input(declared).equals(
        CRS.from_user_input(system)
    ):
        notes.append(
            (
                f"文件声明的坐标系 {_crs_label(declared)} 被指定的 {system} 取代",
                f"the declared CRS {_crs_label(declared)} was overridden by {system}",
            )
        )
    out = out.set_crs(system, allow_override=True)
    if not is_wgs84(system):
        out = out.to_crs(WGS84)
        notes.append((f"坐标由 {system} 转换为 WGS-84", f"coordinates converted from {system}"))
    return out, notes


def _cgcs2000_epsg(gdf: gpd.GeoDataFrame, metric: str | None) -> str:
    """EPSG code for coordinates declared CGCS2000: geographic, GK with zone prefix, or GK CM."""
    if _looks_like_degrees(gdf):
        return CGCS2000_GEOGRAPHIC
    minx = gdf.total_bounds[0]
    maxx = gdf.total_bounds[2]
    zone_min, zone_max = int(minx // 1_000_000), int(maxx // 1_000_000)
    if zone_min == zone_max and 25 <= zone_min <= 45:
        return f"EPSG:{4488 + zone_min}"  # CGCS2000 / 3-degree GK zone 25..45 = EPSG:4513..4533
    if minx > 0 and maxx < 1_000_000:
        if metric:
            return metric
        raise MappingError(
            "CGCS2000 平面坐标没有带号,请用 --crs EPSG:代码 指定投影带(哈尔滨为 EPSG:4551)",
            "CGCS2000 plane coordinates without zone number: pass --crs EPSG:N "
            "(EPSG:4551 for Harbin)",
        )
    raise MappingError(
        "无法识别的 CGCS2000 坐标,请用 --crs EPSG:代码 指定",
        "unrecognised CGCS2000 coordinates; pass --crs EPSG:N",
    )
