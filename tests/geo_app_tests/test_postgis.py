"""The shared PostGIS platform (Art. 24) on a real PostgreSQL cluster started by the tests:
push/pull, access by level enforced in the database (also through psql), history, versioned
edits and concurrent editors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from platform_accounts import DAOLI, NANGANG, PASSWORDS, push_demo

from geo_app.cli import main
from geo_app.project import Project, ProjectError
from geo_app.project.postgis.cluster import LocalCluster, postgres_bin
from geo_app.project.postgis.platform import (
    EditConflictError,
    edit_feature,
    history,
    restore_feature,
)
from geo_app.project.postgis.store import PostGISStore


@pytest.fixture(scope="module")
def cluster(pg_cluster):
    return pg_cluster


@pytest.fixture(scope="module")
def demo_url(pg_cluster, demo_project_path: Path) -> str:
    return push_demo(pg_cluster, demo_project_path, "demo")


def _as(cluster: LocalCluster, name: str, project: str = "demo") -> Project:
    return Project(PostGISStore(cluster.url(name, project), password=PASSWORDS[name]))


def _psql(cluster: LocalCluster, user: str, query: str) -> str:
    env = {**os.environ, "PGPASSWORD": PASSWORDS[user]}
    psql = shutil.which("psql") or str(postgres_bin() / "psql")
    result = subprocess.run(
        [psql, "-X", "-At", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", user, "-d", "geoapp"]
        + ["-c", query],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return result.stdout.strip()


# -- push and pull ------------------------------------------------------------------------------


def test_push_and_pull_round_trip(tmp_path, demo_url, demo_project_path) -> None:
    out = tmp_path / "pulled.gpkg"
    assert main(["db", "pull", demo_url, "--out", str(out)]) == 0
    original, pulled = Project.open(demo_project_path), Project.open(out)
    # push adds the empty records of the platform's workflows, so that streets register
    # (Art. 14), districts record community changes (Art. 7) and every level saves scenarios
    records = ["housing_registry", "community_changes", "scenarios"]
    assert pulled.store.list_layers() == [*original.store.list_layers(), *records]
    assert all(len(pulled.store.read_layer(name)) == 0 for name in records)
    assert pulled.settings == original.settings
    for name in original.layers():
        a, b = original.layer(name), pulled.layer(name)
        assert len(a) == len(b), name
        # Art. 7 dates are columns of the communities from the push on (empty: always valid),
        # and the fields an import places by location those of the point layers
        added = [c for c in b.columns if c not in a.columns]
        expected = {
            "communities": ["valid_from", "valid_to"],
            "facilities": ["street_code", "district_code"],
            "boiler_rooms": ["street_code", "district_code"],
            "cameras": ["street_code", "district_code"],
        }
        assert added == expected.get(name, []), name
        assert b[added].isna().all().all(), name
        b = b[list(a.columns)]
        spatial = "geometry" in a.columns
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.drop(columns="geometry", errors="ignore")),
            pd.DataFrame(b.drop(columns="geometry", errors="ignore")),
            check_dtype=False,
        )
        if spatial:
            assert shapely.equals_exact(a.geometry.array, b.geometry.array, tolerance=1e-9).all()


def test_same_commands_work_on_a_database_url(tmp_path, demo_url, demo_project_path) -> None:
    from_file, from_db = tmp_path / "file.csv", tmp_path / "db.csv"
    assert main(["compliance", str(demo_project_path), "--out", str(from_file)]) == 0
    assert main(["compliance", demo_url, "--out", str(from_db)]) == 0
    assert from_db.read_bytes() == from_file.read_bytes()


# -- access by level ------------------------------------------------------------------------------


def test_district_account_through_psql_sees_and_changes_only_its_district(cluster, demo_url):
    other = _psql(
        cluster, "daoli", f"SELECT count(*) FROM demo.communities WHERE district_code <> '{DAOLI}'"
    )
    own = _psql(cluster, "daoli", "SELECT count(*) FROM demo.communities")
    assert other == "0" and int(own) > 0
    updated = _psql(
        cluster,
        "daoli",
        f"UPDATE demo.communities SET name = 'x' WHERE district_code = '{NANGANG}'",
    )
    assert updated == "UPDATE 0"
    admin = Project.open(demo_url).layer("communities")
    assert not (admin["name"] == "x").any()


def test_street_account_cannot_see_another_streets_facilities(cluster, demo_url) -> None:
    street = _as(cluster, "street1")
    own_street = street.layer("communities")["street_code"].unique()
    assert len(own_street) == 1
    facilities = street.layer("facilities")
    all_facilities = Project.open(demo_url).layer("facilities")
    communities = Project.open(demo_url).layer("communities")
    mine = set(communities.loc[communities["street_code"] == own_street[0], "community_id"])
    assert set(facilities["community_id"]) <= mine
    assert len(facilities) == all_facilities["community_id"].isin(mine).sum() > 0
    seen = _psql(cluster, "street1", "SELECT count(DISTINCT community_id) FROM demo.facilities")
    assert int(seen) <= len(mine)


def test_community_account_writes_only_its_own_facilities(cluster, demo_url) -> None:
    comm = _as(cluster, "comm1")
    mine = comm.layer("facilities")
    assert mine["community_id"].nunique() == 1
    comm.write_layer("facilities", mine.assign(name=mine["name"] + "(改)"))
    assert comm.layer("facilities")["name"].str.endswith("(改)").all()
    others = Project.open(demo_url).layer("facilities")
    foreign = others[others["community_id"] != mine["community_id"].iloc[0]].iloc[:1]
    with pytest.raises(ProjectError, match="nothing was written"):
        comm.write_layer("facilities", foreign)
    own = comm.layer("communities")
    comm.write_layer("communities", own)  # nothing changes: nothing is written
    with pytest.raises(ProjectError, match="may not change 1 row"):
        comm.write_layer("communities", own.assign(name="改名"))


def test_a_refused_write_changes_nothing(cluster, demo_url) -> None:
    """One transaction: the first layer's changes are rolled back with the refused second."""
    daoli = _as(cluster, "daoli")
    before = Project.open(demo_url).layer("boiler_rooms")
    facilities = daoli.layer("facilities")
    nodes = daoli.layer("network_nodes")
    with pytest.raises(ProjectError, match="nothing was written"):
        daoli.write_layers({"facilities": facilities.iloc[:1], "network_nodes": nodes.iloc[:-1]})
    assert len(daoli.layer("facilities")) == len(facilities)
    assert len(Project.open(demo_url).layer("boiler_rooms")) == len(before)


