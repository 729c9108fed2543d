"""Accounts by level, the change history and versioned edits of the shared platform.

``init_platform`` prepares a database; ``add_account`` creates a login role of one level and
unit (its password is sent to the server only as a scram-sha-256 verifier computed here, so
the plain password is never in a statement, a log or a file); ``history`` reads what the
triggers recorded; ``edit_feature`` changes one feature only if nobody changed it since it was
read (else :class:`EditConflictError` names who did and when); ``restore_feature`` puts a feature
back as it was before a recorded change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pandas as pd
import psycopg
from psycopg import sql

from geo_app.project.postgis.schema import (
    GROUP_ROLES,
    LEVELS,
    PlatformOwnerError,
    init_database,
    role_settings,
)
from geo_app.project.postgis.store import GEOMETRY, PostGISStore, public_url
from geo_app.project.store import ProjectError

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
UNIT_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
"""What a district, street or community code may look like (``230102``, ``osm_w35471715``)."""
HISTORY_COLUMNS = (
    "history_id",
    "changed_at",
    "changed_by",
    "layer",
    "fid",
    "operation",
    "version",
    "before",
    "after",
)
SHOWN_TIMEZONE = "Asia/Shanghai"


NO_CHANGE = (0, "", None)
"""What :func:`check_unchanged` returns for a layer without recorded changes."""


class EditConflictError(ProjectError):
    """A feature was changed by someone else after it was read; nothing was overwritten."""


def _connect(url: str, password: str | None = None) -> psycopg.Connection:
    extra = {"password": password} if password else {}
    conninfo = url.split("?", 1)[0]
    try:
        return psycopg.connect(conninfo, autocommit=True, **extra)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ProjectError(
            f"无法连接数据库 {public_url(url)}:{reason} / cannot connect to {public_url(url)}: "
            f"{reason}"
        ) from None


def init_platform(url: str, password: str | None = None) -> None:
    """Create the platform's schema, group roles and functions in the database of ``url``."""
    with _connect(url, password) as con:
        try:
            init_database(con)
        except PlatformOwnerError as exc:
            raise ProjectError(str(exc)) from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ProjectError(
                f"需要数据库所有者账号:{exc.diag.message_primary} / run this as the database "
                f"owner: {exc.diag.message_primary}"
            ) from None


def _check_unit(con: psycopg.Connection, level: str, unit: str) -> str:
    """``unit`` if it is a code of ``level`` in a project of the database."""
    unit = unit.strip()
    if level == "city":
        if unit:
            raise ProjectError(
                f"市级账号不设单位代码:{unit} / a city account has no unit code: {unit}"
            )
        return ""
    if not unit:
        raise ProjectError(
            f"{level} 账号须给出单位代码 --unit / a {level} account needs its unit code (--unit)"
        )
    if not UNIT_CODE.match(unit):
        raise ProjectError(
            f"单位代码只能用字母、数字和 _ . -:{unit!r} / unit codes use letters, digits and "
            f"_ . -: {unit!r}"
        )
    known = con.execute("SELECT geoapp.unit_exists(%s, %s)", (level, unit)).fetchone()[0]
    if not known:
        raise ProjectError(
            f"数据库的项目中没有这个{level}代码:{unit}(请先上传项目)/ no project of the "
            f"database has the {level} code {unit} (push the project first)"
        )
    return unit


