"""Which verdicts the data can decide: facility data per district, and the ``undecided`` status.

A community is ``below`` only when the data says so. Its verdict is left ``undecided`` (待核实),
with the reasons in ``undecided_reason``, where:

* ``no_facility_data``: the facilities layer holds no facility data of the office for its
  district (only OpenStreetMap objects, or nothing), so the housing it has is not known. The
  area found is a lower bound: a community whose known area already meets every reading of its
  requirement is ``compliant``;
* ``households_missing``: Art. 12 sets 「以每百户不少于使用面积20平方米的标准配建」, which
  needs the household count of a new development (an old area needs none: Art. 11 and 13 set
  one minimum per district class);
* ``era_assumed``: the era is a default (OpenStreetMap) and the requirement differs between an
  old area (Art. 11) and a new development (Art. 12).

An undecided row keeps what it would be short under the assumptions in
``provisional_shortfall_m2``; its ``shortfall_m2`` is empty, so that no total of the decided
shortfall includes it. Facility data is present for a district when the facilities layer holds
at least one facility of the kinds the rules count (public housing, stations, street centres,
village stations, squares) that does not come from OpenStreetMap (``osm_id`` empty), or when the
district is declared in ``facility_inventory`` (the project parameter of that name).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.compliance.art8 import split_ids
from analysis.compliance.art20 import SECURITY_MESSAGES, security_codes
from analysis.compliance.checks import as_code, is_missing
from analysis.compliance.district_classes import normalize_name
from analysis.compliance.rules import TOL, _Rules, rule_applies
from layers.basis import community_basis

UNDECIDED = "undecided"
"""The status of a community whose data cannot decide its verdict."""

UNDECIDED_REASONS: dict[str, tuple[str, str]] = {
    "no_facility_data": (
        "所在区县没有设施(公益用房、服务站)数据,已有用房不明",
        "no facility data (public housing, stations) for its district: its housing is unknown",
    ),
    "households_missing": (
        "缺少户数:新建居住区按每百户20平方米配建(第十二条),无户数无法计算",
        "households missing: Art. 12 sets 20 m2 per 100 households of a new development",
    ),
    "era_assumed": (
        "建成年代为假定值,按老旧小区(第十一条)与新建居住区(第十二条)结论不同",
        "era assumed: the verdict differs between an old area (Art. 11) and a new "
        "development (Art. 12)",
    ),
}
"""zh/en text of each code of ``undecided_reason``."""

BASIS_COLUMNS: list[str] = [
    "households_basis",
    "households_method",
    "era_basis",
    "community_source",
    "facility_basis",
]
"""The basis columns the per-community table carries (:mod:`layers.basis`)."""


def _from_osm(facilities: pd.DataFrame) -> np.ndarray:
    if "osm_id" not in facilities.columns:
        return np.zeros(len(facilities), dtype=bool)
    return ~facilities["osm_id"].map(is_missing).to_numpy(bool)


def _declared(
    facility_inventory: Iterable[str] | str | None, dist: pd.DataFrame
) -> tuple[set[str], bool]:
    """District codes declared to have complete facility data; ``True`` for all ("*")."""
    if facility_inventory is None:
        return set(), False
    items = [facility_inventory] if isinstance(facility_inventory, str) else facility_inventory
    wanted = {str(v).strip() for v in items if not is_missing(v)}
    if "*" in wanted:
        return set(), True
    names = {normalize_name(v) for v in wanted}
    codes = set()
    for code, name in zip(dist["district_code"], dist["district"], strict=True):
        if code in wanted or (not is_missing(name) and normalize_name(str(name)) in names):
            codes.add(code)
    return codes, False


def facility_districts(
    facilities: pd.DataFrame,
    comm: pd.DataFrame,
    kinds: Sequence[str],
    dist: pd.DataFrame,
    facility_inventory: Iterable[str] | str | None = None,
) -> tuple[set[str], bool]:
    """Districts whose facility data of ``kinds`` is the office's (see the module).

    Parameters
    ----------
    facilities : DataFrame
        The facilities layer (``kind``, ``community_id``; ``osm_id`` and ``district_code``
        when present).
    comm : DataFrame
        ``community_id`` and ``district_code`` of every community.
    kinds : sequence of str
        Facility kinds that count as facility data.
    dist : DataFrame
        ``district_code`` and ``district`` (name) of the districts.
    facility_inventory : iterable of str or "*", optional
        District codes or names declared complete.

    Returns
    -------
    (set of str, bool)
        District codes with facility data, and whether every district has it.
    """
    declared, everywhere = _declared(facility_inventory, dist)
    if everywhere or "kind" not in facilities.columns:
        return declared, everywhere
    mine = facilities["kind"].astype(object).isin(list(kinds)).to_numpy() & ~_from_osm(facilities)
    district_of = dict(zip(comm["community_id"], comm["district_code"], strict=False))
    cids = (
        as_code(facilities["community_id"])
        if "community_id" in facilities.columns
        else pd.Series([None] * len(facilities))
    )
    own = (
        as_code(facilities["district_code"])
        if "district_code" in facilities.columns
        else pd.Series([None] * len(facilities))
    )
    codes = set(declared)
    for take, cid, code in zip(mine, cids, own, strict=True):
        if not take:
            continue
        ids = split_ids(cid)
        found = district_of.get(ids[0]) if ids else None
        if found is None:
            found = code
        if found is not None:
            codes.add(found)
    return codes, False


def _upper_requirement(comm: pd.DataFrame, rules: _Rules, known_households: np.ndarray):
    """The largest requirement over the readings of a row's era (inf where unknown)."""
    minimum = pd.to_numeric(comm["class_minimum_m2"], errors="coerce").to_numpy(float)
    base = np.where(np.isnan(minimum), 0.0, minimum)
    upper = pd.to_numeric(comm["required_m2"], errors="coerce").to_numpy(float).copy()
    rule = rules.per_household
    if rule is None:
        return upper
    rate = float(rule.param("area_per_100_households_m2"))
    applies = rule_applies(rule, comm["kind"])
    eras = set(rule.param("eras"))
    households = pd.to_numeric(comm["households"], errors="coerce").to_numpy(float)
    assumed = comm["era_basis"].eq("assumed").to_numpy()
    could_be = comm["era"].isin(eras).to_numpy() | (assumed & bool(eras))
    per = np.where(known_households, households * rate / 100.0, np.inf)
    candidate = np.maximum(base, per)
    take = applies & could_be & ~np.isnan(upper)
    upper[take] = np.maximum(upper[take], candidate[take])
    return upper