def test_passwords_are_stored_as_scram_verifiers_only(cluster, demo_url) -> None:
    stored = Project.open(demo_url).store
    with stored.connect(autocommit=True) as con:
        verifier = con.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = 'daoli'"
        ).fetchone()[0]
    assert verifier.startswith("SCRAM-SHA-256$")
    assert PASSWORDS["daoli"] not in verifier
    log = (cluster.folder / "server.log").read_text(errors="replace")
    assert PASSWORDS["daoli"] not in log


def test_wrong_password_is_a_clear_message(cluster, demo_url) -> None:
    store = PostGISStore(cluster.url("daoli", "demo"), password="not-the-password")
    with pytest.raises(ProjectError, match="cannot connect") as info:
        Project(store)
    assert "not-the-password" not in str(info.value)


# -- history, versions, conflicts ------------------------------------------------------------------


def _first_feature(store: PostGISStore, layer: str) -> tuple[int, int, str]:
    frame = store.read_layer(layer, with_ids=True)
    return int(frame["fid"].iloc[0]), int(frame["version"].iloc[0]), str(frame["name"].iloc[0])


def test_edit_history_and_restore(cluster, demo_url) -> None:
    store = Project.open(demo_url).store
    fid, version, name = _first_feature(store, "boiler_rooms")
    new_version = edit_feature(store, "boiler_rooms", fid, {"name": "改名锅炉房"}, version)
    assert new_version == version + 1
    entry = history(store, layer="boiler_rooms", fid=fid).iloc[0]
    assert entry["operation"] == "update" and entry["changed_by"] == "geoapp_admin"
    assert entry["before"]["name"] == name and entry["after"]["name"] == "改名锅炉房"
    assert str(entry["changed_at"].tz) == "Asia/Shanghai"
    restore_feature(store, int(entry["history_id"]))
    frame = store.read_layer("boiler_rooms", with_ids=True).set_index("fid")
    assert frame.loc[fid, "name"] == name
    assert frame.loc[fid, "version"] == version + 2