def add_account(
    url: str, name: str, level: str, unit: str, new_password: str, password: str | None = None
) -> None:
    """Create (or update) login role ``name`` at ``level`` for ``unit`` (a district, street or
    community code of a project of the database; empty for the city)."""
    if not ROLE_NAME.match(name):
        raise ProjectError(
            f"账号名只能用小写字母、数字和下划线:{name} / account names use lower-case letters, "
            f"digits and underscores: {name}"
        )
    if level not in LEVELS:
        raise ProjectError(f"未知层级 {level};可选 {', '.join(LEVELS)} / unknown level {level}")
    if len(new_password) < 8:
        raise ProjectError("密码至少 8 位 / the password needs at least 8 characters")
    with _connect(url, password) as con, con.transaction():
        unit = _check_unit(con, level, unit)
        verifier = con.pgconn.encrypt_password(
            new_password.encode(), name.encode(), b"scram-sha-256"
        ).decode()
        role = sql.Identifier(name)
        exists = con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        con.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(verifier))
        )
        for other in GROUP_ROLES.values():
            con.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(other), role))
        con.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUP_ROLES[level]), role))
        role_settings(con, name, level)
        con.execute(
            "INSERT INTO geoapp.accounts (role, level, unit) VALUES (%s, %s, %s) "
            "ON CONFLICT (role) DO UPDATE SET level = EXCLUDED.level, unit = EXCLUDED.unit",
            (name, level, unit),
        )


def history(
    store: PostGISStore, *, layer: str | None = None, fid: int | None = None, limit: int = 200
) -> pd.DataFrame:
    """Recorded changes of the project, newest first (times in Asia/Shanghai)."""
    conditions, params = [sql.SQL("project = %s")], [store.project]
    if layer is not None:
        conditions.append(sql.SQL("layer = %s"))
        params.append(layer)
    if fid is not None:
        conditions.append(sql.SQL("fid = %s"))
        params.append(int(fid))
    query = sql.SQL(
        "SELECT {} FROM geoapp.history WHERE {} ORDER BY history_id DESC LIMIT %s"
    ).format(
        sql.SQL(", ").join(map(sql.Identifier, HISTORY_COLUMNS)),
        sql.SQL(" AND ").join(conditions),
    )
    params.append(int(limit))
    with store.connect(autocommit=True) as con:
        rows = con.execute(query, params).fetchall()
    table = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    if len(table):
        table["changed_at"] = pd.to_datetime(table["changed_at"], utc=True).dt.tz_convert(
            SHOWN_TIMEZONE
        )
    return table


def changed_fields(before: Mapping | None, after: Mapping | None) -> list[str]:
    """Names of the fields a recorded change touched (all fields for inserts and deletes)."""
    before, after = dict(before or {}), dict(after or {})
    names = [k for k in {**before, **after} if k not in ("fid", "version")]
    return [k for k in names if before.get(k) != after.get(k)]


def _last_change(con: psycopg.Connection, store: PostGISStore, layer: str, fid: int):
    return con.execute(
        "SELECT changed_by, changed_at, version FROM geoapp.history WHERE project = %s AND "
        "layer = %s AND fid = %s ORDER BY history_id DESC LIMIT 1",
        (store.project, layer, fid),
    ).fetchone()


def _assignments(values: Mapping[str, object]) -> tuple[sql.Composable, list]:
    """``SET`` items of an UPDATE (identifiers) and their values (parameters)."""
    parts, params = [], []
    for column, value in values.items():
        if column in ("fid", "version"):
            continue
        if column == GEOMETRY:
            parts.append(sql.SQL("geometry = ST_SetSRID(%s::geometry, 4326)"))
            params.append(None if value is None else value.wkb_hex)
        else:
            parts.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
            params.append(value)
    return sql.SQL(", ").join(parts), params


