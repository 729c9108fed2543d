"""Art. 7 community changes: establish, abolish, split, merge and adjust, with effective dates.

The district government establishes, abolishes or adjusts communities and files the decision
with the city civil-affairs bureau (Art. 7). The ``communities`` layer keeps every community
that ever existed, each with ``valid_from`` / ``valid_to`` (ISO dates, empty for "always" /
"still in force"); the table ``community_changes`` records each decision (kind, deciding
district, decision date, date filed with the city, effective date, old and new ids) and its
state (``decided``, then ``filed`` once the district has filed it with the city).
:func:`in_force` gives the communities of one date; :func:`apply_change` records a decision
and :func:`file_with_city` records its filing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import geopandas as gpd
import pandas as pd

from layers.errors import PlannerError

VALID_FROM = "valid_from"
VALID_TO = "valid_to"
STATUS = "status"
CHANGE_STATES: dict[str, tuple[str, str]] = {
    "decided": ("区县已决定", "decided by the district"),
    "filed": ("已报市民政部门备案", "filed with the city civil-affairs bureau"),
}
"""The Art. 7 workflow: the district decides, then files the decision with the city."""
CHANGES_LAYER = "community_changes"
CHANGE_KINDS: dict[str, tuple[str, str]] = {
    "establish": ("设立", "establish"),
    "abolish": ("撤销", "abolish"),
    "split": ("拆分", "split"),
    "merge": ("合并", "merge"),
    "adjust": ("调整", "adjust"),
}
CHANGE_COLUMNS: tuple[str, ...] = (
    "change_id",
    "kind",
    "district_code",
    "decision_date",
    "filed_city_at",
    "effective_date",
    "old_ids",
    "new_ids",
    STATUS,
)
# (minimum, maximum) number of old and new communities of each kind; None = no maximum
_COUNTS: dict[str, tuple[tuple[int, int | None], tuple[int, int | None]]] = {
    "establish": ((0, 0), (1, None)),
    "abolish": ((1, None), (0, 0)),
    "split": ((1, 1), (2, None)),
    "merge": ((2, None), (1, 1)),
    "adjust": ((1, None), (1, None)),
}


class CommunityChangeError(PlannerError, ValueError):
    """A community change that cannot be recorded; the message says why in zh and en."""


def parse_date(value: object, what: str = "date") -> date:
    """An ISO date (``2026-07-01``) from text or a date; ``CommunityChangeError`` otherwise."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CommunityChangeError(
            f"日期格式应为 YYYY-MM-DD:{value!r}({what})/ dates are YYYY-MM-DD: {value!r} ({what})"
        ) from None


def _dates(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: None if v is None or str(v).strip() in ("", "nan") else str(v))
    return pd.to_datetime(text, errors="coerce").dt.date


def in_force(communities: gpd.GeoDataFrame, as_of: date | str | None = None) -> gpd.GeoDataFrame:
    """The communities in force on ``as_of`` (default today); all rows without date columns."""
    if VALID_FROM not in communities.columns and VALID_TO not in communities.columns:
        return communities
    day = date.today() if as_of is None else parse_date(as_of, "as_of")
    keep = pd.Series(True, index=communities.index)
    if VALID_FROM in communities.columns:
        start = _dates(communities[VALID_FROM])
        keep &= start.map(lambda d: pd.isna(d) or d <= day).astype(bool)
    if VALID_TO in communities.columns:
        end = _dates(communities[VALID_TO])
        keep &= end.map(lambda d: pd.isna(d) or d > day).astype(bool)
    return communities[keep.to_numpy()]


def drop_out_of_force(
    frame: pd.DataFrame, communities: gpd.GeoDataFrame, as_of: date | str | None = None
) -> pd.DataFrame:
    """Rows of ``frame`` whose ``community_id`` names a community of the layer's history that
    is not in force on ``as_of`` (a facility of an abolished community, say) are left out."""
    if "community_id" not in frame.columns or VALID_TO not in communities.columns:
        return frame
    known = set(communities["community_id"].astype(str))
    current = set(in_force(communities, as_of)["community_id"].astype(str))
    gone = known - current
    if not gone:
        return frame
    return frame[~frame["community_id"].astype(str).isin(gone).to_numpy()]


