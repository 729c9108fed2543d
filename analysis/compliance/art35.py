"""Art. 35: the share of villages that started rural community construction, against the milestones.

Art. 35: "到2010年底,全市50%的村启动农村社区建设,在“十二五”规划期内全面开展". The rule's
``milestones`` map a date to the share of villages that should have started by then (50% by
2010-12-31, all by 2015-12-31, the end of the 12th five-year plan). A village started when its
``community_started`` field is true; ``started_at`` (a year or a date, optional) says when.

Per milestone a village is *started by then* (started, date on or before), *not* (not started,
or started later) or *unknown* (started without a date, or the field empty). A milestone is met
when the sure ones reach the share, missed when even counting every unknown village they do not,
and left open (NA) otherwise; the table says how many villages were unknown. :func:`village_start`
gives one row per milestone for the city, each county and each township.

Examples
--------
>>> _year_end("2009")
Timestamp('2009-12-31 00:00:00')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.compliance.art36 import _truth
from analysis.compliance.checks import is_missing
from analysis.standards import Rule

VILLAGE_START_COLUMNS: list[str] = [
    "level",
    "district_code",
    "district",
    "street_code",
    "street",
    "milestone",
    "target_share",
    "n_villages",
    "n_started",
    "n_started_by",
    "n_unknown",
    "share_started_by",
    "met",
    "rule_id",
    "article",
    "message_zh",
    "message_en",
]
"""Columns of :func:`village_start`; ``level`` is ``city``, ``county`` or ``township``."""

LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "city": ("全市", "whole city"),
    "county": ("区县", "county / district"),
    "township": ("乡镇(街道)", "township / street"),
}

TOL = 1e-9


def _year_end(value: object) -> pd.Timestamp | None:
    """The date of a ``started_at`` cell; a bare year counts as its last day (so a village is
    only counted as started by a date when it surely was)."""
    if is_missing(value):
        return None
    text = str(value).strip()
    if isinstance(value, int | float | np.integer | np.floating) or text.isdigit():
        try:
            return pd.Timestamp(year=int(float(text)), month=12, day=31)
        except (TypeError, ValueError):
            return None
    when = pd.to_datetime(text, errors="coerce")
    return None if pd.isna(when) else pd.Timestamp(when)


def _by(started: bool | None, when: pd.Timestamp | None, milestone: pd.Timestamp) -> bool | None:
    """Whether a village had started by ``milestone``: True, False or None (unknown)."""
    if started is False:
        return False
    if when is None:
        return None
    return bool(when <= milestone)


def _messages(row: dict) -> tuple[str, str]:
    day, target = row["milestone"], row["target_share"]
    if row["met"] is True:
        return "", ""
    need = f"{target:.0%}"
    if row["met"] is False and row["n_unknown"]:
        return (
            f"到 {day} 确定已启动农村社区建设的村 {row['n_started_by']}/{row['n_villages']},"
            f"另有 {row['n_unknown']} 个村启动记录或日期不明;即使都按期启动也未达到 {need}",
            f"{row['n_started_by']} of {row['n_villages']} villages surely started by {day} and "
            f"{row['n_unknown']} have no start record or date: even if all of these started in "
            f"time, {need} was not reached",
        )
    if row["met"] is False:
        return (
            f"到 {day} 已启动农村社区建设的村 {row['n_started_by']}/{row['n_villages']},"
            f"未达到 {need}",
            f"{row['n_started_by']} of {row['n_villages']} villages had started by {day}, "
            f"below {need}",
        )
    return (
        f"{row['n_unknown']} 个村缺少启动记录或启动日期,无法判断到 {day} 是否达到 {need}",
        f"{row['n_unknown']} villages lack a start record or date: whether {need} had started "
        f"by {day} cannot be told",
    )


def _group_rows(frame: pd.DataFrame, milestones: dict[str, float], keys: dict) -> list[dict]:
    rows = []
    n = len(frame)
    for day, share in milestones.items():
        by = frame[f"by_{day}"]
        sure = int(sum(v is True for v in by))
        unknown = int(sum(v is None for v in by))
        need = float(share) * n - TOL
        met = True if sure >= need else (False if sure + unknown < need else None)
        row = {
            **keys,
            "milestone": day,
            "target_share": float(share),
            "n_villages": n,
            "n_started": int(sum(v is True for v in frame["started"])),
            "n_started_by": sure,
            "n_unknown": unknown,
            "share_started_by": round(sure / n, 4) if n else 0.0,
            "met": met,
        }
        row["message_zh"], row["message_en"] = _messages(row)
        rows.append(row)
    return rows


def village_start(communities: pd.DataFrame, comm: pd.DataFrame, rule: Rule | None) -> pd.DataFrame:
    """Art. 35 milestones for the city, every county and every township with villages.

    Parameters
    ----------
    communities : DataFrame
        The communities layer (``community_started``, optional ``started_at``).
    comm : DataFrame
        The per-community compliance table in the same row order (``kind``, ``district_code``,
        ``district``, ``street_code``, ``street``).
    rule : Rule or None
        The rule with ``check = "village_start"``.
    """
    if rule is None:
        return pd.DataFrame(columns=VILLAGE_START_COLUMNS)
    villages = comm["kind"].isin(rule.param("applies_to_kinds")).to_numpy()
    n = len(communities)
    field, date_field = str(rule.param("started_field")), str(rule.param("date_field"))
    started_raw = communities[field].tolist() if field in communities.columns else [None] * n
    dates_raw = (
        communities[date_field].tolist() if date_field in communities.columns else [None] * n
    )
    frame = comm.loc[villages, ["district_code", "district", "street_code", "street"]].copy()
    started = [_truth(v) for v, keep in zip(started_raw, villages, strict=True) if keep]
    dates = [_year_end(v) for v, keep in zip(dates_raw, villages, strict=True) if keep]
    # a village with a start date but an empty started field did start
    frame["started"] = [
        True if (s is None and d is not None) else s for s, d in zip(started, dates, strict=True)
    ]
    milestones = {str(k): float(v) for k, v in dict(rule.param("milestones")).items()}
    for day in milestones:
        limit = pd.Timestamp(day)
        frame[f"by_{day}"] = [
            _by(s, d, limit) for s, d in zip(frame["started"], dates, strict=True)
        ]
    if frame.empty:
        return pd.DataFrame(columns=VILLAGE_START_COLUMNS)
    blank = {"district_code": None, "district": None, "street_code": None, "street": None}
    rows = _group_rows(frame, milestones, {"level": "city", **blank})
    for code, g in frame.groupby(frame["district_code"].astype(object).fillna(""), sort=True):
        keys = {**blank, "level": "county", "district_code": code or None}
        keys["district"] = g["district"].iloc[0]
        rows += _group_rows(g, milestones, keys)
    for (code, street), g in frame.groupby(
        [
            frame["district_code"].astype(object).fillna(""),
            frame["street_code"].astype(object).fillna(""),
        ],
        sort=True,
    ):
        keys = {"level": "township", "district_code": code or None, "street_code": street or None}
        keys["district"], keys["street"] = g["district"].iloc[0], g["street"].iloc[0]
        rows += _group_rows(g, milestones, keys)
    out = pd.DataFrame(rows)
    out["met"] = pd.array([pd.NA if m is None else m for m in out["met"]], dtype="boolean")
    out["rule_id"] = rule.id
    out["article"] = rule.article
    return out[VILLAGE_START_COLUMNS]
