"""A project in a shared PostgreSQL + PostGIS database (Art. 24's platform).

A project is one schema of the database, named by the ``project`` parameter of its URL
(``postgresql://user@host:port/db?project=NAME``); each layer is a table with a ``fid`` key,
a ``version`` counter, the layer's columns and a ``geometry`` column (SRID 4326, GiST index).
Writes run in one transaction (a failed import changes nothing), row-level-security policies
limit every account to its level (:mod:`geo_app.postgis.schema`) and triggers record every
change in ``geoapp.history``. Passwords come from libpq (``PGPASSWORD``, ``~/.pgpass``) or
the app's sign-in, are kept in memory only and never appear in messages.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator, Mapping
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from geo_app.postgis.schema import add_triggers, apply_policies, grant_project
from geo_app.store import SETTINGS_TABLE, ProjectError, ProjectStore, settings_frame
from layers.crs import WGS84

HIDDEN_COLUMNS = ("fid", "version")
GEOMETRY = "geometry"
FIRST_LAYERS = ("districts", "streets", "communities")
"""Written first: the policies of other layers refer to them."""
MAX_IDENTIFIER_BYTES = 63
LOCK_TIMEOUT_S = 120.0


def public_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def split_url(url: str) -> tuple[str, str]:
    """``(libpq connection URL, project name)`` of a project URL."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    names = query.pop("project", [])
    if len(names) != 1 or not names[0].strip():
        raise ProjectError(
            f"数据库地址须以 ?project=项目名 结尾:{public_url(url)} / the database URL must name "
            f"the project with ?project=NAME: {public_url(url)}"
        )
    project = names[0].strip()
    if len(project.encode()) > MAX_IDENTIFIER_BYTES or project.startswith(("pg_", "geoapp")):
        raise ProjectError(
            f"项目名 {project} 过长或为保留名 / project name {project} is too long or reserved"
        )
    conninfo = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return conninfo, project


def _column_type(series: pd.Series) -> str:
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


