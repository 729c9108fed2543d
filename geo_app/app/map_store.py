"""Rendered maps kept on disk between server starts, per project file version.

The first visit after the server starts (a district office opening the app in the morning, a
street clerk once a week) would otherwise wait for the whole map to be built: the layers read
and prepared, the compliance run for the popups, the basemap, the folium rendering. A map of
an unchanged project file is the same text every time, so :func:`load` and :func:`save` keep it
as a JSON file (text only: nothing in it is run on the server, the page hands it to the
browser as it would hand the freshly rendered map).

Files live under ``$GEO_APP_CACHE_DIR`` (default ``~/.cache/geo-app``), in ``maps/``, named by
a hash of the map's key (which holds the project file's path, modification time and size),
and of the code version (every source and message file of the application, and the versions
of the map libraries): a saved change of the project or an update of the software gives new
names, never a stale map. Only maps of GeoPackage projects are kept: the maps of a shared
database project show one account's area and stay in the server's memory. The folder keeps at
most :data:`MAX_FILES` files and :data:`MAX_BYTES` bytes (the oldest go first); a file that
cannot be read or written is ignored (the map is built as without the store).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path

__all__ = ["CACHE_ENV", "MAX_BYTES", "MAX_FILES", "cache_dir", "key_text", "load", "save"]

CACHE_ENV = "GEO_APP_CACHE_DIR"
"""Environment variable naming the cache folder (default ``~/.cache/geo-app``)."""

MAX_FILES = 200
MAX_BYTES = 512 * 1024 * 1024
"""Bounds of the map store (the demo's maps are 1-3 MB each)."""

_PACKAGES = ("geo_app", "analysis", "layers")
_LIBRARIES = ("folium", "branca", "streamlit-folium", "streamlit", "shapely", "geopandas")
_LOG = logging.getLogger(__name__)


def cache_dir() -> Path:
    """The folder of the map store (created on the first save)."""
    base = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "geo-app"
    return Path(base) / "maps"


def _plain(value: object) -> object:
    """``value`` as JSON-able primitives, or raise TypeError for anything else."""
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, str) and value.startswith(("postgresql://", "postgres://")):
            raise TypeError("a database project's maps are not kept on disk")
        if value == "tianditu":
            raise TypeError("a Tianditu map carries the planner's key: not kept on disk")
        return value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__class__": type(value).__name__, **fields}
    raise TypeError(f"not kept on disk: {type(value).__name__}")


def key_text(cache_key: object) -> str | None:
    """A stable text of ``cache_key``, or None when the map must not be kept on disk (a key
    holding other objects than text, numbers, tuples and dataclasses of those, a database
    project, or the Tianditu basemap, whose tile addresses hold the planner's key)."""
    try:
        return json.dumps(_plain(cache_key), ensure_ascii=False, sort_keys=True)
    except TypeError:
        return None


@functools.cache
def code_version() -> str:
    """Hash of the application's source and message files and the map libraries' versions."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[2]
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".toml", ".json", ".yaml") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none".encode())
    return digest.hexdigest()[:16]


def _path(text: str) -> Path:
    name = hashlib.sha256(f"{code_version()}\n{text}".encode()).hexdigest()[:32]
    return cache_dir() / f"{name}.json"


def load(text: str) -> dict | None:
    """The payload saved under ``text`` (:func:`key_text`), or None."""
    path = _path(text)
    try:
        with open(path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        _LOG.warning("map store: %s unreadable (%s), building the map", path.name, exc)
        return None
    if not isinstance(stored, dict) or stored.get("key") != text:
        return None  # a hash collision or a foreign file: build the map
    with contextlib.suppress(OSError):  # a read-only store still serves its maps
        os.utime(path)  # recently used: kept longest
    return stored.get("payload")


def save(text: str, payload: dict) -> None:
    """Keep ``payload`` (JSON-able) under ``text``; a failure only logs a warning."""
    path = _path(text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"key": text, "payload": payload}, fh, ensure_ascii=False)
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError as exc:
        _LOG.warning("map store: cannot keep %s (%s)", path.name, exc)


def _prune(folder: Path) -> None:
    """Remove the least recently used files beyond :data:`MAX_FILES` / :data:`MAX_BYTES`."""
    files = []
    for path in folder.glob("*.json"):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        files.append((stat.st_mtime, stat.st_size, path))
    files.sort(reverse=True)
    total = 0
    for count, (_, size, path) in enumerate(files, start=1):
        total += size
        if count > MAX_FILES or total > MAX_BYTES:
            path.unlink(missing_ok=True)
