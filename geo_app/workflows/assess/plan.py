"""Province-wide assessment on Dask: compliance, coverage and district metrics of many cities.

Every city project (a GeoPackage, or any source :meth:`Project.open` accepts) becomes a few
tasks of one ``dask.distributed`` graph; the same code runs on a laptop's ``LocalCluster`` or
on a cluster of machines (``dask scheduler`` / ``dask worker``):

``load_city``
    Reads the city's planning layers and builds its walking network, once. Its result stays
    on the worker that made it and is copied once to each other worker that runs a task of the
    city (dask moves a dependency once per worker); it is never put into the tasks themselves.
``city_compliance``
    :func:`geo_app.workflows.project_compliance` of the city (one task per city).
``coverage_chunk``
    Walking distances of one district's communities, in chunks of ``chunk_size``, to the
    facility kind assessed and the service stations, computed once and read at each distance
    (:func:`analysis.coverage.coverage_from_pairs`): the rows of ``geo-app coverage
    --distance D`` for each D, and the station distances of ``geo-app compare``.
``city_summary``
    The street and district sums of each distance and the district metrics of the city, from
    the chunks (:func:`geo_app.workflows.compare.project_district_metrics` with the coverage given).

The client (:mod:`geo_app.workflows.assess.run`) keeps a window of cities in flight, writes each
partition to the output GeoPackage as it finishes (:func:`distributed.as_completed`), and lets
go of a city's futures (and so of its network on the workers) when all its partitions are
written. Results equal the
single-process commands row for row: the same functions run on the same inputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd

from analysis.compare import COVERAGE_DISTANCES_M
from analysis.compliance import ComplianceInputError, ComplianceResult, as_code
from analysis.coverage import (
    COMMUNITY_TABLE_COLUMNS,
    LIFE_CIRCLE_M,
    coverage_from_pairs,
    facilities_of_kind,
    search_radius,
    summarize_coverage,
)
from analysis.distances import point_distances, snap_points
from analysis.standards import StandardError
from geo_app.project import Project, ProjectError, ProjectStore
from geo_app.workflows import (
    COMPLIANCE_LAYERS,
    check_facility_kind,
    project_compliance,
    project_network,
    project_standard,
)
from geo_app.workflows.compare import (
    STATION_KINDS,
    Precomputed,
    district_table,
    project_district_metrics,
    resolve_districts,
)
from layers.errors import InputValueError
from layers.network import EDGES_LAYER, NODES_LAYER
from layers.registry import REGISTRY_LAYER

DEFAULT_CHUNK_SIZE = 250
"""Communities per distance task: small enough that one big city keeps every worker busy."""

BASE_LAYERS: tuple[str, ...] = (
    *COMPLIANCE_LAYERS,
    "streets",
    "boiler_rooms",
    "ratings",  # Art. 33 two failed terms
    REGISTRY_LAYER,  # Art. 14 registered areas
)
"""Layers a city task reads (all planning layers when surveillance is assessed too)."""

COVERAGE_COLUMNS = COMMUNITY_TABLE_COLUMNS
"""Columns of a community's coverage row, as ``geo-app coverage`` writes them."""

OUTPUT_LAYERS: dict[str, str] = {
    "compliance": "社区用房达标 / compliance of every community",
    "coverage": "社区步行覆盖(每个距离一行)/ coverage, one row per community and distance",
    "coverage_streets": "街道覆盖汇总 / coverage per street and distance",
    "coverage_districts": "区县覆盖汇总 / coverage per district and distance",
    "district_metrics": "区县指标与排名 / district metrics and ranks",
    "compliance_problems": "无法评估的输入行 / input rows compliance could not use",
    "cities": "城市清单 / the cities assessed",
}


