"""Issue 24, item by item: what each level may do on the shared platform, tried as the account
concerned with raw SQL through psycopg (as a clerk would with a psql login) on a real cluster
started by the tests, and with the CLI where the item is about the CLI.

Accounts: ``daoli`` (道里区 230102), ``street1`` (its street of the first communities),
``comm1`` (a community of that street) from ``conftest``; here also ``city``, ``nangang``
(南岗区 230103) and ``street4`` / ``comm4`` (a 道里区 street and community with idle boiler
rooms, so that the Art. 13 hub model has candidates at those levels).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from platform_accounts import DAOLI, NANGANG, PASSWORDS, push_demo

from geo_app.cli import main
from geo_app.project import Project
from geo_app.project.postgis import store as store_module
from geo_app.project.postgis.platform import EditConflictError, add_account, edit_feature
from geo_app.project.postgis.store import PostGISStore

P = "secure"
MORE = {
    "city": ("city", "", "city-pass-1"),
    "nangang": ("district", NANGANG, "nangang-pass-1"),
    "street4": ("street", "230102004", "street4-pass-1"),
    "comm4": ("community", "230102004003", "comm4-pass-1"),
}
PASS = {**PASSWORDS, **{name: spec[2] for name, spec in MORE.items()}}


@pytest.fixture(scope="module")
def url(pg_cluster, demo_project_path: Path) -> str:
    admin = push_demo(pg_cluster, demo_project_path, P)
    for name, (level, unit, password) in MORE.items():
        add_account(pg_cluster.url(), name, level, unit, password)
    return admin


def _connect(cluster, user: str) -> psycopg.Connection:
    password = cluster.admin_password if user == "geoapp_admin" else PASS[user]
    return psycopg.connect(
        host="127.0.0.1",
        port=cluster.port,
        dbname="geoapp",
        user=user,
        password=password,
        autocommit=True,
    )


def run(cluster, user: str, statement: str, params: tuple = ()) -> tuple[int, list]:
    """``(rows affected, rows returned)`` of one raw SQL statement as ``user``."""
    with _connect(cluster, user) as con:
        cur = con.execute(statement, params)
        return cur.rowcount, (cur.fetchall() if cur.description else [])


def one(cluster, user: str, statement: str, params: tuple = ()) -> object:
    return run(cluster, user, statement, params)[1][0][0]


def _store(cluster, user: str) -> PostGISStore:
    return PostGISStore(cluster.url(user, P), password=PASS[user])


def _street_of(cluster, community: str) -> str:
    return one(
        cluster,
        "geoapp_admin",
        f"SELECT street_code FROM {P}.communities WHERE community_id = %s",
        (community,),
    )


# -- 1. a district never reaches another district by inserting a row ---------------------------


def test_inserted_rows_never_widen_what_an_account_sees(pg_cluster, url) -> None:
    nangang = "230103001004"
    street = one(pg_cluster, "daoli", f"SELECT min(street_code) FROM {P}.streets")
    for codes in ((street, DAOLI), ("230103001", NANGANG)):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            run(
                pg_cluster,
                "daoli",
                f"INSERT INTO {P}.communities (community_id, name, street_code, district_code) "
                "VALUES (%s, 'x', %s, %s)",
                (nangang, *codes),
            )
    assert (
        one(
            pg_cluster,
            "daoli",
            f"SELECT count(*) FROM {P}.facilities WHERE community_id = %s",
            (nangang,),
        )
        == 0
    )
    assert (
        one(
            pg_cluster,
            "geoapp_admin",
            f"SELECT count(*) FROM {P}.facilities WHERE community_id = %s",
            (nangang,),
        )
        > 0
    )
    updated, _ = run(
        pg_cluster,
        "daoli",
        f"UPDATE {P}.facilities SET name = 'x' WHERE community_id = %s",
        (nangang,),
    )
    assert updated == 0
    # a street naming 南岗区 in a streets row of its own code
    own = one(pg_cluster, "street1", f"SELECT street_code FROM {P}.streets")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        run(
            pg_cluster,
            "street1",
            f"INSERT INTO {P}.streets (street_code, name, district_code) VALUES (%s, 'x', %s)",
            (own, NANGANG),
        )
    assert (
        one(
            pg_cluster,
            "street1",
            f"SELECT count(*) FROM {P}.districts WHERE district_code = %s",
            (NANGANG,),
        )
        == 0
    )
    assert (
        run(
            pg_cluster,
            "street1",
            f"UPDATE {P}.districts SET name = 'x' WHERE district_code = %s",
            (NANGANG,),
        )[0]
        == 0
    )
    # ids are unique: a second row of one's own community is refused
    with pytest.raises(psycopg.errors.UniqueViolation):
        run(
            pg_cluster,
            "daoli",
            f"INSERT INTO {P}.communities (community_id, name, "
            "street_code, district_code) SELECT community_id, 'dup', street_code, district_code "
            f"FROM {P}.communities LIMIT 1",
        )


# -- 2. writes above one's level ------------------------------------------------------------------


def test_writes_above_ones_level_are_refused(pg_cluster, url) -> None:
    assert run(pg_cluster, "street1", f"UPDATE {P}.districts SET name = name || 'x'")[0] == 0
    run(
        pg_cluster,
        "geoapp_admin",
        f"INSERT INTO {P}.community_changes (change_id, kind, "
        "district_code, decision_date, effective_date, old_ids) VALUES "
        "(90, 'abolish', %s, '2026-01-05', '2026-03-01', 'x')",
        (DAOLI,),
    )
    assert run(pg_cluster, "street1", f"UPDATE {P}.community_changes SET kind = 'merge'")[0] == 0
    assert run(pg_cluster, "street1", f"DELETE FROM {P}.community_changes")[0] == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        run(
            pg_cluster,
            "street1",
            f"INSERT INTO {P}.community_changes (change_id, kind, "
            "district_code, decision_date, effective_date) VALUES "
            "(91, 'establish', %s, '2026-01-05', '2026-03-01')",
            (DAOLI,),
        )
    n_settings = one(pg_cluster, "geoapp_admin", f"SELECT count(*) FROM {P}.project_settings")
    for user in ("daoli", "street1", "comm1"):
        assert run(pg_cluster, user, f"UPDATE {P}.project_settings SET value = '\"x\"'")[0] == 0
        assert run(pg_cluster, user, f"DELETE FROM {P}.project_settings")[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            run(
                pg_cluster,
                user,
                f"INSERT INTO {P}.project_settings (key, value) VALUES "
                "('standard_set', '\"mine\"')",
            )
    assert one(pg_cluster, "geoapp_admin", f"SELECT count(*) FROM {P}.project_settings") == (
        n_settings
    )
    assert (
        run(
            pg_cluster, "city", f"UPDATE {P}.project_settings SET value = value WHERE key = 'name'"
        )[0]
        == 1
    )


# -- 3. history cannot be forged ------------------------------------------------------------------


@pytest.mark.parametrize("user", ["daoli", "city"])
def test_history_functions_cannot_be_attached_by_an_account(pg_cluster, url, user) -> None:
    for function, kind in (
        ("history_insert", "INSERT"),
        ("history_update", "UPDATE"),
        ("history_delete", "DELETE"),
    ):
        transition = "OLD TABLE AS old_rows" if kind == "DELETE" else "NEW TABLE AS new_rows"
        if kind == "UPDATE":
            transition = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
        with _connect(pg_cluster, user) as con:
            con.execute("CREATE TEMP TABLE forged (fid bigint, version int)")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                con.execute(
                    f"CREATE TRIGGER forged AFTER {kind} ON forged REFERENCING {transition} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION geoapp.{function}()"
                )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        run(
            pg_cluster,
            user,
            "INSERT INTO geoapp.history (project, layer, fid, operation) "
            "VALUES (%s, 'facilities', 1, 'insert')",
            (P,),
        )
    assert (
        one(
            pg_cluster, "geoapp_admin", "SELECT count(*) FROM geoapp.history WHERE layer = 'forged'"
        )
        == 0
    )


# -- 4. Art. 14: the district files, a street registers facilities of its street only ------------


def test_registry_filing_and_foreign_facilities_are_refused(pg_cluster, url) -> None:
    own = one(pg_cluster, "street1", f"SELECT community_id FROM {P}.communities LIMIT 1")
    facility = one(
        pg_cluster,
        "street1",
        f"SELECT facility_id FROM {P}.facilities WHERE community_id = %s LIMIT 1",
        (own,),
    )
    row = (
        "INSERT INTO {}.housing_registry (facility_id, community_id, ownership, "
        "usable_area_m2, use, registered_by, registered_at, status) VALUES "
        "(%s, %s, '街道产权', %s, '社区服务站', 'street1', '2026-12-01', 'registered')"
    )
    run(pg_cluster, "street1", row.format(P), (facility, own, 300.0))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only the district"):
        run(pg_cluster, "street1", f"UPDATE {P}.housing_registry SET status = 'filed'")
    foreign = "CS-230103001001"  # a 南岗区 facility, registered under the street's community
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is not a facility"):
        run(pg_cluster, "street1", row.format(P), (foreign, own, 99_999.0))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is not a facility"):
        run(pg_cluster, "street1", row.format(P), (foreign, "230103001001", 99_999.0))
    with pytest.raises(psycopg.errors.CheckViolation, match="both filing dates"):
        run(pg_cluster, "daoli", f"UPDATE {P}.housing_registry SET status = 'filed'")
    assert (
        run(
            pg_cluster,
            "daoli",
            f"UPDATE {P}.housing_registry SET status = 'filed', "
            "filed_civil_affairs_at = '2026-12-02', filed_state_assets_at = '2026-12-03' "
            "WHERE facility_id = %s",
            (facility,),
        )[0]
        == 1
    )
    rows = run(pg_cluster, "city", f"SELECT facility_id, status FROM {P}.housing_registry")[1]
    assert rows == [(facility, "filed")]


# -- 5. every level runs every analysis on what it can see ---------------------------------------


@pytest.mark.parametrize("user", ["daoli", "street4", "comm4"])
def test_every_level_runs_every_analysis(tmp_path, monkeypatch, pg_cluster, url, user) -> None:
    monkeypatch.setenv("PGPASSWORD", PASS[user])
    mine = pg_cluster.url(user, P)
    # the city's settings name 双城区, which these accounts cannot see
    assert "双城区" in one(
        pg_cluster, user, f"SELECT value FROM {P}.project_settings WHERE key = 'district_classes'"
    )
    out = tmp_path / "c.csv"
    assert main(["compliance", mine, "--machine-readable", "--out", str(out)]) == 0
    seen = {r[0] for r in run(pg_cluster, user, f"SELECT community_id FROM {P}.communities")[1]}
    assert set(pd.read_csv(out, dtype={"community_id": str})["community_id"]) == seen
    assert main(["report", mine, "--district", "道里区", "--out", str(tmp_path / "r.html")]) == 0
    assert main(["site-select", mine, "--model", "hub", "--out", str(tmp_path / "s.gpkg")]) == 0
    # the scenario it saved is its own: the city sees it, another district does not
    names = run(pg_cluster, user, f"SELECT name FROM {P}.scenarios")[1]
    assert len(names) == 1
    assert (
        one(pg_cluster, "city", f"SELECT created_by FROM {P}.scenarios WHERE name = %s", names[0])
        == user
    )
    assert (
        run(pg_cluster, "nangang", f"SELECT name FROM {P}.scenarios WHERE name = %s", names[0])[1]
        == []
    )


# -- 6. Art. 7: the district records a change, the city sees it filed -----------------------------


def test_district_records_an_art7_change_the_city_sees_it_filed(pg_cluster, url) -> None:
    old = one(
        pg_cluster,
        "daoli",
        f"SELECT community_id FROM {P}.communities ORDER BY households, community_id LIMIT 1",
    )
    street = _street_of(pg_cluster, old)
    new = old[:9] + "901"
    # the columns of the workflow are there from the push on
    assert run(pg_cluster, "daoli", f"SELECT valid_from, valid_to FROM {P}.communities LIMIT 1")[1]
    with _connect(pg_cluster, "daoli") as con, con.transaction():
        assert (
            con.execute(
                "SELECT geoapp.add_community_units(%s, %s, %s)", (P, [new], [street])
            ).fetchone()[0]
            == 1
        )
        con.execute(
            f"INSERT INTO {P}.communities (community_id, name, street_code, "
            "district_code, households, valid_from) VALUES "
            "(%s, '新社区', %s, %s, 10, '2027-01-01')",
            (new, street, DAOLI),
        )
        assert (
            con.execute(
                f"UPDATE {P}.communities SET valid_to = '2027-01-01' WHERE community_id = %s",
                (old,),
            ).rowcount
            == 1
        )
        con.execute(
            f"INSERT INTO {P}.community_changes (change_id, kind, district_code, "
            "decision_date, filed_city_at, effective_date, old_ids, new_ids) VALUES "
            "(1, 'adjust', %s, '2026-11-20', '2026-11-30', '2027-01-01', %s, %s)",
            (DAOLI, old, new),
        )
    seen = run(
        pg_cluster,
        "city",
        f"SELECT status, recorded_by, filed_city_at FROM "
        f"{P}.community_changes WHERE change_id = 1 AND district_code = %s",
        (DAOLI,),
    )[1]
    assert seen == [("filed", "daoli", "2026-11-30")]
    assert (
        one(
            pg_cluster,
            "daoli",
            f"SELECT count(*) FROM {P}.communities WHERE community_id = %s",
            (new,),
        )
        == 1
    )
    # a district establishes communities in its own streets only, with new ids only
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not in this district"):
        run(
            pg_cluster,
            "daoli",
            "SELECT geoapp.add_community_units(%s, %s, %s)",
            (P, ["230103001999"], ["230103001"]),
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="another unit"):
        run(
            pg_cluster,
            "daoli",
            "SELECT geoapp.add_community_units(%s, %s, %s)",
            (P, ["230103001004"], [street]),
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="established by"):
        run(
            pg_cluster,
            "street1",
            "SELECT geoapp.add_community_units(%s, %s, %s)",
            (P, ["230102001999"], [street]),
        )


# -- 7. the conflict message names who and when ---------------------------------------------------


def test_stale_edit_names_who_and_when_and_history_follows_the_area(pg_cluster, url) -> None:
    fid, version = run(
        pg_cluster, "street1", f"SELECT fid, version FROM {P}.facilities ORDER BY fid LIMIT 1"
    )[1][0]
    run(pg_cluster, "city", f"UPDATE {P}.facilities SET name = '市里改' WHERE fid = %s", (fid,))
    who, when = run(
        pg_cluster,
        "daoli",
        "SELECT changed_by, changed_at FROM geoapp.history "
        "WHERE project = %s AND layer = 'facilities' AND fid = %s "
        "ORDER BY history_id DESC LIMIT 1",
        (P, fid),
    )[1][0]
    assert who == "city"
    shown = pd.Timestamp(when).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    with pytest.raises(EditConflictError, match=f"changed by city at {shown}"):
        edit_feature(_store(pg_cluster, "daoli"), "facilities", fid, {"name": "区里改"}, version)
    # the district reads its streets' changes, not another district's
    run(pg_cluster, "street1", f"UPDATE {P}.facilities SET name = '街道改' WHERE fid = %s", (fid,))
    theirs = one(pg_cluster, "nangang", f"SELECT min(fid) FROM {P}.facilities")
    run(
        pg_cluster,
        "nangang",
        f"UPDATE {P}.facilities SET name = '南岗改' WHERE fid = %s",
        (theirs,),
    )
    seen = run(
        pg_cluster,
        "daoli",
        "SELECT fid, changed_by FROM geoapp.history WHERE "
        "project = %s AND layer = 'facilities' AND operation = 'update'",
        (P,),
    )[1]
    assert (fid, "street1") in seen
    assert theirs not in {f for f, _ in seen}
    assert (
        run(
            pg_cluster,
            "street4",
            "SELECT 1 FROM geoapp.history WHERE project = %s AND fid = %s AND layer = 'facilities'",
            (P, fid),
        )[1]
        == []
    )


# -- 8. CLI: import into a database project; writes touch only the rows they change -------------


def _ids(cluster, user: str, layer: str) -> dict[int, int]:
    return dict(run(cluster, user, f"SELECT fid, version FROM {P}.{layer}")[1])


def test_append_import_of_one_row_writes_one_row(tmp_path, monkeypatch, pg_cluster, url):
    facilities = Project.open(url).layer("facilities")
    row = facilities[facilities["community_id"].str.startswith(DAOLI)].iloc[[0]].copy()
    row["facility_id"], row["name"] = "IMPORTED-1", "新设施"
    source = tmp_path / "one.geojson"
    row.to_file(source, driver="GeoJSON")
    before = _ids(pg_cluster, "daoli", "facilities")
    mark = one(pg_cluster, "geoapp_admin", "SELECT max(history_id) FROM geoapp.history")
    monkeypatch.setenv("PGPASSWORD", PASS["daoli"])
    daoli = pg_cluster.url("daoli", P)
    assert main(["import", daoli, "facilities", str(source), "--append"]) == 0
    after = _ids(pg_cluster, "daoli", "facilities")
    assert {f: after[f] for f in before} == before  # same fids, versions not moved
    assert len(after) == len(before) + 1
    changes = run(
        pg_cluster,
        "daoli",
        "SELECT operation, fid FROM geoapp.history WHERE history_id > %s AND layer = 'facilities'",
        (mark,),
    )[1]
    assert changes == [("insert", max(after))]
    # the import log is the account's own, outside the city's settings
    logged = run(
        pg_cluster,
        "daoli",
        "SELECT account, entry->>'file' FROM geoapp.import_log WHERE project = %s",
        (P,),
    )[1]
    assert logged == [("daoli", "one.geojson")]


def test_art7_change_through_the_app_rewrites_no_other_row(pg_cluster, url) -> None:
    from test_community_changes import record_split

    before = _ids(pg_cluster, "daoli", "communities")
    old, new = record_split(Project(_store(pg_cluster, "daoli")))
    after = _ids(pg_cluster, "daoli", "communities")
    moved = {f for f in before if after[f] != before[f]}
    assert set(before) <= set(after) and len(after) == len(before) + len(new)
    ended = run(
        pg_cluster,
        "daoli",
        f"SELECT fid FROM {P}.communities WHERE community_id = %s AND valid_to IS NOT NULL",
        (old,),
    )[1]
    assert moved == {f for (f,) in ended}


# -- 9. the smaller ones ------------------------------------------------------------------------


def test_city_account_pushes_a_new_project(monkeypatch, pg_cluster, url, demo_project_path):
    monkeypatch.setenv("PGPASSWORD", PASS["city"])
    target = pg_cluster.url("city", "citypush")
    assert main(["db", "push", str(demo_project_path), target]) == 0
    pushed = one(pg_cluster, "city", "SELECT count(*) FROM citypush.communities")
    assert pushed == len(Project.open(demo_project_path).layer("communities"))
    daoli = run(pg_cluster, "daoli", "SELECT DISTINCT district_code FROM citypush.communities")
    assert daoli[1] == [(DAOLI,)]
    owner = one(
        pg_cluster,
        "city",
        "SELECT tableowner FROM pg_tables WHERE "
        "schemaname = 'citypush' AND tablename = 'communities'",
    )
    assert owner == "geoapp_admin"  # the platform's, so no account can switch policies off
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run(pg_cluster, "city", "ALTER TABLE citypush.communities DISABLE ROW LEVEL SECURITY")


@pytest.mark.parametrize("unit", ["230102' OR '1'='1", "239999", "230102; DROP TABLE x"])
def test_user_add_checks_the_unit(monkeypatch, capsys, pg_cluster, url, unit) -> None:
    monkeypatch.setenv("GEO_APP_NEW_PASSWORD", "evil-pass-1")
    admin = pg_cluster.url()
    assert (
        main(["db", "user", "add", "evil", "--level", "district", "--unit", unit, "--db", admin])
        == 2
    )
    assert "evil" not in {
        r[0] for r in run(pg_cluster, "geoapp_admin", "SELECT rolname FROM pg_roles")[1]
    }
    assert (
        main(["db", "user", "add", "evil", "--level", "street", "--unit", DAOLI, "--db", admin])
        == 2
    )  # a district code is no street


def test_accounts_are_not_listed_to_everyone(pg_cluster, url) -> None:
    assert run(pg_cluster, "daoli", "SELECT role, level, unit FROM geoapp.accounts")[1] == [
        ("daoli", "district", DAOLI)
    ]
    everyone = {r[0] for r in run(pg_cluster, "city", "SELECT role FROM geoapp.accounts")[1]}
    assert {"daoli", "street1", "comm1", "nangang", "city"} <= everyone


def test_no_lower_level_blocks_the_city(monkeypatch, pg_cluster, url) -> None:
    assert run(pg_cluster, "daoli", "SHOW lock_timeout")[1] == [("10s",)]
    assert run(pg_cluster, "daoli", "SHOW statement_timeout")[1] == [("5min",)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        run(pg_cluster, "daoli", "SELECT pg_advisory_lock(hashtext('geoapp'), hashtext(%s))", (P,))
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 1.0)
    run(pg_cluster, "geoapp_admin", "UPDATE geoapp.config SET value = '1' WHERE key = 'max_hold_s'")
    city = _store(pg_cluster, "city")
    fid, version = run(
        pg_cluster, "city", f"SELECT fid, version FROM {P}.boiler_rooms ORDER BY fid LIMIT 1"
    )[1][0]
    try:
        # a district holds a table lock, its own timeouts switched off
        blocker = _connect(pg_cluster, "daoli")
        blocker.autocommit = False
        blocker.execute("SET idle_in_transaction_session_timeout = 0")
        blocker.execute("SET lock_timeout = 0")
        blocker.execute(f"LOCK TABLE {P}.boiler_rooms IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        assert edit_feature(city, "boiler_rooms", fid, {"name": "市里改"}, version) == version + 1
        assert time.monotonic() - started < 30
        with pytest.raises(psycopg.OperationalError):
            blocker.execute("SELECT 1")
        # a district holds the project's write lock through the platform's own function
        holder = _connect(pg_cluster, "daoli")
        assert holder.execute("SELECT geoapp.lock_project(%s)", (P,)).fetchone()[0]
        got = threading.Event()

        def take() -> None:
            with city.locked():
                got.set()

        worker = threading.Thread(target=take)
        worker.start()
        worker.join(timeout=60)
        assert got.is_set()
        with pytest.raises(psycopg.OperationalError):
            holder.execute("SELECT 1")
    finally:
        run(
            pg_cluster,
            "geoapp_admin",
            "UPDATE geoapp.config SET value = '60' WHERE key = 'max_hold_s'",
        )
