"""SQL of the project's write lock and of the city's precedence over lower levels' locks.

The advisory lock functions of PostgreSQL are revoked from everyone (:mod:`._sql_base`); the
project's write lock is taken only through :func:`geoapp.lock_project`. When the city needs
the lock, or a table lock, that a district, street or community session has held for longer
than ``geoapp.config.max_hold_s`` seconds, that session is ended (its open transaction rolls
back, nothing half-written stays), so no lower level can block the city indefinitely, whatever
it sets in its own session (``lock_timeout``, ``idle_in_transaction_session_timeout``).
"""

from __future__ import annotations

LOCKS_SQL = """
CREATE OR REPLACE FUNCTION geoapp.max_hold() RETURNS interval
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT make_interval(secs => coalesce(
        (SELECT value::double precision FROM geoapp.config WHERE key = 'max_hold_s'), 60))
$$;

-- end the lower-level sessions among pids that have held their locks too long
CREATE OR REPLACE FUNCTION geoapp.end_lower_sessions(pids integer[], held_since timestamptz[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    ended integer := 0;
    r record;
BEGIN
    FOR r IN
        SELECT a.pid FROM pg_stat_activity a
        JOIN unnest(pids, held_since) AS h(pid, since) ON h.pid = a.pid
        JOIN geoapp.accounts c ON c.role = a.usename
        WHERE c.level <> 'city' AND a.pid <> pg_backend_pid()
          AND coalesce(h.since, a.xact_start, a.backend_start) < now() - geoapp.max_hold()
    LOOP
        IF pg_terminate_backend(r.pid) THEN
            ended := ended + 1;
        END IF;
    END LOOP;
    RETURN ended;
END
$$;

CREATE OR REPLACE FUNCTION geoapp.lock_project(p name) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    holders integer[];
    since timestamptz[];
BEGIN
    IF pg_try_advisory_lock(hashtext('geoapp'), hashtext(p)) THEN
        INSERT INTO geoapp.project_locks (project, pid, role) VALUES (p, pg_backend_pid(),
                                                                      session_user)
        ON CONFLICT (project) DO UPDATE
            SET pid = EXCLUDED.pid, role = EXCLUDED.role, since = now();
        RETURN true;
    END IF;
    IF geoapp.is_city() THEN
        SELECT array_agg(l.pid), array_agg(k.since) INTO holders, since
        FROM pg_locks l LEFT JOIN geoapp.project_locks k ON k.project = p AND k.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.classid = hashtext('geoapp')::oid AND l.objid = hashtext(p)::oid;
        PERFORM geoapp.end_lower_sessions(holders, since);
    END IF;
    RETURN false;
END
$$;

CREATE OR REPLACE FUNCTION geoapp.unlock_project(p name) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM geoapp.project_locks WHERE project = p AND pid = pg_backend_pid();
    RETURN pg_advisory_unlock(hashtext('geoapp'), hashtext(p));
END
$$;

-- the city ends lower-level sessions that hold locks on the project's tables too long
CREATE OR REPLACE FUNCTION geoapp.end_blockers(p name) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    holders integer[];
BEGIN
    PERFORM geoapp.require_city('结束其他会话/end other sessions');
    SELECT array_agg(DISTINCT l.pid) INTO holders
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = p AND l.granted AND l.pid <> pg_backend_pid();
    RETURN geoapp.end_lower_sessions(holders, array_fill(NULL::timestamptz,
                                                         ARRAY[coalesce(cardinality(holders), 0)]));
END
$$;
"""
