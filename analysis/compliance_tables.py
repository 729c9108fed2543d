"""Summaries, filters and the issue list of a compliance result (pure, for pages and reports)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.checks import as_code, is_missing
from analysis.district_classes import normalize_name
from layers.schema import ROOM_LABELS, parse_rooms

if TYPE_CHECKING:
    from analysis.compliance import ComplianceResult


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


def _rule_issues(result: ComplianceResult) -> list[dict]:
    """Issues of Art. 8 one station, Art. 33 failed terms and Art. 20 rental/closed."""
    from analysis.rules_art8 import one_station_message
    from analysis.rules_art20 import _false

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
