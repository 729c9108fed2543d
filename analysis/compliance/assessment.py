"""The compliance analysis: every community, station, street centre and village at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from analysis.compliance.art8 import explode_shared, one_station_check, station_rooms
from analysis.compliance.art11_13 import (
    area_requirements,
    central_credits,
    funding_codes,
    street_centres,
)
from analysis.compliance.art12 import misused_housing, misused_mask
from analysis.compliance.art20 import security_check
from analysis.compliance.art33 import failed_terms, two_failed_column
from analysis.compliance.art35 import village_start
from analysis.compliance.art36 import rural_into_communities, rural_villages, started_status
from analysis.compliance.basis import (
    decide,
    facility_districts,
    mask_unknown_security,
    mask_unknown_stations,
    with_basis,
)
from analysis.compliance.checks import ComplianceInputError, as_code
from analysis.compliance.district_classes import district_class_notes, resolve_district_classes
from analysis.compliance.inputs import validate_inputs
from analysis.compliance.labels import COMMUNITY_COLUMNS
from analysis.compliance.result import ComplianceResult
from analysis.compliance.rules import _Rules, as_standard, rule_strictness
from analysis.compliance.tables import summarize
from analysis.standards import StandardSet
from layers.schema import facility_status_code


def _streets_table(streets: pd.DataFrame | None) -> pd.DataFrame:
    if streets is None or "street_code" not in streets.columns:
        return pd.DataFrame(columns=["street_code", "street", "street_district_code"])
    return pd.DataFrame(
        {
            "street_code": as_code(streets["street_code"]).to_numpy(),
            "street": streets["name"].astype(object).to_numpy()
            if "name" in streets.columns
            else None,
            "street_district_code": as_code(streets["district_code"]).to_numpy()
            if "district_code" in streets.columns
            else None,
        }
    ).drop_duplicates("street_code")


def _mark_rural(rural: pd.DataFrame, comm: pd.DataFrame) -> pd.DataFrame:
    """``decided`` per village: False where its main-table verdict is undecided."""
    rural = rural.copy()
    undecided = set(comm.loc[comm["status"] == "undecided", "community_id"])
    rural["decided"] = ~rural["community_id"].isin(undecided).to_numpy(bool)
    return rural


def _mark_centres(centres: pd.DataFrame, have: set[str], everywhere: bool) -> pd.DataFrame:
    """``decided`` per street-centre row: a street without a centre in a district without the
    office's facility data is ``undecided`` (not known to have none)."""
    centres = centres.copy()
    absent = (centres["status"] == "no_centre").to_numpy() & ~(
        everywhere | centres["district_code"].isin(have).to_numpy()
    )
    centres["decided"] = ~absent
    centres.loc[absent, "status"] = "undecided"
    return centres


