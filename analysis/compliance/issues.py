"""The issue list of a compliance result: every non-compliant item with rule, article, message."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from analysis.compliance.art8 import one_station_message
from analysis.compliance.art20 import _false
from analysis.compliance.basis import undecided_text
from analysis.compliance.tables import failing, room_labels
from analysis.standards import StandardSet


class ResultTables(Protocol):
    """The tables of a :class:`~analysis.compliance.result.ComplianceResult` the issues read."""

    standard: StandardSet
    communities: pd.DataFrame
    stations: pd.DataFrame
    street_centres: pd.DataFrame
    rural: pd.DataFrame
    security: pd.DataFrame


def compliance_issues(result: ResultTables) -> pd.DataFrame:
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
    for r in s[failing(s)].itertuples(index=False) if len(s) else []:
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
    for r in v[failing(v)].itertuples(index=False) if len(v) else []:
        zh, en = [], []
        if not r.station_ok:
            zh.append(f"服务站 {r.station_m2:g} 平方米,不足 {r.station_required_m2:g}")
            en.append(f"station {r.station_m2:g} m2, below {r.station_required_m2:g}")
        if not r.square_ok:
            zh.append(f"广场 {r.square_m2:g} 平方米,不足 {r.square_required_m2:g}")
            en.append(f"square {r.square_m2:g} m2, below {r.square_required_m2:g}")
        if not getattr(r, "rooms_ok", True):
            zh.append(f"缺少:{room_labels(r.missing_rooms)}")
            en.append(f"lacks: {room_labels(r.missing_rooms, 'en')}")
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
    rows += _rule_issues(result)
    rows += _undecided_issues(result)
    columns = [
        "level",
        "id",
        "name",
        "district",
        "street_code",
        "rule_id",
        "article",
        "strictness",
        "shortfall_m2",
        "message_zh",
        "message_en",
    ]
    out = pd.DataFrame(rows, columns=columns)
    strict = {rid: rule.strictness for rid, rule in result.standard.rules.items()}
    out["strictness"] = out["rule_id"].map(strict).fillna("").astype(object)
    return out


def _undecided_issues(result: ResultTables) -> list[dict]:
    """One ``data`` row per community the data cannot decide: what is missing (待核实)."""
    c = result.communities
    rows = []
    if "undecided_reason" not in c.columns:
        return rows
    for r in c[c["status"] == "undecided"].itertuples(index=False):
        rows.append(
            {
                "level": "data",
                "id": r.community_id,
                "name": r.name,
                "district": r.district,
                "street_code": r.street_code,
                "rule_id": r.rule_id,
                "article": r.article,
                "shortfall_m2": np.nan,
                "message_zh": f"待核实:{undecided_text(r.undecided_reason, 'zh')}",
                "message_en": f"undecided: {undecided_text(r.undecided_reason, 'en')}",
            }
        )
    return rows


def _is(values: pd.Series, value: bool) -> np.ndarray:
    """Rows of a nullable boolean column equal to ``value`` (NA is neither)."""
    return values.astype(object).map(lambda v: v is not pd.NA and v == value).to_numpy(bool)


def _issue(r, level: str, rule, zh: str, en: str) -> dict:
    return {
        "level": level,
        "id": r.community_id,
        "name": r.name,
        "district": r.district,
        "street_code": r.street_code,
        "rule_id": rule.id if rule is not None else "",
        "article": rule.article if rule is not None else "",
        "shortfall_m2": np.nan,
        "message_zh": zh,
        "message_en": en,
    }


def _rule_issues(result: ResultTables) -> list[dict]:
    """Issues of Art. 8 one station, Art. 33 failed terms and Art. 20 rental/closed."""
    rows: list[dict] = []
    c = result.communities
    std = result.standard
    if "one_station_ok" in c:
        rule = std.first("one_station")
        for r in c[_is(c["one_station_ok"], False)].itertuples(index=False):
            zh, en = one_station_message(int(r.n_stations), str(r.shared_station_ids))
            rows.append(_issue(r, "one_station", rule, zh, en))
    if "two_failed_terms" in c:
        rule = std.first("failed_terms")
        for r in c[_is(c["two_failed_terms"], True)].itertuples(index=False):
            rows.append(
                _issue(
                    r,
                    "ratings",
                    rule,
                    "连续两届未达到星级和谐社区标准:调整党组织书记,依法罢免居委会主任",
                    "below the star-rated standard in two consecutive terms: the party "
                    "secretary is replaced and the committee director lawfully removed",
                )
            )
    sec = result.security
    if len(sec):
        rental, closed = std.first("rental_station"), std.first("closed_management")
        for r in sec.itertuples(index=False):
            if _false(r.rental_ok):
                zh, en = r.message_zh.split(";")[0], r.message_en.split("; ")[0]
                rows.append(_issue(r, "security", rental, zh, en))
            if _false(r.closed_ok):
                rows.append(
                    _issue(
                        r,
                        "security",
                        closed,
                        "规范化物业管理小区未实行封闭式管理",
                        "regulated residential area without closed management",
                    )
                )
    return rows
