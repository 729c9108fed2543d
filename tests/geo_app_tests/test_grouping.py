"""Grouping OSM residential areas into communities (issue 25 item 2): library, project, CLI.

Four residential areas in two streets of 道外区; two have mapped housing (estimated), one has
none (missing), one is a new development. Sums and majorities are computed by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo_app.cli import main
from geo_app.project import Project, ProjectSettings
from geo_app.workflows.grouping import (
    GROUPING_TABLE,
    RESIDENTIAL_LAYER,
    group_project_communities,
    ungroup_project_communities,
)
from geo_app.workflows.readiness import data_readiness
from layers.grouping import GroupingError, committee_rows, group_areas


def areas() -> gpd.GeoDataFrame:
    rows = [
        # id, name, street, households, basis, era
        ("osm_w1", "红旗小区", "S1", 300, "estimated", "old"),
        ("osm_w2", "未命名居住区 osm_w2", "S1", 0, "missing", "old"),
        ("osm_w3", "建国小区", "S2", 500, "estimated", "old"),
        ("osm_w4", "新城花园", "S2", 200, "estimated", "new"),
    ]
    return gpd.GeoDataFrame(
        {
            "community_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "street_code": [r[2] for r in rows],
            "district_code": "230104",
            "kind": "urban",
            "era": [r[5] for r in rows],
            "management": "basic",
            "households": [r[3] for r in rows],
            "population": [r[3] * 2 for r in rows],
            "households_basis": [r[4] for r in rows],
            "households_method": ["buildings" if r[4] == "estimated" else "" for r in rows],
            "era_basis": "assumed",
            "community_source": "osm_residential",
        },
        # osm_w3 (0.002 x 0.002) is four times osm_w4 (0.001 x 0.001)
        geometry=[
            box(126.60, 45.70, 126.601, 45.701),
            box(126.602, 45.70, 126.603, 45.701),
            box(126.61, 45.70, 126.612, 45.702),
            box(126.613, 45.70, 126.614, 45.701),
        ],
        crs="EPSG:4326",
    )


def streets() -> pd.DataFrame:
    return pd.DataFrame({"street_code": ["S1", "S2"], "name": ["靖宇街道", "太古街道"]})


def test_group_by_street_sums_and_records() -> None:
    g = group_areas(areas(), by="street", streets=streets(), metric_crs="EPSG:4551")
    c = g.communities.set_index("community_id")
    assert list(c.index) == ["grp_S1", "grp_S2"]
    assert c.loc["grp_S1", "name"] == "靖宇街道(居住区归并)"
    # S1: 300 estimated + an area without housing -> 300, estimated, 1 of 2 areas missing
    assert c.loc["grp_S1", "households"] == 300
    assert c.loc["grp_S1", "households_basis"] == "estimated"
    assert c.loc["grp_S1", "households_method"].startswith("buildings; 1 of 2")
    # S2: 500 + 200; era of the larger area (old, four times the new one)
    assert c.loc["grp_S2", "households"] == 700 and c.loc["grp_S2", "population"] == 1400
    assert c.loc["grp_S2", "era"] == "old" and c.loc["grp_S2", "era_basis"] == "assumed"
    assert set(c["community_source"]) == {"osm_grouped"} and list(c["n_areas"]) == [2, 2]
    m = g.membership
    assert dict(zip(m["area_id"], m["community_id"], strict=True)) == {
        "osm_w1": "grp_S1",
        "osm_w2": "grp_S1",
        "osm_w3": "grp_S2",
        "osm_w4": "grp_S2",
    }
    assert set(m["method"]) == {"street"}


def test_group_by_committee_table_by_id_and_name() -> None:
    table = pd.DataFrame(
        {
            "居委会名称": ["红旗社区", "红旗社区", "建国社区"],
            "社区编号": ["230104001001", None, "230104001002"],
            "居住区": ["osm_w1", "未命名居住区 osm_w2", "建国小区、不存在的小区"],
        }
    )
    g = group_areas(areas(), by="table", table=table)
    c = g.communities.set_index("community_id")
    assert list(c.index) == ["230104001001", "230104001002", "osm_w4"]  # osm_w4 left alone
    assert c.loc["230104001001", "name"] == "红旗社区"
    assert c.loc["230104001002", "households"] == 500
    assert c.loc["osm_w4", "community_source"] == "osm_residential"
    assert g.unmatched == ["建国社区: 不存在的小区"]
    assert g.membership["matched_by"].tolist() == ["id", "name", "name"]


def test_committee_table_needs_its_columns() -> None:
    with pytest.raises(GroupingError, match="居委会"):
        committee_rows(pd.DataFrame({"x": [1]}))
    rows = committee_rows(pd.DataFrame({"committee": ["甲"], "areas": ["a, b;c"]}))
    assert rows["area"].tolist() == ["a", "b", "c"]
    with pytest.raises(GroupingError, match="no residential area"):
        group_areas(areas(), by="table", table=pd.DataFrame({"居委会": ["甲"], "小区": ["无"]}))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "osm.gpkg", ProjectSettings(name="osm"))
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1"],
            "name": ["社区活动中心"],
            "kind": ["community_station"],
            "usable_area_m2": [120.0],
            "community_id": ["osm_w3"],
            "osm_id": ["osm_n9"],
        },
        geometry=[Point(126.611, 45.701)],
        crs="EPSG:4326",
    )
    districts = gpd.GeoDataFrame(
        {"district_code": ["230104"], "name": ["道外区"], "district_class": ["core"]},
        geometry=[box(126.5, 45.6, 126.7, 45.8)],
        crs="EPSG:4326",
    )
    street_shapes = gpd.GeoDataFrame(
        streets().assign(district_code="230104"),
        geometry=[box(126.5, 45.6, 126.605, 45.8), box(126.605, 45.6, 126.7, 45.8)],
        crs="EPSG:4326",
    )
    project.write_layers(
        {
            "communities": areas(),
            "facilities": facilities,
            "districts": districts,
            "streets": street_shapes,
        }
    )
    return project


def test_project_grouping_is_kept_redone_and_undone(project: Project, tmp_path: Path) -> None:
    group_project_communities(project, by="street")
    again = Project.open(project.store.path)
    assert sorted(again.layer("communities")["community_id"]) == ["grp_S1", "grp_S2"]
    assert len(again.layer(RESIDENTIAL_LAYER)) == 4
    assert len(again.layer(GROUPING_TABLE)) == 4
    assert again.layer("facilities")["community_id"].tolist() == ["grp_S2"]  # moved with osm_w3
    log = again.settings.parameters["community_grouping"]
    assert (log["method"], log["grouped_areas"], log["communities"]) == ("street", 4, 2)
    items = {i.key: i for i in data_readiness(again).items}
    assert "osm_grouped" in items and "osm_residential" not in items
    # redone from the kept areas with a committee table
    csv = tmp_path / "committees.csv"
    csv.write_text("居委会名称,居住区\n红旗社区,osm_w1、osm_w2、osm_w3、osm_w4\n", "utf-8")
    group_project_communities(again, by="table", table=csv)
    redone = Project.open(project.store.path)
    assert redone.layer("communities")["name"].tolist() == ["红旗社区"]
    assert redone.layer(GROUPING_TABLE)["source"].unique().tolist() == ["committees.csv"]
    assert ungroup_project_communities(redone) == 4
    back = Project.open(project.store.path)
    assert sorted(back.layer("communities")["community_id"]) == [f"osm_w{i}" for i in (1, 2, 3, 4)]
    assert not back.has_layer(GROUPING_TABLE)


def test_cli_group_communities(project: Project, tmp_path: Path, capsys) -> None:
    path = str(project.store.path)
    assert main(["group-communities", path, "--by", "street"]) == 0
    assert "已将 4 个居住区归并为 2 个社区" in capsys.readouterr().out
    assert main(["group-communities", path, "--table", str(tmp_path / "none.csv")]) == 2
    assert main(["group-communities", path, "--undo"]) == 0
    assert main(["readiness", path, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "OSM residential areas, not residents' committees" in out


def test_cli_facility_inventory_decides_the_district(project: Project, capsys) -> None:
    from geo_app.workflows import project_compliance

    path = str(project.store.path)
    before = project_compliance(Project.open(path)).totals()
    assert before["n_below"] == 0  # OSM facilities only: nothing is decided below
    assert main(["facility-inventory", path, "--district", "道外区"]) == 0
    assert "230104" in capsys.readouterr().out
    after = project_compliance(Project.open(path)).totals()
    assert after["n_below"] > 0 and after["n_undecided"] < before["n_undecided"]
    assert main(["facility-inventory", path, "--clear"]) == 0
    assert Project.open(path).settings.parameters["facility_inventory"] == []