def _check_counts(kind: str, old_ids: Sequence[str], new: gpd.GeoDataFrame) -> None:
    if kind not in CHANGE_KINDS:
        raise CommunityChangeError(
            f"未知变更类型 {kind};可选 {', '.join(CHANGE_KINDS)} / unknown change kind {kind}"
        )
    for (low, high), n, what_zh, what_en in (
        (_COUNTS[kind][0], len(old_ids), "原社区", "old communities"),
        (_COUNTS[kind][1], len(new), "新社区", "new communities"),
    ):
        if n < low or (high is not None and n > high):
            wanted = f"{low}" if low == high else f"{low}-{high if high is not None else 'n'}"
            raise CommunityChangeError(
                f"{CHANGE_KINDS[kind][0]}需要 {wanted} 个{what_zh},给出 {n} 个 / "
                f"{kind} needs {wanted} {what_en}, got {n}"
            )


def _next_change_id(changes: pd.DataFrame | None) -> int:
    if changes is None or changes.empty:
        return 1
    return int(pd.to_numeric(changes["change_id"], errors="coerce").max()) + 1


def apply_change(  # noqa: PLR0913 — keyword-only fields of one Art. 7 decision record
    communities: gpd.GeoDataFrame,
    changes: pd.DataFrame | None,
    kind: str,
    *,
    old_ids: Sequence[str] = (),
    new: gpd.GeoDataFrame | None = None,
    district_code: str,
    decision_date: date | str,
    effective_date: date | str,
    filed_city_at: date | str | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Record one Art. 7 decision: ``(communities, community_changes)`` after it.

    The old communities end the day before ``effective_date`` (``valid_to`` = that date,
    exclusive); the new ones start on it. Old communities must be in force on that date, new
    ids must be new, and the numbers must fit the kind (a split: one old, two or more new).
    """
    new = communities.iloc[0:0] if new is None else new
    old_ids = [str(i) for i in old_ids]
    _check_counts(kind, old_ids, new)
    effective = parse_date(effective_date, "effective_date")
    decided = parse_date(decision_date, "decision_date")
    if decided > effective:
        raise CommunityChangeError(
            "决定日期晚于生效日期 / the decision date is after the effective date"
        )
    ids = communities["community_id"].astype(str)
    current = set(in_force(communities, effective)["community_id"].astype(str))
    missing = [i for i in old_ids if i not in current]
    if missing:
        raise CommunityChangeError(
            f"原社区 {', '.join(missing)} 在 {effective} 不存在或已撤销 / old communities "
            f"{', '.join(missing)} are not in force on {effective}"
        )
    new_ids = [str(i) for i in new.get("community_id", pd.Series(dtype=str))]
    reused = [i for i in new_ids if i in set(ids) and i not in old_ids]
    if reused or len(set(new_ids)) != len(new_ids):
        raise CommunityChangeError(
            f"新社区编号重复:{', '.join(reused) or '-'} / new community ids are not unique"
        )
    out = communities.copy()
    for column in (VALID_FROM, VALID_TO):
        if column not in out.columns:
            out[column] = None
    out[VALID_TO] = out[VALID_TO].astype(object)
    ending = ids.isin(old_ids).to_numpy() & out[VALID_TO].isna().to_numpy()
    out.loc[ending, VALID_TO] = effective.isoformat()
    if len(new):
        added = new.to_crs(out.crs) if new.crs is not None and out.crs is not None else new
        added = added.assign(**{VALID_FROM: effective.isoformat(), VALID_TO: None})
        out = gpd.GeoDataFrame(pd.concat([out, added], ignore_index=True), crs=out.crs)
    row = pd.DataFrame(
        [
            {
                "change_id": _next_change_id(changes),
                "kind": kind,
                "district_code": str(district_code),
                "decision_date": decided.isoformat(),
                "filed_city_at": None
                if filed_city_at is None
                else parse_date(filed_city_at, "filed_city_at").isoformat(),
                "effective_date": effective.isoformat(),
                "old_ids": ",".join(old_ids),
                "new_ids": ",".join(new_ids),
                STATUS: "decided" if filed_city_at is None else "filed",
            }
        ],
        columns=list(CHANGE_COLUMNS),
    )
    table = (
        row if changes is None or changes.empty else pd.concat([changes, row], ignore_index=True)
    )
    return out, table


def file_with_city(changes: pd.DataFrame, change_id: int, filed_at: date | str) -> pd.DataFrame:
    """The changes table with decision ``change_id`` filed with the city on ``filed_at``."""
    ids = pd.to_numeric(changes["change_id"], errors="coerce")
    rows = (ids == int(change_id)).to_numpy()
    if not rows.any():
        raise CommunityChangeError(f"没有变更 {change_id} / no change {change_id}")
    out = changes.copy()
    for column in ("filed_city_at", STATUS):
        out[column] = out[column].astype(object) if column in out else None
    out.loc[rows, "filed_city_at"] = parse_date(filed_at, "filed_city_at").isoformat()
    out.loc[rows, STATUS] = "filed"
    return out
