"""Writing layers to PostGIS tables: new tables by bulk COPY, existing ones by difference.

A new table is created by the platform (``geoapp.create_layer``), filled by one ``COPY`` and
then secured (``geoapp.secure_layer``: policies, triggers, grants, one ``load`` history entry)
in the same transaction. An existing table is written by difference (:func:`write_changes`):
the rows are staged by ``COPY`` in a temporary table, rows identical to a stored row are left
alone, rows whose key (:data:`MATCH_KEYS`) matches a stored row become an ``UPDATE`` of that
row (same ``fid``, version + 1), the rest are inserted or deleted. So an import of one row
writes one row, and the history and the versions of the others do not move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from geo_app.project.store import SCENARIOS_TABLE, SETTINGS_TABLE, ProjectError
from layers.community_changes import CHANGE_COLUMNS, CHANGES_LAYER, STATUS, VALID_FROM, VALID_TO
from layers.registry import REGISTRY_COLUMNS, REGISTRY_LAYER
from layers.schema import SCHEMAS

GEOMETRY = "geometry"
HIDDEN_COLUMNS = ("fid", "version")

PLATFORM_COLUMNS: dict[str, dict[str, str]] = {
    "communities": {VALID_FROM: "text", VALID_TO: "text"},
    CHANGES_LAYER: {
        **{c: "bigint" if c == "change_id" else "text" for c in CHANGE_COLUMNS},
        STATUS: "text",
        "recorded_by": "text",
    },
    REGISTRY_LAYER: {
        c: "double precision" if c == "usable_area_m2" else "text" for c in REGISTRY_COLUMNS
    },
    SCENARIOS_TABLE: {
        c: "text" for c in ("name", "kind", "created", "parameters", "layers", "created_by")
    },
}
"""Columns the platform's workflows need in a table from its creation on (Art. 7, Art. 14,
saved scenarios), whether or not the pushed layer has them."""

UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "districts": ("district_code",),
    "streets": ("street_code",),
    "communities": ("community_id", VALID_FROM),
    REGISTRY_LAYER: ("facility_id",),
    CHANGES_LAYER: ("district_code", "change_id"),
    SETTINGS_TABLE: ("key",),
}
"""Ids that are unique in a table (a community id once per start date, Art. 7)."""

MATCH_KEYS: dict[str, tuple[str, ...]] = {
    **{name: (schema.id_field,) for name, schema in SCHEMAS.items() if schema.id_field},
    **UNIQUE_KEYS,
    "layer_metadata": ("layer", "key"),
    SCENARIOS_TABLE: ("name", "created_by"),
}
"""Columns that identify a row across writes, so that a changed row is updated in place."""


def column_type(series: pd.Series) -> str:
    """The PostgreSQL type of a frame column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamptz" if getattr(dtype, "tz", None) is not None else "timestamp"
    return "text"


def split_frame(
    name: str, frame: gpd.GeoDataFrame | pd.DataFrame
) -> tuple[pd.DataFrame, gpd.GeoSeries | None]:
    """Attribute columns and the geometry (in WGS 84) of a layer to write."""
    from layers.crs import WGS84

    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        if frame.crs is None:
            raise ProjectError(
                f"图层 {name} 没有坐标系 / layer {name} has no coordinate reference system"
            )
        geometry = frame.geometry if frame.crs.equals(WGS84) else frame.geometry.to_crs(WGS84)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    else:
        geometry, attributes = None, pd.DataFrame(frame)
    attributes = attributes.drop(columns=[c for c in HIDDEN_COLUMNS if c in attributes.columns])
    attributes.columns = [str(c) for c in attributes.columns]
    return attributes.reset_index(drop=True), geometry


def _cells(series: pd.Series) -> list:
    """Values COPY can send: ``None`` for missing, JSON for lists and dicts, Python scalars."""
    values = series.astype(object).where(series.notna(), None).tolist()
    if series.dtype == object:
        values = [
            json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for v in values
        ]
    return values


def _columns(attributes: pd.DataFrame, geometry: gpd.GeoSeries | None) -> tuple[list, list]:
    names = list(attributes.columns)
    columns = [_cells(attributes[c]) for c in names]
    if geometry is not None:
        values = shapely.set_srid(np.asarray(geometry.array, dtype=object), 4326)
        columns.append(list(shapely.to_wkb(values, hex=True, include_srid=True)))
        names.append(GEOMETRY)
    return names, columns


