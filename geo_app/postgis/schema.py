"""Database objects of the shared platform (Art. 24): accounts by level, history, row security.

``init_database`` creates, once per database, the schema ``geoapp`` with the accounts table
(role, level, unit), the history table written by triggers, the four group roles
``geoapp_city``, ``geoapp_district``, ``geoapp_street`` and ``geoapp_community``, and the
functions the policies use. ``secure_layer`` gives one layer table its version column,
history and version triggers and its row-level-security policies, which PostgreSQL enforces
for every connection, ``psql`` included:

==========  =====================================  =========================================
level       reads                                  writes
==========  =====================================  =========================================
city        everything                             everything
district    rows of its district                   rows of its district (not reference layers)
street      rows of its streets                    rows of its streets (not reference layers)
community   rows of its community                  its own facilities and registry rows
==========  =====================================  =========================================

A row belongs to a unit by its ``district_code`` / ``street_code`` / ``community_id`` columns;
a layer with only ``community_id`` (facilities) follows the communities the account can see.
Layers without any of these columns (the walking network, buildings, settings) are reference
layers: every level reads them, the city writes them.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

LEVELS: tuple[str, ...] = ("city", "district", "street", "community")
GROUP_ROLES: dict[str, str] = {level: f"geoapp_{level}" for level in LEVELS}
COMMUNITY_WRITABLE: tuple[str, ...] = ("facilities", "housing_registry")
"""Layers a community account may write (its own rows only)."""
SETTINGS_WRITABLE_BY: tuple[str, ...] = ("city", "district", "street")
"""Levels that may write the settings table (the import log lives there)."""

INIT_SQL = """
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS geoapp;
CREATE TABLE IF NOT EXISTS geoapp.accounts (
    role name PRIMARY KEY,
    level text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
    unit text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS geoapp.history (
    history_id bigserial PRIMARY KEY,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by name NOT NULL DEFAULT session_user,
    project name NOT NULL,
    layer name NOT NULL,
    fid bigint NOT NULL,
    operation text NOT NULL,
    version integer,
    before jsonb,
    after jsonb
);
CREATE INDEX IF NOT EXISTS history_feature ON geoapp.history (project, layer, fid);

CREATE OR REPLACE FUNCTION geoapp.my_level() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT level FROM geoapp.accounts WHERE role = session_user
$$;
CREATE OR REPLACE FUNCTION geoapp.my_unit() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT unit FROM geoapp.accounts WHERE role = session_user
$$;

-- the newest change of a project: the app's cache key (readable whatever history rows one sees)
CREATE OR REPLACE FUNCTION geoapp.data_version(p name) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT coalesce(max(history_id), 0) FROM geoapp.history WHERE project = p
$$;

CREATE OR REPLACE FUNCTION geoapp.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION geoapp.history_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_temp AS $$
BEGIN
    INSERT INTO geoapp.history (project, layer, fid, operation, version, after)
    SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, n.fid, 'insert', n.version, to_jsonb(n)
    FROM new_rows n;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION geoapp.history_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_temp AS $$
BEGIN
    INSERT INTO geoapp.history (project, layer, fid, operation, version, before, after)
    SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, n.fid, 'update', n.version, to_jsonb(o), to_jsonb(n)
    FROM new_rows n JOIN old_rows o USING (fid);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION geoapp.history_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_temp AS $$
BEGIN
    INSERT INTO geoapp.history (project, layer, fid, operation, version, before)
    SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, o.fid, 'delete', o.version, to_jsonb(o)
    FROM old_rows o;
    RETURN NULL;
END
$$;

-- Art. 14: the street (or the community) registers, the district files
CREATE OR REPLACE FUNCTION geoapp.registry_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    level text := geoapp.my_level();
BEGIN
    IF level IS NULL OR level = 'city' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND level = 'district' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '区县账号不登记公益用房(由街道登记) / district accounts do not register housing (the street does)';
    END IF;
    IF level IN ('street', 'community') AND (
        NEW.filed_civil_affairs_at IS DISTINCT FROM
            (CASE WHEN TG_OP = 'UPDATE' THEN OLD.filed_civil_affairs_at END)
        OR NEW.filed_state_assets_at IS DISTINCT FROM
            (CASE WHEN TG_OP = 'UPDATE' THEN OLD.filed_state_assets_at END)
    ) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '备案日期由区县填写 / the filing dates are set by the district';
    END IF;
    RETURN NEW;
END
$$;

ALTER TABLE geoapp.history ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS history_read ON geoapp.history;
CREATE POLICY history_read ON geoapp.history FOR SELECT
    USING (geoapp.my_level() = 'city' OR changed_by = session_user);
"""


def init_database(con: psycopg.Connection) -> None:
    """Create the platform's schema, roles and functions (idempotent; run as the owner)."""
    with con.transaction():
        con.execute(INIT_SQL)
        for role in GROUP_ROLES.values():
            exists = con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if exists is None:
                con.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            ident = sql.Identifier(role)
            con.execute(sql.SQL("GRANT USAGE ON SCHEMA geoapp TO {}").format(ident))
            con.execute(sql.SQL("GRANT SELECT ON geoapp.accounts TO {}").format(ident))
            con.execute(sql.SQL("GRANT SELECT ON geoapp.history TO {}").format(ident))
        con.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO geoapp_city").format(
                sql.Identifier(con.info.dbname)
            )
        )


