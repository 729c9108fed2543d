"""Art. 14 registry on a GeoPackage project: register, file, what waits, registered areas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo_app.project import Project
from geo_app.workflows import project_compliance
from geo_app.workflows.registry import file_housing, register_housing, registry_waiting
from layers.registry import RegistryError


@pytest.fixture
def project(tmp_path: Path, demo_project_path: Path) -> Project:
    path = tmp_path / "P.gpkg"
    shutil.copyfile(demo_project_path, path)
    return Project.open(path)


def _station(project: Project):
    facilities = project.layer("facilities")
    return facilities[facilities["kind"] == "community_station"].iloc[0]


def test_register_then_file_moves_the_row_through_the_levels(project: Project) -> None:
    station = _station(project)
    waiting = registry_waiting(project)
    n_street = len(waiting["street"])
    assert station["facility_id"] in set(waiting["street"]["facility_id"])
    assert waiting["district"].empty

    row = register_housing(
        project,
        station["facility_id"],
        ownership="区政府产权",
        use="社区服务站",
        registered_by="道里区某街道",
        registered_at="2026-12-01",
    )
    assert row.loc[0, "usable_area_m2"] == pytest.approx(float(station["usable_area_m2"]))
    assert row.loc[0, "community_id"] == station["community_id"]
    waiting = registry_waiting(project)
    assert len(waiting["street"]) == n_street - 1
    assert waiting["district"]["facility_id"].tolist() == [station["facility_id"]]

    file_housing(project, [station["facility_id"]], civil_affairs_at="2026-12-03")
    assert registry_waiting(project)["district"]["status"].tolist() == ["registered"]
    file_housing(project, [station["facility_id"]], state_assets_at="2026-12-04")
    reopened = Project.open(project.store.path)
    assert registry_waiting(reopened)["district"].empty
    assert reopened.layer("housing_registry")["status"].tolist() == ["filed"]


def test_compliance_reads_the_registered_area(project: Project) -> None:
    station = _station(project)
    before = project_compliance(project).communities.set_index("community_id")
    provided = before.loc[station["community_id"], "provided_m2"]
    register_housing(
        project,
        station["facility_id"],
        ownership="街道产权",
        use="社区服务站",
        registered_by="街道",
        registered_at="2026-12-01",
        usable_area_m2=float(station["usable_area_m2"]) - 100.0,
    )
    after = project_compliance(Project.open(project.store.path)).communities
    after = after.set_index("community_id")
    assert after.loc[station["community_id"], "provided_m2"] == pytest.approx(provided - 100.0)
    others = before.index != station["community_id"]
    assert (after.loc[others, "provided_m2"] == before.loc[others, "provided_m2"]).all()


@pytest.mark.parametrize("case", ["twice", "unknown", "no_use", "file_unregistered", "bad_date"])
def test_registry_mistakes_are_refused(project: Project, case: str) -> None:
    station = _station(project)
    args = {
        "ownership": "区政府产权",
        "use": "社区服务站",
        "registered_by": "街道",
        "registered_at": "2026-12-01",
    }
    if case == "twice":
        register_housing(project, station["facility_id"], **args)
        with pytest.raises(RegistryError, match="registered"):
            register_housing(project, station["facility_id"], **args)
    elif case == "unknown":
        with pytest.raises(RegistryError, match="no facility"):
            register_housing(project, "NOPE", **args)
    elif case == "no_use":
        with pytest.raises(RegistryError, match="use are required"):
            register_housing(project, station["facility_id"], **{**args, "use": " "})
    elif case == "file_unregistered":
        with pytest.raises(RegistryError, match="unregistered"):
            file_housing(project, [station["facility_id"]], civil_affairs_at="2026-12-01")
    else:
        with pytest.raises(RegistryError, match="YYYY-MM-DD"):
            register_housing(project, station["facility_id"], **{**args, "registered_at": "1.12."})


def test_hand_over_of_new_development_housing_is_recorded_on_the_project(project: Project) -> None:
    """第十二条第一款:「竣工后移交所在区、县(市)政府,产权归区、县(市)政府所有」

    A station of a new development waits for its hand-over (``transfer``) until the district
    records it; the GeoPackage registry then holds the receiving government as the owner.
    """
    from geo_app.workflows.registry import transfer_housing

    communities = project.layer("communities")
    new_ids = set(communities.loc[communities["era"] == "new", "community_id"])
    facilities = project.layer("facilities")
    station = facilities[
        (facilities["kind"] == "community_station") & facilities["community_id"].isin(new_ids)
    ].iloc[0]
    old_station = _station(project)
    waiting_before = registry_waiting(project)["transfer"]
    assert station["facility_id"] in set(waiting_before["facility_id"])
    if old_station["community_id"] not in new_ids:
        assert old_station["facility_id"] not in set(waiting_before["facility_id"])
    register_housing(
        project,
        station["facility_id"],
        ownership="开发建设单位",
        use="社区服务站",
        registered_by="街道",
        registered_at="2026-12-01",
    )
    transfer_housing(
        project, [station["facility_id"]], to_government="某区人民政府", transferred_at="2026-12-05"
    )
    reopened = Project.open(project.store.path)
    row = reopened.layer("housing_registry").set_index("facility_id").loc[station["facility_id"]]
    assert (row["ownership"], row["transferred_at"]) == ("某区人民政府", "2026-12-05")
    after = registry_waiting(reopened)["transfer"]
    assert len(after) == len(waiting_before) - 1