def decide(comm: pd.DataFrame, rules: _Rules, present: np.ndarray) -> pd.DataFrame:
    """Mark the rows the data cannot decide ``undecided`` (see the module).

    ``comm`` is the per-community table after the area rules and the payer, with the basis
    columns; ``present`` says per row whether its district has facility data.
    """
    comm = comm.copy()
    comm["facility_basis"] = np.where(present, "present", "absent").astype(object)
    status = comm["status"].astype(object).to_numpy()
    assessed = np.isin(status, ["compliant", "below"])
    known_households = (comm["households_basis"] != "missing").to_numpy() & comm[
        "households"
    ].notna().to_numpy()
    required = pd.to_numeric(comm["required_m2"], errors="coerce").to_numpy(float)
    provided = pd.to_numeric(comm["provided_m2"], errors="coerce").to_numpy(float)
    upper = _upper_requirement(comm, rules, known_households)
    certain = upper <= required + TOL
    sure_ok = provided >= upper - TOL
    sure_below = present & certain & (provided < required - TOL)
    open_ = assessed & ~sure_ok & ~sure_below

    per_household_new = (
        rule_applies(rules.per_household, comm["kind"])
        & comm["era"].isin(rules.per_household.param("eras")).to_numpy()
        if rules.per_household is not None
        else np.zeros(len(comm), dtype=bool)
    )
    assumed = comm["era_basis"].eq("assumed").to_numpy()
    reasons = []
    for k in range(len(comm)):
        if not open_[k]:
            reasons.append("")
            continue
        codes = []
        if not present[k]:
            codes.append("no_facility_data")
        if not known_households[k] and (per_household_new[k] or assumed[k]) and not certain[k]:
            codes.append("households_missing")
        if assumed[k] and not certain[k]:
            codes.append("era_assumed")
        reasons.append(",".join(codes))
    comm["undecided_reason"] = np.asarray(reasons, dtype=object)
    shortfall = pd.to_numeric(comm["shortfall_m2"], errors="coerce").to_numpy(float)
    comm["provisional_shortfall_m2"] = np.where(open_, shortfall, np.nan)
    comm["shortfall_m2"] = np.where(open_, np.nan, shortfall)
    comm.loc[open_, "status"] = UNDECIDED
    compliant = comm["compliant"].astype(object).to_numpy().copy()
    compliant[open_] = pd.NA
    comm["compliant"] = pd.array(compliant.tolist(), dtype="boolean")
    if "funding" in comm.columns:
        comm.loc[open_, "funding"] = ""
    for col in ("developer_gap_m2", "remainder_gap_m2"):  # Art. 12 split of an open gap
        if col in comm.columns:
            comm[col] = np.where(open_, np.nan, pd.to_numeric(comm[col], errors="coerce"))
    if "remainder_funding" in comm.columns:
        comm.loc[open_, "remainder_funding"] = ""
    if "acceptance_blocked" in comm.columns:
        blocked = comm["acceptance_blocked"].astype(object).to_numpy().copy()
        blocked[open_] = pd.NA
        comm["acceptance_blocked"] = pd.array(blocked.tolist(), dtype="boolean")
    return comm


