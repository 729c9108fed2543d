"""Which project the app opens, and cached loading of it.

The app opens the GeoPackage named by the environment variable ``GEO_APP_PROJECT``, or the
demo project ``data/demo/harbin_demo.gpkg`` of the repository. Projects and layers are cached
with ``st.cache_resource`` keyed on the file's path, modification time and size, so a rerun
(a click on a widget) does not read the file again, while a saved change is picked up.

Cached objects are shared by all sessions: pages must not modify them in place (copy first).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import streamlit as st

from geo_app import maps
from geo_app.i18n import t
from geo_app.project import Project, ProjectError, ProjectSettings, is_database_url
from geo_app.project.paths import DEFAULT_PROJECT, ENV_PROJECT, project_path
from geo_app.project.sign_in import password_for
from geo_app.workflows import project_network

__all__ = [
    "DEFAULT_PROJECT",
    "ENV_PROJECT",
    "ProjectError",
    "is_database_url",
    "project_path",
]


@dataclass(frozen=True)
class FileKey:
    """Identity of a file version: cache key of everything read from it."""

    path: str
    mtime_ns: int
    size: int


SESSION_ACCOUNT = "db_account"
"""``st.session_state`` key of the signed-in :class:`geo_app.project.sign_in.Account` (PostGIS)."""


def project_location() -> str:
    """What this session opens: the project file, or the signed-in account's database URL."""
    base = base_location()
    if not is_database_url(base):
        return str(project_path())
    account = st.session_state.get(SESSION_ACCOUNT)
    if account is None:
        raise ProjectError(f"{t('signin.needed', 'zh')} / {t('signin.needed', 'en')}")
    return account.url


def base_location() -> str:
    """``$GEO_APP_PROJECT`` (a file or a database URL) or the demo project."""
    return os.environ.get(ENV_PROJECT, "").strip() or str(DEFAULT_PROJECT)


DATA_VERSION_TTL_S = 1.0
"""Seconds a database project's data version is reused: a page run asks the database once,
not once per layer it reads (a change shows at the next click; the app's own imports clear
the caches)."""


@st.cache_resource(ttl=DATA_VERSION_TTL_S, max_entries=16, show_spinner=False)
def _database_key(url: str) -> FileKey:
    from geo_app.project.postgis.store import PostGISStore  # psycopg only for a database

    store = PostGISStore(url, password=password_for(url))
    return FileKey(url, store.data_version()[0], -1)


def open_project(key: FileKey) -> Project:
    """The project of ``key`` (a file, or a database URL of a signed-in account)."""
    return _open(key)