def edit_feature(
    store: PostGISStore, layer: str, fid: int, values: Mapping[str, object], version: int
) -> int:
    """Change feature ``fid`` of ``layer`` if it is still at ``version``; the new version.

    Raises
    ------
    EditConflictError
        Someone changed the feature after it was read at ``version``: who and when.
    ProjectError
        The feature does not exist or this account may not change it.
    """
    table = sql.Identifier(store.project, layer)

    assignments, params = _assignments(values)

    def attempt(con: psycopg.Connection) -> tuple[int | None, tuple]:
        row = con.execute(
            sql.SQL("UPDATE {} SET {} WHERE fid = %s AND version = %s RETURNING version").format(
                table, assignments
            ),
            [*params, fid, version],
        ).fetchone()
        if row is not None:
            return int(row[0]), ()
        current = con.execute(
            sql.SQL("SELECT version FROM {} WHERE fid = %s").format(table), (fid,)
        ).fetchone()
        if current is None:
            raise ProjectError(
                f"图层 {layer} 中没有要素 {fid},或当前账号无权修改 / layer {layer} has no "
                f"feature {fid}, or this account may not change it"
            )
        return None, (current, _last_change(con, store, layer, fid) or ("?", None, None))

    new_version, conflict = store.write_transaction(attempt)
    if new_version is not None:
        return new_version
    current, (who, when, _) = conflict
    shown = (
        "?"
        if when is None
        else pd.Timestamp(when).tz_convert(SHOWN_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S")
    )
    raise EditConflictError(
        f"要素 {layer}/{fid} 已被 {who} 于 {shown} 修改(当前第 {current[0]} 版,您基于第 {version} "
        f"版),未覆盖;请重新打开后再改 / feature {layer}/{fid} was changed by {who} at {shown} "
        f"(now version {current[0]}, your edit started from version {version}); nothing was "
        "overwritten: reopen it and edit again"
    )


def restore_feature(store: PostGISStore, history_id: int) -> None:
    """Put a feature back as it was before recorded change ``history_id`` (a new version)."""
    with store.connect(autocommit=True) as con:
        row = con.execute(
            "SELECT layer, fid, before FROM geoapp.history WHERE history_id = %s AND project = %s",
            (history_id, store.project),
        ).fetchone()
    if row is None:
        raise ProjectError(f"没有历史记录 {history_id} / no history entry {history_id}")
    layer, fid, before = row
    if before is None:
        raise ProjectError(
            f"记录 {history_id} 是新增要素,之前没有版本;可删除该要素 / entry {history_id} "
            "added the feature: there is no earlier version to restore"
        )
    values = {k: v for k, v in before.items() if k not in ("fid", "version", GEOMETRY)}
    geometry = before.get(GEOMETRY)
    table = sql.Identifier(store.project, layer)

    def put_back(con: psycopg.Connection) -> None:
        exists = con.execute(
            sql.SQL("SELECT 1 FROM {} WHERE fid = %s").format(table), (fid,)
        ).fetchone()
        columns = [*values, GEOMETRY] if geometry is not None else list(values)
        holders = [sql.SQL("%s")] * len(values)
        params = list(values.values())
        if geometry is not None:
            holders.append(sql.SQL("ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)"))
            params.append(json.dumps(geometry))
        if exists:
            sets = sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(c), v)
                for c, v in zip(columns, holders, strict=True)
            )
            con.execute(
                sql.SQL("UPDATE {} SET {} WHERE fid = %s").format(table, sets), [*params, fid]
            )
        else:
            con.execute(
                sql.SQL("INSERT INTO {} (fid, {}) VALUES (%s, {})").format(
                    table,
                    sql.SQL(", ").join(map(sql.Identifier, columns)),
                    sql.SQL(", ").join(holders),
                ),
                [fid, *params],
            )

    store.write_transaction(put_back)


def check_unchanged(store, layer: str, seen: tuple | None) -> tuple | None:
    """The newest change of ``layer`` now (:data:`NO_CHANGE` if none); ``EditConflictError``
    when it is not ``seen`` (``None``: nothing seen yet, no check).

    The app passes what it saw when it drew the page, so an edit made from that view after
    someone else changed the layer is refused, naming who changed it and when, instead of
    overwriting the other change. Stores without a history (a GeoPackage) never conflict.
    """
    current = store.last_change(layer) or NO_CHANGE
    if seen is None or current[0] == tuple(seen)[0]:
        return current
    when = pd.Timestamp(current[2]).tz_convert(SHOWN_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S")
    raise EditConflictError(
        f"图层 {layer} 已被 {current[1]} 于 {when} 修改,您看到的是修改前的数据;未写入任何内容,"
        f"页面已刷新,请核对后重试 / layer {layer} was changed by {current[1]} at {when} after "
        "you opened it; nothing was written: the page now shows the new data, check and retry"
    )
