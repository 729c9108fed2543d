"""The project settings as one account of the shared platform sees and writes them.

The settings table is the city's: only the city changes it. The import log (``parameters
["imports"]``) is not part of it on the platform: each import adds one row to
``geoapp.import_log``, written by the account that imported, so a district's import never
needs to write the city's settings. An account below the city sees the settings of its own
area only: ``district_classes`` entries naming a district it cannot see are left out for it
(they are about another district, not an error of its data).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping

import pandas as pd
import psycopg
from psycopg import sql

from layers.districts import find_district, short_name

IMPORTS = "imports"
PARAMETERS = "parameters"
CLASSES = "district_classes"


def split_imports(settings: Mapping) -> tuple[dict, list]:
    """``(settings without the import log, the import log entries)``."""
    stored = copy.deepcopy(dict(settings))
    parameters = stored.get(PARAMETERS)
    log = []
    if isinstance(parameters, dict):
        log = list(parameters.pop(IMPORTS, []) or [])
    return stored, log


def _names_district(key: str, districts: pd.DataFrame) -> bool:
    key = str(key).strip()
    code = find_district(key)
    for row_code, name in zip(
        districts["district_code"].astype(str), districts["name"].astype(str), strict=True
    ):
        if key == row_code or (code is not None and code == find_district(row_code)):
            return True
        if name and short_name(name) == short_name(key):
            return True
        if code is not None and find_district(name) == code:
            return True
    return False


def visible_classes(classes: Mapping, districts: pd.DataFrame | None) -> dict:
    """The ``district_classes`` entries that name one of the ``districts`` the account sees."""
    if districts is None or not {"district_code", "name"} <= set(districts.columns):
        return {}
    return {k: v for k, v in classes.items() if _names_district(k, districts)}


def read_settings(con: psycopg.Connection, project: str, tables: set[str]) -> dict:
    """The settings as the signed-in account sees them (the import log merged back in)."""
    table = sql.Identifier(project, "project_settings")
    rows = con.execute(sql.SQL("SELECT key, value FROM {}").format(table)).fetchall()
    settings = {key: json.loads(value) for key, value in rows}
    entries = [
        r[0]
        for r in con.execute(
            "SELECT entry FROM geoapp.import_log WHERE project = %s ORDER BY log_id", (project,)
        ).fetchall()
    ]
    if entries and isinstance(settings.get(PARAMETERS, {}), dict):
        settings.setdefault(PARAMETERS, {})[IMPORTS] = entries
    level = con.execute("SELECT geoapp.my_level(), geoapp.is_city()").fetchone()
    if not level[1] and isinstance(settings.get(CLASSES), dict):
        districts = None
        if "districts" in tables:
            found = con.execute(
                sql.SQL("SELECT district_code::text, name::text FROM {}").format(
                    sql.Identifier(project, "districts")
                )
            ).fetchall()
            districts = pd.DataFrame(found, columns=["district_code", "name"]).fillna("")
        settings[CLASSES] = visible_classes(settings[CLASSES], districts)
    return settings


def log_imports(con: psycopg.Connection, project: str, entries: list) -> None:
    """Add import log entries written by the signed-in account."""
    with con.cursor() as cur:
        cur.executemany(
            "INSERT INTO geoapp.import_log (project, entry) VALUES (%s, %s::jsonb)",
            [(project, json.dumps(e, ensure_ascii=False, default=str)) for e in entries],
        )


def write_settings(con: psycopg.Connection, project: str, settings: Mapping, seen: Mapping) -> None:
    """Write what differs between ``settings`` and what the account saw (``seen``).

    New import log entries go to the log; changed keys are written to the settings table,
    which the database lets only the city change.
    """
    stored, log = split_imports(settings)
    seen_stored, seen_log = split_imports(seen)
    new_entries = [e for e in log if e not in seen_log]
    if new_entries:
        log_imports(con, project, new_entries)
    table = sql.Identifier(project, "project_settings")
    for key, value in stored.items():
        if key in seen_stored and seen_stored[key] == value:
            continue
        text = json.dumps(value, ensure_ascii=False)
        done = con.execute(
            sql.SQL("UPDATE {} SET value = %s WHERE key = %s").format(table), (text, key)
        ).rowcount
        if not done:
            con.execute(
                sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(table), (key, text)
            )
    for key in set(seen_stored) - set(stored):
        con.execute(sql.SQL("DELETE FROM {} WHERE key = %s").format(table), (key,))