def _cell(value: object) -> object:
    """A Python value COPY can send (``None`` for missing, JSON for lists and dicts)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


class PostGISStore(ProjectStore):
    """Layers of one project as PostGIS tables in one schema, with history and row security.

    Parameters
    ----------
    url : str
        ``postgresql://user@host:port/db?project=NAME``.
    password : str, optional
        The account's password (else libpq's ``PGPASSWORD`` / ``~/.pgpass``); kept in memory.
    lock_timeout : float
        Seconds a writer waits for another writer of the same project.
    """

    def __init__(
        self, url: str, *, password: str | None = None, lock_timeout: float = LOCK_TIMEOUT_S
    ) -> None:
        self.url = url
        self._conninfo, self.project = split_url(url)
        self._password = password
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()
        self._lock_con: psycopg.Connection | None = None
        self._depth = 0

    @property
    def label(self) -> str:
        return public_url(self.url)

    # -- connections -------------------------------------------------------------------
    def connect(self, *, autocommit: bool = False) -> psycopg.Connection:
        """A new connection as the store's account; ``ProjectError`` when it cannot be made."""
        extra = {"password": self._password} if self._password else {}
        try:
            return psycopg.connect(self._conninfo, autocommit=autocommit, **extra)
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise ProjectError(
                f"无法连接数据库 {self.label}:{reason} / cannot connect to {self.label}: {reason}"
            ) from None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        """One transaction; PostgreSQL errors become planner messages, nothing is committed."""
        con = self.connect()
        try:
            with con.transaction():
                yield con
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ProjectError(
                f"当前账号无权修改这些数据(未写入任何内容):{exc.diag.message_primary} / "
                f"this account may not change these rows; nothing was written: "
                f"{exc.diag.message_primary}"
            ) from None
        except psycopg.Error as exc:
            message = exc.diag.message_primary or str(exc)
            raise ProjectError(
                f"数据库写入失败,未写入任何内容:{message} / the database refused the write; "
                f"nothing was written: {message}"
            ) from None
        finally:
            con.close()

    # -- reading -------------------------------------------------------------------------
    def list_layers(self) -> list[str]:
        with self.connect(autocommit=True) as con:
            found = con.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.project,)
            ).fetchone()
            if found is None:
                raise ProjectError(
                    f"数据库中没有项目 {self.project}:{self.label} / no project {self.project} "
                    f"in {self.label}"
                )
            rows = con.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.oid",
                (self.project,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def exists(self) -> bool:
        """Whether the project's schema holds tables (connection problems are raised)."""
        with self.connect(autocommit=True) as con:
            row = con.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
                (self.project,),
            ).fetchone()
        return bool(row[0])

    def _columns(self, con: psycopg.Connection, name: str) -> list[tuple[str, str]]:
        return con.execute(
            "SELECT column_name, udt_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (self.project, name),
        ).fetchall()

    def read_layer(self, name: str, *, with_ids: bool = False) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read a layer; ``with_ids`` keeps the ``fid`` and ``version`` columns (for edits)."""
        with self.connect(autocommit=True) as con:  # one connection: this runs on every read
            columns = self._columns(con, name)
            if not columns:
                raise ProjectError(f"项目中没有图层 {name} / the project has no layer {name}")
            keep = [
                c for c, _ in columns if c != GEOMETRY and (with_ids or c not in HIDDEN_COLUMNS)
            ]
            has_geometry = any(c == GEOMETRY for c, _ in columns)
            selected = [sql.Identifier(c) for c in keep]
            if has_geometry:
                selected.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(GEOMETRY)))
            query = sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
                sql.SQL(", ").join(selected), sql.Identifier(self.project, name)
            )
            rows = con.execute(query).fetchall()
        types = dict(columns)
        frame = pd.DataFrame(
            {c: _typed([r[i] for r in rows], types[c]) for i, c in enumerate(keep)}
        )
        if not has_geometry:
            return frame
        wkb = [None if r[-1] is None else bytes(r[-1]) for r in rows]
        geometry = shapely.from_wkb(np.array(wkb, dtype=object))
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)

    def count_rows(self, name: str) -> int:
        with self.connect(autocommit=True) as con:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(self.project, name))
            return int(con.execute(query).fetchone()[0])

    def data_version(self) -> tuple:
        """The newest recorded change of the project (history id)."""
        with self.connect(autocommit=True) as con:
            row = con.execute("SELECT geoapp.data_version(%s)", (self.project,)).fetchone()
        return (int(row[0]),)

    def last_change(self, name: str) -> tuple[int, str, object] | None:
        with self.connect(autocommit=True) as con:
            row = con.execute("SELECT * FROM geoapp.last_change(%s, %s)", (self.project, name))
            found = row.fetchone()
        return None if found is None else (int(found[0]), str(found[1]), found[2])

    def read_settings(self) -> dict:
        if not self.exists() or SETTINGS_TABLE not in self.list_layers():
            return {}
        frame = self.read_layer(SETTINGS_TABLE)
        return {row.key: json.loads(row.value) for row in frame.itertuples()}

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the project's advisory lock (released by the server if this process dies)."""
        if not self._lock.acquire(timeout=self.lock_timeout):
            raise _busy(self.project, self.lock_timeout)
        try:
            if self._depth == 0:
                self._lock_con = self._advisory_lock()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock_con is not None:
                    self._lock_con.close()
                    self._lock_con = None
        finally:
            self._lock.release()

    def _advisory_lock(self) -> psycopg.Connection:
        con = self.connect(autocommit=True)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            got = con.execute(
                "SELECT pg_try_advisory_lock(hashtext('geoapp'), hashtext(%s))", (self.project,)
            ).fetchone()[0]
            if got:
                return con
            if time.monotonic() > deadline:
                con.close()
                raise _busy(self.project, self.lock_timeout)
            time.sleep(0.05)

    def write_layers(self, layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame]) -> None:
        ordered = [n for n in FIRST_LAYERS if n in layers]
        ordered += [n for n in layers if n not in FIRST_LAYERS]
        for name in ordered:
            if len(name.encode()) > MAX_IDENTIFIER_BYTES:
                raise ProjectError(
                    f"图层名 {name} 超过 {MAX_IDENTIFIER_BYTES} 字节 / layer name {name} is longer "
                    f"than {MAX_IDENTIFIER_BYTES} bytes"
                )
        with self.locked(), self._transaction() as con:
            self._ensure_schema(con)
            created = [self._write_table(con, name, layers[name]) for name in ordered]
            if any(created):
                self._secure_all(con)
                grant_project(con, self.project)

    def _secure_all(self, con: psycopg.Connection) -> None:
        """Policies of every table, once the tables they refer to exist."""
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (self.project,),
            ).fetchall()
        }
        for table in tables:
            columns = {c for c, _ in self._columns(con, table)}
            apply_policies(con, self.project, table, columns, tables)

    def _ensure_schema(self, con: psycopg.Connection) -> bool:
        found = con.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.project,)
        ).fetchone()
        if found is None:
            con.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.project)))
            return True
        return False

    def _write_table(
        self, con: psycopg.Connection, name: str, frame: gpd.GeoDataFrame | pd.DataFrame
    ) -> bool:
        """Replace the rows of one table (only the rows this account may see and change).

        Returns whether the table was created.
        """
        attributes, geometry = _split_frame(name, frame)
        table = sql.Identifier(self.project, name)
        existing = dict(self._columns(con, name))
        if not existing:
            self._create_table(con, name, attributes, geometry is not None)
        else:
            for column in attributes.columns:
                if column not in existing:
                    con.execute(
                        sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                            table, sql.Identifier(column), sql.SQL(_column_type(attributes[column]))
                        )
                    )
            if geometry is not None and GEOMETRY not in existing:
                con.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN geometry geometry(Geometry, 4326)").format(
                        table
                    )
                )
            con.execute(sql.SQL("DELETE FROM {}").format(table))
        _copy_rows(con, table, attributes, geometry)
        return not existing

    def _create_table(
        self, con: psycopg.Connection, name: str, attributes: pd.DataFrame, spatial: bool
    ) -> None:
        table = sql.Identifier(self.project, name)
        columns = [
            sql.SQL("fid bigserial PRIMARY KEY"),
            sql.SQL("version integer NOT NULL DEFAULT 1"),
        ]
        columns += [
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_column_type(attributes[c])))
            for c in attributes.columns
        ]
        if spatial:
            columns.append(sql.SQL("geometry geometry(Geometry, 4326)"))
        con.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(columns)))
        if spatial:
            con.execute(sql.SQL("CREATE INDEX ON {} USING gist (geometry)").format(table))
        add_triggers(con, self.project, name)

    def append_rows(self, name: str, frame: gpd.GeoDataFrame | pd.DataFrame) -> None:
        """INSERT the rows (checked by the policies and triggers); other rows are untouched."""
        if name not in self.list_layers():
            self.write_layers({name: frame})
            return
        attributes, geometry = _split_frame(name, frame)
        with self.locked(), self._transaction() as con:
            existing = dict(self._columns(con, name))
            missing = [c for c in attributes.columns if c not in existing]
            if missing:
                raise ProjectError(
                    f"图层 {name} 没有字段 {', '.join(missing)} / layer {name} has no field(s) "
                    f"{', '.join(missing)}"
                )
            _copy_rows(con, sql.Identifier(self.project, name), attributes, geometry)

    def update_rows(
        self, name: str, key: str, keys: list[str], values: Mapping[str, object]
    ) -> int:
        """One UPDATE of the rows whose ``key`` is in ``keys`` (only rows the account may
        change are touched); the number of rows changed."""
        sets = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Literal(v)) for c, v in values.items()
        )
        query = sql.SQL("UPDATE {} SET {} WHERE {}::text = ANY({})").format(
            sql.Identifier(self.project, name),
            sets,
            sql.Identifier(key),
            sql.Literal([str(k) for k in keys]),
        )
        with self.locked(), self._transaction() as con:
            return con.execute(query).rowcount

    def delete_layers(self, names: list[str]) -> None:
        with self.locked(), self._transaction() as con:
            for name in names:
                con.execute(
                    sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                        sql.Identifier(self.project, name)
                    )
                )

    def write_settings(self, settings: Mapping) -> None:
        self.write_layers({SETTINGS_TABLE: settings_frame(settings)})

    def clear(self) -> None:
        with self.locked(), self._transaction() as con:
            con.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.project))
            )