@dataclass(frozen=True)
class AssessSpec:
    """What to assess in every city.

    Parameters
    ----------
    facility_kind : str
        Facility kind of the coverage rows (``geo-app coverage --facility-kind``).
    distances : tuple of float
        Coverage distances (default the GB 50180-2018 life circles 300, 500, 1000 m).
    metric_distances : tuple of float
        Distances of the district metrics' station coverage (``geo-app compare``).
    chunk_size : int
        Communities per distance task.
    standard : str, optional
        Standard set (default each project's own, with its overrides).
    surveillance : bool
        Also compute the Art. 20 camera metrics of the district table.
    lang : str
        Language of the district metrics' notes and progress (zh or en).
    """

    facility_kind: str = "community_station"
    distances: tuple[float, ...] = tuple(LIFE_CIRCLE_M.values())
    metric_distances: tuple[float, ...] = tuple(float(d) for d in COVERAGE_DISTANCES_M)
    chunk_size: int = DEFAULT_CHUNK_SIZE
    standard: str | None = None
    surveillance: bool = False
    lang: str = "zh"


@dataclass(frozen=True)
class CityPlan:
    """One city of the run: its source, unique label and chunks of community index labels."""

    source: str
    city: str
    chunks: tuple[tuple[str, tuple], ...]
    n_communities: int


class SnapshotStore(ProjectStore):
    """A read-only in-memory copy of some layers and the settings of a project.

    What a ``load_city`` task ships: the workflow functions run on it unchanged.
    """

    def __init__(self, layers: Mapping[str, pd.DataFrame], settings: Mapping) -> None:
        self._layers = dict(layers)
        self._settings = dict(settings)

    def list_layers(self) -> list[str]:
        return list(self._layers)

    def read_layer(self, name: str) -> gpd.GeoDataFrame | pd.DataFrame:
        if name not in self._layers:
            raise ProjectError(f"项目中没有图层 {name} / the project has no layer {name}")
        return self._layers[name].copy()

    def read_settings(self) -> dict:
        return dict(self._settings)

    def _read_only(self, *_args) -> None:
        raise ProjectError("项目快照只读 / a project snapshot is read-only")

    write_layers = delete_layers = write_settings = clear = _read_only


@dataclass
class CityData:
    """What ``load_city`` returns: the city's layers (as a project) and walking network."""

    city: str
    project: Project
    network: nx.MultiDiGraph | None


@dataclass
class ChunkResult:
    """Coverage rows of one chunk: ``rows`` (all distances, for the output) keeps the
    communities' index labels; ``stations`` the station coverage for the district metrics."""

    city: str
    rows: gpd.GeoDataFrame
    stations: pd.DataFrame


@dataclass
class CitySummary:
    """Street and district coverage sums (with ``distance_m``) and the district metrics."""

    city: str
    streets: pd.DataFrame
    districts: pd.DataFrame
    metrics: pd.DataFrame
    notes: list[str] = field(default_factory=list)


# -- planning (client side, before any work) ---------------------------------------------------


def source_text(source: str | os.PathLike) -> str:
    """A source as workers can open it: URLs as given, file paths absolute."""
    text = os.fspath(source)
    return text if "://" in text else str(Path(text).resolve())


def _city_label(project: Project, source: str, used: set[str]) -> str:
    label = project.settings.city or Path(source).stem
    if label in used:
        label = f"{label} ({Path(source).stem})"
    k = 2
    base = label
    while label in used:
        label, k = f"{base} #{k}", k + 1
    used.add(label)
    return label


def district_chunks(communities: pd.DataFrame, chunk_size: int) -> tuple[tuple[str, tuple], ...]:
    """Index labels of the communities in partitions of at most ``chunk_size``, by district.

    Districts (in code order) are split into pieces of ``chunk_size``; neighbouring small
    districts share a partition (whole), so a task is never tiny. Each partition is
    ``(district codes joined by "+", labels)``.
    """
    if chunk_size < 1:
        raise InputValueError("分块大小须至少为 1 / the chunk size must be at least 1")
    if "district_code" in communities.columns:
        codes = as_code(communities["district_code"]).astype(object)
        codes = codes.where(codes.notna(), "").astype(str)
    else:
        codes = pd.Series("", index=communities.index)
    pieces = []
    for code, labels in codes.groupby(codes, sort=True).groups.items():
        labels = list(labels)
        pieces += [
            (str(code), labels[i : i + chunk_size]) for i in range(0, len(labels), chunk_size)
        ]
    chunks: list[tuple[list[str], list]] = []
    for code, labels in pieces:
        if chunks and len(chunks[-1][1]) + len(labels) <= chunk_size:
            chunks[-1][0].append(code)
            chunks[-1][1].extend(labels)
        else:
            chunks.append(([code], list(labels)))
    return tuple(("+".join(dict.fromkeys(c)), tuple(labels)) for c, labels in chunks)


