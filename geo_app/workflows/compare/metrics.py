"""The metrics of the compared districts: :func:`project_district_metrics`.

It joins a :class:`~geo_app.project.Project` with the analyses (compliance, budgets, walking
coverage at 300/500/1000 m, idle boiler rooms, surveillance), one named step each. An
analysis whose layers are missing (or whose data cannot be used) leaves its metrics as NaN
("no data") and a note in ``comparison.notes``. Results the caller already has (compliance,
station coverage, the walking network) are passed in as :class:`Precomputed`.

Coverage is computed once: the walking distance from every community of the chosen districts
to its nearest service station (within the largest distance), from which the three distances
are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from analysis.compare import (
    COVERAGE_DISTANCES_M,
    BudgetTables,
    definitions_for,
    district_metrics,
    rank_metrics,
)
from analysis.compliance import ComplianceInputError, ComplianceResult, as_code
from analysis.coverage import community_coverage
from analysis.standards import StandardError, StandardSet
from geo_app.i18n import normalise_lang
from geo_app.project import Project, ProjectError
from geo_app.workflows import (
    project_budgets,
    project_compliance,
    project_network,
    project_standard,
    project_surveillance,
)
from geo_app.workflows.compare.districts import district_table, resolve_districts
from geo_app.workflows.compare.model import STATION_KINDS, DistrictComparison
from layers.progress import Progress


@dataclass(frozen=True)
class Precomputed:
    """Results the caller already has, used instead of being computed again.

    Attributes
    ----------
    compliance : ComplianceResult, optional
        :func:`~geo_app.workflows.project_compliance` of the project.
    coverage : DataFrame, optional
        The station coverage of the chosen districts' communities (``community_coverage``
        with the station kinds at ``max(coverage_distances)``, ``search_m`` the same)
        (``geo-app assess`` computes it in parts).
    network : networkx.MultiDiGraph, optional
        The project's walking network (:func:`~geo_app.workflows.project_network`).
    """

    compliance: ComplianceResult | None = None
    coverage: pd.DataFrame | None = None
    network: nx.MultiDiGraph | None = None


@dataclass(frozen=True)
class _Scope:
    """The chosen districts and the layers of the project the metrics read."""

    project: Project
    chosen: pd.DataFrame
    communities: gpd.GeoDataFrame | None
    districts: gpd.GeoDataFrame | None

    @cached_property
    def in_chosen(self) -> np.ndarray | None:
        """Which communities lie in the chosen districts (None without district codes)."""
        communities = self.communities
        if communities is None or "district_code" not in communities.columns:
            return None
        codes = list(self.chosen["district_code"])
        return as_code(communities["district_code"]).astype(str).isin(codes).to_numpy()


def _step(progress: Progress | None, fraction: float, zh: str, en: str, lang: str) -> None:
    if progress is not None:
        progress(fraction, zh if lang == "zh" else en)


def _no_data(notes: list[str], what_zh: str, what_en: str, exc: Exception | None = None) -> None:
    reason = f":{exc}" if exc is not None else ""
    notes.append(f"{what_zh}:无数据{reason} / {what_en}: no data{reason}")


def _boilers_by_district(
    boilers: gpd.GeoDataFrame,
    communities: pd.DataFrame | None,
    districts: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Boiler rooms with a ``district_code``: through their community, else by location."""
    out = pd.DataFrame(boilers.drop(columns=boilers.geometry.name, errors="ignore")).copy()
    code = pd.Series([None] * len(out), index=out.index, dtype=object)
    if communities is not None and "community_id" in out.columns:
        lookup = dict(
            zip(
                as_code(communities["community_id"]),
                as_code(communities["district_code"]),
                strict=False,
            )
        )
        code = as_code(out["community_id"]).map(lookup).astype(object)
    missing = code.isna().to_numpy()
    if missing.any() and districts is not None and isinstance(boilers, gpd.GeoDataFrame):
        pts = boilers[missing]
        pts = gpd.GeoDataFrame(
            geometry=pts.geometry.representative_point(), index=pts.index, crs=boilers.crs
        )
        polys = districts[["district_code", districts.geometry.name]].to_crs(boilers.crs)
        joined = gpd.sjoin(pts, polys, how="left", predicate="within")
        joined = joined[~joined.index.duplicated()]
        code[missing] = as_code(joined["district_code"]).reindex(pts.index).to_numpy()
    out["district_code"] = code.to_numpy()
    return out


