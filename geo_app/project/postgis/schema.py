"""Database objects of the shared platform (Art. 24): accounts by level, history, row security.

``init_database`` creates, once per database, the schema ``geoapp``: the accounts (role,
level, unit), the reference hierarchy of every project's units (``geoapp.units``), the
history written by triggers, the import log, the four group roles ``geoapp_city``,
``geoapp_district``, ``geoapp_street`` and ``geoapp_community`` and the platform's functions.
Every table of a project is created, secured and dropped by those functions
(:mod:`._sql_layers`) and belongs to the platform's owner; PostgreSQL enforces its policies
for every connection, ``psql`` included:

==========  =====================================  =========================================
level       reads                                  writes
==========  =====================================  =========================================
city        everything                             everything
district    rows of its district                   rows of its district (not reference layers)
street      rows of its streets, its district's    rows of its streets and their communities
community   rows of its community, its street's    its own facilities and registry rows
==========  =====================================  =========================================

A row belongs to a unit by its most specific code (``community_id``, else ``street_code``,
else ``district_code``), read against ``geoapp.units``, which no account can write: rows an
account inserts never widen what it sees, and no account writes a row of a level above its
own (a street never writes ``districts`` or ``community_changes``). Layers without any of
these columns (the walking network, buildings, settings) are reference layers: every level
reads them, the city writes them. Each account's sessions get a lock timeout and a statement
timeout (:data:`ROLE_SETTINGS`).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from geo_app.project.postgis._sql_base import SCOPE_SQL, SECURITY_SQL, TABLES_SQL
from geo_app.project.postgis._sql_layers import LAYERS_SQL
from geo_app.project.postgis._sql_locks import LOCKS_SQL
from geo_app.project.postgis._sql_triggers import TRIGGER_FUNCTIONS, TRIGGERS_SQL
from layers.errors import PlannerError

LEVELS: tuple[str, ...] = ("city", "district", "street", "community")
GROUP_ROLES: dict[str, str] = {level: f"geoapp_{level}" for level in LEVELS}
COMMUNITY_WRITABLE: tuple[str, ...] = ("facilities", "housing_registry")
"""Layers a community account may write (its own rows only)."""

ROLE_SETTINGS: dict[str, dict[str, str]] = {
    "city": {
        "lock_timeout": "10s",
        "statement_timeout": "30min",
        "idle_in_transaction_session_timeout": "10min",
    },
    **{
        level: {
            "lock_timeout": "10s",
            "statement_timeout": "5min",
            "idle_in_transaction_session_timeout": "60s",
        }
        for level in ("district", "street", "community")
    },
}
"""Session settings of each level's accounts (``ALTER ROLE ... SET``)."""

PUBLIC_FUNCTIONS: tuple[str, ...] = (
    "my_level()",
    "my_unit()",
    "is_city()",
    "my_scope()",
    "my_codes(name, text)",
    "data_version(name)",
    "last_change(name, name)",
    "create_layer(name, name, text[], text[], boolean)",
    "secure_layer(name, name, text[])",
    "add_columns(name, name, text[], text[])",
    "drop_layers(name, name[])",
    "drop_project(name)",
    "sync_units(name)",
    "add_community_units(name, text[], text[])",
    "lock_project(name)",
    "unlock_project(name)",
    "end_blockers(name)",
)
"""The platform functions an account may call; each checks the caller's level itself."""


class PlatformOwnerError(PlannerError, RuntimeError):
    """The account running ``init`` cannot own the platform (it must bypass row security)."""


def _check_owner(con: psycopg.Connection) -> None:
    row = con.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not row or not row[0]:
        raise PlatformOwnerError(
            "平台所有者须为超级用户或具有 BYPASSRLS 属性 / the platform's owner must be a "
            "superuser or have BYPASSRLS (its functions read every row to check the others)"
        )


def init_database(con: psycopg.Connection) -> None:
    """Create the platform's schema, roles and functions (idempotent; run as the owner)."""
    with con.transaction():
        _check_owner(con)
        for role in GROUP_ROLES.values():
            exists = con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if exists is None:
                con.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        for script in (TABLES_SQL, SCOPE_SQL, TRIGGERS_SQL, LAYERS_SQL, LOCKS_SQL, SECURITY_SQL):
            con.execute(script)
        con.execute("REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA geoapp FROM PUBLIC")
        groups = sql.SQL(", ").join(map(sql.Identifier, GROUP_ROLES.values()))
        con.execute(sql.SQL("GRANT USAGE ON SCHEMA geoapp TO {}").format(groups))
        con.execute(sql.SQL("GRANT SELECT ON geoapp.accounts, geoapp.history TO {}").format(groups))
        con.execute(sql.SQL("GRANT SELECT, INSERT ON geoapp.import_log TO {}").format(groups))
        con.execute(
            sql.SQL("GRANT USAGE ON SEQUENCE geoapp.import_log_log_id_seq TO {}").format(groups)
        )
        for function in PUBLIC_FUNCTIONS:
            con.execute(
                sql.SQL("GRANT EXECUTE ON FUNCTION geoapp.{} TO {}").format(
                    sql.SQL(function), groups
                )
            )
        for function in TRIGGER_FUNCTIONS:  # attached by the platform only
            con.execute(
                sql.SQL("REVOKE EXECUTE ON FUNCTION geoapp.{} FROM PUBLIC").format(
                    sql.SQL(function)
                )
            )
        # no account creates schemas; projects are created through geoapp.create_layer
        con.execute(
            sql.SQL("REVOKE CREATE ON DATABASE {} FROM geoapp_city").format(
                sql.Identifier(con.info.dbname)
            )
        )


def role_settings(con: psycopg.Connection, role: str, level: str) -> None:
    """Give login role ``role`` the session settings of its level."""
    for name, value in ROLE_SETTINGS[level].items():
        con.execute(
            sql.SQL("ALTER ROLE {} SET {} = {}").format(
                sql.Identifier(role), sql.Identifier(name), sql.Literal(value)
            )
        )