def copy_rows(
    con: psycopg.Connection,
    table: sql.Composable,
    attributes: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
) -> int:
    """``COPY`` the rows into ``table`` (a new table or a staging table); the number of rows."""
    names, columns = _columns(attributes, geometry)
    if not names:
        return 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table, sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with con.cursor() as cur, cur.copy(statement) as copy:
        for row in zip(*columns, strict=True):
            copy.write_row(row)
    return len(attributes)


def create_table(
    con: psycopg.Connection,
    project: str,
    name: str,
    attributes: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
) -> None:
    """Create, load and secure a new layer table in one go (one ``load`` history entry)."""
    platform = PLATFORM_COLUMNS.get(name, {})
    types = {
        c: platform[c]
        if c in platform and attributes[c].isna().all()
        else column_type(attributes[c])
        for c in attributes.columns
    }
    for column, kind in platform.items():
        types.setdefault(column, kind)
    con.execute(
        "SELECT geoapp.create_layer(%s, %s, %s, %s, %s)",
        (project, name, list(types), list(types.values()), geometry is not None),
    )
    copy_rows(con, sql.Identifier(project, name), attributes, geometry)
    keys = [k for k in UNIQUE_KEYS.get(name, ()) if k in types]
    try:
        with con.transaction():
            con.execute("SELECT geoapp.secure_layer(%s, %s, %s)", (project, name, keys))
    except psycopg.errors.UniqueViolation:
        raise ProjectError(
            f"图层 {name} 的编号 {'、'.join(keys)} 有重复,未写入任何内容 / the ids "
            f"{', '.join(keys)} of layer {name} are not unique; nothing was written"
        ) from None


@dataclass(frozen=True)
class Changes:
    """Rows a write by difference deleted, updated and inserted."""

    deleted: int = 0
    updated: int = 0
    inserted: int = 0


def _row_hash(alias: str, names: list[str]) -> sql.Composable:
    fields = sql.SQL(", ").join(sql.Identifier(alias, n) for n in names)
    return sql.SQL("md5(ROW({})::text)").format(fields)


def _key_text(alias: str, keys: list[str]) -> sql.Composable:
    if not keys:
        return sql.SQL("NULL::text")
    fields = sql.SQL(", ").join(sql.Identifier(alias, k) for k in keys)
    return sql.SQL("ROW({})::text").format(fields)


_PAIR_SQL = """
CREATE TEMP TABLE geoapp_same ON COMMIT DROP AS
SELECT o.id AS old_id, n.id AS new_id
FROM (SELECT id, h, row_number() OVER (PARTITION BY h ORDER BY id) AS r FROM geoapp_old) o
JOIN (SELECT id, h, row_number() OVER (PARTITION BY h ORDER BY id) AS r FROM geoapp_new) n
USING (h, r);
CREATE TEMP TABLE geoapp_pairs ON COMMIT DROP AS
WITH uo AS (
    SELECT id, k, count(*) OVER (PARTITION BY k) AS c FROM geoapp_old o
    WHERE NOT EXISTS (SELECT 1 FROM geoapp_same s WHERE s.old_id = o.id)
), un AS (
    SELECT id, k, count(*) OVER (PARTITION BY k) AS c FROM geoapp_new n
    WHERE NOT EXISTS (SELECT 1 FROM geoapp_same s WHERE s.new_id = n.id)
)
SELECT uo.id AS old_id, un.id AS new_id FROM uo JOIN un USING (k) WHERE uo.c = 1 AND un.c = 1;
CREATE TEMP TABLE geoapp_gone ON COMMIT DROP AS
SELECT id FROM geoapp_old o
WHERE NOT EXISTS (SELECT 1 FROM geoapp_same s WHERE s.old_id = o.id)
  AND NOT EXISTS (SELECT 1 FROM geoapp_pairs p WHERE p.old_id = o.id);
CREATE TEMP TABLE geoapp_added ON COMMIT DROP AS
SELECT id FROM geoapp_new n
WHERE NOT EXISTS (SELECT 1 FROM geoapp_same s WHERE s.new_id = n.id)
  AND NOT EXISTS (SELECT 1 FROM geoapp_pairs p WHERE p.new_id = n.id);
"""


