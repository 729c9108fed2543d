"""Site selection on a project: demand, candidate sites, walking distances, a model, results.

Joins a project's layers with the solvers of :mod:`analysis.siting` (set cover, max cover,
p-median) and the Art. 13 hub model of :mod:`analysis.hubs`, and shapes the outcome into the
layers ``chosen_sites``, ``assignments`` and ``radiation_lines`` (one line from each served
community to its site), saved as a scenario of the project. Used by ``geo-app site-select`` and
the site-selection page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import scipy.sparse as sp
import shapely

from analysis.distances import point_distances, representative_points
from analysis.hubs import HubResult, HubRule, central_stations, hub_demand_mask, hub_rule
from analysis.selection import district_codes
from analysis.siting import InfeasibleError, SitingResult, max_cover, p_median, set_cover
from geo_app.project import Project, ProjectError
from geo_app.unserved_reasons import explain_selection
from geo_app.workflows import project_compliance, project_network, project_standard
from layers.crs import WGS84

MODELS: tuple[str, ...] = ("set-cover", "max-cover", "p-median", "hub")
DEFAULT_DISTANCE_M = 500.0
"""Walking distance of the covering models when none is given (10-minute life circle)."""
CANDIDATE_LAYERS: tuple[str, ...] = ("boiler_rooms", "candidate_sites")

MODEL_LABELS: dict[str, tuple[str, str]] = {
    "set-cover": ("最少站点全覆盖", "fewest sites covering all"),
    "max-cover": ("给定站点数最大覆盖", "most households covered by p sites"),
    "p-median": ("p-中位(最短总步行距离)", "p-median (shortest total walk)"),
    "hub": ("第十三条社区中心服务站", "Art. 13 central service stations"),
}

Progress = Callable[[float, str], None]


@dataclass
class SiteSelection:
    """Outcome of :func:`run_site_selection`, ready to map, tabulate and save."""

    model: str
    parameters: dict
    chosen_sites: gpd.GeoDataFrame
    assignments: gpd.GeoDataFrame
    radiation_lines: gpd.GeoDataFrame
    unserved: pd.DataFrame
    summary: dict
    result: SitingResult | HubResult | None = None
    notes: list[str] = field(default_factory=list)

    def layers(self) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
        """The result layers by name (``unserved`` is a table)."""
        return {
            "chosen_sites": self.chosen_sites,
            "assignments": self.assignments,
            "radiation_lines": self.radiation_lines,
            "unserved": self.unserved,
        }


def _require(project: Project, name: str) -> gpd.GeoDataFrame:
    if not project.has_layer(name):
        raise ProjectError(f"项目缺少图层 {name} / the project lacks the layer {name}")
    return project.layer(name)


def candidate_sites(
    project: Project, layers: Sequence[str] = ("boiler_rooms",), *, district_filter=None
) -> gpd.GeoDataFrame:
    """Candidate hub sites from the given layers, in one frame.

    Boiler rooms count only when ``idle`` (Art. 13: idle boiler rooms are given free). Columns:
    ``site_id, name, source_layer, usable_area_m2, owner_unit, offer, geometry``; a site whose
    usable area is unknown gets NaN (it can serve the covering models, never a hub).
    """
    unknown = [name for name in layers if name not in CANDIDATE_LAYERS]
    if unknown:
        raise ProjectError(
            f"候选图层只能是 {', '.join(CANDIDATE_LAYERS)},不能是 {', '.join(unknown)} / "
            f"candidate layers must be among {', '.join(CANDIDATE_LAYERS)}, not {', '.join(unknown)}"
        )
    frames = []
    for name in layers:
        if not project.has_layer(name):
            continue
        frame = project.layer(name)
        if name == "boiler_rooms" and "idle" in frame.columns:
            frame = frame[frame["idle"].fillna(False).astype(bool)]
        out = gpd.GeoDataFrame(
            {
                "site_id": frame["site_id"].astype(str),
                "name": frame.get("name", pd.Series(index=frame.index, dtype=object)),
                "source_layer": name,
                "usable_area_m2": pd.to_numeric(frame["usable_area_m2"], errors="coerce"),
                "owner_unit": frame.get("owner_unit", pd.Series(index=frame.index, dtype=object)),
                "offer": frame.get(
                    "offer",
                    pd.Series("free" if name == "boiler_rooms" else None, index=frame.index),
                ),
            },
            geometry=frame.geometry.values,
            crs=frame.crs,
        )
        frames.append(out)
    if not frames:
        raise ProjectError(
            f"项目中没有候选用房图层({', '.join(layers)})/ "
            f"the project has none of the candidate layers {', '.join(layers)}"
        )
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    if district_filter is not None:
        sites = sites[district_filter(sites)].reset_index(drop=True)
    if sites.empty:
        raise ProjectError("所选范围内没有候选用房 / no candidate sites in the chosen area")
    return sites


def _district_filter(project: Project, district: str | None):
    """A function keeping features inside the district (by geometry), or None for all."""
    if not district:
        return None
    districts = _require(project, "districts")
    codes = district_codes(district, districts)
    chosen = districts[districts["district_code"].astype(str).isin(codes)]
    if chosen.empty:
        raise ProjectError(f"找不到区县 {district} / no district {district}")
    area = chosen.to_crs(WGS84).geometry.union_all()

    def inside(frame: gpd.GeoDataFrame) -> np.ndarray:
        points = representative_points(frame.to_crs(WGS84))
        return shapely.within(points.values, area) | shapely.touches(points.values, area)

    return inside


def _demand(
    project: Project, model: str, district: str | None, standard: str | None, rule: HubRule
):
    """Demand communities and the weight/shortfall columns of the model.

    The hub model serves the communities of the Art. 13 rule (old urban areas short of area,
    :func:`analysis.hubs.hub_demand_mask`), never villages.
    """
    communities = _require(project, "communities")
    if district:
        codes = district_codes(
            district, project.layer("districts") if project.has_layer("districts") else None
        )
        communities = communities[communities["district_code"].astype(str).isin(codes)]
        if communities.empty:
            raise ProjectError(f"区县 {district} 没有社区 / district {district} has no communities")
    if model != "hub":
        demand = communities.copy()
        demand["shortfall_m2"] = np.nan
        return demand[demand["households"].fillna(0) > 0]
    table = project_compliance(project, standard).communities
    table = table.set_index(table["community_id"].astype(str))
    demand = communities.copy()
    ids = demand["community_id"].astype(str)
    checked = table.reindex(ids)[["kind", "era", "shortfall_m2"]].reset_index(drop=True)
    demand["shortfall_m2"] = checked["shortfall_m2"].to_numpy()
    return demand[hub_demand_mask(checked, rule)]


def _cost_matrix(pairs: pd.DataFrame, rows: pd.Index, cols: pd.Index) -> sp.csr_matrix:
    r = rows.get_indexer(pairs["origin"])
    c = cols.get_indexer(pairs["destination"])
    # a stored 0 would be a reachable zero cost: keep exact zeros as a tiny positive distance
    d = np.maximum(pairs["distance_m"].to_numpy(dtype=float), 1e-9)
    return sp.csr_matrix((d, (r, c)), shape=(len(rows), len(cols)))


_METHOD_CODES = ("network", "euclidean_detour")


def _pair_methods(pairs: pd.DataFrame, rows: pd.Index, cols: pd.Index) -> sp.csr_matrix:
    """Sparse code (1-based index into ``_METHOD_CODES``) of the method of every reachable pair."""
    codes = pairs["method"].map({m: k + 1 for k, m in enumerate(_METHOD_CODES)}).fillna(0)
    return sp.csr_matrix(
        (
            codes.to_numpy(dtype=np.int8),
            (rows.get_indexer(pairs["origin"]), cols.get_indexer(pairs["destination"])),
        ),
        shape=(len(rows), len(cols)),
    )


def _overall_method(methods: pd.Series) -> str:
    """ "network", "euclidean_detour" or "mixed" over the served pairs."""
    kinds = set(methods.dropna())
    return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "none")


def _street_of(points: gpd.GeoDataFrame, streets: gpd.GeoDataFrame | None) -> np.ndarray:
    if streets is None or streets.empty:
        return np.full(len(points), None, dtype=object)
    pts = gpd.GeoDataFrame(geometry=representative_points(points.to_crs(WGS84)).values, crs=WGS84)
    joined = gpd.sjoin(pts, streets[["street_code", "geometry"]].to_crs(WGS84), how="left")
    joined = joined[~joined.index.duplicated()]
    return joined["street_code"].reindex(range(len(points))).to_numpy(dtype=object)


def run_site_selection(
    project: Project,
    model: str,
    *,
    candidates: Sequence[str] = ("boiler_rooms",),
    distance_m: float | None = None,
    p: int | None = None,
    district: str | None = None,
    same_street: bool | None = None,
    standard: str | None = None,
    time_limit: float | None = 60.0,
    G: nx.MultiDiGraph | None = None,
    progress: Progress | None = None,
) -> SiteSelection:
    """Run one site-selection model on a project.

    Parameters
    ----------
    model : {"set-cover", "max-cover", "p-median", "hub"}
        ``hub`` is the Art. 13 central-station model for old-area communities short of area.
    candidates : sequence of str
        Candidate layers: ``boiler_rooms`` (idle ones) and/or ``candidate_sites``.
    distance_m : float, optional
        Walking distance of coverage (covering models, hub); p-median has no limit. Default:
        the ``max_walk_m`` of the Art. 13 rule for the hub model (500 m), 500 m otherwise.
    p : int
        Number of sites (max-cover, p-median).
    district : str, optional
        Restrict demand and sites to one district (name or code).
    same_street : bool, optional
        Hub model only: a hub serves only communities of its own street. Default: the
        ``same_street`` of the Art. 13 rule (on: the street sets the central station up);
        without a streets layer the default is dropped with a note, an explicit ``True``
        is an error.
    G : networkx.MultiDiGraph, optional
        Walking network (default: the project's; straight line x 1.3 when it has none).
    """
    if model not in MODELS:
        raise ProjectError(
            f"未知模型 {model!r};可选 {', '.join(MODELS)} / unknown model {model!r}; "
            f"choose {', '.join(MODELS)}"
        )
    rule = hub_rule(project_standard(project, standard)) if model == "hub" else HubRule()
    if distance_m is None:
        distance_m = rule.max_walk_m if model == "hub" else DEFAULT_DISTANCE_M
    notes: list[str] = []
    if model != "hub":
        same_street = False
    elif same_street is None:
        same_street = rule.same_street
        if same_street and not project.has_layer("streets"):
            same_street = False
            notes.append(
                "项目没有街道图层,未按同街道限制中心服务站(第十三条)/ no streets layer: the "
                "same-street rule of Art. 13 is not applied"
            )
    if distance_m <= 0:
        raise ProjectError("步行距离须大于 0 / the walking distance must be positive")
    if model in ("max-cover", "p-median") and (p is None or p < 1):
        raise ProjectError(f"模型 {model} 需要站点数 p ≥ 1 / the {model} model needs p >= 1")
    report = progress or (lambda fraction, message: None)
    parameters = {
        "model": model,
        "candidates": list(candidates),
        "distance_m": float(distance_m),
        "p": p,
        "district": district,
        "same_street": bool(same_street),
        "standard": standard or project.settings.standard_set,
    }
    report(0.05, "读取图层 / reading layers")
    demand = _demand(project, model, district, standard, rule)
    sites = candidate_sites(
        project, candidates, district_filter=_district_filter(project, district)
    )
    if model == "hub":
        sites = sites[sites["usable_area_m2"].notna()].reset_index(drop=True)
    G = project_network(project) if G is None else G
    if G is None:
        notes.append(
            "项目没有步行路网:按直线距离×1.3 估算 / no walking network: straight line x 1.3"
        )
    cutoff = distance_m if model != "p-median" else None  # p-median: every walk counts
    report(0.2, "计算步行距离 / computing walking distances")
    pairs = point_distances(G, demand, sites, cutoff)
    rows, cols = demand.index, sites.index
    cost = _cost_matrix(pairs, rows, cols)
    methods = _pair_methods(pairs, rows, cols)
    report(0.5, "求解 / solving")
    weights = demand["households"].fillna(0).to_numpy(dtype=float)
    unserved_reason: dict[int, tuple[str, str, str]] = {}
    reach = np.diff(cost.indptr) > 0
    for i in np.flatnonzero(~reach):
        unserved_reason[int(i)] = (
            "no_site_in_reach",
            "步行距离内没有候选用房",
            "no candidate site within walking distance",
        )

    result: SitingResult | HubResult
    if model == "hub":
        streets = project.layer("streets") if same_street and project.has_layer("streets") else None
        if same_street and streets is None:
            raise ProjectError(
                "同街道约束需要街道图层 / the same-street rule needs the streets layer"
            )
        result = central_stations(
            cost,
            demand["shortfall_m2"].to_numpy(dtype=float),
            sites["usable_area_m2"].to_numpy(dtype=float),
            max_distance_m=distance_m,
            households=weights,
            row_groups=demand["street_code"].astype(str).to_numpy() if same_street else None,
            col_groups=_street_of(sites, streets) if same_street else None,
            time_limit=time_limit,
        )
        for row, reason, zh, en in result.unserved[
            ["row", "reason", "reason_zh", "reason_en"]
        ].itertuples(index=False):
            unserved_reason[int(row)] = (reason, zh, en)
        assignment = result.assignment
        selected = result.selected
    else:
        solvable = np.flatnonzero(reach)
        sub = cost[solvable]
        try:
            if model == "set-cover":
                res = set_cover(sub, distance_m, time_limit=time_limit)
            elif model == "max-cover":
                res = max_cover(sub, weights[solvable], distance_m, int(p), time_limit=time_limit)
            else:
                res = p_median(sub, weights[solvable], int(p), time_limit=time_limit)
        except InfeasibleError as exc:
            raise ProjectError(str(exc)) from exc
        result = res
        assignment = np.full(len(rows), -1, dtype=int)
        assignment[solvable] = res.assignment
        selected = list(res.selected)
        if model == "max-cover":
            for i in solvable[res.assignment < 0]:
                unserved_reason[int(i)] = (
                    "not_covered",
                    "所选站点步行距离内未覆盖",
                    "not within walking distance of a chosen site",
                )
    report(0.9, "整理结果 / shaping results")
    selection = _shape(
        model, parameters, demand, sites, cost, assignment, selected, unserved_reason, methods
    )
    selection.unserved = explain_selection(selection, project, demand, sites, cost)
    selection.result = result
    selection.notes = notes
    selection.summary.update(
        {
            "optimal": bool(result.optimal),
            "gap": float(result.gap),
            "message": result.message,
        }
    )
    report(1.0, "完成 / done")
    return selection


def _shape(model, parameters, demand, sites, cost, assignment, selected, unserved_reason, methods):
    served = np.flatnonzero(assignment >= 0)
    cols_served = assignment[served]
    dist = (
        np.asarray(cost.tocsr()[served, cols_served]).ravel().astype(float)
        if served.size
        else np.zeros(0)
    )
    demand_pts = representative_points(demand.to_crs(WGS84))
    site_pts = representative_points(sites.to_crs(WGS84))
    hh = demand["households"].fillna(0).to_numpy(dtype=float)

    def per_site(values: np.ndarray | None) -> np.ndarray:
        counts = np.bincount(cols_served, weights=values, minlength=len(sites))
        return counts[selected]

    chosen = sites.iloc[selected].copy()
    chosen["communities_served"] = per_site(None).astype(int)
    chosen["households_served"] = per_site(hh[served])
    chosen["shortfall_taken_m2"] = (
        per_site(demand["shortfall_m2"].to_numpy(dtype=float)[served]) if model == "hub" else np.nan
    )
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    chosen = gpd.GeoDataFrame(chosen, geometry="geometry", crs=sites.crs).to_crs(WGS84)

    assign = gpd.GeoDataFrame(
        {
            "community_id": demand["community_id"].astype(str).to_numpy()[served],
            "name": demand["name"].to_numpy()[served] if "name" in demand else None,
            "households": demand["households"].to_numpy()[served],
            "shortfall_m2": demand["shortfall_m2"].to_numpy()[served],
            "site_id": sites["site_id"].to_numpy()[assignment[served]],
            "site_name": sites["name"].to_numpy()[assignment[served]],
            "distance_m": np.round(dist, 1),
            "method": [
                _METHOD_CODES[k - 1] if k else None
                for k in np.asarray(methods[served, cols_served]).ravel()
            ]
            if len(served)
            else [],
        },
        geometry=demand_pts.values[served],
        crs=WGS84,
    )
    lines = gpd.GeoDataFrame(
        assign.drop(columns="geometry"),
        geometry=shapely.linestrings(
            np.stack(
                [
                    shapely.get_coordinates(demand_pts.values[served]),
                    shapely.get_coordinates(site_pts.values[assignment[served]]),
                ],
                axis=1,
            )
        )
        if len(served)
        else [],
        crs=WGS84,
    )
    rows = sorted(unserved_reason)
    unserved = pd.DataFrame(
        {
            "community_id": demand["community_id"].astype(str).to_numpy()[rows] if rows else [],
            "name": demand["name"].to_numpy()[rows]
            if rows and "name" in demand
            else [None] * len(rows),
            "households": demand["households"].to_numpy()[rows] if rows else [],
            "reason": [unserved_reason[r][0] for r in rows],
            "reason_zh": [unserved_reason[r][1] for r in rows],
            "reason_en": [unserved_reason[r][2] for r in rows],
        }
    )
    summary = {
        "model": model,
        "demand_communities": int(len(demand)),
        "candidate_sites": int(len(sites)),
        "chosen_sites": int(len(selected)),
        "served_communities": int(len(served)),
        "unserved_communities": int(len(rows)),
        "served_households": float(hh[served].sum()),
        "mean_distance_m": float(np.average(dist, weights=np.maximum(hh[served], 1e-9)))
        if len(served)
        else float("nan"),
        "method": _overall_method(assign["method"]),
    }
    return SiteSelection(model, parameters, chosen, assign, lines, unserved, summary)


def write_site_selection(selection: SiteSelection, out: str | Path) -> Path:
    """Write the result layers to a GeoPackage (replacing the file)."""
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise ProjectError(
            f"结果须写为 .gpkg 文件:{out} / results are written to a .gpkg file: {out}"
        )
    if out.exists():
        out.unlink()
    for name, frame in selection.layers().items():
        if isinstance(frame, gpd.GeoDataFrame):
            pyogrio.write_dataframe(frame, out, layer=name, driver="GPKG")
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), out, layer=name, driver="GPKG")
    return out


def save_site_selection(project: Project, selection: SiteSelection, name: str) -> None:
    """Save the run as scenario ``name`` of the project (parameters and result layers)."""
    if not name or not str(name).strip():
        raise ProjectError("方案名称不能为空 / the scenario needs a name")
    params = {**selection.parameters, "summary": selection.summary}
    project.save_scenario(
        str(name).strip(), f"site-select:{selection.model}", params, selection.layers()
    )


def compare_scenarios(project: Project) -> pd.DataFrame:
    """One row per saved site-selection scenario with its parameters and summary numbers."""
    import json

    table = project.scenarios()
    rows = []
    for row in table.itertuples(index=False):
        if not str(row.kind).startswith("site-select"):
            continue
        params = json.loads(row.parameters)
        summary = params.pop("summary", {})
        rows.append({"name": row.name, "created": row.created, **params, **summary})
    return pd.DataFrame(rows)