def _busy(project: str, timeout: float) -> ProjectError:
    return ProjectError(
        f"项目 {project} 正由其他会话写入,{timeout:g} 秒内未能取得写锁,未写入任何内容 / project "
        f"{project} is being written by another session; the write lock was not free within "
        f"{timeout:g} s and nothing was written"
    )


def _split_frame(
    name: str, frame: gpd.GeoDataFrame | pd.DataFrame
) -> tuple[pd.DataFrame, gpd.GeoSeries | None]:
    """Attribute columns and the geometry (in WGS 84) of a layer to write."""
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


def _copy_rows(
    con: psycopg.Connection,
    table: sql.Composable,
    attributes: pd.DataFrame,
    geometry: gpd.GeoSeries | None,
) -> None:
    names = list(attributes.columns) + ([GEOMETRY] if geometry is not None else [])
    if not names:
        return
    columns = [attributes[c].astype(object).tolist() for c in attributes.columns]
    if geometry is not None:
        values = shapely.set_srid(np.asarray(geometry.array, dtype=object), 4326)
        columns.append(list(shapely.to_wkb(values, hex=True, include_srid=True)))
    # COPY does not pass row-level security, so rows go through a temporary table and an
    # INSERT, which the policies check
    staging = sql.Identifier("geoapp_staging")
    listed = sql.SQL(", ").join(map(sql.Identifier, names))
    con.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.geoapp_staging"))
    con.execute(
        sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
            staging, table
        )
    )
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(staging, listed)
    with con.cursor() as cur, cur.copy(statement) as copy:
        for row in zip(*columns, strict=True):
            copy.write_row([_cell(v) for v in row])
    con.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY fid").format(
            table, listed, listed, staging
        )
    )
    con.execute(sql.SQL("DROP TABLE {}").format(staging))


def _typed(values: list, udt: str) -> pd.Series | list:
    """A column read back with the dtype its GeoPackage twin has."""
    has_null = any(v is None for v in values)
    if udt in ("int8", "int4", "int2"):
        return pd.array(values, dtype="Int64") if has_null else np.array(values, dtype=np.int64)
    if udt in ("float8", "float4", "numeric"):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    if udt == "bool":
        return pd.array(values, dtype="boolean") if has_null else np.array(values, dtype=bool)
    return np.array(values, dtype=object)
