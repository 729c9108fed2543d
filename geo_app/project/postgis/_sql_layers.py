"""SQL of the project's own functions for tables: creating, securing and dropping layers, and
keeping the reference hierarchy (``geoapp.units``).

They run as the platform's owner (SECURITY DEFINER), so the tables of a project belong to the
platform, not to the account that pushed it: no account can switch row security off, drop a
trigger or attach one. Each function checks the caller's level itself. A new layer is loaded
by ``COPY`` before :func:`geoapp.secure_layer` gives it its policies, triggers and grants in
the same transaction (nobody else sees the table before it is secured); its history is then
one ``load`` entry with the number of rows, not one entry per row.
"""

from __future__ import annotations

LAYERS_SQL = r"""
CREATE OR REPLACE FUNCTION geoapp.code_kind(c text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE c WHEN 'community_id' THEN 'community' WHEN 'street_code' THEN 'street'
                  WHEN 'district_code' THEN 'district' END
$$;

CREATE OR REPLACE FUNCTION geoapp.require_city(what text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = geoapp, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT geoapp.is_city() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('只有市级账号可以%s / only the city may %s',
                             split_part(what, '/', 1), split_part(what, '/', 2));
    END IF;
END
$$;

-- a scenario's result tables belong to the account that saved it
CREATE OR REPLACE FUNCTION geoapp.may_shape(p name, l name) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = geoapp, pg_temp AS $$
    SELECT geoapp.is_city() OR (l LIKE 'scenario\_\_%' AND coalesce(
        (SELECT created_by = session_user FROM geoapp.layers WHERE project = p AND layer = l),
        true))
$$;

CREATE OR REPLACE FUNCTION geoapp.create_layer(
    p name, l name, cols text[], types text[], spatial boolean
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_catalog, pg_temp AS $$
DECLARE
    allowed text[] := ARRAY['boolean', 'bigint', 'double precision', 'timestamptz',
                            'timestamp', 'text', 'jsonb'];
    defs text := 'fid bigserial PRIMARY KEY, version integer NOT NULL DEFAULT 1';
    grp text;
BEGIN
    IF NOT geoapp.may_shape(p, l) THEN
        PERFORM geoapp.require_city('新建图层/create layers');
    END IF;
    IF p LIKE 'pg\_%' OR p LIKE 'geoapp%' OR p = 'public' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('保留的项目名 %s / reserved project name %s', p, p);
    END IF;
    IF coalesce(array_length(cols, 1), 0) <> coalesce(array_length(types, 1), 0) THEN
        RAISE EXCEPTION 'columns and types differ in number';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = p) THEN
        PERFORM geoapp.require_city('新建项目/create projects');
        EXECUTE format('CREATE SCHEMA %I', p);
        FOREACH grp IN ARRAY ARRAY['geoapp_city', 'geoapp_district', 'geoapp_street',
                                   'geoapp_community'] LOOP
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', p, grp);
        END LOOP;
    ELSIF (SELECT nspowner FROM pg_namespace WHERE nspname = p)
            <> (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('模式 %s 不是平台的项目 / schema %s is not a project of the '
                             'platform', p, p);
    END IF;
    FOR i IN 1 .. coalesce(array_length(cols, 1), 0) LOOP
        IF NOT types[i] = ANY (allowed) OR cols[i] IN ('fid', 'version', 'geometry') THEN
            RAISE EXCEPTION 'column % of type % is not allowed', cols[i], types[i];
        END IF;
        defs := defs || format(', %I %s', cols[i], types[i]);
    END LOOP;
    IF spatial THEN
        defs := defs || ', geometry geometry(Geometry, 4326)';
    END IF;
    EXECUTE format('CREATE TABLE %I.%I (%s)', p, l, defs);
    INSERT INTO geoapp.layers (project, layer, relid)
    VALUES (p, l, format('%I.%I', p, l)::regclass::oid);
    IF session_user <> current_user THEN  -- the loader copies the rows before the policies
        EXECUTE format('GRANT INSERT ON %I.%I TO %I', p, l, session_user);
        EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I',
                       pg_get_serial_sequence(format('%I.%I', p, l), 'fid'), session_user);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION geoapp.apply_policies(p name, l name) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    rel regclass := format('%I.%I', p, l)::regclass;
    specific text[] := ARRAY['community_id', 'street_code', 'district_code'];
    codes text[];
    scope text;
    anchor text;
    reading text;
    writing text;
    creator name;
    pol text;
BEGIN
    SELECT array_agg(attname::text ORDER BY array_position(specific, attname::text))
    INTO codes FROM pg_attribute
    WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped AND attname::text = ANY (specific);
    IF l LIKE 'scenario\_\_%' THEN
        SELECT created_by INTO creator FROM geoapp.layers WHERE relid = rel;
        reading := format('(SELECT geoapp.is_city()) OR session_user = %L', creator);
        writing := reading;
    ELSIF l = 'scenarios' THEN
        reading := '(SELECT geoapp.is_city()) OR created_by = session_user';
        writing := reading;
    ELSIF codes IS NULL THEN  -- reference layers and settings: everyone reads, the city writes
        reading := 'true';
        writing := '(SELECT geoapp.is_city())';
    ELSE
        -- the most specific code names the row's unit; the others must agree with the scope
        scope := format('%I::text IN (SELECT geoapp.my_codes(%L, %L))',
                        codes[1], p, geoapp.code_kind(codes[1]));
        FOR i IN 2 .. array_length(codes, 1) LOOP
            scope := scope || format(
                ' AND (%I IS NULL OR %I::text IN (SELECT geoapp.my_codes(%L, %L)))',
                codes[i], codes[i], p, geoapp.code_kind(codes[i]));
        END LOOP;
        anchor := geoapp.code_kind(codes[1]);
        reading := format('(SELECT geoapp.is_city()) OR (%s)', scope);
        -- an account writes rows of its level and below, never a row of a level above it
        writing := format(
            '(SELECT geoapp.is_city()) OR CASE (SELECT geoapp.my_level()) '
            'WHEN ''district'' THEN (%s) WHEN ''street'' THEN (%s) '
            'WHEN ''community'' THEN (%s) ELSE false END',
            scope,
            CASE WHEN anchor IN ('street', 'community') THEN scope ELSE 'false' END,
            CASE WHEN anchor = 'community' AND l IN ('facilities', 'housing_registry')
                 THEN scope ELSE 'false' END);
    END IF;
    FOREACH pol IN ARRAY ARRAY['geoapp_read', 'geoapp_insert', 'geoapp_update',
                               'geoapp_delete'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS %I ON %s', pol, rel);
    END LOOP;
    EXECUTE format('CREATE POLICY geoapp_read ON %s FOR SELECT USING (%s)', rel, reading);
    EXECUTE format('CREATE POLICY geoapp_insert ON %s FOR INSERT WITH CHECK (%s)', rel, writing);
    EXECUTE format('CREATE POLICY geoapp_update ON %s FOR UPDATE USING (%s) WITH CHECK (%s)',
                   rel, writing, writing);
    EXECUTE format('CREATE POLICY geoapp_delete ON %s FOR DELETE USING (%s)', rel, writing);
END
$$;

CREATE OR REPLACE FUNCTION geoapp.secure_layer(p name, l name, keys text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_catalog, pg_temp AS $$
DECLARE
    rel regclass;
    n bigint;
    grp text;
    seq text;
BEGIN
    IF NOT geoapp.may_shape(p, l) THEN
        PERFORM geoapp.require_city('新建图层/create layers');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM geoapp.layers WHERE project = p AND layer = l
                   AND NOT secured AND created_xid = pg_current_xact_id()) THEN
        RAISE EXCEPTION 'layer %.% was not created in this transaction', p, l;
    END IF;
    rel := format('%I.%I', p, l)::regclass;
    EXECUTE format('SELECT count(*) FROM %s', rel) INTO n;
    IF coalesce(array_length(keys, 1), 0) > 0 THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I UNIQUE NULLS NOT DISTINCT (%s)', rel,
                       left(l, 50) || '_unique',
                       (SELECT string_agg(format('%I', k), ', ') FROM unnest(keys) k));
    END IF;
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = rel AND attname = 'geometry') THEN
        EXECUTE format('CREATE INDEX ON %s USING gist (geometry)', rel);
    END IF;
    EXECUTE format('CREATE TRIGGER geoapp_version BEFORE UPDATE ON %s FOR EACH ROW '
                   'EXECUTE FUNCTION geoapp.bump_version()', rel);
    EXECUTE format('CREATE TRIGGER geoapp_history_insert AFTER INSERT ON %s REFERENCING NEW '
                   'TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION '
                   'geoapp.history_insert()', rel);
    EXECUTE format('CREATE TRIGGER geoapp_history_update AFTER UPDATE ON %s REFERENCING OLD '
                   'TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE '
                   'FUNCTION geoapp.history_update()', rel);
    EXECUTE format('CREATE TRIGGER geoapp_history_delete AFTER DELETE ON %s REFERENCING OLD '
                   'TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION '
                   'geoapp.history_delete()', rel);
    IF l = 'housing_registry' THEN
        EXECUTE format('CREATE TRIGGER geoapp_registry_guard BEFORE INSERT OR UPDATE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION geoapp.registry_guard()', rel);
    ELSIF l = 'community_changes' THEN
        EXECUTE format('CREATE TRIGGER geoapp_change_guard BEFORE INSERT OR UPDATE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION geoapp.change_guard()', rel);
    ELSIF l = 'scenarios' THEN
        EXECUTE format('CREATE TRIGGER geoapp_creator BEFORE INSERT OR UPDATE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION geoapp.stamp_creator()', rel);
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', rel);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', rel);
    PERFORM geoapp.apply_policies(p, l);
    seq := pg_get_serial_sequence(rel::text, 'fid');
    IF session_user <> current_user THEN
        EXECUTE format('REVOKE ALL ON %s FROM %I', rel, session_user);
        EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM %I', seq, session_user);
    END IF;
    FOREACH grp IN ARRAY ARRAY['geoapp_city', 'geoapp_district', 'geoapp_street',
                               'geoapp_community'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', rel, grp);
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', seq, grp);
    END LOOP;
    UPDATE geoapp.layers SET secured = true WHERE relid = rel;
    INSERT INTO geoapp.history (project, layer, operation, after)
    VALUES (p, l, 'load', jsonb_build_object('rows', n));
END
$$;

CREATE OR REPLACE FUNCTION geoapp.add_columns(p name, l name, cols text[], types text[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, public, pg_catalog, pg_temp AS $$
DECLARE
    allowed text[] := ARRAY['boolean', 'bigint', 'double precision', 'timestamptz',
                            'timestamp', 'text', 'jsonb', 'geometry'];
BEGIN
    IF NOT geoapp.may_shape(p, l) THEN
        PERFORM geoapp.require_city('增加字段/add fields');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM geoapp.layers WHERE project = p AND layer = l) THEN
        RAISE EXCEPTION 'no layer %.%', p, l;
    END IF;
    FOR i IN 1 .. coalesce(array_length(cols, 1), 0) LOOP
        IF NOT types[i] = ANY (allowed) OR cols[i] IN ('fid', 'version') THEN
            RAISE EXCEPTION 'column % of type % is not allowed', cols[i], types[i];
        END IF;
        EXECUTE format('ALTER TABLE %I.%I ADD COLUMN %I %s', p, l, cols[i],
                       CASE WHEN types[i] = 'geometry' THEN 'geometry(Geometry, 4326)'
                            ELSE types[i] END);
    END LOOP;
    IF EXISTS (SELECT 1 FROM geoapp.layers WHERE project = p AND layer = l AND secured) THEN
        PERFORM geoapp.apply_policies(p, l);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION geoapp.drop_layers(p name, ls name[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    l name;
BEGIN
    FOREACH l IN ARRAY ls LOOP
        IF NOT geoapp.may_shape(p, l) THEN
            PERFORM geoapp.require_city('删除图层/delete layers');
        END IF;
        IF EXISTS (SELECT 1 FROM geoapp.layers WHERE project = p AND layer = l) THEN
            EXECUTE format('DROP TABLE IF EXISTS %I.%I', p, l);
            DELETE FROM geoapp.layers WHERE project = p AND layer = l;
        END IF;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION geoapp.drop_project(p name) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM geoapp.require_city('删除项目/delete projects');
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = p) THEN
        IF (SELECT nspowner FROM pg_namespace WHERE nspname = p)
                <> (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('模式 %s 不是平台的项目 / schema %s is not a project of the '
                                 'platform', p, p);
        END IF;
        EXECUTE format('DROP SCHEMA %I CASCADE', p);
    END IF;
    DELETE FROM geoapp.layers WHERE project = p;
    DELETE FROM geoapp.units WHERE project = p;
    DELETE FROM geoapp.import_log WHERE project = p;
END
$$;

-- the reference hierarchy from the project's districts, streets and communities (the city's)
CREATE OR REPLACE FUNCTION geoapp.sync_units(p name) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM geoapp.require_city('改变区县、街道和社区编码/change the unit codes');
    DELETE FROM geoapp.units WHERE project = p;
    IF to_regclass(format('%I.districts', p)) IS NOT NULL THEN
        EXECUTE format('INSERT INTO geoapp.units (project, level, code, district_code) '
                       'SELECT DISTINCT $1, ''district'', district_code::text, '
                       'district_code::text FROM %I.districts WHERE district_code IS NOT NULL '
                       'ON CONFLICT DO NOTHING', p) USING p;
    END IF;
    IF to_regclass(format('%I.streets', p)) IS NOT NULL THEN
        EXECUTE format('INSERT INTO geoapp.units (project, level, code, district_code, '
                       'street_code) SELECT DISTINCT ON (street_code::text) $1, ''street'', '
                       'street_code::text, district_code::text, street_code::text '
                       'FROM %I.streets WHERE street_code IS NOT NULL '
                       'ORDER BY street_code::text, fid ON CONFLICT DO NOTHING', p) USING p;
    END IF;
    IF to_regclass(format('%I.communities', p)) IS NOT NULL THEN
        -- the row in force wins where Art. 7 kept several rows of one community
        EXECUTE format('INSERT INTO geoapp.units (project, level, code, district_code, '
                       'street_code) SELECT DISTINCT ON (community_id::text) $1, '
                       '''community'', community_id::text, district_code::text, '
                       'street_code::text FROM %I.communities WHERE community_id IS NOT NULL '
                       'ORDER BY community_id::text, (valid_to IS NULL) DESC, fid DESC '
                       'ON CONFLICT DO NOTHING', p) USING p;
        -- streets and districts named only by communities
        EXECUTE format('INSERT INTO geoapp.units (project, level, code, district_code, '
                       'street_code) SELECT DISTINCT ON (street_code::text) $1, ''street'', '
                       'street_code::text, district_code::text, street_code::text '
                       'FROM %I.communities WHERE street_code IS NOT NULL '
                       'ORDER BY street_code::text ON CONFLICT DO NOTHING', p) USING p;
    END IF;
    INSERT INTO geoapp.units (project, level, code, district_code)
    SELECT DISTINCT p, 'district', district_code, district_code FROM geoapp.units
    WHERE project = p AND district_code IS NOT NULL ON CONFLICT DO NOTHING;
    SELECT count(*) INTO n FROM geoapp.units WHERE project = p;
    RETURN n;
END
$$;

-- Art. 7: a district establishes communities in its own streets (new ids only)
CREATE OR REPLACE FUNCTION geoapp.add_community_units(p name, ids text[], streets text[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = geoapp, pg_catalog, pg_temp AS $$
DECLARE
    city boolean := geoapp.is_city();
    district text;
    t record;
    used boolean;
    added integer := 0;
BEGIN
    IF NOT city AND geoapp.my_level() IS DISTINCT FROM 'district' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = '社区的设立和调整由区县决定(第七条) / communities are established by the '
                      'district (Art. 7)';
    END IF;
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        IF EXISTS (SELECT 1 FROM geoapp.units WHERE project = p AND level = 'community'
                   AND code = ids[i]) THEN
            IF city OR ids[i] IN (SELECT geoapp.my_codes(p, 'community')) THEN
                CONTINUE;
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('社区编号 %s 已属于其他单位 / community id %s belongs to '
                                 'another unit', ids[i], ids[i]);
        END IF;
        IF NOT city AND (streets[i] IS NULL
                OR streets[i] NOT IN (SELECT geoapp.my_codes(p, 'street'))) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('街道 %s 不在本区县 / street %s is not in this district',
                                 streets[i], streets[i]);
        END IF;
        FOR t IN SELECT a.attrelid::regclass AS rel FROM geoapp.layers y
                 JOIN pg_attribute a ON a.attrelid = y.relid AND a.attname = 'community_id'
                 WHERE y.project = p LOOP
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE community_id::text = $1)',
                           t.rel) INTO used USING ids[i];
            IF used THEN
                RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                    MESSAGE = format('社区编号 %s 已在 %s 中使用 / community id %s is used in %s',
                                     ids[i], t.rel, ids[i], t.rel);
            END IF;
        END LOOP;
        SELECT u.district_code INTO district FROM geoapp.units u
        WHERE u.project = p AND u.level = 'street' AND u.code = streets[i];
        INSERT INTO geoapp.units (project, level, code, district_code, street_code)
        VALUES (p, 'community', ids[i], district, streets[i]);
        added := added + 1;
    END LOOP;
    RETURN added;
END
$$;
"""
