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
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.standards import Rule, StandardSet, load_standard
from layers.schema import DISTRICT_CLASSES, FACILITY_KINDS, ROOM_CODES, ROOM_LABELS, parse_rooms

PROBLEM_COLUMNS: list[str] = [
    "layer",
    "row",
    "record_id",
    "field",
    "value",
    "problem",
    "message_zh",
    "message_en",
]
"""Columns of the row-by-row problem table of :class:`ComplianceInputError`."""

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
    "class_minimum_m2",
    "per_household_m2",
    "n_facilities",
    "has_station",
    "missing_rooms",
    "n_missing_rooms",
    "funding",
]
"""Columns of :attr:`ComplianceResult.communities`, in order."""

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
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "compliant": ("达标", "compliant"),
    "below": ("未达标", "below standard"),
    "not_applicable": ("不适用", "not applicable"),
}

_TOL = 1e-9


class ComplianceInputError(ValueError):
    """Input layers have rows the analysis cannot use; ``problems`` lists them row by row.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem with the columns :data:`PROBLEM_COLUMNS` (``row`` is the 1-based
        row number in the layer, ``record_id`` its identifier).
    """

    def __init__(self, problems: pd.DataFrame) -> None:
        self.problems = problems.reset_index(drop=True)
        n = len(self.problems)
        head = "; ".join(self.problems["message_zh"].head(5))
        more = f" …(另有 {n - 5} 条 / {n - 5} more)" if n > 5 else ""
        super().__init__(
            f"输入数据有 {n} 处问题,无法评估:{head}{more} / "
            f"the input layers have {n} problem(s); see .problems for every row"
        )


# -- helpers -------------------------------------------------------------------------------


