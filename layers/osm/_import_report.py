"""The layer metadata (every estimate and default) and the report of an OSM import."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.osm._reader import (
    BOILER_IDLE_DEFAULT,
    CAMERA_DEFAULTS,
    CHIMNEY_BUILDING_RADIUS_M,
    ERA_DEFAULT,
    FACILITY_STATUS,
    FACILITY_TAGS,
    KIND_DEFAULT,
    MANAGEMENT_DEFAULT,
    OSM_ATTRIBUTION,
    RESIDENTIAL_BUILDINGS,
)


# -- metadata and report ------------------------------------------------------------------------
def _metadata(path: Path, bbox, params: dict[str, float], crs: str) -> pd.DataFrame:
    box = ", ".join(f"{v:.6f}" for v in bbox)
    facility_map = "; ".join(f"{k}={v} -> {kind}" for (k, v), kind in FACILITY_TAGS.items())
    camera_defaults = "; ".join(
        f"{kind}: fov {fov:g} deg, range {rng:g} m" for kind, (fov, rng) in CAMERA_DEFAULTS.items()
    )
    rows = [
        ("*", "source", f"OpenStreetMap: {path.name}"),
        ("*", "license", OSM_ATTRIBUTION),
        ("*", "bbox_wgs84", box),
        ("*", "metric_crs", crs),
        (
            "districts",
            "method",
            "boundary=administrative admin_level=6 relations clipped to the extract's bbox; district_code from division_code or the Chinese name; district_class per Art. 11 (双城 via project setting)",
        ),
        (
            "streets",
            "method",
            "admin_level=8 relations clipped to the bbox; street_code = 9-digit township code of division_code, else district_code + 9NN (by relation id); district_code from division_code or the district of largest overlap",
        ),
        (
            "communities",
            "method",
            "landuse=residential ways and multipolygons; community_id osm_w<id>/osm_r<id>; street_code and district_code of the street containing the representative point (nearest street if none)",
        ),
        (
            "communities",
            "households_method",
            f"households = sum over residential buildings (building={'/'.join(sorted(RESIDENTIAL_BUILDINGS))}) whose representative point lies in the area of footprint area (m2, {crs}) x levels (building:levels, else {params['default_levels']:g}) / {params['flat_size_m2']:g} m2 gross floor area per household; 0 where no building is mapped",
        ),
        (
            "communities",
            "households_method_zh",
            f"户数 = 居住区内住宅建筑(以代表点判定)基底面积(平方米,{crs})x 层数(building:levels,缺省 {params['default_levels']:g} 层)/ 每户建筑面积 {params['flat_size_m2']:g} 平方米之和;无建筑者为 0",
        ),
        ("communities", "flat_size_m2", f"{params['flat_size_m2']:g}"),
        ("communities", "default_levels", f"{params['default_levels']:g}"),
        ("communities", "persons_per_household", f"{params['persons_per_household']:g}"),
        (
            "communities",
            "population_method",
            f"population = households x {params['persons_per_household']:g}",
        ),
        (
            "communities",
            "basis",
            "households_basis estimated (households_method buildings) where residential "
            "buildings are mapped, missing where none is (households 0 is then unknown, not "
            "zero); era_basis assumed; community_source osm_residential (residential areas, "
            "not residents' committees: group them with geo-app group-communities)",
        ),
        ("communities", "kind_default", f"{KIND_DEFAULT} (OSM has no urban/rural status)"),
        (
            "communities",
            "era_default",
            f"{ERA_DEFAULT} (unknown in OSM; set per community after survey)",
        ),
        (
            "communities",
            "management_default",
            f"{MANAGEMENT_DEFAULT} (unknown in OSM; set per community after survey)",
        ),
        (
            "buildings",
            "method",
            "building=* (except no); levels = building:levels as tagged (empty when untagged); use = the building value",
        ),
        (
            "facilities",
            "kind_mapping",
            facility_map
            + "; amenity=hospital named 社区卫生服务… -> health_centre; left out: other hospitals (not community facilities), access=private/no, town halls of a province/city/district/county government (…政府), university and college libraries",
        ),
        (
            "facilities",
            "usable_area_method",
            "polygon: footprint area x building:levels when tagged (area_source footprint_x_levels), else footprint area (footprint); point: unknown, left empty (NaN) for survey",
        ),
        ("facilities", "status_default", FACILITY_STATUS),
        (
            "facilities",
            "inventory",
            "absent: OpenStreetMap is not an inventory of community public-benefit housing or "
            "stations; a district has facility data once the office's facilities are imported "
            "there (or it is declared in the project parameter facility_inventory)",
        ),
        (
            "boiler_rooms",
            "method",
            f"candidates (Art. 13): building=boiler_house or buildings named 锅炉房/锅炉中心; man_made=chimney -> the nearest building within {CHIMNEY_BUILDING_RADIUS_M:g} m (the chimney point when none); chimneys inside power=plant areas (city heating/power plants) are left out",
        ),
        (
            "boiler_rooms",
            "idle_default",
            f"{BOILER_IDLE_DEFAULT} (unknown in OSM: candidates to verify on site)",
        ),
        (
            "boiler_rooms",
            "usable_area_method",
            "footprint area x building:levels when tagged, else footprint; chimney without building: unknown (NaN)",
        ),
        (
            "cameras",
            "method",
            "man_made=surveillance (surveillance:type camera/ALPR); camera:type fixed->bullet, dome->dome, panning->ptz (default bullet); bearing from camera:direction (degrees or compass); no direction -> bearing 0, fov 360",
        ),
        (
            "cameras",
            "defaults",
            camera_defaults + "; status working (OSM does not record breakage)",
        ),
        (
            "network_nodes",
            "method",
            "walkable ways (osmnx network_type=walk filter) via layers.network; largest connected component",
        ),
    ]
    return pd.DataFrame(rows, columns=["layer", "key", "value"])


def _report_lines(layers: dict[str, gpd.GeoDataFrame], counts: Counter) -> list[str]:
    lines: list[str] = []
    c = counts
    if c["ways_with_missing_nodes"]:
        lines.append(
            f"裁剪:{c['ways_with_missing_nodes']} 条要素路径缺少节点,"
            f"{c['ways_trimmed']} 条已截断保留,{c['ways_skipped']} 条已舍弃 / "
            f"clipped: {c['ways_with_missing_nodes']} feature ways miss nodes, "
            f"{c['ways_trimmed']} trimmed and kept, {c['ways_skipped']} dropped"
        )
    if c["multipolygons_skipped"]:
        lines.append(
            f"{c['multipolygons_skipped']} 个多边形关系不完整,已跳过 / "
            f"{c['multipolygons_skipped']} incomplete multipolygon relations skipped"
        )
    for level, zh, en in (("6", "区县", "district"), ("8", "街道", "street")):
        missing = c[f"admin{level}_missing_member_ways"]
        label = sum(c[f"admin{level}_{how}"] for how in ("label", "neighbours", "parent"))
        if missing or label or c[f"admin{level}_skipped"]:
            lines.append(
                f"{zh}边界:{missing} 条成员路径不在文件中;{label} 个被裁剪的边界按范围框重建,"
                f"{c[f'admin{level}_skipped']} 个跳过 / {en} boundaries: {missing} member ways "
                f"not in the file; {label} clipped boundaries rebuilt inside the bbox, "
                f"{c[f'admin{level}_skipped']} skipped"
            )
    if c["street_codes_generated"]:
        lines.append(
            f"{c['street_codes_generated']} 个街道无 division_code,已生成代码 / "
            f"{c['street_codes_generated']} streets without division_code got generated codes"
        )
    if c["communities_street_by_nearest"]:
        lines.append(
            f"{c['communities_street_by_nearest']} 个居住区不在任何街道内,按最近街道归属 / "
            f"{c['communities_street_by_nearest']} communities outside every street were "
            "given the nearest street"
        )
    if c["communities_without_street"]:
        lines.append(
            f"{c['communities_without_street']} 个居住区没有街道(文件中无街道边界),"
            "street_code 为空,请补充街道图层 / "
            f"{c['communities_without_street']} communities have no street (no street "
            "boundaries in the file): street_code left empty, add a streets layer"
        )
    if c["communities_without_buildings"]:
        lines.append(
            f"{c['communities_without_buildings']} 个居住区内无住宅建筑,户数记为 0 / "
            f"{c['communities_without_buildings']} communities contain no mapped housing: "
            "households 0"
        )
    if c["chimneys"]:
        lines.append(
            f"烟囱 {c['chimneys']} 个:{c['chimneys_with_building']} 个取附近建筑,"
            f"{c['chimneys_without_building']} 个无建筑(面积未知),"
            f"{c['chimneys_sharing_a_building']} 个与其他烟囱同一建筑,"
            f"{c['chimneys_in_power_plants']} 个位于热电厂内未计入 / "
            f"chimneys {c['chimneys']}: {c['chimneys_with_building']} with a nearby building, "
            f"{c['chimneys_without_building']} without (area unknown), "
            f"{c['chimneys_sharing_a_building']} sharing a building, "
            f"{c['chimneys_in_power_plants']} inside power plants left out"
        )
    if "cameras" not in layers:
        lines.append(
            "文件中没有监控摄像头(man_made=surveillance)/ no cameras "
            "(man_made=surveillance) in the file"
        )
    if c["network_missing"]:
        lines.append("文件中没有可步行道路 / no walkable ways in the file")
    elif c["network_missing_node_refs"]:
        lines.append(
            f"路网:{c['network_missing_node_refs']} 个节点引用缺失,"
            f"{c['network_ways_trimmed']} 条道路截断,{c['network_ways_dropped']} 条舍弃,"
            f"{c['network_small_component_nodes']} 个孤立节点移除 / network: "
            f"{c['network_missing_node_refs']} node references missing, "
            f"{c['network_ways_trimmed']} ways trimmed, {c['network_ways_dropped']} dropped, "
            f"{c['network_small_component_nodes']} nodes of small components removed"
        )
    return lines
