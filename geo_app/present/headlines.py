"""Headline numbers that say what they rest on.

- :func:`coverage_headline`: how many communities a coverage share was measured for on the
  walking network and how many by the straight-line estimate (x detour), and the share on
  the network alone beside the total, so a share that rests on the estimate says so.
- :func:`shortfall_link`: the Art. 11 count of communities below standard linked to the Art. 13
  hub demand (old-area communities a central station may serve), with why the others are not
  hub demand (new developments: Art. 12; villages: Art. 36), and how many the data cannot
  decide (:func:`undecided_sentence`: undecided communities per reason, never counted below).

Examples
--------
>>> import pandas as pd
>>> per = pd.DataFrame({"households": [100, 300], "covered_households": [100, 0],
...                     "method": ["network", "euclidean_detour"]})
>>> h = coverage_headline(per)
>>> (h.network_communities, h.estimate_communities, round(h.network_share, 2))
(1, 1, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.distances import DEFAULT_DETOUR, METHOD_EUCLIDEAN, METHOD_NETWORK
from analysis.hubs import HubRule, hub_demand_mask
from geo_app.i18n import t
from geo_app.present.formatting import format_share


@dataclass(frozen=True)
class CoverageHeadline:
    """Counts and shares of a coverage result split by distance method."""

    communities: int
    network_communities: int
    estimate_communities: int
    households: float
    covered_share: float
    """Covered households over all households (both methods)."""
    network_share: float
    """Covered households over the households of the communities measured on the network."""
    detour: float = DEFAULT_DETOUR

    @property
    def method(self) -> str:
        """``network``, ``euclidean_detour`` or ``mixed``."""
        if self.estimate_communities == 0:
            return METHOD_NETWORK
        return METHOD_EUCLIDEAN if self.network_communities == 0 else "mixed"


def _share(covered: pd.Series, households: pd.Series) -> float:
    total = float(households.sum())
    return float(covered.sum()) / total if total > 0 else float("nan")


def coverage_headline(
    communities: pd.DataFrame, detour: float = DEFAULT_DETOUR
) -> CoverageHeadline:
    """The :class:`CoverageHeadline` of a per-community coverage table.

    ``communities`` needs ``households``, ``covered_households`` and ``method`` (the
    ``communities`` frame of :class:`analysis.coverage.CoverageResult`). A community counts as
    estimated when its ``method`` is ``euclidean_detour``.
    """
    households = pd.to_numeric(communities["households"], errors="coerce").fillna(0)
    covered = pd.to_numeric(communities["covered_households"], errors="coerce").fillna(0)
    estimate = communities["method"].astype(str).eq(METHOD_EUCLIDEAN).to_numpy()
    return CoverageHeadline(
        communities=len(communities),
        network_communities=int((~estimate).sum()),
        estimate_communities=int(estimate.sum()),
        households=float(households.sum()),
        covered_share=_share(covered, households),
        network_share=_share(covered[~estimate], households[~estimate]),
        detour=detour,
    )


def coverage_headline_text(headline: CoverageHeadline, lang: str = "zh") -> str:
    """One sentence: the share, how many communities on the network and how many estimated."""
    if headline.communities == 0:
        return t("headline.coverage_empty", lang)
    key = {
        METHOD_NETWORK: "headline.coverage_network",
        METHOD_EUCLIDEAN: "headline.coverage_estimate",
    }.get(headline.method, "headline.coverage_mixed")
    return t(
        key,
        lang,
        share=format_share(headline.covered_share),
        network_share=format_share(headline.network_share),
        n=headline.communities,
        network=headline.network_communities,
        estimate=headline.estimate_communities,
        detour=f"{headline.detour:g}",
    )


@dataclass(frozen=True)
class ShortfallLink:
    """Communities below standard split by what closes their shortfall."""

    below: int
    hub_demand: int
    new_development: int
    village: int
    other: int


def shortfall_counts(communities: pd.DataFrame, rule: HubRule | None = None) -> ShortfallLink:
    """Split the communities below standard (``status == "below"``) of a compliance table.

    Hub demand is :func:`analysis.hubs.hub_demand_mask`; of the rest, new developments
    (``era == "new"``, Art. 12) and villages (``kind == "rural"``, Art. 36) are named, the
    remainder counted as other.
    """
    rule = rule or HubRule()
    below = communities["status"].astype(str).eq("below").to_numpy()
    hub = hub_demand_mask(communities, rule) & below
    rest = below & ~hub
    village = rest & communities["kind"].astype(str).eq("rural").to_numpy()
    new = rest & ~village & communities["era"].astype(str).eq("new").to_numpy()
    return ShortfallLink(
        below=int(below.sum()),
        hub_demand=int(hub.sum()),
        new_development=int(new.sum()),
        village=int(village.sum()),
        other=int((rest & ~village & ~new).sum()),
    )


def shortfall_link(communities: pd.DataFrame, rule: HubRule | None = None, lang: str = "zh") -> str:
    """The sentence linking the Art. 11 shortfall count to the Art. 13 hub demand.

    "37 个社区用房低于标准,其中 4 个老旧城区社区属第十三条中心服务站需求;其余 33 个为新建
    小区,由开发建设单位按第十二条配建移交。"
    """
    link = shortfall_counts(communities, rule)
    undecided = undecided_sentence(communities, lang)
    if link.below == 0:
        if undecided:
            return f"{t('headline.shortfall_none_decided', lang)}{_gap(lang)}{undecided}"
        return t("headline.shortfall_none", lang)
    parts = [
        t(f"headline.shortfall_{name}", lang, n=n)
        for name, n in (
            ("new", link.new_development),
            ("village", link.village),
            ("other", link.other),
        )
        if n
    ]
    sep = "," if lang == "zh" else "; "
    rest = t("headline.shortfall_rest", lang, parts=sep.join(parts)) if parts else ""
    text = t("headline.shortfall", lang, below=link.below, hub=link.hub_demand, rest=rest)
    return f"{text}{_gap(lang)}{undecided}" if undecided else text


def _gap(lang: str) -> str:
    return "" if lang == "zh" else " "


def undecided_sentence(communities: pd.DataFrame, lang: str = "zh") -> str:
    """ "另有 N 个社区数据不足、待核实……" with the count per reason ("" when none is undecided).

    Counts the ``undecided`` rows of a compliance table by the codes of ``undecided_reason``
    (a row with two reasons counts under both).
    """
    if "status" not in communities.columns:
        return ""
    undecided = communities[communities["status"].astype(str).eq("undecided").to_numpy()]
    if undecided.empty:
        return ""
    codes = (
        undecided["undecided_reason"].fillna("").astype(str).str.split(",").explode()
        if "undecided_reason" in undecided.columns
        else pd.Series(dtype=object)
    )
    counts = codes[codes != ""].value_counts()
    sep = "、" if lang == "zh" else "; "
    reasons = sep.join(
        t("headline.reason_count", lang, reason=t(f"headline.reason.{code}", lang), n=int(n))
        for code, n in counts.items()
    )
    return t("headline.undecided", lang, n=len(undecided), reasons=reasons)


__all__ = [
    "CoverageHeadline",
    "ShortfallLink",
    "coverage_headline",
    "coverage_headline_text",
    "shortfall_counts",
    "shortfall_link",
    "undecided_sentence",
]
