"""Create the Harbin demo project (示例项目): real district boundaries, synthetic inventories.

The inventories come from :func:`layers.demo.build_demo_layers` and are sample data
(示例数据); the project settings record the seed and say so.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pyogrio

from geo_app.project import Project, ProjectError, ProjectSettings
from layers.demo import build_demo_layers
from layers.demo_base import SAMPLE_SOURCE
from layers.districts import apply_district_classes

DEMO_NAME = "哈尔滨市社区建设示例项目"
DEMO_DISTRICT_CLASSES = {"双城区": "county"}
"""双城 was a county-level city when the measures were issued (Art. 11): county standard."""

# GeoPackage stores a "last change" timestamp per layer; pinning it makes two builds of the
# demo byte-identical.
_FIXED_DATE = "2011-01-01T00:00:00.000Z"


def demo_settings(seed: int = 0) -> ProjectSettings:
    """Settings of the demo project (metric CRS EPSG:4551, 双城 as a county, Art. 11)."""
    return ProjectSettings(
        name=DEMO_NAME,
        city="哈尔滨市",
        country="CN",
        standard_set="harbin-2011",
        metric_crs="EPSG:4551",
        district_classes=dict(DEMO_DISTRICT_CLASSES),
        parameters={"sample_data": True, "source": SAMPLE_SOURCE, "seed": int(seed)},
    )


@contextlib.contextmanager
def _fixed_gpkg_timestamp() -> Iterator[None]:
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def create_demo_project(path: str | os.PathLike, seed: int = 0, overwrite: bool = False) -> Project:
    """Write the Harbin demo project to the GeoPackage ``path``.

    Parameters
    ----------
    path : path-like
        Target ``.gpkg`` file.
    seed : int
        Seed of the sample data; the same seed writes the same project.
    overwrite : bool
        Replace an existing file (otherwise a ``ProjectError`` is raised).

    Returns
    -------
    Project
        The opened project.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ProjectError(
            f"项目文件已存在:{path}(使用 --overwrite 覆盖)/ "
            f"project file already exists: {path} (use --overwrite to replace it)"
        )
    if path.exists() and path.is_dir():
        raise ProjectError(f"{path} 是目录 / {path} is a directory")
    settings = demo_settings(seed)
    layers = build_demo_layers(seed)
    # 双城's class follows the project setting (Art. 11)
    layers["districts"] = apply_district_classes(layers["districts"], settings.district_classes)
    with _fixed_gpkg_timestamp():
        project = Project.create(path, settings, overwrite=overwrite)
        project.write_layers(layers)
    return project


def create_province(
    folder: str | os.PathLike, n_cities: int, seed: int = 0, overwrite: bool = False
) -> list[Path]:
    """Write ``n_cities`` synthetic city projects (:mod:`layers.province`) into ``folder``.

    Each is a demo-shaped city at its own place with its own codes and ids
    (``city_02.gpkg`` for prefix 2302 ...), a sample data set for province-wide runs.

    Returns
    -------
    list of Path
        The project files, in city order.
    """
    from layers.province import build_city_layers, city_metric_crs, city_name, city_prefix

    if n_cities < 1:
        raise ProjectError("城市数须至少为 1 / the number of cities must be at least 1")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_cities):
        layers = build_city_layers(i, seed)
        settings = demo_settings(seed + i)
        settings.name = f"{city_name(i)}社区建设示例项目"
        settings.city = city_name(i)
        settings.metric_crs = city_metric_crs(layers)
        layers["districts"] = apply_district_classes(layers["districts"], settings.district_classes)
        path = folder / f"city_{city_prefix(i)}.gpkg"
        with _fixed_gpkg_timestamp():
            Project.create(path, settings, overwrite=overwrite).write_layers(layers)
        paths.append(path)
    return paths
