"""Coordinate systems: WGS-84 <-> GCJ-02 <-> BD-09 and the metric CRS of a project.

GCJ-02 is the obfuscated datum of Amap and Tencent maps, BD-09 the one of Baidu maps. Both are
defined only inside China; outside China the conversions return the input unchanged. The
inverse of GCJ-02 has no closed form: ``gcj02_to_wgs84`` iterates the forward transform to a
fixed point (millimetre accuracy), not the one-step approximation of many libraries.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from layers.errors import InputValueError

WGS84 = "EPSG:4326"
"""Longitude/latitude on WGS 84: the CRS every layer of a project is stored in."""

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0

SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

# Rough outline of China used by the conversions (the de-facto convention of the public
# implementations: a bounding box; points outside are left unchanged).
CHINA_BOUNDS = (72.004, 0.8293, 137.8347, 55.8271)


def out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Boolean mask of coordinates outside China's extent (no shift is applied there)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    minx, miny, maxx, maxy = CHINA_BOUNDS
    return ~((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs = np.sqrt(np.abs(x))
    six = 20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs
    dlat += six * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs
    dlon += six * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    return dlon, dlat


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 longitudes/latitudes (arrays or scalars) to GCJ-02."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _delta(lon, lat)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def gcj02_to_wgs84(lon, lat, *, tol: float = 1e-10, max_iter: int = 30):
    """Convert GCJ-02 to WGS-84 by fixed-point iteration of the forward transform."""
    lon, lat = _arrays(lon, lat)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(max_iter):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = glon - lon, glat - lat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.all(np.abs(elon) < tol) and np.all(np.abs(elat) < tol):
            break
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, wlon), np.where(outside, lat, wlat)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 to BD-09 (Baidu)."""
    lon, lat = _arrays(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    blon, blat = z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, blon), np.where(outside, lat, blat)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 to GCJ-02 by iterating the forward transform."""
    lon, lat = _arrays(lon, lat)
    # closed-form first guess, then Newton-free fixed point refinement
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(10):
        blon, blat = gcj02_to_bd09(glon, glat)
        glon = glon - (blon - lon)
        glat = glat - (blat - lat)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, glon), np.where(outside, lat, glat)


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 to BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 to WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_CONVERTERS = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}


def _check_system(name: str) -> str:
    key = name.lower().replace("-", "").replace("_", "")
    if key not in SYSTEMS:
        raise InputValueError(
            f"未知坐标系 {name!r},可选 wgs84、gcj02、bd09 / unknown coordinate system {name!r}; "
            "choose wgs84, gcj02 or bd09"
        )
    return key


def convert_coords(lon, lat, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinate arrays between ``wgs84``, ``gcj02`` and ``bd09``."""
    src, dst = _check_system(src), _check_system(dst)
    if src == dst:
        return _arrays(lon, lat)
    return _CONVERTERS[(src, dst)](lon, lat)


def convert_gdf(gdf: gpd.GeoDataFrame, src: str, dst: str) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` (longitude/latitude, EPSG:4326) with coordinates converted.

    Works on every geometry type, vertex by vertex; the input is not modified.
    """
    src, dst = _check_system(src), _check_system(dst)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        raise InputValueError(
            "GCJ-02/BD-09 转换需要经纬度坐标 (EPSG:4326) / "
            "GCJ-02/BD-09 conversion needs longitude/latitude coordinates (EPSG:4326)"
        )
    out = gdf.copy()
    if src == dst:
        return out

    def _transform(coords: np.ndarray) -> np.ndarray:
        lon, lat = convert_coords(coords[:, 0], coords[:, 1], src, dst)
        return np.column_stack([lon, lat])

    out[out.geometry.name] = shapely.transform(gdf.geometry.values, _transform)
    return out


def gauss_kruger_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger CM zone containing ``lon``.

    The "CM" family (EPSG:4534-4554, no zone prefix in the easting) covers central meridians
    75E-135E; Harbin (126.6E) falls in the 126E zone, EPSG:4551.
    """
    central = int(round(lon / 3.0)) * 3
    if not 75 <= central <= 135:
        raise InputValueError(f"经度 {lon} 不在中国 / longitude {lon} is outside China")
    return 4534 + (central - 75) // 3


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS-84 UTM zone containing the point."""
    zone = int((lon + 180) // 6) + 1
    zone = min(max(zone, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def metric_crs(lon: float, lat: float) -> str:
    """Metric CRS for a project centred at (lon, lat): CGCS2000 GK in China, UTM elsewhere."""
    if not bool(out_of_china(lon, lat)):
        return f"EPSG:{gauss_kruger_epsg(lon)}"
    return f"EPSG:{utm_epsg(lon, lat)}"
