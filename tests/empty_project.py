"""A project whose layers are all there but empty: what a planner has after creating a project
and before importing anything (or after an import that kept no rows).

Every layer of the demo project is written with its columns and geometry type and no rows, so
each page meets the layers it asks for and nothing in them.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd


def write_empty_project(template: Path, path: Path) -> Path:
    """Write at ``path`` a project with the layers of ``template`` (a project file), emptied."""
    from geo_app.project import Project

    source = Project.open(template)
    layers: dict[str, pd.DataFrame] = {}
    for name in source.layers():
        if name.startswith("scenario__"):
            continue
        frame = source.layer(name)
        layers[name] = frame.iloc[:0].copy()
    project = Project.create(path, source.settings, overwrite=True)
    project.write_layers(
        {n: f for n, f in layers.items() if isinstance(f, gpd.GeoDataFrame) or len(f.columns)}
    )
    return path
