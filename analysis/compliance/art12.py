"""Art. 12 para. 4: public-benefit housing rented out, sold or used for other purposes.

Art. 12: "对擅自将社区公益用房出租、出卖或挪作他用的,由区、县(市)政府予以纠正". Housing whose
``status`` (facilities layer) is one of the rule's ``statuses`` (``rented_out``, ``sold``,
``other_use``, or their Chinese labels 出租/出卖/挪作他用, :func:`layers.schema.facility_status_code`)
does not count as provided; :func:`misused_housing` lists it for correction by the district or
county government.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.compliance.art8 import split_ids
from analysis.standards import Rule
from layers.schema import FACILITY_STATUS_LABELS

MISUSED_COLUMNS: list[str] = [
    "facility_id",
    "name",
    "kind",
    "status",
    "usable_area_m2",
    "community_id",
    "community",
    "district",
    "district_code",
    "street_code",
    "rule_id",
    "article",
    "message_zh",
    "message_en",
]
"""Columns of :func:`misused_housing` (one row per facility)."""


def misused_mask(fac: pd.DataFrame, rule: Rule | None) -> np.ndarray:
    """Rows of ``fac`` (``kind``, ``status`` as codes) that are misused housing under ``rule``."""
    if rule is None or "status" not in fac.columns:
        return np.zeros(len(fac), dtype=bool)
    kinds = fac["kind"].isin(rule.param("housing_kinds")).to_numpy()
    return kinds & fac["status"].isin(rule.param("statuses")).to_numpy()


def misused_housing(fac: pd.DataFrame, comm: pd.DataFrame, rule: Rule | None) -> pd.DataFrame:
    """Misused housing of ``fac`` (one row per facility, before shared stations are split).

    ``comm`` gives community names and districts (of the first listed community of a shared
    or central station).
    """
    if rule is None:
        return pd.DataFrame(columns=MISUSED_COLUMNS)
    rows = fac[misused_mask(fac, rule)].copy()
    first = [(split_ids(c) or [None])[0] for c in rows["community_id"]]
    info = comm.set_index("community_id")[["name", "district", "district_code", "street_code"]]
    rows["_first"] = first
    rows = rows.join(info.rename(columns={"name": "community"}), on="_first")
    rows = rows.rename(columns={"facility_name": "name"})
    rows["rule_id"] = rule.id
    rows["article"] = rule.article
    zh, en = [], []
    for r in rows.itertuples(index=False):
        label = FACILITY_STATUS_LABELS.get(str(r.status), (str(r.status), str(r.status)))
        zh.append(
            f"社区公益用房{label[0]}({r.usable_area_m2:g} 平方米),不计入提供面积,"
            "由区、县(市)政府予以纠正"
        )
        en.append(
            f"public-benefit housing {label[1]} ({r.usable_area_m2:g} m2): not counted as "
            "provided; the district or county government corrects it"
        )
    rows["message_zh"] = zh
    rows["message_en"] = en
    return rows[MISUSED_COLUMNS].reset_index(drop=True)