def _scope(project: Project, districts: Sequence[str] | None) -> _Scope:
    chosen = resolve_districts(district_table(project), districts)
    return _Scope(
        project,
        chosen,
        project.layer("communities") if project.has_layer("communities") else None,
        project.layer("districts") if project.has_layer("districts") else None,
    )


def _standard(project: Project, standard: str | None, notes: list[str]) -> StandardSet | None:
    try:
        return project_standard(project, standard)
    except StandardError as exc:
        _no_data(notes, "标准", "standard", exc)
        return None


def _compliance(
    project: Project,
    std: StandardSet | None,
    known: ComplianceResult | None,
    notes: list[str],
) -> tuple[pd.DataFrame | None, int | None]:
    """Compliance of the project's communities and the rooms a station must have."""
    compliance, rooms = None, None
    if std is None:
        return compliance, rooms
    try:
        result = known if known is not None else project_compliance(project, std)
        compliance = result.communities
        rule = std.first("station_rooms")
        rooms = len(rule.param("rooms")) if rule is not None else 0
    except (ProjectError, ComplianceInputError, StandardError, KeyError) as exc:
        _no_data(notes, "用房达标(第八、十一、十二条)", "compliance (Art. 8, 11, 12)", exc)
    return compliance, rooms


def _budgets(
    project: Project, std: StandardSet | None, notes: list[str]
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Art. 33 star rewards by community and Art. 32 heating costs by district."""
    stars = heating = None
    if std is not None:
        try:
            star_result, heat_result = project_budgets(project, std)
            stars = star_result.by_community if star_result is not None else None
            heating = heat_result.by_district if heat_result is not None else None
        except (ProjectError, ComplianceInputError, StandardError, ValueError) as exc:
            _no_data(notes, "星级奖励与供暖(第三十二、三十三条)", "budgets (Art. 32, 33)", exc)
    if stars is None and not any("Art. 32, 33" in n for n in notes):
        _no_data(notes, "星级评定(第三十三条)", "star ratings (Art. 33)")
    return stars, heating


def _station_coverage(
    scope: _Scope, distances: Sequence[float], known: Precomputed, notes: list[str]
) -> pd.DataFrame | None:
    """Walking distance from the chosen districts' communities to the nearest service
    station, within the largest of ``distances`` (``known.coverage`` when given)."""
    project, communities = scope.project, scope.communities
    if known.coverage is not None:
        return known.coverage
    if communities is None or not project.has_layer("facilities") or not len(distances):
        _no_data(notes, "步行覆盖", "walking coverage")
        return None
    facilities = project.layer("facilities")
    stations = (
        facilities[facilities["kind"].isin(STATION_KINDS)]
        if "kind" in facilities.columns
        else facilities.iloc[0:0]
    )
    reach = float(max(distances))
    try:
        network = known.network if known.network is not None else project_network(project)
        return community_coverage(
            network, communities[scope.in_chosen], stations, reach, search_m=reach
        )
    except (ValueError, KeyError) as exc:
        _no_data(notes, "步行覆盖", "walking coverage", exc)
        return None


def _boilers(scope: _Scope, notes: list[str]) -> pd.DataFrame | None:
    """Boiler rooms with their district (Art. 13), None without the layer."""
    if not scope.project.has_layer("boiler_rooms"):
        _no_data(notes, "闲置锅炉房(第十三条)", "idle boiler rooms (Art. 13)")
        return None
    boilers = scope.project.layer("boiler_rooms")
    return _boilers_by_district(boilers, scope.communities, scope.districts)


def _cameras(project: Project, notes: list[str]) -> pd.DataFrame | None:
    """Art. 20 surveillance by community, None without cameras or when it cannot be run."""
    if not project.has_layer("cameras"):
        _no_data(notes, "监控(第二十条)", "surveillance (Art. 20)")
        return None
    try:
        return project_surveillance(project, suggest=False, on_invalid="skip").by_community
    except (ProjectError, ValueError, KeyError) as exc:
        _no_data(notes, "监控(第二十条)", "surveillance (Art. 20)", exc)
        return None


def project_district_metrics(
    project: Project,
    districts: Sequence[str] | None = None,
    standard: str | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
    *,
    coverage_distances: Sequence[float] = COVERAGE_DISTANCES_M,
    surveillance: bool = True,
    precomputed: Precomputed | None = None,
) -> DistrictComparison:
    """Compare ``districts`` (names, short names or codes; default all with communities).

    Parameters
    ----------
    project : Project
    districts : sequence of str, optional
        One or more districts; the columns follow this order.
    standard : str, optional
        Standard set (default the project's, with its overrides).
    lang : str
        Language of the progress messages (the notes are bilingual).
    progress : callable, optional
        ``progress(fraction, message)``.
    coverage_distances : sequence of float
        Walking distances of the coverage metrics (default 300, 500, 1000 m).
    surveillance : bool
        Compute the Art. 20 camera metrics (the slowest part, about 2 s on the demo).
    precomputed : Precomputed, optional
        Compliance, station coverage or walking network already computed by the caller.

    Raises
    ------
    ProjectError
        For unknown districts (listing the valid names) or a project without districts.
    """
    lang = normalise_lang(lang)
    known = precomputed if precomputed is not None else Precomputed()
    scope = _scope(project, districts)
    notes: list[str] = []
    std = _standard(project, standard, notes)
    _step(progress, 0.05, "用房达标", "compliance", lang)
    compliance, rooms = _compliance(project, std, known.compliance, notes)
    _step(progress, 0.2, "星级奖励与供暖费用", "star rewards and heating", lang)
    stars, heating = _budgets(project, std, notes)
    _step(progress, 0.35, "步行覆盖", "walking coverage", lang)
    coverage = _station_coverage(scope, coverage_distances, known, notes)
    _step(progress, 0.6, "闲置锅炉房", "idle boiler rooms", lang)
    boilers = _boilers(scope, notes)
    camera_table = None
    if surveillance:
        if project.has_layer("cameras"):
            _step(progress, 0.7, "监控覆盖", "surveillance", lang)
        camera_table = _cameras(project, notes)
    chosen = scope.chosen
    metrics = district_metrics(
        dict(zip(chosen["district_code"], chosen["name"], strict=True)),
        communities=scope.communities,
        compliance=compliance,
        rooms_per_station=rooms or 0,
        coverage=coverage,
        coverage_distances=coverage_distances,
        budgets=BudgetTables(boiler_rooms=boilers, stars=stars, heating=heating),
        surveillance=camera_table,
    )
    definitions = definitions_for(list(metrics.index))
    ranks = rank_metrics(metrics, definitions)
    _step(progress, 1.0, "完成", "done", lang)
    return DistrictComparison(
        metrics=metrics,
        ranks=ranks,
        definitions=definitions,
        districts=chosen[["district_code", "name"]].reset_index(drop=True),
        notes=notes,
        communities=_community_table(scope.communities, scope.in_chosen, compliance, coverage),
    )


def _community_table(
    communities: gpd.GeoDataFrame | None,
    in_chosen: np.ndarray | None,
    compliance: pd.DataFrame | None,
    coverage: pd.DataFrame | None,
) -> gpd.GeoDataFrame | None:
    """Communities of the chosen districts with compliance columns and the station distance."""
    if communities is None or in_chosen is None:
        return None
    base = communities[in_chosen]
    ids = as_code(base["community_id"]).astype(str).to_numpy()
    out = gpd.GeoDataFrame(
        {
            "community_id": ids,
            "name": base["name"].to_numpy() if "name" in base.columns else ids,
            "district_code": as_code(base["district_code"]).astype(str).to_numpy(),
        },
        geometry=base.geometry.to_numpy(),
        crs=base.crs,
    )
    if compliance is not None:
        extra = pd.DataFrame(compliance).drop(columns=["name", "district_code"], errors="ignore")
        extra = extra.assign(community_id=extra["community_id"].astype(str))
        extra = extra.drop_duplicates("community_id")
        out = out.merge(extra, on="community_id", how="left")
    if coverage is not None and "nearest_m" in coverage.columns:
        near = dict(zip(ids, _as_float(coverage["nearest_m"]), strict=True))
        out["nearest_station_m"] = [near.get(i, np.nan) for i in out["community_id"]]
    if out.crs is not None and not out.crs.equals("EPSG:4326"):
        out = out.to_crs("EPSG:4326")
    return out


def _as_float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
