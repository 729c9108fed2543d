"""Signing in to a shared PostGIS project: the database checks the password of the role.

The app keeps a signed-in account's password in this process's memory only (never in a file,
a log or the page), keyed by the account's project URL, so that the cached readers of
:mod:`geo_app.app.state` can open the project as that account. Row security in the database then
limits what the account sees and changes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from geo_app.project.store import ProjectError

_PASSWORDS: dict[str, str] = {}
_GUARD = threading.Lock()
_USER_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Account:
    """A signed-in account: its project URL (no password), level and unit."""

    url: str
    user: str
    level: str
    unit: str


def with_user(url: str, user: str) -> str:
    """``url`` with its user name replaced by ``user`` (and no password)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}@{host}{port}"))


def password_for(url: str) -> str | None:
    """The password of a signed-in account's URL, if it signed in in this process."""
    with _GUARD:
        return _PASSWORDS.get(url)


def sign_in(base_url: str, user: str, password: str) -> Account:
    """Check ``user`` / ``password`` against the database; the account on success.

    Raises
    ------
    ProjectError
        For a malformed user name or when the database refuses the password (zh/en).
    """
    from geo_app.project.postgis.store import PostGISStore

    user = user.strip()
    if not _USER_NAME.match(user):
        raise ProjectError("账号名格式不对 / the account name is not valid")
    if not password:  # never fall back to a password of the server's environment
        raise ProjectError("请输入密码 / enter the password")
    url = with_user(base_url, user)
    store = PostGISStore(url, password=password)
    with store.connect(autocommit=True) as con:
        row = con.execute(
            "SELECT level, unit FROM geoapp.accounts WHERE role = session_user"
        ).fetchone()
    level, unit = row if row is not None else ("city", "")
    store.list_layers()  # the project exists and the account may use it
    with _GUARD:
        _PASSWORDS[url] = password
    return Account(url=url, user=user, level=level, unit=unit)


def sign_out(url: str) -> None:
    """Forget the password of ``url`` in this process."""
    with _GUARD:
        _PASSWORDS.pop(url, None)
