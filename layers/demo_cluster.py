"""The old-district cluster of the demo (:mod:`layers.demo`): where Art. 13's hub shows.

Art. 13 of the measures: where the public-benefit housing of an old area "cannot be
concentrated", the street sets up one central service station that radiates to the neighbouring
communities, and idle boiler rooms of government units are given to communities free. The demo's
old communities of 道外区 lie far apart, so its hub model found one station for one community.
This module gives the demo such a cluster, the way old 道外 is: one old community of 道外区 near
the historic centre, inside the walking network, is split into four small committees
(:data:`PIECES`, quarters around its centre), each with its own small station short of the
300 m2 of Art. 11, and an idle boiler room of the district housing bureau at the centre, large
enough for the four shortfalls together. The other layers stay as they were; features of the
split community (public spaces, cameras, buildings, its station) go to the quarter they lie in.

Its own random generator (``seed + 13``) keeps every other synthetic value unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from layers.demo_base import HISTORIC_CENTRE, NETWORK_BOX, to_metric, unique_names
from layers.schema import ROOM_CODES

CLUSTER_DISTRICT = "230104"
"""道外区: the old core district that holds the cluster."""
PIECES = 4
"""Committees the old community is split into (quarters around its centre)."""
MIN_AREA_M2 = 300_000.0
"""Smallest old community that is split (each quarter about 0.08 km2 or more)."""
STATION_AREA_M2 = (110.0, 190.0)
"""Range of the usable area of the quarters' stations (below the 300 m2 of Art. 11)."""
HUB_MARGIN = 1.2
"""The boiler room holds this many times the sum of the quarters' shortfalls (Art. 13: "while
the standard is still met")."""
HUB_SITE_ID = "BR-HUB"
HUB_UNIT = ("government", "区房产住宅局")
STANDARD_M2 = 300.0
"""Art. 11 usable area of a core-district community."""


def _inside_network(point: shapely.Point) -> bool:
    x0, y0 = to_metric(NETWORK_BOX[0], NETWORK_BOX[1])
    x1, y1 = to_metric(NETWORK_BOX[2], NETWORK_BOX[3])
    return min(x0, x1) + 300 < point.x < max(x0, x1) - 300 and (
        min(y0, y1) + 300 < point.y < max(y0, y1) - 300
    )


def _centre(geom) -> shapely.Point:
    centroid = shapely.centroid(geom)
    return centroid if shapely.within(centroid, geom) else shapely.point_on_surface(geom)


def cluster_parent(comm: pd.DataFrame) -> int | None:
    """Row of the community that is split: the old urban community of 道外区 of at least
    :data:`MIN_AREA_M2`, inside the walking network, nearest the historic centre (None if none)."""
    centre = shapely.Point(*to_metric(*HISTORIC_CENTRE))
    best, best_d = None, np.inf
    for i, c in comm.iterrows():
        if c["district_code"] != CLUSTER_DISTRICT or c["kind"] != "urban" or c["era"] != "old":
            continue
        geom = c["geometry"]
        point = _centre(geom)
        if geom.area < MIN_AREA_M2 or not _inside_network(point):
            continue
        d = point.distance(centre)
        if d < best_d:
            best, best_d = i, d
    return best


def _quarters(geom, centre: shapely.Point) -> list:
    """The parts of ``geom`` in the four quarters around ``centre`` (largest polygon of each)."""
    minx, miny, maxx, maxy = geom.bounds
    cx, cy = centre.x, centre.y
    boxes = [
        shapely.box(cx, cy, maxx + 1, maxy + 1),
        shapely.box(minx - 1, cy, cx, maxy + 1),
        shapely.box(minx - 1, miny - 1, cx, cy),
        shapely.box(cx, miny - 1, maxx + 1, cy),
    ]
    out = []
    for b in boxes:
        part = shapely.intersection(geom, b)
        polys = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon"]
        out.append(max(polys, key=lambda p: p.area) if polys else None)
    return out


def _relabel(frame: pd.DataFrame, parent: str, cells: list, ids: list[str]) -> pd.DataFrame:
    """``community_id`` of the parent's features set to the quarter each lies in."""
    if frame is None or not len(frame) or "community_id" not in frame.columns:
        return frame
    frame = frame.copy()
    rows = np.flatnonzero((frame["community_id"] == parent).to_numpy())
    for i in rows:
        point = shapely.point_on_surface(frame["geometry"].iloc[i])
        for cell, cid in zip(cells, ids, strict=True):
            if cell.covers(point):
                frame.iat[i, frame.columns.get_loc("community_id")] = cid
                break
    return frame


