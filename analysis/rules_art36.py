"""Art. 36 for villages: which villages it binds, and its "two stations, two rooms".

Art. 36: "启动社区建设的村要以推进“两站”(便民服务站、卫生服务站)、“两室”(图书阅览室、多功能
活动室)、“一广场”(室外活动广场)为重点". The article binds villages that have *started*
community construction (the ``community_started`` field of the communities layer); where the
field is missing or empty the rule's ``assess_when_unknown`` decides, and the result says which
villages were assumed to have started. The two stations and two rooms are room codes of the
village station (``rooms`` field); the square is a facility of its own (area checked by
:mod:`analysis.compliance`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.checks import is_missing
from analysis.standards import Rule
from layers.schema import parse_rooms

STARTED_YES = "yes"
STARTED_NO = "no"
STARTED_ASSUMED = "assumed"

STARTED_LABELS: dict[str, tuple[str, str]] = {
    STARTED_YES: ("已启动", "started"),
    STARTED_NO: ("未启动(第三十六条不适用)", "not started (Art. 36 does not apply)"),
    STARTED_ASSUMED: ("未填写,按已启动评估", "not recorded, assessed as started"),
}


def _truth(value: object) -> bool | None:
    """``True``/``False`` of a yes/no cell (1, "是", "true" ...), ``None`` when empty."""
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "是", "已启动", "t"):
        return True
    if text in ("0", "false", "no", "n", "否", "未启动", "f"):
        return False
    return None


def started_status(communities: pd.DataFrame, rule: Rule) -> np.ndarray:
    """Per row of ``communities``: ``yes``, ``no`` or ``assumed`` (field missing or empty).

    ``assumed`` rows count as started when the rule's ``assess_when_unknown`` is true and as
    not started otherwise (they then read ``no``).
    """
    field = str(rule.param("started_field"))
    assume = bool(rule.param("assess_when_unknown"))
    values = (
        communities[field].tolist() if field in communities.columns else [None] * len(communities)
    )
    out = []
    for v in values:
        truth = _truth(v)
        if truth is None:
            out.append(STARTED_ASSUMED if assume else STARTED_NO)
        else:
            out.append(STARTED_YES if truth else STARTED_NO)
    return np.asarray(out, dtype=object)


def village_rooms(fac: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Per village: the Art. 36 rooms present in its stations and those missing.

    Returns ``community_id, rooms_present, missing_rooms, n_missing_rooms`` for every
    community that has a station of the rule's ``station_kinds``.
    """
    wanted = list(rule.param("rooms"))
    st = fac[fac["kind"].isin(rule.param("station_kinds"))]
    have: dict[str, set[str]] = {}
    for cid, text in zip(st["community_id"], st["rooms"], strict=True):
        have.setdefault(cid, set()).update(parse_rooms(text))
    rows = []
    for cid, rooms in have.items():
        lack = [r for r in wanted if r not in rooms]
        rows.append(
            {
                "community_id": cid,
                "rooms_present": ",".join(r for r in wanted if r in rooms),
                "missing_rooms": ",".join(lack),
                "n_missing_rooms": len(lack),
            }
        )
    return pd.DataFrame(
        rows, columns=["community_id", "rooms_present", "missing_rooms", "n_missing_rooms"]
    )
