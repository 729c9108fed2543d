"""Compliance of every community with the area and room standards (Art. 8, 11, 12, 13, 36).

For every community the required usable area is the larger of the Art. 11 minimum for the class
of its district (300 m2 core, 200 m2 呼兰/阿城/counties) and, for new developments, the Art. 12
per-household rule (20 m2 per 100 households); the provided area is the sum of its
``public_housing`` and ``community_station`` facilities. Stations are checked against the Art. 8
room checklist, street centres against the Art. 11 1000 m2 and rural villages against Art. 36
(station 300 m2, square 1000 m2). All numbers come from a :class:`~analysis.standards.StandardSet`.

Inputs are validated row by row first: a missing, negative or non-numeric area or household count
raises :class:`ComplianceInputError` listing every bad row; nothing is silently treated as zero.

Examples
--------
>>> result = check_compliance(communities, facilities, districts)  # doctest: +SKIP
>>> result.communities.query("not compliant")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.checks import PROBLEM_COLUMNS as PROBLEM_COLUMNS
from analysis.checks import ComplianceInputError as ComplianceInputError
from analysis.checks import _check_allowed
from analysis.checks import as_code as as_code
from analysis.checks import check_columns as check_columns
from analysis.checks import check_ids as check_ids
from analysis.checks import check_numbers as check_numbers
from analysis.checks import is_missing as is_missing
from analysis.checks import problem_row as problem_row
from analysis.checks import problems_frame as problems_frame
from analysis.compliance_tables import compliance_issues as compliance_issues
from analysis.compliance_tables import filter_table as filter_table
from analysis.compliance_tables import room_labels as room_labels
from analysis.compliance_tables import summarize as summarize
from analysis.compliance_tables import with_geometry as with_geometry
from analysis.district_classes import DISTRICT_NOTE_COLUMNS as DISTRICT_NOTE_COLUMNS
from analysis.district_classes import district_class_notes as district_class_notes
from analysis.district_classes import normalize_name as normalize_name
from analysis.district_classes import resolve_district_classes as resolve_district_classes
from analysis.rules_art8 import explode_shared, one_station_check, split_ids
from analysis.rules_art20 import SECURITY_COLUMNS, security_check
from analysis.rules_art33 import failed_terms, two_failed_column
from analysis.rules_art36 import STARTED_ASSUMED, STARTED_NO, started_status, village_rooms
from analysis.standards import Rule, StandardSet, load_standard
from layers.schema import ALL_ROOM_CODES, FACILITY_KINDS, parse_rooms

COMMUNITY_COLUMNS: list[str] = [
    "community_id",
    "name",
    "district",
    "district_code",
    "district_class",
    "street_code",
    "street",
    "kind",
    "era",
    "households",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "compliant",
    "status",
    "rule_id",
    "article",
    "strictness",
    "scope",
    "class_minimum_m2",
    "per_household_m2",
    "n_facilities",
    "has_station",
    "missing_rooms",
    "n_missing_rooms",
    "n_stations",
    "shared_station_ids",
    "one_station_ok",
    "two_failed_terms",
    "funding",
]
"""Columns of :attr:`ComplianceResult.communities`, in order.

``strictness`` is ``required`` or ``target`` (of the rule in ``rule_id``); ``scope`` says why a
village is or is not assessed under Art. 36 (``started``, ``assumed_started``,
``not_started``; empty for urban communities); ``one_station_ok`` is the Art. 8 one committee,
one station check; ``two_failed_terms`` the Art. 33 flag (NA without a ratings table).
"""

FUNDING_LABELS: dict[str, tuple[str, str]] = {
    "developer": (
        "开发建设单位配建并移交(第十二条)",
        "developer builds and hands over (Art. 12)",
    ),
    "district_city_support": (
        "区政府投入为主,市财政按比例支持(第十三条)",
        "district funds, city supports (Art. 13)",
    ),
    "own_funds": ("依托本级财力解决(第十三条)", "own funds of the district/county (Art. 13)"),
    "village": (
        "农村社区,按第三十六条建设(办法未规定出资方)",
        "village under Art. 36 (the measures name no payer)",
    ),
}
"""Who closes a shortfall; the report's department table counts gaps by the same codes."""