def stage_rows(
    con: psycopg.Connection,
    table: sql.Composable,
    attributes: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
) -> list[str]:
    """The rows in the temporary table ``geoapp_incoming`` (numbered ``geoapp_n``, typed like
    ``table``); the names of the columns staged."""
    names = list(attributes.columns) + ([GEOMETRY] if geometry is not None else [])
    con.execute("DROP TABLE IF EXISTS pg_temp.geoapp_incoming")
    con.execute(
        sql.SQL(
            "CREATE TEMP TABLE geoapp_incoming ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
        ).format(sql.SQL(", ").join(map(sql.Identifier, names)), table)
    )
    con.execute("ALTER TABLE geoapp_incoming ADD COLUMN geoapp_n bigserial")
    copy_rows(con, sql.Identifier("geoapp_incoming"), attributes, geometry)
    return names


def write_changes(
    con: psycopg.Connection, project: str, name: str, names: list[str], keys: list[str]
) -> Changes:
    """Make table ``name`` hold the staged rows (columns ``names``), touching only the rows
    that differ; rows this account may not change raise ``ProjectError``."""
    table = sql.Identifier(project, name)
    for temp in ("geoapp_old", "geoapp_new", "geoapp_same", "geoapp_pairs", "geoapp_gone"):
        con.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier("pg_temp", temp)))
    con.execute("DROP TABLE IF EXISTS pg_temp.geoapp_added")
    con.execute(
        sql.SQL(
            "CREATE TEMP TABLE geoapp_old ON COMMIT DROP AS SELECT t.fid AS id, {} AS h, {} AS k "
            "FROM {} t"
        ).format(_row_hash("t", names), _key_text("t", keys), table)
    )
    con.execute(
        sql.SQL(
            "CREATE TEMP TABLE geoapp_new ON COMMIT DROP AS SELECT i.geoapp_n AS id, {} AS h, "
            "{} AS k FROM geoapp_incoming i"
        ).format(_row_hash("i", names), _key_text("i", keys))
    )
    con.execute(_PAIR_SQL)
    expected = con.execute(
        "SELECT (SELECT count(*) FROM geoapp_gone), (SELECT count(*) FROM geoapp_pairs), "
        "(SELECT count(*) FROM geoapp_added)"
    ).fetchone()
    deleted = updated = 0
    if expected[0]:
        deleted = con.execute(
            sql.SQL("DELETE FROM {} WHERE fid IN (SELECT id FROM geoapp_gone)").format(table)
        ).rowcount
    if expected[1]:
        sets = sql.SQL(", ").join(
            sql.SQL("{} = i.{}").format(sql.Identifier(n), sql.Identifier(n)) for n in names
        )
        updated = con.execute(
            sql.SQL(
                "UPDATE {} t SET {} FROM geoapp_pairs p JOIN geoapp_incoming i "
                "ON i.geoapp_n = p.new_id WHERE t.fid = p.old_id"
            ).format(table, sets)
        ).rowcount
    if (deleted, updated) != tuple(expected[:2]):
        refused = expected[0] - deleted + expected[1] - updated
        raise ProjectError(
            f"当前账号无权修改图层 {name} 的 {refused} 行(上级或参考数据),未写入任何内容 / "
            f"this account may not change {refused} row(s) of layer {name} (rows of a level "
            "above it or reference data); nothing was written"
        )
    if expected[2]:
        listed = sql.SQL(", ").join(map(sql.Identifier, names))
        con.execute(
            sql.SQL(
                "INSERT INTO {} ({}) SELECT {} FROM geoapp_incoming "
                "WHERE geoapp_n IN (SELECT id FROM geoapp_added) ORDER BY geoapp_n"
            ).format(table, listed, listed)
        )
    return Changes(deleted, updated, int(expected[2]))


def match_keys(name: str, names: list[str]) -> list[str]:
    """The key columns of ``name`` among the staged columns (none: rows match by content)."""
    keys = MATCH_KEYS.get(name, ())
    if not keys or keys[0] not in names:
        return []
    return [k for k in keys if k in names]