def file_key(path: str | os.PathLike) -> FileKey:
    """Key of the current version of ``path``; raises ``ProjectError`` if it is missing."""
    if is_database_url(path):
        return _database_key(str(path))
    resolved = Path(path).expanduser().resolve()
    try:
        stat = resolved.stat()
    except OSError:
        raise ProjectError(
            f"{t('project.missing', 'zh', path=resolved)} / "
            f"{t('project.missing', 'en', path=resolved)}"
        ) from None
    return FileKey(str(resolved), stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class ProjectInfo:
    """What the sidebar shows about the open project."""

    key: FileKey
    settings: ProjectSettings
    layers: tuple[str, ...]
    counts: dict[str, int]

    @property
    def path(self) -> Path:
        """Resolved path of the project file (a database project: its name as a path)."""
        if is_database_url(self.key.path):
            from geo_app.project.postgis.store import split_url

            return Path(f"{split_url(self.key.path)[1]}.gpkg")
        return Path(self.key.path)

    @property
    def in_database(self) -> bool:
        """Whether the project lives in the shared PostGIS database."""
        return is_database_url(self.key.path)


def _open(key: FileKey) -> Project:
    if is_database_url(key.path):
        from geo_app.project.postgis.store import PostGISStore

        return Project(PostGISStore(key.path, password=password_for(key.path)))
    try:
        return Project.open(key.path)
    except ProjectError:
        raise
    except Exception as exc:  # a damaged file can fail in many ways inside GDAL/sqlite
        raise ProjectError(
            f"{t('project.invalid', 'zh', path=key.path, error=exc)} / "
            f"{t('project.invalid', 'en', path=key.path, error=exc)}"
        ) from exc


@st.cache_resource(max_entries=4, show_spinner=False)
def _project_info(key: FileKey) -> ProjectInfo:
    project = _open(key)
    names = tuple(project.layers())
    counts: dict[str, int] = {}
    for name in names:
        if name.startswith("scenario__"):
            continue
        try:
            counts[name] = project.store.count_rows(name)
        except Exception:  # counts are informative only
            counts[name] = -1
    return ProjectInfo(key=key, settings=project.settings, layers=names, counts=counts)


@st.cache_resource(max_entries=64, show_spinner=False)
def _layer(key: FileKey, name: str, as_of: str | None = None) -> gpd.GeoDataFrame | pd.DataFrame:
    try:
        return _open(key).layer(name, as_of=as_of)
    except ProjectError:
        raise
    except Exception as exc:
        raise ProjectError(
            f"{t('project.invalid', 'zh', path=key.path, error=exc)} / "
            f"{t('project.invalid', 'en', path=key.path, error=exc)}"
        ) from exc


@st.cache_resource(max_entries=2, show_spinner=False)
def network(key: FileKey) -> nx.MultiDiGraph | None:
    """The walking network of the project file version ``key`` (read once, shared by pages)."""
    return project_network(_open(key))


def load_info(path: str | os.PathLike | None = None) -> ProjectInfo:
    """Settings, layer names and feature counts of the project (cached per file version)."""
    return _project_info(file_key(path or project_location()))


def load_layer(name: str, path: str | os.PathLike | None = None) -> gpd.GeoDataFrame:
    """Layer ``name`` of the project (cached per file version; do not modify in place)."""
    return _layer(file_key(path or project_location()), name)


def load_layers(
    names: Iterable[str], path: str | os.PathLike | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``names`` present in the project, by name (cached)."""
    info = load_info(path)
    return {n: _layer(info.key, n) for n in names if n in info.layers}


def key_info(key: FileKey) -> ProjectInfo:
    """Settings, layer names and counts of the project version ``key`` (cached)."""
    return _project_info(key)


def key_layers(key: FileKey, names: Iterable[str]) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``names`` present in the project version ``key``, by name (cached)."""
    info = _project_info(key)
    return {n: _layer(key, n) for n in names if n in info.layers}


@st.cache_resource(max_entries=16, show_spinner=False)
def _views(
    key: FileKey,
    names: tuple[str, ...],
    lang: str,
    districts: tuple[str, ...],
    limit: int,
    as_of: str | None = None,
) -> list[maps.LayerView]:
    layers = {n: _layer(key, n, as_of) for n in names}
    return maps.prepare_layers(layers, lang, districts, limit)


def map_views(
    lang: str,
    district_codes: Iterable[str] = (),
    max_features: int = maps.DEFAULT_MAX_FEATURES,
    path: str | os.PathLike | None = None,
    as_of: str | None = None,
) -> list[maps.LayerView]:
    """Prepared map layers of the project (cached per file version, language, filter and
    the date whose communities are shown, Art. 7; default today)."""
    info = load_info(path)
    names = tuple(n for n in maps.MAP_LAYERS if n in info.layers)
    codes = tuple(sorted(district_codes))
    return _views(info.key, names, lang, codes, int(max_features), as_of)


def project_error(path: str | os.PathLike | None = None) -> str | None:
    """Bilingual message why the project cannot be opened, or ``None`` when it can."""
    try:
        load_info(path)
    except ProjectError as exc:
        return f"{exc}\n\n{t('project.hint', 'zh')}\n\n{t('project.hint', 'en')}"
    return None
