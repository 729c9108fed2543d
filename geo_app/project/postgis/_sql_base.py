"""SQL of the platform's own tables and of the account's scope (run by :func:`init_database`).

``geoapp.units`` is the reference hierarchy of every project (district, street and community
codes, each with its parents), filled from the project's layers when the city writes them and
changed otherwise only by the platform's SECURITY DEFINER functions: no account can create a
unit, so no row an account inserts can widen what it sees. ``geoapp.my_scope()`` lists the
units of the signed-in account (its own unit, the units below it and the units above it);
every policy of the platform anchors on it.
"""

from __future__ import annotations

TABLES_SQL = """
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS geoapp;
REVOKE ALL ON SCHEMA geoapp FROM PUBLIC;
CREATE TABLE IF NOT EXISTS geoapp.accounts (
    role name PRIMARY KEY,
    level text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
    unit text NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS geoapp.units (
    project name NOT NULL,
    level text NOT NULL CHECK (level IN ('district', 'street', 'community')),
    code text NOT NULL,
    district_code text,
    street_code text,
    PRIMARY KEY (project, level, code)
);
CREATE TABLE IF NOT EXISTS geoapp.layers (
    project name NOT NULL,
    layer name NOT NULL,
    relid oid NOT NULL UNIQUE,
    created_by name NOT NULL DEFAULT session_user,
    created_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    secured boolean NOT NULL DEFAULT false,
    PRIMARY KEY (project, layer)
);
CREATE TABLE IF NOT EXISTS geoapp.history (
    history_id bigserial PRIMARY KEY,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by name NOT NULL DEFAULT session_user,
    project name NOT NULL,
    layer name NOT NULL,
    fid bigint,
    operation text NOT NULL,
    version integer,
    before jsonb,
    after jsonb
);
ALTER TABLE geoapp.history ALTER COLUMN fid DROP NOT NULL;
ALTER TABLE geoapp.history ADD COLUMN IF NOT EXISTS district_code text;
ALTER TABLE geoapp.history ADD COLUMN IF NOT EXISTS street_code text;
ALTER TABLE geoapp.history ADD COLUMN IF NOT EXISTS community_id text;
CREATE INDEX IF NOT EXISTS history_feature ON geoapp.history (project, layer, fid);
CREATE TABLE IF NOT EXISTS geoapp.import_log (
    log_id bigserial PRIMARY KEY,
    project name NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT now(),
    account name NOT NULL DEFAULT session_user,
    entry jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS geoapp.project_locks (
    project name PRIMARY KEY,
    pid integer NOT NULL,
    role name NOT NULL,
    since timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS geoapp.config (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO geoapp.config (key, value) VALUES ('max_hold_s', '60') ON CONFLICT DO NOTHING;
"""

SCOPE_SQL = """
CREATE OR REPLACE FUNCTION geoapp.my_level() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT level FROM geoapp.accounts WHERE role = session_user
$$;
CREATE OR REPLACE FUNCTION geoapp.my_unit() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT unit FROM geoapp.accounts WHERE role = session_user
$$;
-- the city, or the platform's owner (who ran `geo-app db init`)
CREATE OR REPLACE FUNCTION geoapp.is_city() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT level = 'city' FROM geoapp.accounts WHERE role = session_user), false)
        OR session_user = (SELECT nspowner::regrole::name FROM pg_namespace
                           WHERE nspname = 'geoapp')
        OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
$$;
-- the units the account may see: its own, those below it and those above it
CREATE OR REPLACE FUNCTION geoapp.my_scope() RETURNS TABLE (project name, kind text, code text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    WITH me AS (
        SELECT level, unit FROM geoapp.accounts
        WHERE role = session_user AND level <> 'city'
    ), mine AS (
        SELECT u.* FROM geoapp.units u JOIN me ON u.level = me.level AND u.code = me.unit
    )
    SELECT u.project, u.level, u.code FROM geoapp.units u JOIN mine m ON u.project = m.project
    WHERE CASE m.level
        WHEN 'district' THEN u.district_code = m.code
        WHEN 'street' THEN (u.level = 'district' AND u.code = m.district_code)
            OR (u.level IN ('street', 'community') AND u.street_code = m.code)
        WHEN 'community' THEN (u.level = 'district' AND u.code = m.district_code)
            OR (u.level = 'street' AND u.code = m.street_code)
            OR (u.level = 'community' AND u.code = m.code)
        ELSE false
    END
$$;
CREATE OR REPLACE FUNCTION geoapp.my_codes(p name, k text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT s.code FROM geoapp.my_scope() s WHERE s.project = p AND s.kind = k
$$;
CREATE OR REPLACE FUNCTION geoapp.unit_exists(l text, u text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM geoapp.units WHERE level = l AND code = u)
$$;

-- the newest change of a project: the app's cache key (a number, whatever one may read)
CREATE OR REPLACE FUNCTION geoapp.data_version(p name) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT coalesce(max(history_id), 0) FROM geoapp.history WHERE project = p
$$;
-- the newest change of one layer the account may read, who made it and when (edit conflicts)
DROP FUNCTION IF EXISTS geoapp.last_change(name, name);
CREATE FUNCTION geoapp.last_change(p name, l name)
RETURNS TABLE (history_id bigint, changed_by name, changed_at timestamptz)
LANGUAGE sql STABLE SET search_path = geoapp, pg_temp AS $$
    SELECT h.history_id, h.changed_by, h.changed_at FROM geoapp.history h
    WHERE h.project = p AND h.layer = l ORDER BY h.history_id DESC LIMIT 1
$$;
"""