GAP_KIND_OF_FUNDING: dict[str, str] = {
    "developer": "area_new",
    "district_city_support": "area_old",
    "own_funds": "area_old",
    "village": "area_rural",
}
"""Gap kind of the report (``geo_app.reports.departments.GAP_KINDS``) of each funding code."""

SCOPE_LABELS: dict[str, tuple[str, str]] = {
    "started": ("已启动社区建设的村", "village that started community construction"),
    "assumed_started": (
        "村未填写是否启动,按已启动评估",
        "village without a started record, assessed as started",
    ),
    "not_started": (
        "未启动社区建设的村,第三十六条不适用",
        "village that has not started community construction: Art. 36 does not apply",
    ),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "compliant": ("达标", "compliant"),
    "below": ("未达标", "below standard"),
    "not_applicable": ("不适用", "not applicable"),
}

_TOL = 1e-9


# -- which rules and kinds the standard uses ------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    minimum: Rule | None
    per_household: Rule | None
    rooms: Rule | None
    street_centre: Rule | None
    rural: Rule | None
    funding: Rule | None
    one_station: Rule | None = None
    rental: Rule | None = None
    closed: Rule | None = None

    @classmethod
    def of(cls, standard: StandardSet) -> _Rules:
        return cls(
            minimum=standard.first("public_housing_min"),
            per_household=standard.first("public_housing_per_households"),
            rooms=standard.first("station_rooms"),
            street_centre=standard.first("street_centre_min"),
            rural=standard.first("rural_station"),
            funding=standard.first("old_area_funding"),
            one_station=standard.first("one_station"),
            rental=standard.first("rental_station"),
            closed=standard.first("closed_management"),
        )

    def shared_kinds(self) -> list[str]:
        """Station kinds whose ``community_id`` may list several committees (Art. 8)."""
        return list(self.one_station.param("station_kinds")) if self.one_station else []

    def provided_kinds(self) -> list[str]:
        kinds: list[str] = []
        for rule in (self.minimum, self.per_household):
            if rule is not None:
                kinds += [k for k in rule.param("provided_kinds") if k not in kinds]
        return kinds

    def community_kinds(self) -> list[str]:
        """Facility kinds that must belong to a community."""
        kinds = self.provided_kinds()
        if self.rooms is not None:
            kinds += list(self.rooms.param("station_kinds"))
        if self.rural is not None:
            kinds += list(self.rural.param("station_kinds")) + list(
                self.rural.param("square_kinds")
            )
        return list(dict.fromkeys(kinds))

    def area_kinds(self) -> list[str]:
        kinds = self.community_kinds()
        if self.street_centre is not None:
            kinds += list(self.street_centre.param("facility_kinds"))
        return list(dict.fromkeys(kinds))


def as_standard(standard: StandardSet | str | None) -> StandardSet:
    if standard is None:
        return load_standard()
    if isinstance(standard, str):
        return load_standard(standard)
    return standard


COMMUNITY_FIELDS = ("community_id", "name", "street_code", "district_code", "kind", "era")
FACILITY_FIELDS = ("facility_id", "kind", "usable_area_m2", "community_id")


