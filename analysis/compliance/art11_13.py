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
from analysis.standards import Rule

CENTRAL_COLUMNS: list[str] = [
    "facility_id",
    "name",
    "community_id",
    "community",
    "district",
    "district_code",
    "street_code",
    "n_served",
    "share_m2",
    "credited",
    "rule_id",
    "article",
]
"""Columns of :func:`central_credits`: one row per central station and community it lists."""


def central_credits(comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
    """Art. 13 para. 4: the share of each central station credited to each community it serves.

    ``fac`` is the facility table after :func:`~analysis.compliance.art8.explode_shared` (one
    row per station and listed community, its area split evenly: ``share_m2``). A share is
    ``credited`` when the community is one the rule applies to (old urban communities).
    """
    kinds = rules.central_kinds()
    st = fac[fac["kind"].isin(kinds)] if kinds else fac.iloc[0:0]
    out = pd.DataFrame(
        {
            "facility_id": st["facility_id"].to_numpy(),
            "name": st["facility_name"].to_numpy(),
            "community_id": st["community_id"].to_numpy(),
            "n_served": st["n_committees"].to_numpy(int),
            "share_m2": st["usable_area_m2"].astype(float).round(2).to_numpy(),
        }
    )
    rule = rules.central
    eligible = comm["community_id"][
        rule_applies(rule, comm["kind"]) & comm["era"].isin(rule.param("eras")).to_numpy()
        if rule is not None
        else np.zeros(len(comm), dtype=bool)
    ]
    out["credited"] = out["community_id"].isin(set(eligible)).to_numpy(bool)
    info = comm.set_index("community_id")[["name", "district", "district_code", "street_code"]]
    out = out.join(info.rename(columns={"name": "community"}), on="community_id")
    out["rule_id"] = rule.id if rule is not None else ""
    out["article"] = rule.article if rule is not None else ""
    return out[CENTRAL_COLUMNS].reset_index(drop=True)


def area_requirements(
    comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules, central: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Art. 11 class minimum, Art. 12 per-household requirement, provided area, shortfall.

    The provided area is the housing of the community (the rules' ``provided_kinds``) plus the
    credited shares of Art. 13 central stations (``central``, :func:`central_credits`), also
    given on their own in ``central_station_m2``.
    """
    comm = comm.copy()
    central_kinds = rules.central_kinds()
    provided_kinds = [k for k in rules.provided_kinds() if k not in central_kinds]
    mine = fac[fac["kind"].isin(provided_kinds)][["community_id", "usable_area_m2"]]
    if central is not None and len(central):
        shares = central[central["credited"]].rename(columns={"share_m2": "usable_area_m2"})
        mine = pd.concat([mine, shares[["community_id", "usable_area_m2"]]], ignore_index=True)
        credit = shares.groupby("community_id")["usable_area_m2"].sum()
    else:
        credit = pd.Series(dtype=float)
    provided = mine.groupby("community_id")["usable_area_m2"].sum()
    counts = mine.groupby("community_id").size()
    comm["provided_m2"] = comm["community_id"].map(provided).fillna(0.0).astype(float)
    comm["n_facilities"] = comm["community_id"].map(counts).fillna(0).astype(int)
    comm["central_station_m2"] = (
        comm["community_id"].map(credit).fillna(0.0).astype(float).round(2).to_numpy()
    )

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


def _developer_split(comm: pd.DataFrame, rule: Rule, new: np.ndarray) -> pd.DataFrame:
    """Art. 12: the developer owes the per-household area only; the rest of a new
    development's shortfall goes to the rule's ``remainder_funding``."""
    required = comm["required_m2"].to_numpy(float)
    provided = comm["provided_m2"].to_numpy(float)
    shortfall = np.nan_to_num(comm["shortfall_m2"].to_numpy(float))
    owed = np.fmin(comm["per_household_m2"].to_numpy(float), required)
    developer = np.where(new, np.maximum(owed - provided, 0.0), np.nan)
    developer = np.where(new & np.isnan(developer), shortfall, developer)
    remainder = np.where(new, np.maximum(shortfall - np.nan_to_num(developer), 0.0), np.nan)
    comm["developer_gap_m2"] = np.round(developer, 2)
    comm["remainder_gap_m2"] = np.round(remainder, 2)
    other = str(rule.params.get("remainder_funding", "not_named"))
    comm["remainder_funding"] = np.where(new & (remainder > TOL), other, "").astype(object)
    return comm


def funding_codes(comm: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
    """Who closes a shortfall: the developer (Art. 12), the district/city (Art. 13), a village.

    The developer of a new development owes 20 m2 per 100 households (Art. 12 para. 1), no
    more: ``developer_gap_m2`` is its part of the shortfall, ``remainder_gap_m2`` the part of
    the Art. 11 minimum beyond it, with the payer ``remainder_funding`` (``not_named``: the
    measures name none). ``funding`` is the payer of the first part (``developer``, or the
    remainder's payer when the developer has built its share). Art. 13 funds old urban areas
    only; a village below Art. 36 is ``village`` (the measures name no payer).
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
    new = np.zeros(len(comm), dtype=bool)
    if rules.per_household is not None:
        new = (
            comm["era"].isin(rules.per_household.param("eras")).to_numpy()
            & rule_applies(rules.per_household, comm["kind"])
            & ~rural
        )
        comm = _developer_split(comm, rules.per_household, new)
        by_developer = comm["developer_gap_m2"].to_numpy(float) > TOL
        funding[below & new & by_developer] = "developer"
        rest = below & new & ~by_developer
        funding[rest] = comm["remainder_funding"].to_numpy(object)[rest]
    else:
        comm["developer_gap_m2"] = np.nan
        comm["remainder_gap_m2"] = np.nan
        comm["remainder_funding"] = ""
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
    comm["acceptance_blocked"] = _acceptance(comm, rules)
    return comm


def _acceptance(comm: pd.DataFrame, rules: _Rules) -> pd.array:
    """Art. 12 para. 3: a new development whose developer has not built its part may not be
    accepted on completion (True); False for other new developments; NA elsewhere."""
    rule = rules.acceptance
    if rule is None:
        return pd.array([pd.NA] * len(comm), dtype="boolean")
    applies = rule_applies(rule, comm["kind"]) & comm["era"].isin(rule.param("eras")).to_numpy()
    gap = np.nan_to_num(comm["developer_gap_m2"].to_numpy(float)) > TOL
    return pd.array(
        [bool(g) if a else pd.NA for g, a in zip(gap, applies, strict=True)], dtype="boolean"
    )


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
