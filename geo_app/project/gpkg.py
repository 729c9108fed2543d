"""A project stored as one GeoPackage file, saved atomically under a write lock.

Every write is atomic: the GeoPackage is copied to a temporary file beside it, written there,
flushed to disk and moved over the original with ``os.replace``, so a crash or a kill in the
middle of a save leaves the previous file intact. Writers are serialised by a lock on a file
beside the project (``.NAME.gpkg.lock``, an OS lock that dies with its process, so a killed
writer never blocks the project) held across the whole copy-write-replace, and by a thread lock
inside one process, so two processes or two app sessions saving at once both keep their work.
Read-modify-write sequences (an import that appends, a scenario table) hold the same lock
through :meth:`geo_app.project.Project.locked`.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import filelock
import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo_app.project.store import SETTINGS_TABLE, ProjectError, ProjectStore, settings_frame
from layers.crs import WGS84

LOCK_TIMEOUT_S = 120.0
"""How long a save waits for another writer of the same project before giving up."""

SPACE_MARGIN_BYTES = 8 * 1024 * 1024
"""Free space a save keeps in hand beyond the copy and the estimated new data."""

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
DISK_FULL_TEXTS = ("database or disk is full", "no space left on device", "disk quota exceeded")
"""How a full disk shows in ``OSError`` numbers and in SQLite/GDAL messages."""

_FACTS: dict[tuple, dict] = {}
"""What was read of each file version (integrity, layer names and kinds, settings), by
(path, inode, mtime, size): a file is checked and listed once per version. A save replaces the
file (a new inode) and forgets the path's entries."""

_MAX_FACTS = 64


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