SECURITY_SQL = """
ALTER TABLE geoapp.accounts ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS accounts_read ON geoapp.accounts;
CREATE POLICY accounts_read ON geoapp.accounts FOR SELECT
    USING (role = session_user OR (SELECT geoapp.is_city()));

ALTER TABLE geoapp.history ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS history_read ON geoapp.history;
CREATE POLICY history_read ON geoapp.history FOR SELECT USING (
    (SELECT geoapp.is_city()) OR changed_by = session_user OR CASE
        WHEN community_id IS NOT NULL THEN
            (project, 'community', community_id) IN (SELECT * FROM geoapp.my_scope())
        WHEN street_code IS NOT NULL THEN
            (project, 'street', street_code) IN (SELECT * FROM geoapp.my_scope())
        WHEN district_code IS NOT NULL THEN
            (project, 'district', district_code) IN (SELECT * FROM geoapp.my_scope())
        ELSE false
    END
);

ALTER TABLE geoapp.import_log ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS import_log_read ON geoapp.import_log;
CREATE POLICY import_log_read ON geoapp.import_log FOR SELECT
    USING (account = session_user OR (SELECT geoapp.is_city()));
DROP POLICY IF EXISTS import_log_add ON geoapp.import_log;
CREATE POLICY import_log_add ON geoapp.import_log FOR INSERT
    WITH CHECK (account = session_user);

-- nobody but the platform writes its own tables; the advisory locks are the platform's
REVOKE ALL ON geoapp.units, geoapp.layers, geoapp.project_locks, geoapp.config FROM PUBLIC;
REVOKE ALL ON geoapp.history, geoapp.accounts, geoapp.import_log FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION
    pg_catalog.pg_advisory_lock(bigint), pg_catalog.pg_advisory_lock(integer, integer),
    pg_catalog.pg_advisory_lock_shared(bigint),
    pg_catalog.pg_advisory_lock_shared(integer, integer),
    pg_catalog.pg_try_advisory_lock(bigint), pg_catalog.pg_try_advisory_lock(integer, integer),
    pg_catalog.pg_try_advisory_lock_shared(bigint),
    pg_catalog.pg_try_advisory_lock_shared(integer, integer),
    pg_catalog.pg_advisory_xact_lock(bigint), pg_catalog.pg_advisory_xact_lock(integer, integer),
    pg_catalog.pg_advisory_xact_lock_shared(bigint),
    pg_catalog.pg_advisory_xact_lock_shared(integer, integer),
    pg_catalog.pg_try_advisory_xact_lock(bigint),
    pg_catalog.pg_try_advisory_xact_lock(integer, integer),
    pg_catalog.pg_try_advisory_xact_lock_shared(bigint),
    pg_catalog.pg_try_advisory_xact_lock_shared(integer, integer)
FROM PUBLIC;
"""
