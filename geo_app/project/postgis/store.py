"""A project in a shared PostgreSQL + PostGIS database (Art. 24's platform).

A project is one schema of the database, named by the ``project`` parameter of its URL
(``postgresql://user@host:port/db?project=NAME``); each layer is a table with a ``fid`` key,
a ``version`` counter, the layer's columns and a ``geometry`` column (SRID 4326, GiST index).
Tables are created, secured and dropped by the platform's own functions (the city's accounts
push projects; :mod:`geo_app.project.postgis._writes`). Writes run in one transaction (a failed import
changes nothing) and touch only the rows that change; row-level-security policies limit every
account to its level (:mod:`geo_app.project.postgis.schema`) and triggers record every change in
``geoapp.history``. Passwords come from libpq (``PGPASSWORD``, ``~/.pgpass``) or the app's
sign-in, are kept in memory only and never appear in messages.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from geo_app.project.postgis import _settings, _writes
from geo_app.project.postgis._writes import GEOMETRY, HIDDEN_COLUMNS, column_type, split_frame
from geo_app.project.store import SETTINGS_TABLE, ProjectError, ProjectStore, settings_frame
from layers.crs import WGS84

FIRST_LAYERS = ("districts", "streets", "communities")
"""Written first: they name the units the policies of other layers refer to."""
MAX_IDENTIFIER_BYTES = 63
LOCK_TIMEOUT_S = 120.0
LOCK_WAIT_S = 10.0
"""How long one write waits for a table lock before it asks again (the city first ends the
lower-level sessions that held the lock too long)."""
T = TypeVar("T")

__all__ = ["GEOMETRY", "HIDDEN_COLUMNS", "PostGISStore", "column_type", "public_url", "split_url"]


class _LockWaitError(Exception):
    """A table lock was not free within :data:`LOCK_WAIT_S` (internal: the write is retried)."""


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
                con.execute(
                    "SELECT set_config('lock_timeout', %s, true)", (f"{int(LOCK_WAIT_S * 1000)}ms",)
                )
                yield con
        except psycopg.errors.LockNotAvailable:
            raise _LockWaitError() from None
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

    def _write(self, body: Callable[[psycopg.Connection], T]) -> T:
        """Run ``body`` in one write transaction; while a table lock is not free it is run
        again (up to ``lock_timeout`` seconds), the city first ending lower-level sessions
        that held the lock longer than the platform allows."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                with self._transaction() as con:
                    return body(con)
            except _LockWaitError:
                self._end_blockers()
                if time.monotonic() > deadline:
                    raise _busy(self.project, self.lock_timeout) from None

    def write_transaction(self, body: Callable[[psycopg.Connection], T]) -> T:
        """Run ``body(connection)`` in one write transaction as this account: retried while
        table locks are held, PostgreSQL errors become :class:`ProjectError` messages."""
        return self._write(body)

    def _end_blockers(self) -> int:
        with self.connect(autocommit=True) as con:
            if not con.execute("SELECT geoapp.is_city()").fetchone()[0]:
                return 0
            return int(con.execute("SELECT geoapp.end_blockers(%s)", (self.project,)).fetchone()[0])

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
        """The settings as this account sees them (the import log merged into ``parameters``;
        ``district_classes`` of districts the account cannot see left out)."""
        if not self.exists():
            return {}
        tables = set(self.list_layers())
        if SETTINGS_TABLE not in tables:
            return {}
        with self.connect(autocommit=True) as con:
            return _settings.read_settings(con, self.project, tables)

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the project's write lock (released by the server if this process dies)."""
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
                    with contextlib.suppress(psycopg.Error):
                        self._lock_con.execute("SELECT geoapp.unlock_project(%s)", (self.project,))
                    self._lock_con.close()
                    self._lock_con = None
        finally:
            self._lock.release()

    def _advisory_lock(self) -> psycopg.Connection:
        """The project lock, taken through the platform's ``geoapp.lock_project`` (no account
        may take PostgreSQL's advisory locks itself)."""
        con = self.connect(autocommit=True)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            got = con.execute("SELECT geoapp.lock_project(%s)", (self.project,)).fetchone()[0]
            if got:
                return con
            if time.monotonic() > deadline:
                con.close()
                raise _busy(self.project, self.lock_timeout)
            time.sleep(0.05)

    def write_layers(self, layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame]) -> None:
        """Write the layers in one transaction: new tables by bulk load, existing ones by
        difference (only rows that change are written; their ``fid`` stays)."""
        ordered = [n for n in FIRST_LAYERS if n in layers]
        ordered += [n for n in layers if n not in FIRST_LAYERS]
        for name in ordered:
            if len(name.encode()) > MAX_IDENTIFIER_BYTES:
                raise ProjectError(
                    f"图层名 {name} 超过 {MAX_IDENTIFIER_BYTES} 字节 / layer name {name} is longer "
                    f"than {MAX_IDENTIFIER_BYTES} bytes"
                )
        with self.locked():
            self._write(lambda con: self._write_all(con, ordered, layers))

    def _tables(self, con: psycopg.Connection) -> set[str]:
        rows = con.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            (self.project,),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def _write_all(self, con: psycopg.Connection, ordered: list[str], layers: Mapping) -> None:
        city = bool(con.execute("SELECT geoapp.is_city()").fetchone()[0])
        tables = self._tables(con)
        for name in ordered:
            if name == SETTINGS_TABLE:
                self._write_settings(con, layers[name], tables)
            else:
                self._write_table(con, name, layers[name], tables, city)
            tables.add(name)
        if city and any(n in FIRST_LAYERS for n in ordered):
            con.execute("SELECT geoapp.sync_units(%s)", (self.project,))

    def _write_settings(self, con: psycopg.Connection, frame: pd.DataFrame, tables: set) -> None:
        settings = {row.key: json.loads(row.value) for row in frame.itertuples()}
        stored, log = _settings.split_imports(settings)
        if SETTINGS_TABLE in tables:
            seen = _settings.read_settings(con, self.project, tables)
            _settings.write_settings(con, self.project, settings, seen)
            return
        _writes.create_table(con, self.project, SETTINGS_TABLE, settings_frame(stored), None)
        if log:
            _settings.log_imports(con, self.project, log)

    def _write_table(
        self,
        con: psycopg.Connection,
        name: str,
        frame: gpd.GeoDataFrame | pd.DataFrame,
        tables: set[str],
        city: bool,
    ) -> _writes.Changes | None:
        """Create and load a new table, or write an existing one by difference."""
        attributes, geometry = split_frame(name, frame)
        if name not in tables:
            _writes.create_table(con, self.project, name, attributes, geometry)
            return None
        existing = dict(self._columns(con, name))
        missing = [c for c in attributes.columns if c not in existing]
        if not city:  # an empty field the table lacks holds nothing to write (only the city adds)
            empty = [c for c in missing if attributes[c].isna().all()]
            attributes = attributes.drop(columns=empty)
            missing = [c for c in missing if c not in empty]
        if geometry is not None and GEOMETRY not in existing:
            missing.append(GEOMETRY)
        if missing:
            types = ["geometry" if c == GEOMETRY else column_type(attributes[c]) for c in missing]
            con.execute(
                "SELECT geoapp.add_columns(%s, %s, %s, %s)", (self.project, name, missing, types)
            )
        table = sql.Identifier(self.project, name)
        names = _writes.stage_rows(con, table, attributes, geometry)
        if name == "communities" and not city:
            self._register_communities(con)
        return _writes.write_changes(
            con, self.project, name, names, _writes.match_keys(name, names)
        )

    def _register_communities(self, con: psycopg.Connection) -> None:
        """Art. 7: new communities of a district become units of its streets (the platform
        checks that the ids are new and the streets the district's)."""
        if not {"community_id", "street_code"} <= {c for c, _ in self._columns(con, "communities")}:
            return
        rows = con.execute(
            sql.SQL(
                "SELECT DISTINCT i.community_id::text, i.street_code::text FROM geoapp_incoming i "
                "WHERE i.community_id IS NOT NULL AND i.community_id::text NOT IN "
                "(SELECT c.community_id::text FROM {} c WHERE c.community_id IS NOT NULL)"
            ).format(sql.Identifier(self.project, "communities"))
        ).fetchall()
        if rows:
            con.execute(
                "SELECT geoapp.add_community_units(%s, %s, %s)",
                (self.project, [r[0] for r in rows], [r[1] for r in rows]),
            )

    def append_rows(self, name: str, frame: gpd.GeoDataFrame | pd.DataFrame) -> None:
        """INSERT the rows (checked by the policies and triggers); other rows are untouched."""
        if name not in self.list_layers():
            self.write_layers({name: frame})
            return
        attributes, geometry = split_frame(name, frame)

        def append(con: psycopg.Connection) -> None:
            existing = dict(self._columns(con, name))
            missing = [c for c in attributes.columns if c not in existing]
            if missing:
                raise ProjectError(
                    f"图层 {name} 没有字段 {', '.join(missing)} / layer {name} has no field(s) "
                    f"{', '.join(missing)}"
                )
            table = sql.Identifier(self.project, name)
            names = _writes.stage_rows(con, table, attributes, geometry)
            if name == "communities":
                self._register_communities(con)
            listed = sql.SQL(", ").join(map(sql.Identifier, names))
            con.execute(
                sql.SQL(
                    "INSERT INTO {} ({}) SELECT {} FROM geoapp_incoming ORDER BY geoapp_n"
                ).format(table, listed, listed)
            )

        with self.locked():
            self._write(append)

    def update_rows(
        self, name: str, key: str, keys: list[str], values: Mapping[str, object]
    ) -> int:
        """One UPDATE of the rows whose ``key`` is in ``keys`` (only rows the account may
        change are touched); the number of rows changed."""
        sets = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in values)
        query = sql.SQL("UPDATE {} SET {} WHERE {}::text = ANY(%s)").format(
            sql.Identifier(self.project, name), sets, sql.Identifier(key)
        )
        params = [*values.values(), [str(k) for k in keys]]
        with self.locked():
            return self._write(lambda con: con.execute(query, params).rowcount)

    def delete_layers(self, names: list[str]) -> None:
        with self.locked():
            self._write(
                lambda con: con.execute(
                    "SELECT geoapp.drop_layers(%s, %s)", (self.project, list(names))
                )
            )

    def write_settings(self, settings: Mapping) -> None:
        self.write_layers({SETTINGS_TABLE: settings_frame(settings)})

    def clear(self) -> None:
        with self.locked():
            self._write(lambda con: con.execute("SELECT geoapp.drop_project(%s)", (self.project,)))


def _busy(project: str, timeout: float) -> ProjectError:
    return ProjectError(
        f"项目 {project} 正由其他会话写入,{timeout:g} 秒内未能取得写锁,未写入任何内容 / project "
        f"{project} is being written by another session; the write lock was not free within "
        f"{timeout:g} s and nothing was written"
    )


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