class GeoPackageStore(ProjectStore):
    """A project stored as one GeoPackage file (opens in QGIS and ogrinfo)."""

    def __init__(self, path: str | os.PathLike, *, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    # -- reading ---------------------------------------------------------------
    @property
    def label(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        """Whether the file exists."""
        return self.path.exists()

    def clear(self) -> None:
        """Delete the file (under the write lock, before a new project is written)."""
        with self.locked():
            self._check_not_read_only()
            self.path.unlink(missing_ok=True)
            self._forget()

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
        self._check_integrity()

    def _facts(self) -> dict:
        """What was read of the current version of the file (filled as it is read)."""
        stat = self.path.stat()
        key = (str(self.path.resolve()), stat.st_ino, stat.st_mtime_ns, stat.st_size)
        facts = _FACTS.get(key)
        if facts is None:
            if len(_FACTS) >= _MAX_FACTS:
                _FACTS.clear()
            facts = _FACTS[key] = {}
        return facts

    def _forget(self) -> None:
        """Drop what was read of the file (after this process saved it)."""
        path = str(self.path.resolve())
        for key in [k for k in _FACTS if k[0] == path]:
            _FACTS.pop(key, None)

    def _check_integrity(self) -> None:
        """Refuse a damaged file (``PRAGMA quick_check``, once per file version)."""
        facts = self._facts()
        if "integrity" not in facts:
            facts["integrity"] = integrity_problem(self.path)
        problem = facts["integrity"]
        if problem is not None:
            raise ProjectError(
                f"项目文件 {self.path.name} 已损坏({problem}),为免算错,不读取也不写入;"
                f"请用备份副本替换它(或用 sqlite3 的 .recover 抢救数据后另存)/ "
                f"project file {self.path.name} is damaged ({problem}); it is neither read nor "
                f"written, so that nothing is computed from it; restore a backup copy (or "
                f"rescue the data with sqlite3's .recover into a new file)"
            )

    def _layer_kinds(self) -> dict[str, str | None]:
        """``{layer: geometry type or None for a table}`` of the file (once per version)."""
        self._check_readable()
        facts = self._facts()
        if "layers" not in facts:
            try:
                info = pyogrio.list_layers(self.path)
            except Exception as exc:  # pyogrio raises DataSourceError and friends
                raise ProjectError(
                    f"无法读取项目文件 {self.path}:{exc} / "
                    f"cannot read project file {self.path}: {exc}"
                ) from exc
            facts["layers"] = {str(name): kind for name, kind in info}
        return facts["layers"]

    def list_layers(self) -> list[str]:
        return list(self._layer_kinds())

    def read_layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        kinds = self._layer_kinds()
        if name not in kinds:
            raise ProjectError(f"项目中没有图层 {name} / the project has no layer {name}")
        if kinds[name] is None:
            return pyogrio.read_dataframe(self.path, layer=name, read_geometry=False)
        return pyogrio.read_dataframe(self.path, layer=name)

    def count_rows(self, name: str) -> int:
        return int(pyogrio.read_info(self.path, layer=name)["features"])

    def data_version(self) -> tuple:
        """Modification time and size of the file."""
        stat = self.path.stat()
        return (stat.st_mtime_ns, stat.st_size)

    def read_settings(self) -> dict:
        if SETTINGS_TABLE not in self.list_layers():
            return {}
        facts = self._facts()
        if "settings" not in facts:
            frame = self.read_layer(SETTINGS_TABLE)
            facts["settings"] = {row.key: row.value for row in frame.itertuples()}
        return {key: json.loads(value) for key, value in facts["settings"].items()}

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

    def _check_writable(self, extra_bytes: int) -> None:
        """Before a save: the project is intact, not read-only, and its folder has the space
        for the temporary copy plus ``extra_bytes`` of new data."""
        size = 0
        if self.path.exists():
            self._check_readable()
            self._check_not_read_only()
            size = self.path.stat().st_size
        needed = size + extra_bytes + SPACE_MARGIN_BYTES
        free = shutil.disk_usage(self.path.parent).free
        if free < needed:
            raise _disk_full(self.path, f"需要约 {_mb(needed)},可用 {_mb(free)}", needed, free)

    def _check_not_read_only(self) -> None:
        """Refuse to replace or delete a read-only project file (even where root could)."""
        if not self.path.exists():
            return
        if not self.path.stat().st_mode & 0o222 or not os.access(self.path, os.W_OK):
            raise ProjectError(
                f"项目文件 {self.path.name} 是只读的,未保存任何内容;如需修改,请先取消只读"
                f"(如 chmod u+w)或另存一份再导入 / project file {self.path.name} is "
                f"read-only; nothing was saved; make it writable (e.g. chmod u+w) or work "
                f"on a copy"
            )

    def _remove_stale_temporaries(self) -> None:
        """Delete temporary copies left by a save that was killed (only called under the lock)."""
        pattern = f".{glob.escape(self.path.name)}.*.tmp.gpkg*"
        for stale in self.path.parent.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()

    @contextlib.contextmanager
    def _atomic(self, extra_bytes: int = 0) -> Iterator[Path]:
        """Yield a temporary copy of the file; move it over the original on success.

        The write lock is held from the copy to the replace, so no other writer's save is lost.
        A full disk (before the copy, or on the way) ends in :class:`ProjectError` with the
        project unchanged.
        """
        with self.locked():
            self._remove_stale_temporaries()
            self._check_writable(extra_bytes)
            try:
                with self._replace_when_done() as tmp:
                    yield tmp
            except Exception as exc:
                if not _is_disk_full(exc):
                    raise
                free = shutil.disk_usage(self.path.parent).free
                raise _disk_full(self.path, f"可用 {_mb(free)}", None, free) from exc

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
            self._forget()
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
        with self._atomic(sum(estimated_bytes(f) for f in layers.values())) as tmp:
            for name, frame in layers.items():
                self._write_one(tmp, name, frame)

    def delete_layers(self, names: list[str]) -> None:
        with self._atomic() as tmp:
            for name in names:
                _drop_layer(tmp, name)

    def write_settings(self, settings: Mapping) -> None:
        self.write_layers({SETTINGS_TABLE: settings_frame(settings)})


def integrity_problem(path: Path) -> str | None:
    """What SQLite's ``PRAGMA quick_check`` finds wrong with the file, or None when intact."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = con.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        con.close()
    found = [str(r[0]) for r in rows if r and r[0] != "ok"]
    return "; ".join(found[:3]) if found else None


def estimated_bytes(frame: gpd.GeoDataFrame | pd.DataFrame) -> int:
    """A rough size of ``frame`` in a GeoPackage: its values plus 16 bytes a coordinate."""
    size = int(pd.DataFrame(frame).memory_usage(index=False, deep=True).sum())
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        size += 16 * int(shapely.get_num_coordinates(frame.geometry.values).sum())
    return size


def _is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk or quota is full."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            return True
        if any(text in str(exc).lower() for text in DISK_FULL_TEXTS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def _disk_full(path: Path, detail: str, needed: int | None, free: int) -> ProjectError:
    en = f"about {_mb(needed)} needed, {_mb(free)} free" if needed else f"{_mb(free)} free"
    return ProjectError(
        f"磁盘空间不足,项目 {path.name} 未改动({detail});请在 {path.parent} 所在磁盘腾出空间后"
        f"重试,或把项目移到空间更大的磁盘 / not enough disk space; project {path.name} is "
        f"unchanged ({en}); free space on the disk of {path.parent} and try again, or move the "
        f"project to a larger disk"
    )


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
