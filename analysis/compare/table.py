"""The district metrics table (one row per metric, one column per district) and its ranks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.compare._per_input import (
    _boiler_metrics,
    _codes,
    _compliance_metrics,
    _coverage_metrics_of,
    _heating_metrics,
    _size_metrics,
    _star_metrics,
    _surveillance_metrics,
)
from analysis.compare.definitions import (
    COVERAGE_DISTANCES_M,
    METRIC_IDS,
    METRICS,
    definitions_for,
)
from analysis.compliance import as_code


@dataclass(frozen=True)
class BudgetTables:
    """Money and property inputs of :func:`district_metrics`, each optional.

    Attributes
    ----------
    boiler_rooms : DataFrame, optional
        ``district_code, idle, usable_area_m2`` (the caller places each room in a district).
    stars : DataFrame, optional
        ``StarRewards.by_community`` (``district_code, star_rating, reward_yuan, payer``).
    heating : DataFrame, optional
        ``HeatingCosts.by_district``.
    """

    boiler_rooms: pd.DataFrame | None = None
    stars: pd.DataFrame | None = None
    heating: pd.DataFrame | None = None


def _district_columns(districts: pd.DataFrame | Mapping[str, str]) -> tuple[list[str], list[str]]:
    if isinstance(districts, Mapping):
        codes = [str(c) for c in districts]
        names = [str(districts[c]) for c in districts]
        return codes, names
    codes = [str(c) for c in as_code(districts["district_code"])]
    names = [str(n) for n in districts["name"]] if "name" in districts.columns else list(codes)
    return codes, names


def district_metrics(
    districts: pd.DataFrame | Mapping[str, str],
    *,
    communities: pd.DataFrame | None = None,
    compliance: pd.DataFrame | None = None,
    rooms_per_station: int = 8,
    coverage: pd.DataFrame | None = None,
    coverage_distances: Sequence[float] = COVERAGE_DISTANCES_M,
    budgets: BudgetTables = BudgetTables(),
    surveillance: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The metrics of :data:`METRICS` for each district: rows = metric ids, columns = names.

    Parameters
    ----------
    districts : DataFrame or dict
        The districts to compare, in column order: ``district_code, name`` rows or
        ``{code: name}``. Columns are named by ``name``.
    communities : DataFrame, optional
        ``district_code, households, population`` (the communities layer): sizes.
    compliance : DataFrame, optional
        ``ComplianceResult.communities`` (``district_code, status, shortfall_m2, provided_m2,
        households, has_station, n_missing_rooms``): Art. 8, 11, 12 metrics. Without
        ``communities`` it also gives the counts and households.
    rooms_per_station : int
        Length of the Art. 8 room checklist of the standard set.
    coverage : DataFrame, optional
        Per community ``district_code, households, nearest_m`` (walking metres to the nearest
        service station, NaN beyond the search distance), e.g. from
        ``analysis.coverage.community_coverage`` at the largest distance.
    coverage_distances : sequence of float
        Distances of the ``covered_*`` metrics (default 300, 500, 1000 m).
    budgets : BudgetTables, optional
        Idle boiler rooms (Art. 13), star rewards (Art. 33) and heating costs (Art. 32).
    surveillance : DataFrame, optional
        ``SurveillanceResult.by_community`` (with ``district_code`` and ``management``).

    Returns
    -------
    DataFrame
        Float values, index :data:`METRIC_IDS` (named ``metric``), one column per district; a
        metric whose input is missing (or empty for a district) is NaN. Counts of a district
        with an input but no rows (no boiler rooms) are 0.
    """
    codes, names = _district_columns(districts)
    boiler_rooms, stars, heating = budgets.boiler_rooms, budgets.stars, budgets.heating
    values: dict[str, pd.Series] = {}
    if compliance is not None and "status" in compliance.columns:
        comp = _compliance_metrics(compliance, rooms_per_station)
        households = comp.pop("_households")
        values.update(comp)
        if communities is None:
            values["communities"] = (
                compliance.assign(_c=_codes(compliance)).groupby("_c").size().astype(float)
            )
            values["households"] = households
    if communities is not None and "district_code" in communities.columns:
        values.update(_size_metrics(communities))
    if coverage is not None and "nearest_m" in coverage.columns:
        values.update(_coverage_metrics_of(coverage, coverage_distances))
    counted = set()
    if boiler_rooms is not None and "district_code" in boiler_rooms.columns:
        values.update(_boiler_metrics(boiler_rooms))
        counted |= {"idle_boiler_rooms", "idle_boiler_area_m2"}
    if stars is not None and "star_rating" in stars.columns:
        values.update(_star_metrics(stars))
    if heating is not None and "heated_m2" in heating.columns:
        values.update(_heating_metrics(heating))
    if surveillance is not None and "cameras_total" in surveillance.columns:
        values.update(_surveillance_metrics(surveillance))

    ids = [m.id for m in METRICS if not m.id.startswith("covered_")]
    cov_ids = [
        f"{p}_{int(d)}m"
        for d in coverage_distances
        for p in ("covered_households", "covered_share")
    ]
    first_cov = METRIC_IDS.index("covered_households_300m")
    ids = ids[:first_cov] + cov_ids + ids[first_cov:]
    table = pd.DataFrame(np.nan, index=pd.Index(ids, name="metric"), columns=names, dtype=float)
    for mid in ids:
        series = values.get(mid)
        if series is None:
            continue
        series = series.copy()
        series.index = series.index.astype(str)
        row = series.reindex(codes).astype(float).to_numpy()
        if mid in counted:
            row = np.nan_to_num(row, nan=0.0)
        table.loc[mid] = row
    return table


def rank_metrics(table: pd.DataFrame, definitions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank of each district per metric (1 = best; ties share the best rank).

    ``higher_is_better`` of :data:`METRICS` (or of ``definitions``, indexed by id) sets the
    direction; metrics where it is ``None`` (sizes, budgets) and NaN values get no rank (NA).
    Returns nullable integers, same shape as ``table``.
    """
    defs = definitions_for(list(table.index)) if definitions is None else definitions
    out = np.full(table.shape, np.nan)
    for i, mid in enumerate(table.index):
        better = defs["higher_is_better"].get(mid) if mid in defs.index else None
        if better is None or pd.isna(better):
            continue
        row = table.loc[mid].astype(float)
        out[i] = row.rank(method="min", ascending=not bool(better), na_option="keep").to_numpy()
    ranks = pd.DataFrame(
        {col: pd.array(out[:, j], dtype="Float64") for j, col in enumerate(table.columns)},
        index=table.index,
    )
    return ranks.astype("Int64")
