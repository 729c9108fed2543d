"""The district comparison as data: :class:`DistrictComparison` and how its values are shown."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.compare import UNIT_LABELS
from analysis.standards import STRICTNESS_LABELS
from geo_app.i18n import normalise_lang, t

STATION_KINDS: tuple[str, ...] = ("community_station", "central_station", "rural_station")
"""Facility kinds a community counts as covered by (service stations, incl. Art. 13 hubs)."""


@dataclass
class DistrictComparison:
    """Metrics of districts side by side.

    Attributes
    ----------
    metrics : DataFrame
        Rows = metric ids, columns = district names, float values (NaN = no data); shares are
        fractions 0-1.
    ranks : DataFrame
        Same shape, nullable integers, 1 = best; NA for unranked (size/budget) metrics.
    definitions : DataFrame
        Indexed by metric id: ``label_zh, label_en, unit, article, higher_is_better, source``.
    districts : DataFrame
        ``district_code, name`` of the compared districts, in column order.
    notes : list of str
        Bilingual notes on inputs that were missing or could not be used.
    communities : GeoDataFrame or None
        The communities of the compared districts (EPSG:4326 polygons) with their compliance
        columns (``required_m2, provided_m2, shortfall_m2, status, article ...``) and
        ``nearest_station_m`` (walking metres to the nearest service station, NaN beyond the
        largest coverage distance), for maps and reports; ``None`` without communities.
    """

    metrics: pd.DataFrame
    ranks: pd.DataFrame
    definitions: pd.DataFrame
    districts: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    communities: gpd.GeoDataFrame | None = None

    @property
    def names(self) -> list[str]:
        """District names, in column order."""
        return [str(c) for c in self.metrics.columns]

    def value(self, metric_id: str, district: str) -> float:
        """The value of one metric for one district (by name)."""
        return float(self.metrics.loc[metric_id, district])

    def display(self, lang: str = "zh", *, ranks: bool = True, text: bool = False) -> pd.DataFrame:
        """The table for a planner: metric label, unit, article, one column per district
        (shares in %, rounded) and, with ``ranks``, one rank column per district.

        Missing values are shown as "无数据" / "no data". With ``text`` every cell is a string
        (thousands separated; what the page shows), otherwise values stay numbers (exports).
        """
        lang = normalise_lang(lang)
        defs = self.definitions
        no_data = t("compare.no_data", lang)
        out = pd.DataFrame(
            {
                t("compare.col.metric", lang): [
                    defs.at[m, "label_zh" if lang == "zh" else "label_en"]
                    for m in self.metrics.index
                ],
                t("compare.col.unit", lang): [
                    UNIT_LABELS.get(defs.at[m, "unit"], (defs.at[m, "unit"],) * 2)[
                        0 if lang == "zh" else 1
                    ]
                    for m in self.metrics.index
                ],
                t("compare.col.article", lang): [
                    article_label(defs.at[m, "article"], lang) for m in self.metrics.index
                ],
                t("compare.col.strictness", lang): [
                    STRICTNESS_LABELS.get(defs.at[m, "strictness"], ("", ""))[
                        0 if lang == "zh" else 1
                    ]
                    for m in self.metrics.index
                ],
            },
            index=self.metrics.index,
        )
        for name in self.names:
            out[name] = pd.Series(
                [
                    _format(self.metrics.at[m, name], defs.at[m, "unit"], no_data, text)
                    for m in self.metrics.index
                ],
                index=self.metrics.index,
                dtype=object,
            )
        if ranks:
            for name in self.names:
                out[t("compare.col.rank_of", lang, district=name)] = pd.Series(
                    [
                        "" if pd.isna(r) else (str(int(r)) if text else int(r))
                        for r in self.ranks[name]
                    ],
                    index=self.metrics.index,
                    dtype=object,
                )
        out.index.name = "metric"
        return out


_ARTICLE_ZH = {
    "8": "第八条",
    "11": "第十一条",
    "12": "第十二条",
    "13": "第十三条",
    "20": "第二十条",
    "32": "第三十二条",
    "33": "第三十三条",
    "36": "第三十六条",
}


def article_label(text: object, lang: str = "zh") -> str:
    """``Art. 11, 12`` -> 第十一条、第十二条 in Chinese; other texts as they are."""
    text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    if lang != "zh" or not text.startswith("Art. "):
        return text
    nums = [n.strip() for n in text[len("Art. ") :].split(",")]
    return "、".join(_ARTICLE_ZH.get(n, f"第{n}条") for n in nums)


def _format(value: float, unit: str, no_data: str, text: bool = False) -> object:
    if value is None or pd.isna(value):
        return no_data
    if unit == "share":
        out = round(float(value) * 100, 1)
        return f"{out:.1f}" if text else out
    if unit in ("count", "households", "persons"):
        out = int(round(float(value)))
        return f"{out:,}" if text else out
    out = round(float(value), 1)
    return f"{out:,.1f}" if text else out