def grant_project(con: psycopg.Connection, project: str) -> None:
    """Let the four levels use the project's schema (rows are limited by the policies)."""
    schema = sql.Identifier(project)
    for level, role in GROUP_ROLES.items():
        ident = sql.Identifier(role)
        con.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, ident))
        con.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema, ident
            )
        )
        con.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, ident)
        )
        if level == "city":
            con.execute(sql.SQL("GRANT CREATE ON SCHEMA {} TO {}").format(schema, ident))


def _unit_predicate(
    project: str, layer: str, columns: set[str], level: str, tables: set[str]
) -> sql.Composable:
    """Rows of ``layer`` that belong to the account's unit at ``level`` (reading)."""
    unit = sql.SQL("geoapp.my_unit()")
    col = sql.Identifier

    def via(column: str, table: str, alias_column: str) -> sql.Composable | None:
        if table not in tables or table == layer:
            return None
        return sql.SQL("{} IN (SELECT t.{} FROM {} t)").format(
            col(column), col(alias_column), sql.Identifier(project, table)
        )

    if level == "community":
        if "community_id" in columns:
            return sql.SQL("{} = {}").format(col("community_id"), unit)
        for column in ("street_code", "district_code"):
            if column in columns:
                return via(column, "communities", column) or sql.SQL("false")
        return sql.SQL("true")
    own = "district_code" if level == "district" else "street_code"
    if own in columns:
        return sql.SQL("{} = {}").format(col(own), unit)
    if "community_id" in columns:
        return via("community_id", "communities", "community_id") or sql.SQL("false")
    if level == "street" and "district_code" in columns:
        return via("district_code", "streets", "district_code") or sql.SQL("false")
    return sql.SQL("true")


def _is_reference(columns: set[str]) -> bool:
    return not columns & {"district_code", "street_code", "community_id"}


def _write_predicate(layer: str, columns: set[str], level: str, read: sql.Composable):
    if level == "city":
        return sql.SQL("true")
    if layer == "project_settings":
        return sql.SQL("true" if level in SETTINGS_WRITABLE_BY else "false")
    if level == "community":
        return (
            read if layer in COMMUNITY_WRITABLE and "community_id" in columns else sql.SQL("false")
        )
    return sql.SQL("false") if _is_reference(columns) else read


def _by_level(predicates: dict[str, sql.Composable]) -> sql.Composable:
    cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN ({})").format(sql.Literal(level), predicate)
        for level, predicate in predicates.items()
    )
    return sql.SQL("CASE geoapp.my_level() {} ELSE false END").format(cases)


POLICIES = ("geoapp_read", "geoapp_insert", "geoapp_update", "geoapp_delete")


def add_triggers(con: psycopg.Connection, project: str, layer: str) -> None:
    """Version counter and history triggers of a new layer table; row security switched on."""
    table = sql.Identifier(project, layer)
    statements = [
        sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table),
        sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(table),
        sql.SQL(
            "CREATE TRIGGER geoapp_version BEFORE UPDATE ON {} "
            "FOR EACH ROW EXECUTE FUNCTION geoapp.bump_version()"
        ).format(table),
        sql.SQL(
            "CREATE TRIGGER geoapp_history_insert AFTER INSERT ON {} REFERENCING NEW TABLE AS "
            "new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoapp.history_insert()"
        ).format(table),
        sql.SQL(
            "CREATE TRIGGER geoapp_history_update AFTER UPDATE ON {} REFERENCING OLD TABLE AS "
            "old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION geoapp.history_update()"
        ).format(table),
        sql.SQL(
            "CREATE TRIGGER geoapp_history_delete AFTER DELETE ON {} REFERENCING OLD TABLE AS "
            "old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoapp.history_delete()"
        ).format(table),
    ]
    if layer == "housing_registry":
        statements.append(
            sql.SQL(
                "CREATE TRIGGER geoapp_registry_guard BEFORE INSERT OR UPDATE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION geoapp.registry_guard()"
            ).format(table)
        )
    for statement in statements:
        con.execute(statement)


def apply_policies(
    con: psycopg.Connection, project: str, layer: str, columns: set[str], tables: set[str]
) -> None:
    """(Re)create the four row-level-security policies of one layer table."""
    table = sql.Identifier(project, layer)
    read = {lv: _unit_predicate(project, layer, columns, lv, tables) for lv in LEVELS}
    read["city"] = sql.SQL("true")
    write = {lv: _write_predicate(layer, columns, lv, read[lv]) for lv in LEVELS}
    reading, writing = _by_level(read), _by_level(write)
    for name in POLICIES:
        con.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(name), table))
    statements = [
        sql.SQL("CREATE POLICY geoapp_read ON {} FOR SELECT USING ({})").format(table, reading),
        sql.SQL("CREATE POLICY geoapp_insert ON {} FOR INSERT WITH CHECK ({})").format(
            table, writing
        ),
        sql.SQL("CREATE POLICY geoapp_update ON {} FOR UPDATE USING ({}) WITH CHECK ({})").format(
            table, writing, writing
        ),
        sql.SQL("CREATE POLICY geoapp_delete ON {} FOR DELETE USING ({})").format(table, writing),
    ]
    for statement in statements:
        con.execute(statement)
