"""Building the project layers from OSM features: buildings, communities, facilities,
boiler rooms, cameras and the walking network."""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.crs import WGS84
from layers.osm._boundaries import _members, assemble_boundary, way_area
from layers.osm._reader import (
    BOILER_CONDITION,
    BOILER_IDLE_DEFAULT,
    BOILER_NAME,
    CAMERA_DEFAULTS,
    CAMERA_TYPES,
    CHIMNEY_BUILDING_RADIUS_M,
    ERA_DEFAULT,
    FACILITY_STATUS,
    KIND_DEFAULT,
    MANAGEMENT_DEFAULT,
    RESIDENTIAL_BUILDINGS,
    Progress,
    _area_m2,
    _bearing,
    _facility_kind,
    _gdf,
    _levels,
    _name,
    _osm_id,
    _point_join,
    _Raw,
)
from layers.progress import report
from layers.schema import FACILITY_KIND_LABELS


# -- building the layers ------------------------------------------------------------------------
def _features(raw: _Raw, frame: shapely.Polygon, counts: Counter) -> gpd.GeoDataFrame:
    """One row per tagged OSM object of interest: osm id, tags and geometry (WGS 84)."""
    rows = []
    for osm_id, tags, (lon, lat) in raw.nodes:
        rows.append(
            {"osm_id": _osm_id("n", osm_id), "tags": tags, "geometry": shapely.Point(lon, lat)}
        )
    for osm_id, tags, coords, closed in raw.ways:
        present = [c for c in coords if c is not None]
        missing = len(coords) - len(present)
        if missing:
            counts["ways_with_missing_nodes"] += 1
        if closed:
            geom, status = way_area(coords, frame)
        elif present:
            # an open way (e.g. a chimney drawn as a line): keep a point at its middle
            line = shapely.LineString(present) if len(present) > 1 else shapely.Point(present[0])
            geom, status = line.centroid, "trimmed" if missing else "complete"
        else:
            geom, status = None, "skipped"
        if missing:
            counts[f"ways_{status}"] += 1
        if geom is None:
            continue
        rows.append({"osm_id": _osm_id("w", osm_id), "tags": tags, "geometry": geom})
    for rel in raw.multipolygons:
        members, missing_ways = _members(rel, raw)
        complete = missing_ways == 0 and all(c is not None for m in members for c in m)
        if not complete:
            counts["multipolygons_skipped"] += 1
            continue
        geom, how = assemble_boundary(members, frame)
        if geom is None:
            counts["multipolygons_skipped"] += 1
            continue
        rows.append({"osm_id": _osm_id("r", rel.osm_id), "tags": rel.tags, "geometry": geom})
    frame_rows = pd.DataFrame(rows, columns=["osm_id", "tags", "geometry"])
    return gpd.GeoDataFrame(frame_rows, geometry="geometry", crs=WGS84)


