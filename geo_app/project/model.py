"""A planning project: layers, settings and scenarios in one store.

``Project`` is what the CLI, the app and notebooks use. It opens a GeoPackage file
(:class:`geo_app.project.gpkg.GeoPackageStore`, the default) or a shared PostGIS database given
as ``postgresql://user@host:port/db?project=NAME`` (:class:`geo_app.project.postgis.store.PostGISStore`);
everything above the store is one code path.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime

import geopandas as gpd
import pandas as pd

from geo_app.project.gpkg import LOCK_TIMEOUT_S, GeoPackageStore
from geo_app.project.store import (
    METADATA_TABLE,
    SCENARIO_PREFIX,
    SCENARIOS_TABLE,
    SETTINGS_TABLE,
    ProjectError,
    ProjectSettings,
    ProjectStore,
    settings_frame,
)
from layers.community_changes import CHANGES_LAYER, apply_change, drop_out_of_force, in_force
from layers.crs import WGS84

__all__ = [
    "LOCK_TIMEOUT_S",
    "METADATA_TABLE",
    "SCENARIOS_TABLE",
    "SCENARIO_PREFIX",
    "SETTINGS_TABLE",
    "WGS84",
    "GeoPackageStore",
    "Project",
    "ProjectError",
    "ProjectSettings",
    "ProjectStore",
    "is_database_url",
    "open_project",
    "open_store",
]

DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(location: str | os.PathLike) -> bool:
    """Whether ``location`` names a PostGIS project (``postgresql://...?project=NAME``)."""
    return str(location).startswith(DATABASE_SCHEMES)


def open_project(location: str | os.PathLike) -> Project:
    """Open an existing project (what ``geo_app.open_project`` is).

    Parameters
    ----------
    location : str or path-like
        A GeoPackage file, or ``postgresql://USER@HOST:PORT/DB?project=NAME`` for a shared
        project (the password comes from ``PGPASSWORD`` or ``~/.pgpass``).

    Returns
    -------
    Project
        Its layers, settings and scenarios; :class:`ProjectError` (a planner's message) when
        the file is missing, damaged or not a project.
    """
    return Project.open(location)


def open_store(location: str | os.PathLike, **options) -> ProjectStore:
    """The store of ``location``: a PostGIS database URL or a GeoPackage path."""
    if is_database_url(location):
        from geo_app.project.postgis.store import PostGISStore

        return PostGISStore(str(location), **options)
    return GeoPackageStore(location, **options)


class Project:
    """A planning project: layers, settings and scenarios in one store.

    Examples
    --------
    >>> project = Project.create("harbin.gpkg", ProjectSettings(name="哈尔滨"))  # doctest: +SKIP
    >>> communities = project.layer("communities")  # doctest: +SKIP
    """

    def __init__(self, store: ProjectStore, *, as_of: date | str | None = None) -> None:
        self.store = store
        self._settings = ProjectSettings.from_dict(store.read_settings())
        self.as_of = as_of
        """Date whose communities ``layer("communities")`` gives (Art. 7; default today)."""

    # -- life cycle ------------------------------------------------------------
    @classmethod
    def create(
        cls,
        location: str | os.PathLike,
        settings: ProjectSettings | None = None,
        *,
        overwrite: bool = False,
    ) -> Project:
        """Create a new project: a GeoPackage at a path, or a PostGIS project at a URL."""
        store = open_store(location)
        with store.locked():
            if store.exists() and not overwrite:
                raise ProjectError(
                    f"项目已存在:{store.label} / project already exists: {store.label}"
                )
            if store.exists():
                store.clear()
            store.write_settings((settings or ProjectSettings()).to_dict())
        return cls(store)

    @classmethod
    def open(cls, location: str | os.PathLike) -> Project:
        """Open an existing project: a GeoPackage path or a PostGIS URL."""
        store = open_store(location)
        store.list_layers()  # raises ProjectError for missing or foreign projects
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

    def required_layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        """Layer ``name``; :class:`ProjectError` naming it (zh/en) when the project lacks it."""
        if not self.has_layer(name):
            raise ProjectError(f"项目缺少图层 {name} / the project lacks the layer {name}")
        return self.layer(name)

    def optional_layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame | None:
        """Layer ``name``, or ``None`` when the project does not have it."""
        return self.layer(name) if self.has_layer(name) else None

    def layer(
        self, name: str, *, as_of: date | str | None = None
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Read layer ``name``; communities are those in force on ``as_of`` (Art. 7).

        ``as_of`` defaults to the project's ``as_of``, else today; a layer without the
        ``valid_from`` / ``valid_to`` columns is returned whole.
        """
        frame = self.store.read_layer(name)
        day = as_of or self.as_of
        if name == "communities":
            return in_force(frame, day)
        if "community_id" in frame.columns and self.has_layer(CHANGES_LAYER):
            frame = drop_out_of_force(frame, self.store.read_layer("communities"), day)
        return frame

    def record_community_change(self, kind: str, **decision) -> pd.DataFrame:
        """Record an Art. 7 decision (see :func:`layers.community_changes.apply_change`) in
        one atomic write of ``communities`` and ``community_changes``; the changes table."""
        with self.locked():
            communities = self.store.read_layer("communities")
            changes = (
                self.store.read_layer(CHANGES_LAYER) if self.has_layer(CHANGES_LAYER) else None
            )
            communities, changes = apply_change(communities, changes, kind, **decision)
            self.store.write_layers({"communities": communities, CHANGES_LAYER: changes})
        return changes

    def write_layers(
        self,
        layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
        *,
        with_settings: bool = False,
    ) -> None:
        """Write several layers atomically; ``with_settings`` saves the settings in the same step."""
        if with_settings:
            layers = {**layers, SETTINGS_TABLE: settings_frame(self._settings.to_dict())}
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