def _check_project(project: Project, source: str, spec: AssessSpec) -> pd.DataFrame:
    """The communities of a project, after checking what the assessment needs."""
    missing = [n for n in COMPLIANCE_LAYERS if not project.has_layer(n)]
    if missing:
        raise ProjectError(
            f"{source}:项目缺少图层 {', '.join(missing)} / the project lacks the layer(s) "
            f"{', '.join(missing)}"
        )
    if "kind" not in project.layer("facilities").columns:
        raise ProjectError(
            f"{source}:设施图层缺少 kind 字段 / the facilities layer has no 'kind' field"
        )
    try:
        project_standard(project, spec.standard)
    except StandardError as exc:
        raise ProjectError(f"{source}:{exc}") from exc
    return project.layer("communities")


def plan_cities(sources: Sequence[str | os.PathLike], spec: AssessSpec) -> list[CityPlan]:
    """Open every source, check it and split its communities into chunks (no heavy work).

    Raises
    ------
    ProjectError
        For a source that cannot be opened or lacks a layer, the same project given twice, or
        an unknown standard set or facility kind.
    """
    check_facility_kind(spec.facility_kind)
    if not spec.distances or min(spec.distances) <= 0 or min(spec.metric_distances) <= 0:
        raise ProjectError("覆盖距离须大于 0 / the coverage distances must be positive")
    texts = [source_text(s) for s in sources]
    if not texts:
        raise ProjectError("请至少给出一个项目 / give at least one project")
    seen = {}
    for original, text in zip(sources, texts, strict=True):
        if text in seen:
            raise ProjectError(
                f"项目重复给出:{original} / the same project is given twice: {original}"
            )
        seen[text] = original
    plans, used = [], set()
    for text in texts:
        project = Project.open(text)
        communities = _check_project(project, text, spec)
        plans.append(
            CityPlan(
                source=text,
                city=_city_label(project, text, used),
                chunks=district_chunks(communities, spec.chunk_size),
                n_communities=len(communities),
            )
        )
    return plans


# -- tasks (worker side) -----------------------------------------------------------------------


def load_city(source: str, city: str, spec: AssessSpec) -> CityData:
    """Read a city's layers and build its walking network (one task per city)."""
    project = Project.open(source)
    hidden = {NODES_LAYER, EDGES_LAYER}
    names = [
        n for n in project.layers() if n not in hidden and (spec.surveillance or n in BASE_LAYERS)
    ]
    layers = {n: project.layer(n) for n in names}
    snapshot = Project(SnapshotStore(layers, project.store.read_settings()))
    return CityData(city, snapshot, project_network(project))


def city_compliance(city: CityData, spec: AssessSpec) -> ComplianceResult | pd.DataFrame:
    """:func:`project_compliance` of the city, or the problems table when inputs are unusable."""
    try:
        return project_compliance(city.project, project_standard(city.project, spec.standard))
    except ComplianceInputError as exc:
        return exc.problems.assign(city=city.city)


def _targets(facilities: gpd.GeoDataFrame, spec: AssessSpec) -> dict[str, gpd.GeoDataFrame]:
    chosen = facilities_of_kind(facilities, spec.facility_kind)
    stations = facilities[facilities["kind"].isin(STATION_KINDS)]
    both = facilities[facilities.index.isin(chosen.index) | facilities.index.isin(stations.index)]
    return {"chosen": chosen, "stations": stations, "both": both}


