"""The storage interface of a project, its settings and the names every store shares.

``ProjectStore`` is implemented by :class:`geo_app.project.gpkg.GeoPackageStore` (one GeoPackage
file, the default) and :class:`geo_app.project.postgis.store.PostGISStore` (a shared PostgreSQL +
PostGIS database); :class:`geo_app.project.Project` works on either.
"""

from __future__ import annotations

import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import pandas as pd

from layers.errors import PlannerError

SETTINGS_TABLE = "project_settings"
SCENARIOS_TABLE = "scenarios"
SCENARIO_PREFIX = "scenario__"
METADATA_TABLE = "layer_metadata"


class ProjectError(PlannerError):
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

    @property
    def label(self) -> str:
        """How the store is named in messages (a path, or a URL without password)."""
        return type(self).__name__

    def exists(self) -> bool:
        """Whether the project exists in the store."""
        return bool(self.list_layers())

    @abstractmethod
    def clear(self) -> None:
        """Remove the whole project (before it is created anew)."""

    def count_rows(self, name: str) -> int:
        """Number of rows of layer ``name``."""
        return len(self.read_layer(name))

    def data_version(self) -> tuple:
        """Changes whenever the project's data changes (a cache key)."""
        return (len(self.list_layers()),)

    def last_change(self, name: str) -> tuple[int, str, object] | None:
        """``(change id, who, when)`` of the newest recorded change of layer ``name``, for
        stores that record changes (the shared database); ``None`` otherwise."""
        return None

    def append_rows(self, name: str, frame: gpd.GeoDataFrame | pd.DataFrame) -> None:
        """Add rows to layer ``name`` (created if missing) without rewriting the others."""
        with self.locked():
            existing = self.read_layer(name) if name in self.list_layers() else None
            combined = (
                frame if existing is None else pd.concat([existing, frame], ignore_index=True)
            )
            self.write_layers({name: combined})

    def update_rows(
        self, name: str, key: str, keys: list[str], values: Mapping[str, object]
    ) -> int:
        """Set ``values`` on the rows of ``name`` whose ``key`` is in ``keys``; rows changed."""
        with self.locked():
            table = self.read_layer(name)
            rows = table[key].astype(str).isin([str(k) for k in keys]).to_numpy()
            for column, value in values.items():
                if column not in table.columns:
                    table[column] = None
                table[column] = table[column].astype(object)
                table.loc[rows, column] = value
            self.write_layers({name: table})
            return int(rows.sum())

    def locked(self) -> contextlib.AbstractContextManager:
        """Hold the store's write lock (re-entrant) across a read-modify-write sequence."""
        return contextlib.nullcontext()


def settings_frame(settings: Mapping) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": list(settings),
            "value": [json.dumps(v, ensure_ascii=False) for v in settings.values()],
        }
    )
