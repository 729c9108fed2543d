"""Projects and where they live: one :class:`Project` API over a GeoPackage file or a shared
PostGIS database.

Modules: :mod:`~geo_app.project.model` (the :class:`Project`), :mod:`~geo_app.project.store`
(the storage interface and settings), :mod:`~geo_app.project.gpkg` (the GeoPackage store, saved
atomically under a lock), :mod:`~geo_app.project.postgis` (the four-level platform of Art. 24),
:mod:`~geo_app.project.sign_in` (sign-in to a shared project), :mod:`~geo_app.project.paths`
(where the default project lives). The lowest tier of :mod:`geo_app`: it imports no workflow,
presentation, map, report, CLI or app module.
"""

from geo_app.project.model import (
    LOCK_TIMEOUT_S,
    METADATA_TABLE,
    SCENARIO_PREFIX,
    SCENARIOS_TABLE,
    SETTINGS_TABLE,
    WGS84,
    GeoPackageStore,
    Project,
    ProjectError,
    ProjectSettings,
    ProjectStore,
    is_database_url,
    open_project,
    open_store,
)

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
