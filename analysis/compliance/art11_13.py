"""Arts. 11-13: public housing area per community, street centres, and who pays for a gap.

For every community the required usable area is the larger of the Art. 11 minimum for the class
of its district and, for new developments, the Art. 12 per-household rule; street centres are
checked against the Art. 11 minimum; Arts. 12-13 say who closes a shortfall.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.compliance.checks import as_code
from analysis.compliance.labels import GAP_KIND_OF_FUNDING
from analysis.compliance.rules import TOL, _Rules, rule_applies


def area_requirements(comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
    """Art. 11 class minimum, Art. 12 per-household requirement, provided area, shortfall."""
    comm = comm.copy()
    provided_kinds = rules.provided_kinds()
    mine = fac[fac["kind"].isin(provided_kinds)]
    provided = mine.groupby("community_id")["usable_area_m2"].sum()
    counts = mine.groupby("community_id").size()
    comm["provided_m2"] = comm["community_id"].map(provided).fillna(0.0).astype(float)
    comm["n_facilities"] = comm["community_id"].map(counts).fillna(0).astype(int)

    minimum = np.full(len(comm), np.nan)
    if rules.minimum is not None:
        table = rules.minimum.param("min_area_m2")
        applies = rule_applies(rules.minimum, comm["kind"])
        minimum = np.where(
            applies, comm["district_class"].map(lambda c: float(table[c])).to_numpy(), np.nan
        )
    per_household = np.full(len(comm), np.nan)
    if rules.per_household is not None:
        rate = float(rules.per_household.param("area_per_100_households_m2"))
        applies = (
            rule_applies(rules.per_household, comm["kind"])
            & comm["era"].isin(rules.per_household.param("eras")).to_numpy()
        )
        per_household = np.where(applies, comm["households"].to_numpy(float) * rate / 100.0, np.nan)

    use_household = ~np.isnan(per_household) & (np.isnan(minimum) | (per_household > minimum + TOL))
    required = np.where(use_household, per_household, minimum)
    assessed = ~np.isnan(required)
    rule_ids = np.where(
        use_household,
        rules.per_household.id if rules.per_household else "",
        np.where(assessed, rules.minimum.id if rules.minimum else "", ""),
    )
    articles = np.where(
        use_household,
        rules.per_household.article if rules.per_household else "",
        np.where(assessed, rules.minimum.article if rules.minimum else "", ""),
    )
    comm["class_minimum_m2"] = minimum
    comm["per_household_m2"] = np.round(per_household, 2)
    comm["required_m2"] = np.round(required, 2)
    shortfall = np.where(
        assessed, np.maximum(required - comm["provided_m2"].to_numpy(), 0.0), np.nan
    )
    comm["shortfall_m2"] = np.round(shortfall, 2)
    comm["provided_m2"] = comm["provided_m2"].round(2)
    comm["rule_id"] = rule_ids
    comm["article"] = articles
    below = assessed & (shortfall > TOL)
    comm["status"] = np.where(assessed, np.where(below, "below", "compliant"), "not_applicable")
    comm["compliant"] = pd.array(
        [(not b) if a else pd.NA for a, b in zip(assessed, below, strict=True)], dtype="boolean"
    )
    return comm


def funding_codes(comm: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
    """Who closes a shortfall: the developer (Art. 12), the district/city (Art. 13), a village.

    A new development's gap is the developer's (Art. 12 para. 1) whichever of the Art. 11
    minimum and the per-household area is the larger requirement; Art. 13 funds old urban
    areas only; a village below Art. 36 is ``village`` (the measures name no payer).
    """
    comm = comm.copy()
    funding = np.full(len(comm), "", dtype=object)
    below = (comm["status"] == "below").to_numpy()
    rural = (
        (comm["rule_id"] == rules.rural.id).to_numpy()
        if rules.rural is not None
        else np.zeros(len(comm), dtype=bool)
    )
    funding[below & rural] = "village"
    if rules.per_household is not None:
        new = (
            comm["era"].isin(rules.per_household.param("eras")).to_numpy()
            & rule_applies(rules.per_household, comm["kind"])
            & ~rural
        )
        funding[below & new] = "developer"
    if rules.funding is not None:
        old = (
            below
            & (funding == "")
            & rule_applies(rules.funding, comm["kind"])
            & comm["era"].isin(rules.funding.param("eras")).to_numpy()
        )
        cls = comm["district_class"]
        funding[old & cls.isin(rules.funding.param("city_supported_classes")).to_numpy()] = (
            "district_city_support"
        )
        funding[old & cls.isin(rules.funding.param("own_funds_classes")).to_numpy()] = "own_funds"
    comm["funding"] = funding
    return comm


def gap_kinds(table: pd.DataFrame) -> pd.Series:
    """Gap kind of each community below standard (``area_new``, ``area_old``, ``area_rural``).

    From the ``funding`` column (:data:`GAP_KIND_OF_FUNDING`), so that the payer column and a
    report's department table always agree; a row without a funding code (a standard set
    without the Art. 13 rule) falls back on ``kind`` and ``era``. "" where not below.
    """
    below = table["status"].eq("below").to_numpy()
    funding = table["funding"] if "funding" in table else pd.Series("", index=table.index)
    kind = funding.map(GAP_KIND_OF_FUNDING).fillna("").to_numpy(dtype=object)
    kinds = table["kind"] if "kind" in table else pd.Series("urban", index=table.index)
    fallback = np.where(
        kinds.eq("rural").to_numpy(),
        "area_rural",
        np.where(table["era"].eq("new").to_numpy(), "area_new", "area_old"),
    )
    kind = np.where(kind == "", fallback, kind)
    return pd.Series(np.where(below, kind, ""), index=table.index, dtype=object)


def street_centres(
    facilities: pd.DataFrame,
    fac: pd.DataFrame,
    comm: pd.DataFrame,
    streets: pd.DataFrame | None,
    street_table: pd.DataFrame,
    dist: pd.DataFrame,
    rules: _Rules,
) -> pd.DataFrame:
    """Art. 11: every street centre against 1000 m2; streets without any centre are listed."""
    columns = [
        "street_code",
        "street",
        "district_code",
        "district",
        "facility_id",
        "name",
        "provided_m2",
        "required_m2",
        "shortfall_m2",
        "compliant",
        "status",
        "rule_id",
        "article",
    ]
    rule = rules.street_centre
    if rule is None:
        return pd.DataFrame(columns=columns)
    minimum = float(rule.param("min_area_m2"))
    is_centre = fac["kind"].isin(rule.param("facility_kinds")).to_numpy()
    centres = fac[is_centre].copy()
    street_of_comm = comm.set_index("community_id")["street_code"]
    centres["street_code"] = centres["community_id"].map(street_of_comm)
    unplaced = centres["street_code"].isna().to_numpy()
    if (
        unplaced.any()
        and isinstance(facilities, gpd.GeoDataFrame)
        and isinstance(streets, gpd.GeoDataFrame)
        and "street_code" in streets.columns
    ):
        pts = facilities[is_centre].iloc[np.flatnonzero(unplaced)]
        pts = gpd.GeoDataFrame(
            {"pos": np.flatnonzero(unplaced)},
            geometry=pts.geometry.representative_point().to_numpy(),
            crs=facilities.crs,
        )
        polys = streets[["street_code", streets.geometry.name]].copy()
        if polys.crs is not None and pts.crs is not None and not polys.crs.equals(pts.crs):
            polys = polys.to_crs(pts.crs)
        joined = gpd.sjoin(pts, polys, how="left", predicate="within")
        joined = joined.drop_duplicates("pos")
        codes = as_code(joined["street_code"]).to_numpy()
        col = centres.columns.get_loc("street_code")
        for pos, code in zip(joined["pos"], codes, strict=True):
            centres.iat[int(pos), col] = code
    centres = centres.merge(street_table, how="left", on="street_code")
    if "street_district_code" in centres.columns:
        centres["district_code"] = centres["street_district_code"]
    centres = centres.merge(dist[["district_code", "district"]], how="left", on="district_code")
    centres = centres.rename(columns={"facility_name": "name", "usable_area_m2": "provided_m2"})
    centres["status"] = "present"
    if not street_table.empty:
        without = street_table[~street_table["street_code"].isin(centres["street_code"])].copy()
        without = without.rename(columns={"street_district_code": "district_code"})
        without = without.merge(dist[["district_code", "district"]], how="left", on="district_code")
        without["facility_id"] = None
        without["name"] = None
        without["provided_m2"] = 0.0
        without["status"] = "no_centre"
        centres = pd.concat([centres, without], ignore_index=True)
    centres["provided_m2"] = centres["provided_m2"].astype(float).round(2)
    centres["required_m2"] = minimum
    centres["shortfall_m2"] = np.maximum(minimum - centres["provided_m2"], 0.0).round(2)
    centres["compliant"] = centres["provided_m2"] >= minimum - TOL
    centres["rule_id"] = rule.id
    centres["article"] = rule.article
    for col in columns:
        if col not in centres.columns:
            centres[col] = None
    return centres[columns].reset_index(drop=True)