def _new_communities(rng, comm: pd.DataFrame, row: int, cells: list) -> pd.DataFrame:
    """The quarters as communities: the parent keeps its id on the first, households by area."""
    parent = comm.loc[row]
    street = parent["street_code"]
    taken = comm.loc[comm["street_code"] == street, "community_id"].str[-3:].astype(int)
    ids = [parent["community_id"]] + [
        f"{street}{int(taken.max()) + k:03d}" for k in range(1, len(cells))
    ]
    names = [parent["name"], *unique_names(rng, len(cells) - 1, "社区", set(comm["name"]))]
    share = np.array([c.area for c in cells]) / sum(c.area for c in cells)
    households = np.maximum(np.round(parent["households"] * share), 300).astype("int64")
    rows = []
    for cid, name, cell, hh in zip(ids, names, cells, households, strict=True):
        ratio = parent["population"] / max(parent["households"], 1)
        rows.append(
            {
                **parent.to_dict(),
                "community_id": cid,
                "name": name,
                "geometry": cell,
                "households": int(hh),
                "population": int(round(hh * ratio)),
            }
        )
    return pd.DataFrame(rows, columns=comm.columns)


def _stations(rng, quarters: pd.DataFrame, fac: pd.DataFrame) -> pd.DataFrame:
    """One small station per quarter (the parent's own station, moved into its quarter and made
    small too): the housing that "cannot be concentrated" of Art. 13."""
    fac = fac.copy()
    rows = []
    for q in quarters.itertuples(index=False):
        area = round(float(rng.uniform(*STATION_AREA_M2)), 1)
        fid = f"CS-{q.community_id}"
        inner = shapely.buffer(q.geometry, -30.0)
        centre = shapely.point_on_surface(q.geometry if inner.is_empty else inner)
        if fid in set(fac["facility_id"]):
            at = fac.index[fac["facility_id"] == fid][0]
            fac.loc[at, ["usable_area_m2", "rooms"]] = [area, ",".join(ROOM_CODES)]
            fac.at[at, "geometry"] = centre
            fac.at[at, "community_id"] = q.community_id
            continue
        rows.append(
            {
                "facility_id": fid,
                "name": f"{q.name}社区服务工作站",
                "kind": "community_station",
                "usable_area_m2": area,
                "community_id": q.community_id,
                "rooms": ",".join(ROOM_CODES),
                "status": "in_use",
                "geometry": centre,
            }
        )
    keep = ~(
        fac["community_id"].isin(set(quarters["community_id"])) & (fac["kind"] == "public_housing")
    )
    return pd.concat([fac[keep], pd.DataFrame(rows, columns=fac.columns)], ignore_index=True)


def _hub_site(quarters: pd.DataFrame, fac: pd.DataFrame, centre, boilers: pd.DataFrame):
    """The idle boiler room at the cluster's centre, holding the quarters' shortfalls."""
    station = fac[fac["facility_id"].isin([f"CS-{c}" for c in quarters["community_id"]])]
    shortfall = float((STANDARD_M2 - station["usable_area_m2"]).clip(lower=0).sum())
    first = quarters.iloc[0]
    site = shapely.Point(centre.x + 15.0, centre.y + 15.0)  # just inside the first quarter
    row = {
        "site_id": HUB_SITE_ID,
        "name": f"{first['name']}{HUB_UNIT[1]}锅炉房",
        "owner_unit": HUB_UNIT[1],
        "owner_type": HUB_UNIT[0],
        "idle": True,
        "usable_area_m2": float(round(shortfall * HUB_MARGIN, -1)),
        "condition": "fair",
        "community_id": first["community_id"],
        "geometry": site,
    }
    return pd.concat([boilers, pd.DataFrame([row], columns=boilers.columns)], ignore_index=True)


def old_district_cluster(seed: int, layers: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``layers`` (metric frames of :func:`layers.demo.build_demo_layers`) with the cluster:
    the parent community split in :data:`PIECES`, their stations, the hub boiler room, the
    parent's features and ratings given to the quarters. Unchanged when no community fits."""
    comm = layers["communities"]
    row = cluster_parent(comm)
    if row is None:
        return layers
    rng = np.random.default_rng(seed + 13)
    parent = comm.loc[row]
    centre = _centre(parent["geometry"])
    cells = [c for c in _quarters(parent["geometry"], centre) if c is not None]
    quarters = _new_communities(rng, comm, row, cells)
    ids = quarters["community_id"].tolist()
    out = dict(layers)
    at = comm.index.get_loc(row)  # the quarters take the parent's place in the layer
    out["communities"] = pd.concat(
        [comm.iloc[:at], quarters, comm.iloc[at + 1 :]], ignore_index=True
    )
    for name in ("public_spaces", "cameras", "buildings", "facilities"):
        out[name] = _relabel(layers.get(name), parent["community_id"], cells, ids)
    out["facilities"] = _stations(rng, quarters, out["facilities"])
    out["boiler_rooms"] = _hub_site(quarters, out["facilities"], centre, layers["boiler_rooms"])
    ratings = layers.get("ratings")
    if ratings is not None and len(ratings):
        own = ratings[ratings["community_id"] == parent["community_id"]]
        copies = [own.assign(community_id=cid) for cid in ids[1:]]
        out["ratings"] = pd.concat([ratings, *copies], ignore_index=True)
    return out
