"""Project store: one GeoPackage holding all layers, the project settings and saved scenarios.

``ProjectStore`` is the storage interface (a PostGIS store can implement it later);
``GeoPackageStore`` is the default. ``Project`` is what the CLI, the app and notebooks use.
Every write is atomic: the GeoPackage is copied to a temporary file beside it, written there,
flushed to disk and moved over the original with ``os.replace``, so a crash or a kill in the
middle of a save leaves the previous file intact. Writers are serialised by a lock on a file
beside the project (``.NAME.gpkg.lock``, an OS lock that dies with its process, so a killed
writer never blocks the project) held across the whole copy-write-replace, and by a thread lock
inside one process, so two processes or two app sessions saving at once both keep their work.
Read-modify-write sequences (an import that appends, a scenario table) hold the same lock
through :meth:`Project.locked`.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import filelock
import geopandas as gpd
import pandas as pd
import pyogrio

SETTINGS_TABLE = "project_settings"
SCENARIOS_TABLE = "scenarios"
SCENARIO_PREFIX = "scenario__"
METADATA_TABLE = "layer_metadata"
WGS84 = "EPSG:4326"
LOCK_TIMEOUT_S = 120.0
"""How long a save waits for another writer of the same project before giving up."""


class ProjectError(Exception):
    """A project cannot be created, opened or written; the message says why, in zh and en."""


@dataclass
class ProjectSettings:
    """Settings saved with a project.

    Parameters
    ----------
    name : str
        Project name shown to planners.
    city : str
        City the project covers.
    country : str
        ISO country code; "CN" switches on the China checks and GCJ-02 handling.
    standard_set : str
        Name of the standard set (``harbin-2011`` by default).
    standard_overrides : dict
        Per-project overrides of standard parameters, ``{rule_id: {param: value}}``.
    metric_crs : str
        Projected CRS for metric work (EPSG:4551, CGCS2000 3-degree GK zone 42, for Harbin).
    district_classes : dict
        Overrides of ``district_class`` by district name or code (Art. 11); 双城 is set here.
    parameters : dict
        Other analysis parameters (heating price, walking speed ...).
    """

    name: str = "未命名项目"
    city: str = "哈尔滨市"
    country: str = "CN"
    standard_set: str = "harbin-2011"
    standard_overrides: dict = field(default_factory=dict)
    metric_crs: str = "EPSG:4551"
    district_classes: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain dict of the settings."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping) -> ProjectSettings:
        """Build settings from a dict, ignoring unknown keys."""
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class ProjectStore(ABC):
    """Storage interface of a project: layers, settings and scenarios."""

    @abstractmethod
    def list_layers(self) -> list[str]:
        """Names of the spatial and attribute layers present."""

    @abstractmethod
    def read_layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read layer ``name`` (a GeoDataFrame in WGS 84, or a DataFrame for tables)."""

    @abstractmethod
    def write_layers(self, layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame]) -> None:
        """Write several layers in one atomic step (replacing layers of the same name)."""

    @abstractmethod
    def delete_layers(self, names: list[str]) -> None:
        """Remove layers in one atomic step."""

    @abstractmethod
    def read_settings(self) -> dict:
        """Read the settings dict."""

    @abstractmethod
    def write_settings(self, settings: Mapping) -> None:
        """Replace the settings dict atomically."""

    def locked(self) -> contextlib.AbstractContextManager:
        """Hold the store's write lock (re-entrant) across a read-modify-write sequence."""
        return contextlib.nullcontext()