def test_edit_from_an_old_version_is_refused_with_who_and_when(cluster, demo_url) -> None:
    store = Project.open(demo_url).store
    fid, version, _ = _first_feature(store, "candidate_sites")
    edit_feature(store, "candidate_sites", fid, {"name": "先到"}, version)
    with pytest.raises(EditConflictError, match="geoapp_admin") as info:
        edit_feature(store, "candidate_sites", fid, {"name": "后到"}, version)
    assert "nothing was overwritten" in str(info.value)
    assert (
        store.read_layer("candidate_sites", with_ids=True).set_index("fid").loc[fid, "name"]
        == "先到"
    )


_EDITOR = textwrap.dedent(
    """
    import sys, time
    from geo_app.project.postgis.platform import EditConflictError, edit_feature
    from geo_app.project.postgis.store import PostGISStore

    url, fid, version, value, start = sys.argv[1:6]
    store = PostGISStore(url)
    while time.time() < float(start):
        time.sleep(0.005)
    try:
        edit_feature(store, "facilities", int(fid), {"name": value}, int(version))
        print("ok")
    except EditConflictError as exc:
        print("conflict", exc)
    """
)


def _editors(url: str, jobs: list[tuple[int, int, str]]) -> list[str]:
    import time

    start = str(time.time() + 4.0)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _EDITOR, url, str(fid), str(version), value, start],
            stdout=subprocess.PIPE,
            text=True,
        )
        for fid, version, value in jobs
    ]
    return [p.communicate(timeout=300)[0].strip() for p in procs]


def test_twenty_processes_editing_different_features(cluster, demo_url) -> None:
    store = Project.open(demo_url).store
    frame = store.read_layer("facilities", with_ids=True).iloc[:20]
    jobs = [
        (int(f), int(v), f"并发{i}")
        for i, (f, v) in enumerate(zip(frame.fid, frame.version, strict=True))
    ]
    assert _editors(demo_url, jobs) == ["ok"] * 20
    after = store.read_layer("facilities", with_ids=True).set_index("fid")
    assert [after.loc[fid, "name"] for fid, _, _ in jobs] == [value for _, _, value in jobs]
    log = history(store, layer="facilities", limit=1000)
    edits = log[log["fid"].isin([fid for fid, _, _ in jobs]) & (log["operation"] == "update")]
    assert len(edits[edits["after"].map(lambda a: a["name"].startswith("并发"))]) == 20


def test_two_processes_editing_one_feature_from_one_version(cluster, demo_url) -> None:
    store = Project.open(demo_url).store
    frame = store.read_layer("facilities", with_ids=True)
    fid, version = int(frame["fid"].iloc[-1]), int(frame["version"].iloc[-1])
    results = _editors(demo_url, [(fid, version, "甲"), (fid, version, "乙")])
    assert sorted(r.split()[0] for r in results) == ["conflict", "ok"]
    winner = "甲" if results[0] == "ok" else "乙"
    assert store.read_layer("facilities", with_ids=True).set_index("fid").loc[fid, "name"] == winner


