"""Read an OpenStreetMap extract (``.osm`` / ``.osm.pbf``) into the layers of a project.

``read_osm_layers(path)`` returns an :class:`OsmImport`: the layers of ``layers.schema`` built
from OSM tags, a ``layer_metadata`` table (layer, key, value) stating every estimate and
default, and a report of what a clipped extract lost. The mapping:

* ``districts`` (区县): ``boundary=administrative`` + ``admin_level=6`` relations, clipped to
  the extract's bounding box; ``district_code`` from ``division_code`` or the Chinese name,
  ``district_class`` per Art. 11 (core / outer / county, 双城 through the project setting).
* ``streets`` (街道/乡镇): ``admin_level=8`` relations; ``street_code`` = the 9-digit
  township code of ``division_code`` when tagged, else ``district_code`` + ``9NN``
  (sequence by relation id); ``district_code`` from the code or by overlap with the districts.
* ``communities`` (社区): ``landuse=residential`` ways and multipolygons, ``community_id``
  ``osm_w<id>`` / ``osm_r<id>``; street and district by the representative point; households
  estimated from the residential buildings inside (footprint x levels / flat size), population
  = households x persons per household. ``kind``, ``era`` and ``management`` are defaults.
* ``buildings``: every ``building=*`` (except ``no``) with ``building:levels`` and the use.
* ``facilities``: amenity tags (see :data:`FACILITY_TAGS`).
* ``boiler_rooms``: candidates from ``man_made=chimney`` (the nearest building within
  :data:`CHIMNEY_BUILDING_RADIUS_M`) and boiler houses (``building=boiler_house`` or a name
  with 锅炉房); Art. 13.
* ``cameras``: ``man_made=surveillance`` nodes with ``camera:type``/``camera:direction``.
* ``network_nodes`` / ``network_edges``: the walking network, through ``layers.network``.

Clipped extracts: ways with missing nodes are trimmed to their present nodes (areas are closed
over the gap and cut by the bounding box), boundary relations are rebuilt from the pieces inside
the box (see :func:`assemble_boundary`), and everything dropped or trimmed is counted in the
report. Data (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers.crs import metric_crs
from layers.errors import InputValueError
from layers.osm._boundaries import _build_admin, assemble_boundary, way_area
from layers.osm._build import (
    _build_boiler_rooms,
    _build_buildings,
    _build_cameras,
    _build_communities,
    _build_facilities,
    _features,
    _load_network,
)
from layers.osm._download import OsmDownloadError, download_place
from layers.osm._import_report import _metadata, _report_lines
from layers.osm._reader import (
    OSM_ATTRIBUTION,
    OsmImport,
    OsmImportError,
    Progress,
    _read,
)
from layers.progress import report as report_progress

__all__ = [
    "OSM_ATTRIBUTION",
    "OsmDownloadError",
    "OsmImport",
    "OsmImportError",
    "assemble_boundary",
    "download_place",
    "layer_metadata_frame",
    "read_osm_layers",
    "way_area",
]


def read_osm_layers(
    path: str | Path,
    *,
    flat_size_m2: float = 80.0,
    default_levels: float = 6.0,
    persons_per_household: float = 2.6,
    district_classes: Mapping[str, str] | None = None,
    network: bool = True,
    progress: Progress | None = None,
) -> OsmImport:
    """Read an OSM extract into project layers.

    Parameters
    ----------
    path : str or Path
        ``.osm`` (XML) or ``.osm.pbf`` file.
    flat_size_m2 : float
        Gross floor area per household used by the household estimate.
    default_levels : float
        Levels assumed for residential buildings without ``building:levels``.
    persons_per_household : float
        Population = households x this.
    district_classes : mapping, optional
        Art. 11 class overrides by district name or code (``ProjectSettings.district_classes``,
        e.g. ``{"双城区": "outer"}``).
    network : bool
        Also build the walking network (``network_nodes``/``network_edges``).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    OsmImport
        Layers, the metadata table and the report.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    OsmImportError
        If the file is not a readable OSM file or holds no nodes.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"文件不存在:{path} / file not found: {path}")
    for name, value in (
        ("flat_size_m2", flat_size_m2),
        ("default_levels", default_levels),
        ("persons_per_household", persons_per_household),
    ):
        if not value > 0:
            raise InputValueError(f"参数 {name} 必须大于 0 / parameter {name} must be > 0")
    params = {
        "flat_size_m2": float(flat_size_m2),
        "default_levels": float(default_levels),
        "persons_per_household": float(persons_per_household),
    }
    raw = _read(path, progress)
    counts = raw.counts
    report: list[str] = []
    minx, miny, maxx, maxy = raw.bbox
    frame = shapely.box(minx, miny, maxx, maxy)
    crs = metric_crs((minx + maxx) / 2, (miny + maxy) / 2)

    report_progress(progress, 0.35, "行政区划 / administrative boundaries")
    districts, streets = _build_admin(raw, frame, counts, report, district_classes)
    report_progress(progress, 0.45, "建筑、居住区、设施 / buildings, communities, facilities")
    feats = _features(raw, frame, counts)
    buildings = _build_buildings(feats)
    communities = _build_communities(feats, buildings, streets, districts, crs, params, counts)
    facilities = _build_facilities(feats, communities, crs)
    boiler_rooms = _build_boiler_rooms(feats, buildings, crs, counts)
    cameras = _build_cameras(feats, counts)

    layers: dict[str, gpd.GeoDataFrame] = {
        "districts": districts,
        "streets": streets,
        "communities": communities,
        "facilities": facilities,
        "boiler_rooms": boiler_rooms,
        "cameras": cameras,
        "buildings": buildings,
    }
    if network:
        report_progress(progress, 0.6, "步行路网 / walking network")
        nodes, edges = _load_network(path, counts, progress)
        if nodes is not None:
            layers["network_nodes"] = nodes
            layers["network_edges"] = edges
    layers = {k: v for k, v in layers.items() if not v.empty}
    report = _report_lines(layers, counts) + report
    metadata = _metadata(path, raw.bbox, params, crs)
    report_progress(progress, 1.0, "完成 / done")
    return OsmImport(layers, metadata, report, raw.bbox, counts)


def layer_metadata_frame(result: OsmImport) -> pd.DataFrame:
    """The ``layer_metadata`` table to store with a project (only rows of present layers)."""
    keep = set(result.layers) | {"*"}
    meta = result.metadata
    return meta[meta["layer"].isin(keep)].reset_index(drop=True)