def validate_inputs(
    communities: pd.DataFrame,
    facilities: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    standard: StandardSet | str | None = None,
    district_classes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Row-by-row problems that stop the compliance analysis (empty frame when all is well).

    Checks: required columns; missing/duplicate ids; ``district_code`` unknown to the districts
    layer; ``kind``/``era`` outside their vocabularies; ``households`` missing, negative, not a
    number or not whole; ``usable_area_m2`` missing, negative or not a number for every facility
    kind the standard uses; facilities of community-level kinds without a known ``community_id``;
    unknown facility kinds and unknown Art. 8 room codes; invalid district classes.
    """
    std = as_standard(standard)
    rules = _Rules.of(std)
    problems: list[dict] = []
    _, district_problems = resolve_district_classes(districts, district_classes)
    problems += district_problems

    comm_fields = list(COMMUNITY_FIELDS)
    if rules.per_household is not None:
        comm_fields.append("households")
    problems += check_columns(communities, "communities", comm_fields)
    problems += check_ids(communities, "communities", "community_id")
    problems += _check_allowed(
        communities, "communities", "kind", "community_id", ("urban", "rural")
    )
    problems += _check_allowed(communities, "communities", "era", "community_id", ("old", "new"))
    problems += check_numbers(
        communities, "communities", "households", "community_id", integer=True
    )
    if "district_code" in communities.columns and "district_code" in districts.columns:
        known = set(as_code(districts["district_code"]).dropna())
        codes = as_code(communities["district_code"])
        for pos, code in enumerate(codes):
            if code is None or code not in known:
                problems.append(
                    problem_row(
                        "communities",
                        pos + 1,
                        communities["community_id"].iloc[pos]
                        if "community_id" in communities.columns
                        else None,
                        "district_code",
                        code,
                        "missing" if code is None else "unknown_district",
                        "缺少区县代码" if code is None else "区县图层中没有此代码",
                        "district code missing"
                        if code is None
                        else "no such code in the districts layer",
                    )
                )

    problems += check_columns(facilities, "facilities", FACILITY_FIELDS)
    if all(c in facilities.columns for c in FACILITY_FIELDS):
        problems += check_ids(facilities, "facilities", "facility_id")
        problems += _check_allowed(facilities, "facilities", "kind", "facility_id", FACILITY_KINDS)
        kinds = facilities["kind"].astype(object)
        problems += check_numbers(
            facilities,
            "facilities",
            "usable_area_m2",
            "facility_id",
            mask=kinds.isin(rules.area_kinds()),
        )
        known_ids = (
            set(as_code(communities["community_id"]).dropna())
            if "community_id" in communities.columns
            else set()
        )
        fac_comm = as_code(facilities["community_id"])
        needs = kinds.isin(rules.community_kinds()).to_numpy()
        shareable = kinds.isin(rules.shared_kinds()).to_numpy()
        for pos, (cid, need, share) in enumerate(zip(fac_comm, needs, shareable, strict=True)):
            ids = split_ids(cid) if share else [cid]
            if need and (cid is None or any(i not in known_ids for i in ids)):
                problems.append(
                    problem_row(
                        "facilities",
                        pos + 1,
                        facilities["facility_id"].iloc[pos],
                        "community_id",
                        cid,
                        "missing" if cid is None else "unknown_community",
                        "此类设施必须属于一个社区" if cid is None else "社区图层中没有此社区",
                        "this kind of facility must belong to a community"
                        if cid is None
                        else "no such community in the communities layer",
                    )
                )
        station_kinds = [
            *(rules.rooms.param("station_kinds") if rules.rooms is not None else []),
            *(rules.rural.param("station_kinds") if rules.rural is not None else []),
        ]
        if station_kinds and "rooms" in facilities.columns:
            allowed = set(ALL_ROOM_CODES)
            is_station = kinds.isin(station_kinds).to_numpy()
            for pos, (text, station) in enumerate(
                zip(facilities["rooms"].tolist(), is_station, strict=True)
            ):
                bad = [r for r in parse_rooms(text) if r not in allowed] if station else []
                if bad:
                    problems.append(
                        problem_row(
                            "facilities",
                            pos + 1,
                            facilities["facility_id"].iloc[pos],
                            "rooms",
                            text,
                            "unknown_room",
                            f"未知功能用房代码 {', '.join(bad)};可用:{', '.join(ALL_ROOM_CODES)}",
                            f"unknown room code(s) {', '.join(bad)}; "
                            f"known: {', '.join(ALL_ROOM_CODES)}",
                        )
                    )
    return problems_frame(problems)


# -- the analysis --------------------------------------------------------------------------


@dataclass
class ComplianceResult:
    """Result of :func:`check_compliance`.

    Attributes
    ----------
    standard : StandardSet
        The standard set used (with overrides).
    communities : DataFrame
        One row per community, columns :data:`COMMUNITY_COLUMNS`.
    stations : DataFrame
        One row per community service station with its missing Art. 8 rooms.
    street_centres : DataFrame
        One row per street centre (and per street without one, if streets were given), Art. 11.
    rural : DataFrame
        One row per village Art. 36 applies to: station, square and rooms.
    by_street, by_district : DataFrame
        Summaries (counts, required/provided/shortfall totals).
    security : DataFrame
        Art. 20 rental-housing stations and closed management (:mod:`analysis.rules_art20`).
    failed_terms : DataFrame
        Art. 33 ratings per community (:func:`analysis.rules_art33.failed_terms`), empty
        without a ratings table.
    district_notes : DataFrame
        Districts whose layer class was replaced by the class of the measures (Art. 11).
    """

    standard: StandardSet
    communities: pd.DataFrame
    stations: pd.DataFrame
    street_centres: pd.DataFrame
    rural: pd.DataFrame
    by_street: pd.DataFrame
    by_district: pd.DataFrame
    security: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SECURITY_COLUMNS))
    failed_terms: pd.DataFrame = field(default_factory=pd.DataFrame)
    district_notes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=DISTRICT_NOTE_COLUMNS)
    )

    def issues(self) -> pd.DataFrame:
        """Every non-compliant item, one row each, with rule, article and a zh/en message."""
        return compliance_issues(self)

    def totals(self) -> dict[str, float]:
        """Headline numbers: communities assessed/below, total shortfall, flags of each check."""
        c = self.communities
        return {
            "n_communities": int(len(c)),
            "n_assessed": int((c["status"] != "not_applicable").sum()),
            "n_below": int((c["status"] == "below").sum()),
            "shortfall_m2": round(float(c["shortfall_m2"].fillna(0).sum()), 2),
            "n_missing_rooms": int((c["n_missing_rooms"] > 0).sum()),
            "n_street_centres_below": int((~self.street_centres["compliant"].astype(bool)).sum())
            if len(self.street_centres)
            else 0,
            "n_rural_below": int((~self.rural["compliant"].astype(bool)).sum())
            if len(self.rural)
            else 0,
            "n_one_station": int(c["one_station_ok"].eq(False).sum())
            if "one_station_ok" in c
            else 0,
            "n_two_failed_terms": int(c["two_failed_terms"].eq(True).sum())
            if "two_failed_terms" in c
            else 0,
            "n_security": int((self.security["message_zh"] != "").sum())
            if len(self.security)
            else 0,
            "n_district_notes": int(len(self.district_notes)),
        }

    def summary_text(self, lang: str = "zh") -> str:
        """A short planner summary of :meth:`totals`."""
        t = self.totals()
        if t["n_assessed"] == 0:
            if lang == "zh":
                return f"标准 {self.standard.name} 没有适用于这些社区的用房面积规则。"
            return f"Standard {self.standard.name} has no area rule for these communities."
        zh = lang == "zh"
        if zh:
            text = (
                f"标准 {self.standard.name}:共评估 {t['n_assessed']} 个社区/村,"
                f"{t['n_below']} 个低于标准,用房缺口合计 {t['shortfall_m2']:,.1f} 平方米;"
                f"{t['n_missing_rooms']} 个社区服务站功能用房不全(第八条);"
                f"{t['n_street_centres_below']} 个街道综合服务中心不足标准(第十一条);"
                f"{t['n_rural_below']} 个村服务站、广场或两站两室不足(第三十六条)。"
            )
        else:
            text = (
                f"Standard {self.standard.name}: {t['n_assessed']} communities assessed, "
                f"{t['n_below']} below standard, total shortfall {t['shortfall_m2']:,.1f} m2; "
                f"{t['n_missing_rooms']} stations lack Art. 8 rooms; "
                f"{t['n_street_centres_below']} street centres below Art. 11; "
                f"{t['n_rural_below']} villages below Art. 36."
            )
        extra = (
            (
                "n_one_station",
                "{n} 个社区不符合一居一站(第八条)。",
                "{n} break one committee, one station (Art. 8).",
            ),
            (
                "n_two_failed_terms",
                "{n} 个社区连续两届未达星级标准(第三十三条)。",
                "{n} failed the star standard in two consecutive terms (Art. 33).",
            ),
            (
                "n_security",
                "{n} 个社区出租房管理站或封闭式管理未落实(第二十条)。",
                "{n} lack a rental-housing station or closed management (Art. 20).",
            ),
            (
                "n_district_notes",
                "{n} 个区县的类别与区县图层不同,按办法评估(第十一条)。",
                "{n} districts' layer class differs from the measures and was replaced (Art. 11).",
            ),
        )
        for key, z, e in extra:
            if t[key]:
                text += ("" if zh else " ") + (z if zh else e).format(n=t[key])
        if t["n_district_notes"]:
            names = "、".join(str(n) for n in self.district_notes["district"])
            text += f"({names})" if zh else f" ({names})"
        return text

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Tables for a workbook: name -> frame (communities first)."""
        return {
            "communities": self.communities,
            "by_street": self.by_street,
            "by_district": self.by_district,
            "stations": self.stations,
            "street_centres": self.street_centres,
            "rural": self.rural,
            "security": self.security,
            "failed_terms": self.failed_terms,
            "district_notes": self.district_notes,
            "issues": self.issues(),
            "rules": self.standard.to_frame(),
        }


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


def _rooms_text(codes: Iterable[str]) -> str:
    return ",".join(codes)


def check_compliance(
    communities: pd.DataFrame,
    facilities: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    streets: pd.DataFrame | None = None,
    standard: StandardSet | str | None = None,
    district_classes: Mapping[str, str] | None = None,
    ratings: pd.DataFrame | None = None,
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
        The ``ratings`` table (Art. 33): adds ``two_failed_terms`` and ``failed_terms``.

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
        },
    ).reset_index(drop=True)

    shared = explode_shared(fac, rules.shared_kinds())
    comm = _area_requirements(comm, shared, rules)
    comm, stations = _station_rooms(comm, shared, rules)
    one = one_station_check(comm, shared, rules.one_station)
    for col in ("n_stations", "shared_station_ids", "one_station_ok"):
        comm[col] = one[col].to_numpy()
    started = (
        started_status(communities, rules.rural)
        if rules.rural is not None
        else np.full(len(comm), None, dtype=object)
    )
    rural = _rural(comm, shared, rules, started)
    comm = _rural_into_communities(comm, rural, rules, started)
    comm = _funding(comm, rules)
    comm["strictness"] = _strictness(comm["rule_id"], std)
    terms = failed_terms(ratings, std) if ratings is not None else None
    comm["two_failed_terms"] = two_failed_column(comm["community_id"], terms)
    comm["households"] = comm["households"].round().astype("Int64")
    security = security_check(comm, communities, shared, rules.rental, rules.closed)
    comm = comm[COMMUNITY_COLUMNS]
    centres = _street_centres(facilities, fac, comm, streets, street_table, dist, rules)
    for table in (stations, centres, rural):
        table["strictness"] = _strictness(table["rule_id"], std) if len(table) else []
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
    )