class _WriteLock:
    """Writers of one project file: a thread lock in this process, an OS file lock across them.

    The OS lock (``flock`` through :mod:`filelock`) is released by the kernel when its process
    ends, so a writer killed with ``kill -9`` leaves no stale lock. The thread lock comes first
    because the file lock counts re-entries of any thread as one holder.
    """

    def __init__(self, lock_path: Path) -> None:
        self._threads = threading.RLock()
        self._file = filelock.FileLock(lock_path, thread_local=False, preserve_lock_file=True)
        self._depth = 0

    @contextlib.contextmanager
    def hold(self, timeout: float, project: Path) -> Iterator[None]:
        """Hold the lock; ``ProjectError`` when it cannot be had within ``timeout`` seconds."""
        if not self._threads.acquire(timeout=timeout):
            raise _busy(project, timeout)
        try:
            if self._depth == 0:
                try:
                    self._file.acquire(timeout=timeout)
                except filelock.Timeout:
                    raise _busy(project, timeout) from None
                except OSError as exc:
                    raise ProjectError(
                        f"无法为项目 {project.name} 加写锁:{exc} / "
                        f"cannot lock project {project.name} for writing: {exc}"
                    ) from exc
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._file.release()
        finally:
            self._threads.release()


def _busy(project: Path, timeout: float) -> ProjectError:
    return ProjectError(
        f"项目 {project.name} 正由其他程序或会话保存,{timeout:g} 秒内未能取得写锁,未写入任何内容;"
        f"请稍后重试 / project {project.name} is being saved by another program or session; "
        f"the write lock was not free within {timeout:g} s and nothing was written; try again"
    )


_LOCKS: dict[Path, _WriteLock] = {}
_LOCKS_GUARD = threading.Lock()


def _write_lock(path: Path) -> _WriteLock:
    """The one lock object of this process for the project at ``path``."""
    key = path.resolve()
    with _LOCKS_GUARD:
        if key not in _LOCKS:
            _LOCKS[key] = _WriteLock(key.with_name(f".{key.name}.lock"))
        return _LOCKS[key]


def _file_mode(path: Path) -> int:
    """Permissions for a saved project: those of the file it replaces, else 0666 less umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _settings_frame(settings: Mapping) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": list(settings),
            "value": [json.dumps(v, ensure_ascii=False) for v in settings.values()],
        }
    )


class GeoPackageStore(ProjectStore):
    """A project stored as one GeoPackage file (opens in QGIS and ogrinfo)."""

    def __init__(self, path: str | os.PathLike, *, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    # -- reading ---------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the file exists."""
        return self.path.exists()

    def _check_readable(self) -> None:
        if not self.path.exists():
            raise ProjectError(f"项目文件不存在:{self.path} / project file not found: {self.path}")
        if not self.path.is_file():
            raise ProjectError(
                f"{self.path} 是文件夹而不是项目文件 / {self.path} is a folder, not a project file"
            )
        with open(self.path, "rb") as fh:
            head = fh.read(16)
        if head != b"SQLite format 3\x00":
            raise ProjectError(
                f"{self.path} 不是 GeoPackage 项目文件 / {self.path} is not a GeoPackage project file"
            )

    def list_layers(self) -> list[str]:
        self._check_readable()
        try:
            info = pyogrio.list_layers(self.path)
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise ProjectError(
                f"无法读取项目文件 {self.path}:{exc} / cannot read project file {self.path}: {exc}"
            ) from exc
        return [str(name) for name, _ in info]

    def read_layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        if name not in self.list_layers():
            raise ProjectError(f"项目中没有图层 {name} / the project has no layer {name}")
        info = pyogrio.read_info(self.path, layer=name)
        if info.get("geometry_type") is None:
            return pyogrio.read_dataframe(self.path, layer=name, read_geometry=False)
        return pyogrio.read_dataframe(self.path, layer=name)

    def read_settings(self) -> dict:
        if SETTINGS_TABLE not in self.list_layers():
            return {}
        frame = self.read_layer(SETTINGS_TABLE)
        return {row.key: json.loads(row.value) for row in frame.itertuples()}

    # -- writing ---------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the project's write lock; other writers wait up to ``lock_timeout`` seconds."""
        if self.path.is_dir():
            raise ProjectError(
                f"{self.path} 是文件夹而不是项目文件 / {self.path} is a folder, not a project file"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _write_lock(self.path).hold(self.lock_timeout, self.path):
            yield

    def _remove_stale_temporaries(self) -> None:
        """Delete temporary copies left by a save that was killed (only called under the lock)."""
        pattern = f".{glob.escape(self.path.name)}.*.tmp.gpkg*"
        for stale in self.path.parent.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()

    @contextlib.contextmanager
    def _atomic(self) -> Iterator[Path]:
        """Yield a temporary copy of the file; move it over the original on success.

        The write lock is held from the copy to the replace, so no other writer's save is lost.
        """
        with self.locked():
            self._remove_stale_temporaries()
            with self._replace_when_done() as tmp:
                yield tmp

    @contextlib.contextmanager
    def _replace_when_done(self) -> Iterator[Path]:
        """Copy the file to a temporary file, yield it, fsync it and move it over the file."""
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp.gpkg", dir=self.path.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            if self.path.exists():
                shutil.copyfile(self.path, tmp)
            else:
                tmp.unlink()
            yield tmp
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, _file_mode(self.path))
            os.replace(tmp, self.path)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        finally:
            if tmp.exists():
                tmp.unlink()

    @staticmethod
    def _write_one(path: Path, name: str, frame: gpd.GeoDataFrame | pd.DataFrame) -> None:
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
            out = frame
            if out.crs is None:
                raise ProjectError(
                    f"图层 {name} 没有坐标系 / layer {name} has no coordinate reference system"
                )
            if not out.crs.equals(WGS84):
                out = out.to_crs(WGS84)
            pyogrio.write_dataframe(out, path, layer=name, driver="GPKG", promote_to_multi=False)
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG")

    def write_layers(self, layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame]) -> None:
        with self._atomic() as tmp:
            for name, frame in layers.items():
                self._write_one(tmp, name, frame)

    def delete_layers(self, names: list[str]) -> None:
        with self._atomic() as tmp:
            for name in names:
                _drop_layer(tmp, name)

    def write_settings(self, settings: Mapping) -> None:
        self.write_layers({SETTINGS_TABLE: _settings_frame(settings)})