def coverage_chunk(city: CityData, labels: Sequence, spec: AssessSpec) -> ChunkResult:
    """Coverage rows of some communities at every distance and their station distances.

    One distance computation (to the assessed kind and the stations, out to the largest
    search radius) serves all of them; each table equals ``community_coverage`` alone.
    """
    G = city.network
    communities = city.project.layer("communities").loc[list(labels)]
    facilities = _targets(city.project.layer("facilities"), spec)
    reach_metrics = float(max(spec.metric_distances))
    reach = max(max(search_radius(d) for d in spec.distances), reach_metrics)
    pairs = point_distances(G, communities, facilities["both"], reach)
    access = (
        snap_points(G, communities)["access_m"].reindex(communities.index)
        if G is not None and len(communities)
        else None
    )
    parts = []
    for d in spec.distances:
        table = coverage_from_pairs(
            G, communities, facilities["chosen"], pairs, float(d), access_m=access
        )
        parts.append(table[[c for c in COVERAGE_COLUMNS if c in table.columns] + ["geometry"]])
    stations = coverage_from_pairs(
        G,
        communities,
        facilities["stations"],
        pairs,
        reach_metrics,
        search_m=reach_metrics,
        access_m=access,
    )
    rows = gpd.GeoDataFrame(pd.concat(parts), geometry="geometry", crs=communities.crs)
    return ChunkResult(city.city, rows, pd.DataFrame(stations.drop(columns="geometry")))


def _in_order(frames: Sequence[pd.DataFrame], index: pd.Index) -> pd.DataFrame:
    """Chunk rows put back in the order of the communities layer."""
    joined = pd.concat(frames)
    return joined.loc[[i for i in index if i in joined.index]]


def _metrics_long(comparison, city: str) -> pd.DataFrame:
    """District metrics and ranks as rows ``city, district_code, district, metric, value, rank``."""
    names = dict(
        zip(comparison.districts["name"], comparison.districts["district_code"], strict=True)
    )
    metrics = comparison.metrics.reset_index().melt(
        id_vars="metric", var_name="district", value_name="value"
    )
    ranks = comparison.ranks.reset_index().melt(
        id_vars="metric", var_name="district", value_name="rank"
    )
    out = metrics.merge(ranks, on=["metric", "district"], how="left")
    out.insert(0, "district_code", out["district"].map(names))
    out.insert(0, "city", city)
    out["rank"] = pd.to_numeric(out["rank"], errors="coerce").astype(float)
    return out[["city", "district_code", "district", "metric", "value", "rank"]]


def _coverage_sums(
    city: CityData, per: pd.DataFrame, distances: Sequence[float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    project = city.project
    streets = project.layer("streets") if project.has_layer("streets") else None
    districts = project.layer("districts") if project.has_layer("districts") else None
    street_parts, district_parts = [], []
    for d in distances:
        rows = per[per["distance_m"] == float(d)]
        for by, names, parts in (
            ("street_code", streets, street_parts),
            ("district_code", districts, district_parts),
        ):
            if by in rows.columns and len(rows):
                table = summarize_coverage(rows, by, names)
                table.insert(0, "distance_m", float(d))
                table.insert(0, "city", city.city)
                parts.append(table)
    return (
        pd.concat(street_parts, ignore_index=True) if street_parts else pd.DataFrame(),
        pd.concat(district_parts, ignore_index=True) if district_parts else pd.DataFrame(),
    )


def city_summary(
    city: CityData,
    compliance: ComplianceResult | pd.DataFrame,
    spec: AssessSpec,
    *chunks: ChunkResult,
) -> CitySummary:
    """Street and district sums at each distance and the district metrics of one city."""
    communities = city.project.layer("communities")
    per = pd.DataFrame()
    if chunks:
        per = _in_order([c.rows.drop(columns="geometry") for c in chunks], communities.index)
    streets, districts = _coverage_sums(city, per, spec.distances)
    chosen = resolve_districts(district_table(city.project), None)
    coverage = None
    if chunks and "district_code" in communities.columns:
        in_chosen = as_code(communities["district_code"]).astype(str).isin(chosen["district_code"])
        stations = pd.concat([c.stations for c in chunks])
        coverage = stations.loc[communities.index[in_chosen.to_numpy()]]
    comparison = project_district_metrics(
        city.project,
        None,
        standard=spec.standard,
        lang=spec.lang,
        coverage_distances=spec.metric_distances,
        surveillance=spec.surveillance,
        precomputed=Precomputed(
            compliance=compliance if isinstance(compliance, ComplianceResult) else None,
            coverage=coverage,
        ),
    )
    return CitySummary(
        city.city, streets, districts, _metrics_long(comparison, city.city), comparison.notes
    )
