"""SQL of the triggers of the project tables: version counter, history, Art. 14 and Art. 7 guards.

No account may execute these functions (``EXECUTE`` is revoked from everyone), so no account
can attach them to a table of its own: a trigger that is already attached fires whoever
changes the table, but only the platform (:func:`geoapp.secure_layer`) attaches them, and
the history functions also refuse any table that is not a registered project layer.
"""

from __future__ import annotations

TRIGGER_FUNCTIONS = (
    "bump_version()",
    "history_insert()",
    "history_update()",
    "history_delete()",
    "registry_guard()",
    "change_guard()",
    "stamp_creator()",
)

TRIGGERS_SQL = """
CREATE OR REPLACE FUNCTION geoapp.bump_version() RETURNS trigger
LANGUAGE plpgsql SET search_path = geoapp, pg_catalog, pg_temp AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION geoapp.is_layer(r oid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM geoapp.layers WHERE relid = r AND secured)
$$;

CREATE OR REPLACE FUNCTION geoapp.history_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_temp AS $$
BEGIN
    IF NOT geoapp.is_layer(TG_RELID) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '修改记录只属于平台的项目图层(旧版上传的项目请重新上传) / history is '
                      'written for project layers of the platform only (push projects pushed '
                      'by an older version again)';
    END IF;
    INSERT INTO geoapp.history (project, layer, fid, operation, version, after,
                                district_code, street_code, community_id)
    SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, (r.j->>'fid')::bigint, 'insert',
           (r.j->>'version')::integer, r.j,
           r.j->>'district_code', r.j->>'street_code', r.j->>'community_id'
    FROM (SELECT to_jsonb(n) AS j FROM new_rows n) r;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION geoapp.history_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_temp AS $$
BEGIN
    IF NOT geoapp.is_layer(TG_RELID) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '修改记录只属于平台的项目图层(旧版上传的项目请重新上传) / history is '
                      'written for project layers of the platform only (push projects pushed '
                      'by an older version again)';
    END IF;
    INSERT INTO geoapp.history (project, layer, fid, operation, version, before, after,
                                district_code, street_code, community_id)
    SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, r.fid, 'update', (r.a->>'version')::integer, r.b,
           r.a, r.a->>'district_code', r.a->>'street_code', r.a->>'community_id'
    FROM (SELECT n.fid, to_jsonb(o) AS b, to_jsonb(n) AS a
          FROM new_rows n JOIN old_rows o USING (fid)) r;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION geoapp.history_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_temp AS $$
BEGIN
    IF NOT geoapp.is_layer(TG_RELID) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '修改记录只属于平台的项目图层(旧版上传的项目请重新上传) / history is '
                      'written for project layers of the platform only (push projects pushed '
                      'by an older version again)';
    END IF;
    INSERT INTO geoapp.history (project, layer, fid, operation, version, before,
                                district_code, street_code, community_id)
    SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, (r.j->>'fid')::bigint, 'delete',
           (r.j->>'version')::integer, r.j,
           r.j->>'district_code', r.j->>'street_code', r.j->>'community_id'
    FROM (SELECT to_jsonb(o) AS j FROM old_rows o) r;
    RETURN NULL;
END
$$;

-- Art. 14: the street (or the community) registers facilities of its own communities, the
-- district files them; runs with the rights of the account, so "its own" is what it may see
CREATE OR REPLACE FUNCTION geoapp.registry_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    level text := geoapp.my_level();
    found boolean;
BEGIN
    IF geoapp.is_city() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND level = 'district' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '区县账号不登记公益用房(由街道登记) / district accounts do not register '
                      'housing (the street does)';
    END IF;
    IF level IN ('street', 'community') THEN
        IF NEW.filed_civil_affairs_at IS DISTINCT FROM
                (CASE WHEN TG_OP = 'UPDATE' THEN OLD.filed_civil_affairs_at END)
            OR NEW.filed_state_assets_at IS DISTINCT FROM
                (CASE WHEN TG_OP = 'UPDATE' THEN OLD.filed_state_assets_at END) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = '备案日期由区县填写 / the filing dates are set by the district';
        END IF;
        NEW.status := coalesce(NEW.status, 'registered');
        IF NEW.status IS DISTINCT FROM
                (CASE WHEN TG_OP = 'UPDATE' THEN OLD.status ELSE 'registered' END) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = '登记状态由区县备案时改变 / only the district moves a row to filed';
        END IF;
    END IF;
    IF level = 'district' AND NEW.status = 'filed'
        AND (NEW.filed_civil_affairs_at IS NULL OR NEW.filed_state_assets_at IS NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = '民政和国资两处备案后才为已备案 / filed needs both filing dates';
    END IF;
    IF TG_OP = 'INSERT' OR NEW.facility_id IS DISTINCT FROM OLD.facility_id
        OR NEW.community_id IS DISTINCT FROM OLD.community_id THEN
        EXECUTE format(
            'SELECT EXISTS (SELECT 1 FROM %I.facilities WHERE facility_id::text = $1 '
            'AND community_id::text = $2)', TG_TABLE_SCHEMA)
            INTO found USING NEW.facility_id::text, NEW.community_id::text;
        IF NOT found THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('设施 %s 不是本账号社区 %s 的设施 / facility %s is not a '
                                 'facility of community %s of this account',
                                 NEW.facility_id, NEW.community_id,
                                 NEW.facility_id, NEW.community_id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;

-- Art. 7: the district decides and files with the city; the state follows the filing date
CREATE OR REPLACE FUNCTION geoapp.change_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = geoapp, pg_catalog, pg_temp AS $$
BEGIN
    NEW.status := CASE WHEN NEW.filed_city_at IS NULL THEN 'decided' ELSE 'filed' END;
    NEW.recorded_by := CASE WHEN TG_OP = 'UPDATE' THEN OLD.recorded_by ELSE session_user END;
    RETURN NEW;
END
$$;

-- who saved a scenario: set by the database, never by the row
CREATE OR REPLACE FUNCTION geoapp.stamp_creator() RETURNS trigger
LANGUAGE plpgsql SET search_path = geoapp, pg_catalog, pg_temp AS $$
BEGIN
    NEW.created_by := CASE WHEN TG_OP = 'UPDATE' THEN OLD.created_by ELSE session_user END;
    RETURN NEW;
END
$$;
"""