def _polygon_mask(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()


def _build_buildings(feats: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    use = feats["tags"].map(lambda t: t.get("building"))
    mask = use.notna().to_numpy() & (use != "no").to_numpy() & _polygon_mask(feats)
    sub = feats[mask]
    levels = sub["tags"].map(lambda t: _levels(t.get("building:levels")))
    out = gpd.GeoDataFrame(
        {
            "levels": pd.array(
                [None if v is None or v != v else int(round(v)) for v in levels], dtype="Int64"
            ),
            "use": use[mask].to_numpy(),
            "name": sub["tags"].map(_name).to_numpy(),
            "osm_id": sub["osm_id"].to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs=WGS84,
    )
    return out.reset_index(drop=True)


def _build_communities(
    feats: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    crs: str,
    params: dict[str, float],
    counts: Counter,
) -> gpd.GeoDataFrame:
    residential = feats["tags"].map(lambda t: t.get("landuse") == "residential").to_numpy()
    mask = residential & _polygon_mask(feats)
    sub = feats[mask].reset_index(drop=True)
    ids = sub["osm_id"].to_numpy()
    names = [_name(t) or f"未命名居住区 {i}" for t, i in zip(sub["tags"], ids, strict=True)]
    counts["communities_unnamed"] = int(sum(_name(t) is None for t in sub["tags"]))
    out = gpd.GeoDataFrame(
        {"community_id": ids, "name": names}, geometry=sub.geometry.to_numpy(), crs=WGS84
    )
    reps = out.geometry.representative_point()
    joined, n_near = _point_join(reps, streets, ["street_code", "district_code"], crs, nearest=True)
    counts["communities_street_by_nearest"] = n_near
    out["street_code"] = joined["street_code"].to_numpy()
    out["district_code"] = joined["district_code"].to_numpy()
    missing = out["district_code"].isna().to_numpy()
    if missing.any() and not districts.empty:
        by_district, _ = _point_join(reps[missing], districts, ["district_code"], crs, nearest=True)
        out.loc[missing, "district_code"] = by_district["district_code"].to_numpy()
    out["kind"] = KIND_DEFAULT
    out["era"] = ERA_DEFAULT
    out["management"] = MANAGEMENT_DEFAULT

    # households from the residential buildings whose representative point lies inside
    homes = buildings[buildings["use"].isin(RESIDENTIAL_BUILDINGS)]
    households = np.zeros(len(out))
    n_buildings = np.zeros(len(out), dtype=int)
    if not homes.empty and not out.empty:
        metric = homes.to_crs(crs)
        floor = (
            metric.area.to_numpy()
            * homes["levels"].astype("float").fillna(params["default_levels"]).to_numpy()
        )
        pts = gpd.GeoDataFrame(
            {"floor": floor}, geometry=homes.geometry.representative_point(), crs=WGS84
        )
        area = _area_m2(out, crs)
        areas = gpd.GeoDataFrame({"area": area}, geometry=out.geometry, crs=WGS84)
        hit = gpd.sjoin(pts, areas, how="inner", predicate="within")
        # a building in nested areas counts once, in the smallest area
        hit = hit.sort_values("area").loc[lambda h: ~h.index.duplicated(keep="first")]
        sums = hit.groupby("index_right")["floor"].sum()
        households[sums.index.to_numpy()] = sums.to_numpy() / params["flat_size_m2"]
        n_buildings[sums.index.to_numpy()] = hit.groupby("index_right").size().to_numpy()
        counts["residential_buildings_used"] = int(len(hit))
    out["households"] = np.round(households).astype("int64")
    out["population"] = np.round(out["households"] * params["persons_per_household"]).astype(
        "int64"
    )
    out["n_buildings"] = n_buildings
    # the basis of the numbers (layers.basis): estimated households, assumed era, OSM areas
    out["households_basis"] = np.where(n_buildings > 0, "estimated", "missing").astype(object)
    out["households_method"] = np.where(n_buildings > 0, "buildings", "").astype(object)
    out["era_basis"] = "assumed"
    out["community_source"] = "osm_residential"
    out["osm_id"] = ids
    counts["communities_without_buildings"] = int((n_buildings == 0).sum())
    counts["communities_without_street"] = int(out["street_code"].isna().sum())
    columns = [
        "community_id",
        "name",
        "street_code",
        "district_code",
        "kind",
        "era",
        "management",
        "households",
        "population",
        "households_basis",
        "households_method",
        "era_basis",
        "community_source",
        "n_buildings",
        "osm_id",
        "geometry",
    ]
    return out[columns]


def _usable_area(feats: gpd.GeoDataFrame, crs: str) -> tuple[np.ndarray, list[str]]:
    """Footprint area (x tagged levels for buildings) of polygons; NaN for points."""
    area = np.full(len(feats), np.nan)
    source = ["unknown"] * len(feats)
    poly = _polygon_mask(feats)
    if poly.any():
        footprint = _area_m2(feats[poly], crs)
        for j, (i, tags) in enumerate(zip(np.flatnonzero(poly), feats["tags"][poly], strict=True)):
            levels = _levels(tags.get("building:levels")) if tags.get("building") else None
            area[i] = footprint[j] * (levels or 1.0)
            source[i] = "footprint_x_levels" if levels else "footprint"
    return area, source


def _build_facilities(
    feats: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, crs: str
) -> gpd.GeoDataFrame:
    kinds = feats["tags"].map(_facility_kind)
    sub = feats[kinds.notna().to_numpy()].reset_index(drop=True)
    kind = kinds.dropna().to_numpy()
    area, source = _usable_area(sub, crs)
    names = [_name(t) or FACILITY_KIND_LABELS[k][0] for t, k in zip(sub["tags"], kind, strict=True)]
    out = gpd.GeoDataFrame(
        {
            "facility_id": sub["osm_id"].to_numpy(),
            "name": names,
            "kind": kind,
            "usable_area_m2": area,
            "area_source": source,
            "status": FACILITY_STATUS,
            "osm_id": sub["osm_id"].to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs=WGS84,
    )
    joined, _ = _point_join(
        out.geometry.representative_point(), communities, ["community_id"], crs, nearest=False
    )
    out.insert(4, "community_id", joined["community_id"].to_numpy())
    return out


def _build_boiler_rooms(
    feats: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, crs: str, counts: Counter
) -> gpd.GeoDataFrame:
    tags = feats["tags"]
    is_chimney = tags.map(lambda t: t.get("man_made") == "chimney").to_numpy()
    is_house = tags.map(
        lambda t: (
            bool(t.get("building"))
            and t.get("man_made") != "chimney"
            and (t.get("building") == "boiler_house" or bool(BOILER_NAME.search(_name(t) or "")))
        )
    ).to_numpy() & _polygon_mask(feats)
    plants = feats[tags.map(lambda t: t.get("power") == "plant").to_numpy() & _polygon_mask(feats)]

    rows: dict[str, dict] = {}
    houses = feats[is_house]
    area, source = _usable_area(houses, crs)
    for (osm_id, t, geom), a, s in zip(
        houses[["osm_id", "tags", "geometry"]].itertuples(index=False), area, source, strict=True
    ):
        rows[osm_id] = _boiler_row(osm_id, t, geom, a, s, "boiler_house")
    counts["boiler_houses"] = len(rows)

    chimneys = feats[is_chimney]
    if not chimneys.empty:
        pts = chimneys.geometry.representative_point()
        in_plant = np.zeros(len(chimneys), dtype=bool)
        if not plants.empty:
            inside = gpd.sjoin(
                gpd.GeoDataFrame(geometry=pts.to_numpy(), crs=WGS84),
                plants[["geometry"]],
                predicate="within",
            )
            in_plant[np.unique(inside.index.to_numpy())] = True
        counts["chimneys"] = len(chimneys)
        counts["chimneys_in_power_plants"] = int(in_plant.sum())
        candidates = buildings[~buildings["osm_id"].isin(chimneys["osm_id"])]
        near = pd.DataFrame()
        if not candidates.empty:
            left = gpd.GeoDataFrame(geometry=pts.to_numpy(), crs=WGS84).to_crs(crs)
            right = candidates[["osm_id", "geometry"]].to_crs(crs).reset_index(drop=True)
            near = gpd.sjoin_nearest(
                left, right, how="left", max_distance=CHIMNEY_BUILDING_RADIUS_M
            )
            near = near[~near.index.duplicated(keep="first")]
        for i, (osm_id, t, _geom) in enumerate(
            chimneys[["osm_id", "tags", "geometry"]].itertuples(index=False)
        ):
            if in_plant[i]:
                continue
            building_id = near["osm_id"].iloc[i] if len(near) else None
            if isinstance(building_id, str):
                if building_id in rows:
                    counts["chimneys_sharing_a_building"] += 1
                    continue
                b = buildings[buildings["osm_id"] == building_id]
                b_tags = (
                    {"building:levels": str(b["levels"].iloc[0])}
                    if pd.notna(b["levels"].iloc[0])
                    else {}
                )
                b_tags["building"] = str(b["use"].iloc[0])
                if isinstance(b["name"].iloc[0], str):
                    b_tags["name"] = b["name"].iloc[0]
                sub = gpd.GeoDataFrame(
                    {"tags": [b_tags]}, geometry=b.geometry.to_numpy(), crs=WGS84
                )
                a, s = _usable_area(sub, crs)
                row = _boiler_row(
                    building_id, {**b_tags, **t}, b.geometry.iloc[0], a[0], s[0], "chimney_building"
                )
                rows[building_id] = row
                counts["chimneys_with_building"] += 1
            else:
                rows[osm_id] = _boiler_row(osm_id, t, pts.iloc[i], np.nan, "unknown", "chimney")
                counts["chimneys_without_building"] += 1
    columns = [
        "site_id",
        "name",
        "owner_unit",
        "owner_type",
        "idle",
        "usable_area_m2",
        "condition",
        "area_source",
        "evidence",
        "osm_id",
    ]
    out = _gdf(list(rows.values()), columns)
    out["idle"] = out["idle"].astype(bool)
    out["usable_area_m2"] = out["usable_area_m2"].astype(float)
    return out


def _boiler_row(osm_id: str, tags: Mapping, geom, area: float, source: str, evidence: str) -> dict:
    return {
        "site_id": osm_id,
        "name": _name(tags) or f"锅炉房候选 {osm_id}",
        "owner_unit": tags.get("operator") or tags.get("owner"),
        "owner_type": None,
        "idle": BOILER_IDLE_DEFAULT,
        "usable_area_m2": area,
        "condition": BOILER_CONDITION,
        "area_source": source,
        "evidence": evidence,
        "osm_id": osm_id,
        "geometry": geom,
    }


def _build_cameras(feats: gpd.GeoDataFrame, counts: Counter) -> gpd.GeoDataFrame:
    rows = []
    for osm_id, tags, geom in feats[["osm_id", "tags", "geometry"]].itertuples(index=False):
        if tags.get("man_made") != "surveillance":
            continue
        if tags.get("surveillance:type", "camera").lower() not in ("camera", "alpr"):
            continue
        if not isinstance(geom, shapely.Point):
            geom = geom.representative_point()
        kind = CAMERA_TYPES.get(tags.get("camera:type", "").lower(), "bullet")
        fov, rng = CAMERA_DEFAULTS[kind]
        bearing = _bearing(tags)
        if bearing is None:
            counts["cameras_without_direction"] += 1
            bearing, fov = 0.0, 360.0
        rows.append(
            {
                "camera_id": osm_id,
                "kind": kind,
                "bearing_deg": float(bearing),
                "fov_deg": float(fov),
                "range_m": float(rng),
                "status": "working",
                "surveillance": tags.get("surveillance"),
                "osm_id": osm_id,
                "geometry": geom,
            }
        )
    columns = [
        "camera_id",
        "kind",
        "bearing_deg",
        "fov_deg",
        "range_m",
        "status",
        "surveillance",
        "osm_id",
    ]
    return _gdf(rows, columns)


def _load_network(path: Path, counts: Counter, progress: Progress | None):
    from layers.network import load_walking_network, network_to_layers

    def sub(fraction: float, message: str) -> None:
        report(progress, 0.6 + 0.35 * fraction, message)

    # the network module warns about clipped ways; the import report states the same counts
    logger = logging.getLogger("layers.network")
    mute = logging.Filter("-")  # a filter no record name matches
    logger.addFilter(mute)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G = load_walking_network(path, progress=sub)
    except Exception as exc:  # NetworkError: no walkable ways in the file
        if type(exc).__name__ != "NetworkError":
            raise
        counts["network_missing"] = 1
        return None, None
    finally:
        logger.removeFilter(mute)
    for key, value in G.graph.get("dropped", {}).items():
        counts[f"network_{key}"] = int(value)
    return network_to_layers(G)