def test_history_command_prints_changes(capsys, cluster, demo_url) -> None:
    assert main(["db", "history", demo_url, "--layer", "boiler_rooms", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "boiler_rooms/" in out and "update" in out


def test_project_url_without_project_name_is_a_clear_message(capsys, cluster) -> None:
    assert main(["compliance", cluster.url(), "--out", "/tmp/x.csv"]) == 2
    assert "?project=" in capsys.readouterr().err


def test_geometries_keep_their_coordinates(cluster, demo_url, demo_project_path) -> None:
    a = Project.open(demo_project_path).layer("network_nodes").geometry
    b = Project.open(demo_url).layer("network_nodes").geometry
    assert np.abs(shapely.get_coordinates(a.array) - shapely.get_coordinates(b.array)).max() < 1e-9


# -- Art. 14 registry: streets register, districts file ------------------------------------------


def test_registry_roles_are_enforced_by_the_database(cluster, demo_url) -> None:
    from geo_app.workflows.registry import file_housing, register_housing, registry_waiting
    from layers.registry import REGISTRY_LAYER

    street, daoli = _as(cluster, "street1"), _as(cluster, "daoli")
    mine = street.layer("facilities")
    station = mine[mine["kind"] == "community_station"].iloc[0]["facility_id"]
    args = {"ownership": "区政府产权", "use": "社区服务站", "registered_at": "2026-12-01"}

    with pytest.raises(ProjectError, match="the street does"):
        register_housing(daoli, station, registered_by="daoli", **args)
    register_housing(street, station, registered_by="street1", **args)
    with pytest.raises(ProjectError, match="set by the district"):
        file_housing(street, [station], civil_affairs_at="2026-12-02")
    assert station in set(registry_waiting(daoli)["district"]["facility_id"])
    file_housing(daoli, [station], civil_affairs_at="2026-12-02", state_assets_at="2026-12-03")
    row = Project.open(demo_url).layer(REGISTRY_LAYER).set_index("facility_id").loc[station]
    assert (row["status"], row["filed_state_assets_at"]) == ("filed", "2026-12-03")
    log = history(Project.open(demo_url).store, layer=REGISTRY_LAYER)
    assert {"street1", "daoli"} <= set(log["changed_by"])
    # another street's account does not see the row
    other = Project.open(demo_url).layer("communities")
    assert len(_as(cluster, "comm1").layer(REGISTRY_LAYER)) in (0, 1)
    assert set(street.layer(REGISTRY_LAYER)["community_id"]) <= set(other["community_id"])


# -- Art. 7 community changes on the shared database ------------------------------------------------


def test_split_with_effective_date_on_the_database(tmp_path, cluster, demo_url) -> None:
    from test_community_changes import EFFECTIVE, record_split

    old, new = record_split(Project.open(demo_url))
    before = Project.open(demo_url).layer("communities", as_of="2026-12-31")
    after = Project.open(demo_url).layer("communities", as_of=EFFECTIVE)
    assert old in set(before["community_id"]) and not set(new) & set(before["community_id"])
    assert old not in set(after["community_id"]) and set(new) <= set(after["community_id"])
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert (
        main(
            ["compliance", demo_url, "--machine-readable", "--out", str(a), "--as-of", "2026-12-31"]
        )
        == 0
    )
    assert (
        main(["compliance", demo_url, "--machine-readable", "--out", str(b), "--as-of", EFFECTIVE])
        == 0
    )
    ids_a = set(pd.read_csv(a, dtype={"community_id": str})["community_id"])
    ids_b = set(pd.read_csv(b, dtype={"community_id": str})["community_id"])
    assert ids_a - ids_b == {old} and ids_b - ids_a == set(new)
    # every account sees the decisions of its own district only
    everything = Project.open(demo_url).layer("community_changes")
    assert everything.iloc[-1]["kind"] == "split"
    seen = _as(cluster, "daoli").layer("community_changes")
    assert set(seen["district_code"]) <= {DAOLI}
    assert len(seen) == (everything["district_code"] == DAOLI).sum()