def check_compliance(
    communities: pd.DataFrame,
    facilities: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    streets: pd.DataFrame | None = None,
    standard: StandardSet | str | None = None,
    district_classes: Mapping[str, str] | None = None,
    ratings: pd.DataFrame | None = None,
    facility_inventory: Iterable[str] | str | None = None,
) -> ComplianceResult:
    """Assess every community, station, street centre and village against a standard set.

    Parameters
    ----------
    communities, facilities, districts : DataFrame or GeoDataFrame
        The layers of DESIGN.md (geometry is not needed except to place street centres that
        have no ``community_id`` in a street polygon).
    streets : DataFrame or GeoDataFrame, optional
        Adds street names, lists streets without a centre (Art. 11) and places centres.
    standard : StandardSet or str, optional
        Standard set or its name (default ``harbin-2011``).
    district_classes : dict, optional
        ``{district name or code: class}`` overrides (project setting; 双城). The class of
        Harbin's divisions otherwise comes from the measures, not from the layer.
    ratings : DataFrame, optional
        The ``ratings`` table (Art. 33): adds ``two_failed_terms`` and ``failed_terms``
        (every community of the layer is assessed; a held term without a record is failed).
    facility_inventory : iterable of str or "*", optional
        Districts (codes or names; "*" for all) whose facility data is declared complete even
        where the facilities layer holds none of the office's facilities there
        (:mod:`analysis.compliance.basis`).

    Rows the data cannot decide get the status ``undecided`` with ``undecided_reason``
    (:mod:`analysis.compliance.basis`); every row carries the basis of its numbers
    (:data:`~analysis.compliance.basis.BASIS_COLUMNS`).

    Returns
    -------
    ComplianceResult

    Raises
    ------
    ComplianceInputError
        If any row cannot be used (see :func:`validate_inputs`).
    """
    std = as_standard(standard)
    rules = _Rules.of(std)
    problems = validate_inputs(
        communities, facilities, districts, standard=std, district_classes=district_classes
    )
    if len(problems):
        raise ComplianceInputError(problems)

    dist, _ = resolve_district_classes(districts, district_classes)
    street_table = _streets_table(streets)

    comm = pd.DataFrame(
        {
            "community_id": as_code(communities["community_id"]).to_numpy(),
            "name": communities["name"].astype(object).to_numpy(),
            "district_code": as_code(communities["district_code"]).to_numpy(),
            "street_code": as_code(communities["street_code"]).to_numpy(),
            "kind": communities["kind"].astype(object).to_numpy(),
            "era": communities["era"].astype(object).to_numpy(),
            "households": pd.to_numeric(communities["households"])
            .astype("Float64")
            .to_numpy(dtype=float, na_value=np.nan)
            if "households" in communities.columns
            else np.nan,
        }
    )
    comm = comm.merge(dist[["district_code", "district", "district_class"]], how="left")
    comm = comm.merge(street_table[["street_code", "street"]], how="left", on="street_code")

    fac = pd.DataFrame(
        {
            "facility_id": as_code(facilities["facility_id"]).to_numpy(),
            "facility_name": facilities["name"].astype(object).to_numpy()
            if "name" in facilities.columns
            else None,
            "kind": facilities["kind"].astype(object).to_numpy(),
            "usable_area_m2": pd.to_numeric(facilities["usable_area_m2"], errors="coerce")
            .astype("Float64")
            .to_numpy(dtype=float, na_value=np.nan),
            "community_id": as_code(facilities["community_id"]).to_numpy(),
            "rooms": facilities["rooms"].astype(object).to_numpy()
            if "rooms" in facilities.columns
            else None,
            "status": facilities["status"].map(facility_status_code).astype(object).to_numpy()
            if "status" in facilities.columns
            else None,
        },
    ).reset_index(drop=True)
    fac["misused"] = misused_mask(fac, rules.misuse)

    shared = explode_shared(fac, rules.shared_kinds())
    counted = shared[~shared["misused"].to_numpy(bool)]  # Art. 12 para. 4
    central = central_credits(comm, counted, rules)
    comm = area_requirements(comm, counted, rules, central)
    comm, stations = station_rooms(comm, shared, rules)
    one = one_station_check(comm, shared, rules.one_station)
    for col in ("n_stations", "shared_station_ids", "one_station_ok"):
        comm[col] = one[col].to_numpy()
    started = (
        started_status(communities, rules.rural)
        if rules.rural is not None
        else np.full(len(comm), None, dtype=object)
    )
    rural = rural_villages(comm, shared, rules, started)
    comm = rural_into_communities(comm, rural, rules, started)
    comm = funding_codes(comm, rules)
    comm = with_basis(comm, communities)
    have, everywhere = facility_districts(
        facilities, comm, rules.area_kinds(), dist, facility_inventory
    )
    present = everywhere | comm["district_code"].isin(have).to_numpy()
    comm = decide(comm, rules, present)
    comm = mask_unknown_stations(comm, present)
    rural = _mark_rural(rural, comm)
    comm["strictness"] = rule_strictness(comm["rule_id"], std)
    terms = failed_terms(ratings, std, communities) if ratings is not None else None
    comm["two_failed_terms"] = two_failed_column(comm["community_id"], terms)
    comm["households"] = comm["households"].round().astype("Int64")
    security = security_check(
        comm,
        communities,
        shared,
        rules.rental,
        rules.closed,
        police_rule=rules.police,
        property_rule=rules.property_station,
    )
    unknown = set(comm.loc[~present & (comm["n_stations"] == 0), "community_id"])
    security = mask_unknown_security(security, unknown)
    starts = village_start(communities, comm, std.first("village_start"))
    misused = misused_housing(fac, comm, rules.misuse)
    comm = comm[COMMUNITY_COLUMNS]
    centres = street_centres(facilities, fac, comm, streets, street_table, dist, rules)
    centres = _mark_centres(centres, have, everywhere)
    for table in (stations, centres, rural, central, misused, starts):
        table["strictness"] = rule_strictness(table["rule_id"], std) if len(table) else []
    return ComplianceResult(
        standard=std,
        communities=comm,
        stations=stations,
        street_centres=centres,
        rural=rural,
        by_street=summarize(comm, "street", street_centres=centres, rural=rural),
        by_district=summarize(comm, "district", street_centres=centres, rural=rural),
        security=security,
        failed_terms=terms if terms is not None else pd.DataFrame(),
        district_notes=district_class_notes(dist),
        central_stations=central,
        misused_housing=misused,
        village_start=starts,
    )