def mask_unknown_stations(comm: pd.DataFrame, present: np.ndarray) -> pd.DataFrame:
    """Art. 8 without facility data: a community with no station found is not known to lack one.

    ``has_station``, ``one_station_ok`` become NA and no room is listed missing there.
    """
    comm = comm.copy()
    if "n_stations" not in comm.columns:
        return comm
    unknown = ~present & (pd.to_numeric(comm["n_stations"], errors="coerce").fillna(0) == 0)
    unknown = unknown.to_numpy(bool)
    if "has_station" in comm.columns:
        values = comm["has_station"].astype(object).to_numpy().copy()
        values[unknown] = pd.NA
        comm["has_station"] = pd.array(values.tolist(), dtype="boolean")
    if "missing_rooms" in comm.columns:
        comm.loc[unknown, "missing_rooms"] = ""
        comm.loc[unknown, "n_missing_rooms"] = 0
    if "one_station_ok" in comm.columns:
        values = comm["one_station_ok"].astype(object).to_numpy().copy()
        values[unknown] = pd.NA
        comm["one_station_ok"] = pd.array(values.tolist(), dtype="boolean")
    return comm


def mask_unknown_security(security: pd.DataFrame, unknown_ids: set[str]) -> pd.DataFrame:
    """Art. 18/20 rooms (rental station, police room, property station) are not found missing
    where the facility data is absent; closed management (a field of the communities) stays."""
    if security.empty or not unknown_ids:
        return security
    out = security.copy()
    hit = out["community_id"].isin(unknown_ids).to_numpy()
    for col in ("rental_ok", "police_ok", "property_ok"):
        if col in out.columns:
            values = out[col].astype(object).to_numpy().copy()
            values[hit] = pd.NA
            out[col] = pd.array(values.tolist(), dtype="boolean")
    codes = [security_codes(r) for r in out.itertuples(index=False)]
    out["message_zh"] = [";".join(SECURITY_MESSAGES[c][0] for c in cs) for cs in codes]
    out["message_en"] = ["; ".join(SECURITY_MESSAGES[c][1] for c in cs) for cs in codes]
    applies = out["closed_expected"].astype(bool)
    for col in ("rental_ok", "police_ok", "property_ok"):
        if col in out.columns:
            applies |= out[col].notna()
    return out[applies.to_numpy()].reset_index(drop=True)


def with_basis(comm: pd.DataFrame, communities: pd.DataFrame) -> pd.DataFrame:
    """The basis columns of :func:`layers.basis.community_basis` added to ``comm`` (same rows)."""
    basis = community_basis(communities.reset_index(drop=True))
    comm = comm.copy()
    for col in basis.columns:
        comm[col] = basis[col].to_numpy()
    return comm


def undecided_text(codes: object, lang: str = "zh") -> str:
    """The reasons of an ``undecided_reason`` cell in words (``;``-joined)."""
    if is_missing(codes):
        return ""
    idx = 0 if lang == "zh" else 1
    parts = [UNDECIDED_REASONS.get(c, (c, c))[idx] for c in str(codes).split(",") if c]
    return (";" if lang == "zh" else "; ").join(parts)