def _strictness(rule_ids: pd.Series, standard: StandardSet) -> np.ndarray:
    """``required`` / ``target`` of the rule of each row ("" where no rule applies)."""
    return np.array(
        [
            standard.rules[r].strictness if isinstance(r, str) and r in standard.rules else ""
            for r in rule_ids
        ],
        dtype=object,
    )


def _applies(rule: Rule | None, kinds: pd.Series) -> np.ndarray:
    if rule is None:
        return np.zeros(len(kinds), dtype=bool)
    return kinds.isin(rule.param("applies_to_kinds")).to_numpy()


def _area_requirements(comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
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
        applies = _applies(rules.minimum, comm["kind"])
        minimum = np.where(
            applies, comm["district_class"].map(lambda c: float(table[c])).to_numpy(), np.nan
        )
    per_household = np.full(len(comm), np.nan)
    if rules.per_household is not None:
        rate = float(rules.per_household.param("area_per_100_households_m2"))
        applies = (
            _applies(rules.per_household, comm["kind"])
            & comm["era"].isin(rules.per_household.param("eras")).to_numpy()
        )
        per_household = np.where(applies, comm["households"].to_numpy(float) * rate / 100.0, np.nan)

    use_household = ~np.isnan(per_household) & (
        np.isnan(minimum) | (per_household > minimum + _TOL)
    )
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
    below = assessed & (shortfall > _TOL)
    comm["status"] = np.where(assessed, np.where(below, "below", "compliant"), "not_applicable")
    comm["compliant"] = pd.array(
        [(not b) if a else pd.NA for a, b in zip(assessed, below, strict=True)], dtype="boolean"
    )
    return comm


def _station_rooms(
    comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Art. 8: missing rooms per station and per community (union of its stations)."""
    comm = comm.copy()
    columns = [
        "facility_id",
        "name",
        "community_id",
        "community",
        "district_code",
        "district",
        "street_code",
        "rooms",
        "missing_rooms",
        "n_missing_rooms",
        "compliant",
        "rule_id",
        "article",
    ]
    if rules.rooms is None:
        comm["has_station"] = pd.array([pd.NA] * len(comm), dtype="boolean")
        comm["missing_rooms"] = ""
        comm["n_missing_rooms"] = 0
        return comm, pd.DataFrame(columns=columns)
    checklist = list(rules.rooms.param("rooms"))
    st = fac[fac["kind"].isin(rules.rooms.param("station_kinds"))].copy()
    st_rooms = st["rooms"].map(parse_rooms)
    st["missing_rooms"] = st_rooms.map(
        lambda have: _rooms_text(r for r in checklist if r not in have)
    )
    st["n_missing_rooms"] = st_rooms.map(lambda have: sum(r not in have for r in checklist))
    st["compliant"] = st["n_missing_rooms"] == 0
    st["rule_id"] = rules.rooms.id
    st["article"] = rules.rooms.article
    info = comm.set_index("community_id")[["name", "district_code", "district", "street_code"]]
    st = st.join(info.rename(columns={"name": "community"}), on="community_id")
    st = st.rename(columns={"facility_name": "name"})
    stations = st[columns].reset_index(drop=True)

    have: dict[str, set[str]] = {}
    for cid, rooms in zip(st["community_id"], st_rooms, strict=True):
        have.setdefault(cid, set()).update(rooms)
    applies = _applies(rules.rooms, comm["kind"])
    missing, n_missing, has_station = [], [], []
    for cid, app in zip(comm["community_id"], applies, strict=True):
        if not app:
            missing.append("")
            n_missing.append(0)
            has_station.append(pd.NA)
            continue
        rooms = have.get(cid)
        has_station.append(rooms is not None)
        lack = [r for r in checklist if r not in (rooms or set())]
        missing.append(_rooms_text(lack))
        n_missing.append(len(lack))
    comm["has_station"] = pd.array(has_station, dtype="boolean")
    comm["missing_rooms"] = missing
    comm["n_missing_rooms"] = np.asarray(n_missing, dtype=int)
    return comm, stations


def _funding(comm: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
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
            & _applies(rules.per_household, comm["kind"])
            & ~rural
        )
        funding[below & new] = "developer"
    if rules.funding is not None:
        old = (
            below
            & (funding == "")
            & _applies(rules.funding, comm["kind"])
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


def _largest(fac: pd.DataFrame, kinds: Sequence[str]) -> pd.Series:
    sel = fac[fac["kind"].isin(kinds)]
    return sel.groupby("community_id")["usable_area_m2"].max()


def _rural(
    comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules, started: np.ndarray
) -> pd.DataFrame:
    """Art. 36 per village that started community construction (``started`` yes/assumed).

    The largest station (>= 300 m2), the largest square (>= 1000 m2) and the "two stations,
    two rooms" of its stations (:func:`analysis.rules_art36.village_rooms`).
    """
    columns = [
        "community_id",
        "name",
        "district",
        "district_code",
        "street_code",
        "started",
        "station_m2",
        "station_required_m2",
        "station_shortfall_m2",
        "station_ok",
        "square_m2",
        "square_required_m2",
        "square_shortfall_m2",
        "square_ok",
        "missing_rooms",
        "n_missing_rooms",
        "rooms_ok",
        "compliant",
        "rule_id",
        "article",
    ]
    if rules.rural is None:
        return pd.DataFrame(columns=columns)
    rule = rules.rural
    take = _applies(rule, comm["kind"]) & (started != STARTED_NO)
    villages = comm[take][
        ["community_id", "name", "district", "district_code", "street_code"]
    ].copy()
    villages["started"] = started[take]
    min_station = float(rule.param("min_station_m2"))
    min_square = float(rule.param("min_square_m2"))
    station = villages["community_id"].map(_largest(fac, rule.param("station_kinds")))
    square = villages["community_id"].map(_largest(fac, rule.param("square_kinds")))
    villages["station_m2"] = station.fillna(0.0).astype(float).round(2)
    villages["station_required_m2"] = min_station
    villages["station_shortfall_m2"] = np.maximum(min_station - villages["station_m2"], 0).round(2)
    villages["station_ok"] = villages["station_m2"] >= min_station - _TOL
    villages["square_m2"] = square.fillna(0.0).astype(float).round(2)
    villages["square_required_m2"] = min_square
    villages["square_shortfall_m2"] = np.maximum(min_square - villages["square_m2"], 0).round(2)
    villages["square_ok"] = villages["square_m2"] >= min_square - _TOL
    rooms = village_rooms(fac, rule).set_index("community_id")
    all_rooms = ",".join(rule.param("rooms"))
    villages["missing_rooms"] = (
        villages["community_id"].map(rooms["missing_rooms"]).fillna(all_rooms).astype(object)
    )
    villages["n_missing_rooms"] = [len(parse_rooms(m)) for m in villages["missing_rooms"]]
    villages["rooms_ok"] = villages["n_missing_rooms"] == 0
    villages["compliant"] = villages["station_ok"] & villages["square_ok"] & villages["rooms_ok"]
    villages["rule_id"] = rule.id
    villages["article"] = rule.article
    return villages[columns].reset_index(drop=True)


def _rural_into_communities(
    comm: pd.DataFrame, rural: pd.DataFrame, rules: _Rules, started: np.ndarray
) -> pd.DataFrame:
    """Villages not covered by a housing rule get their Art. 36 station check in the main table;
    ``scope`` says whether a village was assessed as started, assumed started or not started."""
    comm = comm.copy()
    comm["scope"] = ""
    if rules.rural is None:
        return comm
    village = _applies(rules.rural, comm["kind"])
    comm.loc[village, "scope"] = [
        {STARTED_NO: "not_started", STARTED_ASSUMED: "assumed_started"}.get(x, "started")
        for x in started[village]
    ]
    idle = village & (started == STARTED_NO) & (comm["status"] == "not_applicable").to_numpy()
    comm.loc[idle, "rule_id"] = rules.rural.id
    comm.loc[idle, "article"] = rules.rural.article
    if rural.empty:
        return comm
    r = rural.set_index("community_id")
    take = (comm["status"] == "not_applicable") & comm["community_id"].isin(r.index)
    ids = comm.loc[take, "community_id"]
    comm.loc[take, "required_m2"] = ids.map(r["station_required_m2"]).to_numpy(float)
    comm.loc[take, "provided_m2"] = ids.map(r["station_m2"]).to_numpy(float)
    comm.loc[take, "shortfall_m2"] = ids.map(r["station_shortfall_m2"]).to_numpy(float)
    ok = ids.map(r["station_ok"]).astype(bool).to_numpy()
    comm.loc[take, "status"] = np.where(ok, "compliant", "below")
    comm.loc[take, "rule_id"] = rules.rural.id
    comm.loc[take, "article"] = rules.rural.article
    compliant = comm["compliant"].astype(object).to_numpy().copy()
    compliant[take.to_numpy()] = ok
    comm["compliant"] = pd.array(compliant.tolist(), dtype="boolean")
    return comm


def _street_centres(
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
    centres["compliant"] = centres["provided_m2"] >= minimum - _TOL
    centres["rule_id"] = rule.id
    centres["article"] = rule.article
    for col in columns:
        if col not in centres.columns:
            centres[col] = None
    return centres[columns].reset_index(drop=True)
