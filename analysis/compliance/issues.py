"""The issue list of a compliance result: every non-compliant item with rule, article, message."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from analysis.compliance.art8 import one_station_message
from analysis.compliance.art20 import SECURITY_MESSAGES, security_codes
from analysis.compliance.basis import undecided_text
from analysis.compliance.labels import FUNDING_LABELS
from analysis.compliance.tables import art8_rooms_mask, failing, room_labels
from analysis.standards import StandardSet


class ResultTables(Protocol):
    """The tables of a :class:`~analysis.compliance.result.ComplianceResult` the issues read."""

    standard: StandardSet
    communities: pd.DataFrame
    stations: pd.DataFrame
    street_centres: pd.DataFrame
    rural: pd.DataFrame
    security: pd.DataFrame
    central_stations: pd.DataFrame
    misused_housing: pd.DataFrame
    village_start: pd.DataFrame


def _area_message(r) -> tuple[str, str]:
    """zh/en text of a community below its housing rule; a new development's gap is split
    into the developer's part (Art. 12) and the rest with its payer."""
    zh = f"用房 {r.provided_m2:g} 平方米,应达 {r.required_m2:g} 平方米,缺 {r.shortfall_m2:g} 平方米"
    en = (
        f"{r.provided_m2:g} m2 provided, {r.required_m2:g} m2 required, {r.shortfall_m2:g} m2 short"
    )
    developer = getattr(r, "developer_gap_m2", np.nan)
    remainder = getattr(r, "remainder_gap_m2", np.nan)
    if pd.notna(developer) and pd.notna(remainder) and remainder > 0:
        payer = FUNDING_LABELS.get(str(r.remainder_funding), (r.remainder_funding,) * 2)
        zh += f"(开发建设单位应配建 {developer:g} 平方米;其余 {remainder:g} 平方米{payer[0]})"
        en += f" (the developer owes {developer:g} m2; the other {remainder:g} m2: {payer[1]})"
    return zh, en


def compliance_issues(result: ResultTables) -> pd.DataFrame:
    """Every failing item of a result: level, id, name, district, rule, article and messages."""
    rows: list[dict] = []
    c = result.communities
    # a village's verdict is listed once, with the station, square and rooms, as "rural"
    villages = set(result.rural["community_id"]) if len(result.rural) else set()
    below = c["status"].eq("below").to_numpy() & ~c["community_id"].isin(villages).to_numpy()
    for r in c[below].itertuples(index=False):
        zh, en = _area_message(r)
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
                "message_zh": zh,
                "message_en": en,
            }
        )
    rooms_rule = result.standard.first("station_rooms")
    no_station = _is(c["has_station"], False)
    # without any station the Art. 8 one-station issue says so (required); listed once
    covered = (
        no_station & _is(c["one_station_ok"], False)
        if "one_station_ok" in c
        else np.zeros(len(c), dtype=bool)
    )
    lacking = art8_rooms_mask(c) & ~covered
    for r, none in zip(c[lacking].itertuples(index=False), no_station[lacking], strict=True):
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
                if none
                else f"服务站缺少:{room_labels(r.missing_rooms)}",
                "message_en": "no community service station"
                if none
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
        "id": getattr(r, "community_id", None),
        "name": getattr(r, "name", None),
        "district": r.district,
        "street_code": r.street_code,
        "rule_id": rule.id if rule is not None else "",
        "article": rule.article if rule is not None else "",
        "shortfall_m2": np.nan,
        "message_zh": zh,
        "message_en": en,
    }


def _rule_issues(result: ResultTables) -> list[dict]:
    """Issues of Art. 8 one station, Art. 33 failed terms, Arts. 12, 13, 18, 20 and 35."""
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
    rows += _security_issues(result)
    rows += _art12_issues(result)
    rows += _art35_issues(result)
    return rows


_SECURITY_RULES: dict[str, str] = {
    "no_police_room": "police_room",
    "no_rental_station": "rental_station",
    "rental_apart": "rental_station",
    "not_closed": "closed_management",
    "no_property_station": "property_station",
}
"""Check (``check`` of the rule) of each code of :data:`SECURITY_MESSAGES`."""


def _security_issues(result: ResultTables) -> list[dict]:
    """Art. 18 and 20: one issue per failing check of a community."""
    rows: list[dict] = []
    sec = result.security
    for r in sec.itertuples(index=False) if len(sec) else []:
        for code in security_codes(r):
            zh, en = SECURITY_MESSAGES[code]
            rule = result.standard.first(_SECURITY_RULES[code])
            rows.append(_issue(r, "security", rule, zh, en))
    return rows


def _art12_issues(result: ResultTables) -> list[dict]:
    """Art. 12 para. 3 completion acceptance, para. 4 misused housing, and Art. 13 para. 4
    central stations listing communities outside the old town."""
    rows: list[dict] = []
    std, c = result.standard, result.communities
    if "acceptance_blocked" in c:
        rule = std.first("completion_acceptance")
        for r in c[_is(c["acceptance_blocked"], True)].itertuples(index=False):
            zh = (
                f"开发建设单位未按每百户20平方米配建社区公益用房(缺 {r.developer_gap_m2:g} 平方米),"
                "不得组织竣工验收"
            )
            en = (
                f"the developer has not built its public-benefit housing ({r.developer_gap_m2:g} "
                "m2 short of 20 m2 per 100 households): no completion acceptance"
            )
            rows.append(_issue(r, "acceptance", rule, zh, en))
    misused = result.misused_housing
    for r in misused.itertuples(index=False) if len(misused) else []:
        issue = _issue(r, "misused_housing", std.rules.get(r.rule_id), r.message_zh, r.message_en)
        issue.update(id=r.facility_id, name=r.name)
        rows.append(issue)
    central = result.central_stations
    if len(central):
        rule = std.first("central_station")
        for r in central[~central["credited"].astype(bool)].itertuples(index=False):
            zh = (
                f"社区中心服务站 {r.facility_id} 列出的社区 {r.community} 不是老城区社区,"
                f"分摊的 {r.share_m2:g} 平方米不计入"
            )
            en = (
                f"central station {r.facility_id} lists {r.community}, not an old urban "
                f"community: its share of {r.share_m2:g} m2 is not credited"
            )
            rows.append(_issue(r, "central_station", rule, zh, en))
    return rows


def _art35_issues(result: ResultTables) -> list[dict]:
    """Art. 35: counties whose share of started villages misses a milestone."""
    starts = result.village_start
    if not len(starts):
        return []
    rule = result.standard.first("village_start")
    missed = starts[starts["level"].eq("county") & _is(starts["met"], False)]
    rows = []
    for r in missed.itertuples(index=False):
        issue = _issue(r, "village_start", rule, r.message_zh, r.message_en)
        issue.update(id=r.district_code, name=r.district)
        rows.append(issue)
    return rows