def as_code(values: pd.Series) -> pd.Series:
    """Identifiers as text: 230102.0 -> "230102", missing stays missing."""

    def conv(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        text = str(v).strip()
        return text or None

    return values.map(conv).astype(object)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def problem_row(
    layer: str,
    row: int | None,
    record_id: Any,
    field: str,
    value: Any,
    problem: str,
    zh: str,
    en: str,
) -> dict:
    where_zh = f"图层 {layer} 第 {row} 行" if row is not None else f"图层 {layer}"
    where_en = f"layer {layer} row {row}" if row is not None else f"layer {layer}"
    rid_en = "" if is_missing(record_id) else f" ({record_id})"
    rid = "" if is_missing(record_id) else f"({record_id})"
    return {
        "layer": layer,
        "row": row,
        "record_id": None if is_missing(record_id) else str(record_id),
        "field": field,
        "value": None if is_missing(value) else str(value),
        "problem": problem,
        "message_zh": f"{where_zh}{rid} 字段 {field}:{zh}",
        "message_en": f"{where_en}{rid_en} field {field}: {en}",
    }


def problems_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def check_columns(frame: pd.DataFrame, layer: str, columns: Iterable[str]) -> list[dict]:
    """Problems for required ``columns`` absent from ``frame``."""
    return [
        problem_row(
            layer, None, None, c, None, "missing_column", "缺少必需字段", "required column missing"
        )
        for c in columns
        if c not in frame.columns
    ]


def check_numbers(
    frame: pd.DataFrame,
    layer: str,
    column: str,
    id_column: str | None,
    *,
    integer: bool = False,
    mask: pd.Series | None = None,
    minimum: float | None = 0.0,
    maximum: float | None = None,
    allow_missing: bool = False,
) -> list[dict]:
    """Row-by-row problems of a numeric column: missing, not a number, negative, out of range.

    Parameters
    ----------
    frame : DataFrame
        The layer.
    layer, column, id_column : str
        Names used in the messages.
    integer : bool
        Whether values must be whole numbers (households).
    mask : Series of bool, optional
        Only rows where ``mask`` is true are checked.
    minimum, maximum : float, optional
        Inclusive range.
    allow_missing : bool
        Whether an empty value is allowed (``star_rating``).
    """
    if column not in frame.columns:
        return []
    out = []
    ids = frame[id_column] if id_column and id_column in frame.columns else None
    check = np.ones(len(frame), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    for pos, value in enumerate(frame[column].tolist()):
        if not check[pos]:
            continue
        rid = ids.iloc[pos] if ids is not None else None
        row = pos + 1
        if is_missing(value):
            if not allow_missing:
                out.append(
                    problem_row(
                        layer, row, rid, column, value, "missing", "缺少数值", "value is missing"
                    )
                )
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(
                problem_row(
                    layer, row, rid, column, value, "not_a_number", "不是数值", "not a number"
                )
            )
            continue
        if isinstance(value, bool) or not np.isfinite(number):
            out.append(
                problem_row(
                    layer, row, rid, column, value, "not_a_number", "不是数值", "not a number"
                )
            )
        elif minimum is not None and number < minimum:
            kind = "negative" if minimum == 0 else "below_minimum"
            zh = "不能为负数" if minimum == 0 else f"不能小于 {minimum:g}"
            en = "cannot be negative" if minimum == 0 else f"cannot be below {minimum:g}"
            out.append(problem_row(layer, row, rid, column, value, kind, zh, en))
        elif maximum is not None and number > maximum:
            out.append(
                problem_row(
                    layer,
                    row,
                    rid,
                    column,
                    value,
                    "above_maximum",
                    f"不能大于 {maximum:g}",
                    f"cannot be above {maximum:g}",
                )
            )
        elif integer and not number.is_integer():
            out.append(
                problem_row(
                    layer,
                    row,
                    rid,
                    column,
                    value,
                    "not_integer",
                    "应为整数",
                    "must be a whole number",
                )
            )
    return out


def check_ids(frame: pd.DataFrame, layer: str, column: str) -> list[dict]:
    if column not in frame.columns:
        return []
    out = []
    codes = as_code(frame[column])
    dup = codes.duplicated(keep=False) & codes.notna()
    for pos, (code, is_dup) in enumerate(zip(codes, dup, strict=True)):
        if code is None:
            out.append(
                problem_row(layer, pos + 1, None, column, None, "missing", "缺少编号", "id missing")
            )
        elif is_dup:
            out.append(
                problem_row(
                    layer, pos + 1, code, column, code, "duplicate", "编号重复", "duplicate id"
                )
            )
    return out


def _check_allowed(
    frame: pd.DataFrame, layer: str, column: str, id_column: str, allowed: Sequence[str]
) -> list[dict]:
    if column not in frame.columns:
        return []
    out = []
    ids = frame[id_column] if id_column in frame.columns else pd.Series([None] * len(frame))
    for pos, value in enumerate(frame[column].tolist()):
        if is_missing(value) or str(value) not in allowed:
            out.append(
                problem_row(
                    layer,
                    pos + 1,
                    ids.iloc[pos],
                    column,
                    value,
                    "missing" if is_missing(value) else "not_allowed",
                    f"取值应为 {', '.join(allowed)} 之一",
                    f"must be one of {', '.join(allowed)}",
                )
            )
    return out


def normalize_name(text: str) -> str:
    text = str(text).strip()
    for suffix in ("区", "市", "县"):
        if len(text) > 2 and text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def resolve_district_classes(
    districts: pd.DataFrame, overrides: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """District table with the effective ``district_class`` after project overrides.

    Parameters
    ----------
    districts : DataFrame
        The districts layer (``district_code``, ``name``, ``district_class``).
    overrides : dict, optional
        ``{district name or code: class}`` from ``ProjectSettings.district_classes``; a name
        matches with or without its 区/市/县 suffix (``双城`` or ``双城区``).

    Returns
    -------
    (DataFrame, list of dict)
        ``district_code, district, district_class, class_source`` and the problems found.
    """
    problems = check_columns(districts, "districts", ("district_code", "name", "district_class"))
    if problems:
        return pd.DataFrame(columns=["district_code", "district", "district_class"]), problems
    problems += check_ids(districts, "districts", "district_code")
    table = pd.DataFrame(
        {
            "district_code": as_code(districts["district_code"]).to_numpy(),
            "district": districts["name"].astype(object).to_numpy(),
            "district_class": districts["district_class"].astype(object).to_numpy(),
        }
    )
    table["class_source"] = "layer"
    for key, cls in (overrides or {}).items():
        key_text = str(key).strip()
        hit = (table["district_code"] == key_text) | (
            table["district"].map(lambda n: normalize_name(n) if not is_missing(n) else "")
            == normalize_name(key_text)
        )
        if cls not in DISTRICT_CLASSES:
            problems.append(
                problem_row(
                    "settings",
                    None,
                    key_text,
                    "district_classes",
                    cls,
                    "not_allowed",
                    f"区县类别应为 {', '.join(DISTRICT_CLASSES)} 之一",
                    f"district class must be one of {', '.join(DISTRICT_CLASSES)}",
                )
            )
        elif not hit.any():
            problems.append(
                problem_row(
                    "settings",
                    None,
                    key_text,
                    "district_classes",
                    cls,
                    "unknown_district",
                    "区县图层中没有此区县",
                    "no such district in the districts layer",
                )
            )
        else:
            table.loc[hit, "district_class"] = cls
            table.loc[hit, "class_source"] = "project"
    problems += _check_allowed(
        table, "districts", "district_class", "district_code", DISTRICT_CLASSES
    )
    return table, problems


# -- which rules and kinds the standard uses ------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    minimum: Rule | None
    per_household: Rule | None
    rooms: Rule | None
    street_centre: Rule | None
    rural: Rule | None
    funding: Rule | None

    @classmethod
    def of(cls, standard: StandardSet) -> _Rules:
        return cls(
            minimum=standard.first("public_housing_min"),
            per_household=standard.first("public_housing_per_households"),
            rooms=standard.first("station_rooms"),
            street_centre=standard.first("street_centre_min"),
            rural=standard.first("rural_station"),
            funding=standard.first("old_area_funding"),
        )

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
        for pos, (cid, need) in enumerate(zip(fac_comm, needs, strict=True)):
            if need and (cid is None or cid not in known_ids):
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
        if rules.rooms is not None and "rooms" in facilities.columns:
            allowed = set(ROOM_CODES)
            is_station = kinds.isin(rules.rooms.param("station_kinds")).to_numpy()
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
                            f"未知功能用房代码 {', '.join(bad)};可用:{', '.join(ROOM_CODES)}",
                            f"unknown room code(s) {', '.join(bad)}; known: {', '.join(ROOM_CODES)}",
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
        One row per rural village: station and square against Art. 36.
    by_street, by_district : DataFrame
        Summaries (counts, required/provided/shortfall totals).
    """

    standard: StandardSet
    communities: pd.DataFrame
    stations: pd.DataFrame
    street_centres: pd.DataFrame
    rural: pd.DataFrame
    by_street: pd.DataFrame
    by_district: pd.DataFrame

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
        }

    def summary_text(self, lang: str = "zh") -> str:
        """A short planner summary of :meth:`totals`."""
        t = self.totals()
        if t["n_assessed"] == 0:
            if lang == "zh":
                return f"标准 {self.standard.name} 没有适用于这些社区的用房面积规则。"
            return f"Standard {self.standard.name} has no area rule for these communities."
        if lang == "zh":
            return (
                f"标准 {self.standard.name}:共评估 {t['n_assessed']} 个社区/村,"
                f"{t['n_below']} 个低于标准,用房缺口合计 {t['shortfall_m2']:,.1f} 平方米;"
                f"{t['n_missing_rooms']} 个社区服务站功能用房不全(第八条);"
                f"{t['n_street_centres_below']} 个街道综合服务中心不足标准(第十一条);"
                f"{t['n_rural_below']} 个村服务站或广场不足标准(第三十六条)。"
            )
        return (
            f"Standard {self.standard.name}: {t['n_assessed']} communities assessed, "
            f"{t['n_below']} below standard, total shortfall {t['shortfall_m2']:,.1f} m2; "
            f"{t['n_missing_rooms']} stations lack Art. 8 rooms; "
            f"{t['n_street_centres_below']} street centres below Art. 11; "
            f"{t['n_rural_below']} villages below Art. 36."
        )

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Tables for a workbook: name -> frame (communities first)."""
        return {
            "communities": self.communities,
            "by_street": self.by_street,
            "by_district": self.by_district,
            "stations": self.stations,
            "street_centres": self.street_centres,
            "rural": self.rural,
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
        ``{district name or code: class}`` overrides (project setting; 双城).

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

    comm = _area_requirements(comm, fac, rules)
    comm, stations = _station_rooms(comm, fac, rules)
    comm = _funding(comm, rules)
    rural = _rural(comm, fac, rules)
    comm = _rural_into_communities(comm, rural, rules)
    comm["households"] = comm["households"].round().astype("Int64")
    comm = comm[COMMUNITY_COLUMNS]
    centres = _street_centres(facilities, fac, comm, streets, street_table, dist, rules)
    return ComplianceResult(
        standard=std,
        communities=comm,
        stations=stations,
        street_centres=centres,
        rural=rural,
        by_street=summarize(comm, "street", street_centres=centres, rural=rural),
        by_district=summarize(comm, "district", street_centres=centres, rural=rural),
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
    """Who closes a shortfall: developer (Art. 12, new areas) or district/city (Art. 13)."""
    comm = comm.copy()
    funding = np.full(len(comm), "", dtype=object)
    below = (comm["status"] == "below").to_numpy()
    if rules.per_household is not None:
        new = (
            comm["era"].isin(rules.per_household.param("eras")).to_numpy()
            & (comm["rule_id"] == rules.per_household.id).to_numpy()
        )
        if rules.funding is not None:  # the measures name the developer only in Art. 12
            funding[below & new] = "developer"
    if rules.funding is not None:
        old = below & (funding == "")
        cls = comm["district_class"]
        funding[old & cls.isin(rules.funding.param("city_supported_classes")).to_numpy()] = (
            "district_city_support"
        )
        funding[old & cls.isin(rules.funding.param("own_funds_classes")).to_numpy()] = "own_funds"
    comm["funding"] = funding
    return comm


def _largest(fac: pd.DataFrame, kinds: Sequence[str]) -> pd.Series:
    sel = fac[fac["kind"].isin(kinds)]
    return sel.groupby("community_id")["usable_area_m2"].max()


def _rural(comm: pd.DataFrame, fac: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
    """Art. 36: the largest station (>= 300 m2) and the largest square (>= 1000 m2) per village."""
    columns = [
        "community_id",
        "name",
        "district",
        "district_code",
        "street_code",
        "station_m2",
        "station_required_m2",
        "station_shortfall_m2",
        "station_ok",
        "square_m2",
        "square_required_m2",
        "square_shortfall_m2",
        "square_ok",
        "compliant",
        "rule_id",
        "article",
    ]
    if rules.rural is None:
        return pd.DataFrame(columns=columns)
    rule = rules.rural
    villages = comm[_applies(rule, comm["kind"])][
        ["community_id", "name", "district", "district_code", "street_code"]
    ].copy()
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
    villages["compliant"] = villages["station_ok"] & villages["square_ok"]
    villages["rule_id"] = rule.id
    villages["article"] = rule.article
    return villages[columns].reset_index(drop=True)


def _rural_into_communities(comm: pd.DataFrame, rural: pd.DataFrame, rules: _Rules) -> pd.DataFrame:
    """Villages not covered by a housing rule get their Art. 36 station check in the main table."""
    if rules.rural is None or rural.empty:
        return comm
    comm = comm.copy()
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
    compliant = comm["compliant"].astype(object)
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


# -- summaries and filters (pure, for the app page) -----------------------------------------


def summarize(
    table: pd.DataFrame,
    by: str = "district",
    *,
    street_centres: pd.DataFrame | None = None,
    rural: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Summary of a per-community table per ``"street"`` or per ``"district"``.

    Columns: the group keys, ``n_communities``, ``n_assessed``, ``n_below``, ``share_below``,
    ``required_m2``, ``provided_m2``, ``shortfall_m2``, ``n_missing_rooms`` (communities whose
    stations lack Art. 8 rooms), ``n_street_centres_below`` and ``n_rural_below`` when the
    corresponding tables are given. Works on a filtered table too.
    """
    if by == "street":
        keys = ["street_code", "street", "district_code", "district"]
    elif by == "district":
        keys = ["district_code", "district", "district_class"]
    else:
        raise ValueError(
            f"汇总方式应为 street 或 district,得到 {by!r} / by must be 'street' or 'district'"
        )
    keys = [k for k in keys if k in table.columns]
    t = table.copy()
    for k in keys:
        t[k] = t[k].astype(object).where(t[k].notna(), "")
    t["_assessed"] = t["status"] != "not_applicable"
    t["_below"] = t["status"] == "below"
    t["_rooms"] = t["n_missing_rooms"] > 0
    grouped = t.groupby(keys, sort=True, dropna=False)
    out = grouped.agg(
        n_communities=("community_id", "size"),
        n_assessed=("_assessed", "sum"),
        n_below=("_below", "sum"),
        required_m2=("required_m2", "sum"),
        provided_m2=("provided_m2", "sum"),
        shortfall_m2=("shortfall_m2", "sum"),
        n_missing_rooms=("_rooms", "sum"),
    ).reset_index()
    out["share_below"] = np.where(
        out["n_assessed"] > 0, out["n_below"] / out["n_assessed"].where(out["n_assessed"] > 0), 0.0
    ).round(4)
    for col in ("required_m2", "provided_m2", "shortfall_m2"):
        out[col] = out[col].astype(float).round(2)
    key = keys[0]
    if street_centres is not None and len(street_centres):
        below = street_centres[~street_centres["compliant"].astype(bool)]
        counts = below.groupby(below[key].astype(object).fillna("")).size()
        out["n_street_centres_below"] = out[key].map(counts).fillna(0).astype(int)
    if rural is not None and len(rural):
        below = rural[~rural["compliant"].astype(bool)]
        counts = below.groupby(below[key].astype(object).fillna("")).size()
        out["n_rural_below"] = out[key].map(counts).fillna(0).astype(int)
    order = keys + [
        "n_communities",
        "n_assessed",
        "n_below",
        "share_below",
        "required_m2",
        "provided_m2",
        "shortfall_m2",
        "n_missing_rooms",
    ]
    order += [c for c in ("n_street_centres_below", "n_rural_below") if c in out.columns]
    return (
        out[order]
        .sort_values("shortfall_m2", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def filter_table(
    table: pd.DataFrame,
    *,
    district: str | Iterable[str] | None = None,
    street: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rows of a compliance table in the given districts/streets (code or name) and statuses.

    ``None`` means no filter; a name matches with or without its 区/县/市 suffix.
    """
    mask = pd.Series(True, index=table.index)
    for values, code_col, name_col in (
        (_as_list(district), "district_code", "district"),
        (_as_list(street), "street_code", "street"),
    ):
        if values is None:
            continue
        wanted = {v.strip() for v in values} | {normalize_name(v) for v in values}
        hit = pd.Series(False, index=table.index)
        if code_col in table.columns:
            hit |= table[code_col].astype(object).isin(wanted)
        if name_col in table.columns:
            names = table[name_col].astype(object)
            hit |= names.isin(wanted) | names.map(
                lambda n, wanted=wanted: not is_missing(n) and normalize_name(n) in wanted
            )
        mask &= hit
    statuses = _as_list(status)
    if statuses is not None and "status" in table.columns:
        mask &= table["status"].isin(statuses)
    return table[mask]


def with_geometry(table: pd.DataFrame, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attach the community polygons to a per-community table (for a choropleth of shortfall)."""
    shapes = gpd.GeoDataFrame(
        {"community_id": as_code(communities["community_id"]).to_numpy()},
        geometry=communities.geometry.to_numpy(),
        crs=communities.crs,
    ).drop_duplicates("community_id")
    merged = shapes.merge(table, on="community_id", how="inner")
    return merged[[*table.columns, merged.geometry.name]]


def room_labels(codes: str, lang: str = "zh") -> str:
    """Translate a ``missing_rooms`` text into room names (``、``-joined in Chinese)."""
    idx = 0 if lang == "zh" else 1
    names = [ROOM_LABELS.get(c, (c, c))[idx] for c in parse_rooms(codes)]
    return ("、" if lang == "zh" else ", ").join(names)


def compliance_issues(result: ComplianceResult) -> pd.DataFrame:
    """Every failing item of a result: level, id, name, district, rule, article and messages."""
    rows: list[dict] = []
    c = result.communities
    for r in c[c["status"] == "below"].itertuples(index=False):
        rows.append(
            {
                "level": "community",
                "id": r.community_id,
                "name": r.name,
                "district": r.district,
                "street_code": r.street_code,
                "rule_id": r.rule_id,
                "article": r.article,
                "shortfall_m2": r.shortfall_m2,
                "message_zh": f"用房 {r.provided_m2:g} 平方米,应达 {r.required_m2:g} 平方米,"
                f"缺 {r.shortfall_m2:g} 平方米",
                "message_en": f"{r.provided_m2:g} m2 provided, {r.required_m2:g} m2 required, "
                f"{r.shortfall_m2:g} m2 short",
            }
        )
    rooms_rule = result.standard.first("station_rooms")
    for r in c[c["n_missing_rooms"] > 0].itertuples(index=False):
        no_station = r.has_station is False
        rows.append(
            {
                "level": "station",
                "id": r.community_id,
                "name": r.name,
                "district": r.district,
                "street_code": r.street_code,
                "rule_id": rooms_rule.id if rooms_rule else "",
                "article": rooms_rule.article if rooms_rule else "",
                "shortfall_m2": np.nan,
                "message_zh": "没有社区服务工作站"
                if no_station
                else f"服务站缺少:{room_labels(r.missing_rooms)}",
                "message_en": "no community service station"
                if no_station
                else f"station lacks: {room_labels(r.missing_rooms, 'en')}",
            }
        )
    s = result.street_centres
    for r in s[~s["compliant"].astype(bool)].itertuples(index=False) if len(s) else []:
        rows.append(
            {
                "level": "street_centre",
                "id": r.facility_id if r.facility_id is not None else r.street_code,
                "name": r.name if r.name is not None else r.street,
                "district": r.district,
                "street_code": r.street_code,
                "rule_id": r.rule_id,
                "article": r.article,
                "shortfall_m2": r.shortfall_m2,
                "message_zh": "街道没有综合服务中心"
                if r.status == "no_centre"
                else f"街道中心 {r.provided_m2:g} 平方米,不足 {r.required_m2:g} 平方米",
                "message_en": "the street has no service centre"
                if r.status == "no_centre"
                else f"street centre {r.provided_m2:g} m2, below {r.required_m2:g} m2",
            }
        )
    v = result.rural
    for r in v[~v["compliant"].astype(bool)].itertuples(index=False) if len(v) else []:
        zh, en = [], []
        if not r.station_ok:
            zh.append(f"服务站 {r.station_m2:g} 平方米,不足 {r.station_required_m2:g}")
            en.append(f"station {r.station_m2:g} m2, below {r.station_required_m2:g}")
        if not r.square_ok:
            zh.append(f"广场 {r.square_m2:g} 平方米,不足 {r.square_required_m2:g}")
            en.append(f"square {r.square_m2:g} m2, below {r.square_required_m2:g}")
        rows.append(
            {
                "level": "rural",
                "id": r.community_id,
                "name": r.name,
                "district": r.district,
                "street_code": r.street_code,
                "rule_id": r.rule_id,
                "article": r.article,
                "shortfall_m2": r.station_shortfall_m2,
                "message_zh": ";".join(zh),
                "message_en": "; ".join(en),
            }
        )
    columns = [
        "level",
        "id",
        "name",
        "district",
        "street_code",
        "rule_id",
        "article",
        "shortfall_m2",
        "message_zh",
        "message_en",
    ]
    return pd.DataFrame(rows, columns=columns)