def _drop_layer(path: Path, name: str) -> None:
    """Delete table ``name`` with its spatial index and GeoPackage registrations."""
    if not path.exists() or name not in [str(n) for n, _ in pyogrio.list_layers(path)]:
        return
    con = sqlite3.connect(path)
    try:
        cur = con.cursor()
        indexes = cur.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE ?",
            (f"rtree_{name}_%",),
        ).fetchall()
        for (index,) in indexes:
            cur.execute(f'DROP TABLE IF EXISTS "{index}"')
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        for table in (
            "gpkg_contents",
            "gpkg_geometry_columns",
            "gpkg_ogr_contents",
            "gpkg_extensions",
        ):
            with contextlib.suppress(sqlite3.OperationalError):
                cur.execute(f"DELETE FROM {table} WHERE table_name = ?", (name,))
        con.commit()
    finally:
        con.close()


class Project:
    """A planning project: layers, settings and scenarios in one store.

    Examples
    --------
    >>> project = Project.create("harbin.gpkg", ProjectSettings(name="哈尔滨"))  # doctest: +SKIP
    >>> communities = project.layer("communities")  # doctest: +SKIP
    """

    def __init__(self, store: ProjectStore) -> None:
        self.store = store
        self._settings = ProjectSettings.from_dict(store.read_settings())

    # -- life cycle ------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike,
        settings: ProjectSettings | None = None,
        *,
        overwrite: bool = False,
    ) -> Project:
        """Create a new GeoPackage project at ``path``."""
        store = GeoPackageStore(path)
        with store.locked():
            if store.exists() and not overwrite:
                raise ProjectError(f"项目文件已存在:{path} / project file already exists: {path}")
            if store.exists():
                store.path.unlink()
            store.write_settings((settings or ProjectSettings()).to_dict())
        return cls(store)

    @classmethod
    def open(cls, path: str | os.PathLike) -> Project:
        """Open an existing GeoPackage project."""
        store = GeoPackageStore(path)
        store.list_layers()  # raises ProjectError for missing or foreign files
        return cls(store)

    @contextlib.contextmanager
    def locked(self) -> Iterator[Project]:
        """Hold the write lock across a read-modify-write; the settings are re-read inside.

        Examples
        --------
        >>> with project.locked():  # doctest: +SKIP
        ...     table = project.layer("facilities")
        ...     project.write_layer("facilities", table.iloc[:10])
        """
        with self.store.locked():
            self._settings = ProjectSettings.from_dict(self.store.read_settings())
            yield self

    # -- settings --------------------------------------------------------------
    @property
    def settings(self) -> ProjectSettings:
        """The project settings (a copy is not made: call ``save_settings`` after changes)."""
        return self._settings

    def save_settings(self, settings: ProjectSettings | None = None) -> None:
        """Write the settings to the store."""
        if settings is not None:
            self._settings = settings
        self.store.write_settings(self._settings.to_dict())

    @property
    def metric_crs(self) -> str:
        """The projected CRS for metric work."""
        return self._settings.metric_crs

    # -- layers ----------------------------------------------------------------
    def layers(self) -> list[str]:
        """Names of the planning layers present (settings, metadata and scenarios excluded)."""
        hidden = {SETTINGS_TABLE, SCENARIOS_TABLE, METADATA_TABLE}
        return [
            n
            for n in self.store.list_layers()
            if n not in hidden and not n.startswith(SCENARIO_PREFIX)
        ]

    def has_layer(self, name: str) -> bool:
        """Whether layer ``name`` is present."""
        return name in self.store.list_layers()

    def layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read layer ``name``."""
        return self.store.read_layer(name)

    def write_layers(
        self,
        layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
        *,
        with_settings: bool = False,
    ) -> None:
        """Write several layers atomically; ``with_settings`` saves the settings in the same step."""
        if with_settings:
            layers = {**layers, SETTINGS_TABLE: _settings_frame(self._settings.to_dict())}
        self.store.write_layers(layers)

    def write_layer(self, name: str, frame: gpd.GeoDataFrame | pd.DataFrame) -> None:
        """Write one layer atomically."""
        self.store.write_layers({name: frame})

    # -- scenarios -------------------------------------------------------------
    def scenarios(self) -> pd.DataFrame:
        """Saved scenarios: ``name, kind, created, parameters, layers`` (JSON texts)."""
        if not self.has_layer(SCENARIOS_TABLE):
            return pd.DataFrame(columns=["name", "kind", "created", "parameters", "layers"])
        return self.store.read_layer(SCENARIOS_TABLE)

    def save_scenario(
        self,
        name: str,
        kind: str,
        parameters: Mapping,
        layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame] | None = None,
    ) -> None:
        """Save a scenario (its parameters and result layers) in one atomic write.

        Result layers are stored as ``scenario__{name}__{layer}``.
        """
        layers = dict(layers or {})
        stored = {f"{SCENARIO_PREFIX}{name}__{k}": v for k, v in layers.items()}
        with self.store.locked():
            table = self.scenarios()
            table = table[table["name"] != name]
            table = pd.concat(
                [table, _scenario_row(name, kind, parameters, stored)], ignore_index=True
            )
            self.store.write_layers({SCENARIOS_TABLE: table, **stored})

    def scenario_layer(self, name: str, layer: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read one result layer of a saved scenario."""
        return self.store.read_layer(f"{SCENARIO_PREFIX}{name}__{layer}")


def _scenario_row(name: str, kind: str, parameters: Mapping, stored: Mapping) -> pd.DataFrame:
    """One row of the scenarios table."""
    return pd.DataFrame(
        {
            "name": [name],
            "kind": [kind],
            "created": [datetime.now(UTC).isoformat(timespec="seconds")],
            "parameters": [json.dumps(dict(parameters), ensure_ascii=False, default=str)],
            "layers": [json.dumps(list(stored), ensure_ascii=False)],
        }
    )
