"""The result of a compliance analysis: its tables, totals, summary text and workbook sheets."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.compliance.art11_13 import CENTRAL_COLUMNS
from analysis.compliance.art12 import MISUSED_COLUMNS
from analysis.compliance.art20 import SECURITY_COLUMNS
from analysis.compliance.art35 import VILLAGE_START_COLUMNS
from analysis.compliance.district_classes import DISTRICT_NOTE_COLUMNS
from analysis.compliance.issues import compliance_issues
from analysis.compliance.tables import art8_rooms_mask, failing
from analysis.standards import StandardSet


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
        One row per village Art. 36 applies to: station, square and rooms.
    by_street, by_district : DataFrame
        Summaries (counts, required/provided/shortfall totals).
    security : DataFrame
        Art. 20 rental-housing stations and closed management (:mod:`analysis.compliance.art20`).
    failed_terms : DataFrame
        Art. 33 ratings per community (:func:`analysis.compliance.art33.failed_terms`), empty
        without a ratings table.
    district_notes : DataFrame
        Districts whose layer class was replaced by the class of the measures (Art. 11).
    central_stations : DataFrame
        Art. 13 para. 4 central stations: one row per station and community it serves, with
        the share credited (:func:`analysis.compliance.art11_13.central_credits`).
    misused_housing : DataFrame
        Art. 12 para. 4: housing rented out, sold or used for other purposes, not counted and
        listed for correction (:func:`analysis.compliance.art12.misused_housing`).
    village_start : DataFrame
        Art. 35: share of villages that started community construction per city, county and
        township against the milestones (:func:`analysis.compliance.art35.village_start`).
    """

    standard: StandardSet
    communities: pd.DataFrame
    stations: pd.DataFrame
    street_centres: pd.DataFrame
    rural: pd.DataFrame
    by_street: pd.DataFrame
    by_district: pd.DataFrame
    security: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SECURITY_COLUMNS))
    failed_terms: pd.DataFrame = field(default_factory=pd.DataFrame)
    district_notes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=DISTRICT_NOTE_COLUMNS)
    )
    central_stations: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=CENTRAL_COLUMNS)
    )
    misused_housing: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=MISUSED_COLUMNS)
    )
    village_start: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=VILLAGE_START_COLUMNS)
    )

    def issues(self) -> pd.DataFrame:
        """Every non-compliant item, one row each, with rule, article and a zh/en message."""
        return compliance_issues(self)

    def totals(self) -> dict[str, float]:
        """Headline numbers: communities assessed, decided, undecided, below; the decided
        shortfall (``shortfall_m2``) and the undecided rows' shortfall under the assumptions
        (``provisional_shortfall_m2``, never part of the total); flags of each check."""
        c = self.communities
        status = c["status"].astype(object)
        provisional = (
            c["provisional_shortfall_m2"] if "provisional_shortfall_m2" in c else pd.Series([])
        )
        centres = self.street_centres
        return {
            "n_communities": int(len(c)),
            "n_assessed": int((status != "not_applicable").sum()),
            "n_decided": int(status.isin(["compliant", "below"]).sum()),
            "n_undecided": int((status == "undecided").sum()),
            "n_compliant": int((status == "compliant").sum()),
            "n_below": int((status == "below").sum()),
            "shortfall_m2": round(float(c["shortfall_m2"].fillna(0).sum()), 2),
            "provisional_shortfall_m2": round(float(provisional.fillna(0).sum()), 2),
            "n_missing_rooms": int(art8_rooms_mask(c).sum()),
            "n_street_centres_below": int(failing(centres).sum()) if len(centres) else 0,
            "n_street_centres_undecided": int((centres["status"] == "undecided").sum())
            if len(centres)
            else 0,
            "n_rural_below": int(failing(self.rural).sum()) if len(self.rural) else 0,
            "n_one_station": int(c["one_station_ok"].eq(False).sum())
            if "one_station_ok" in c
            else 0,
            "n_two_failed_terms": int(c["two_failed_terms"].eq(True).sum())
            if "two_failed_terms" in c
            else 0,
            "n_security": int((self.security["message_zh"] != "").sum())
            if len(self.security)
            else 0,
            "n_district_notes": int(len(self.district_notes)),
            "n_acceptance_blocked": int(c["acceptance_blocked"].eq(True).sum())
            if "acceptance_blocked" in c
            else 0,
            "n_misused_housing": int(len(self.misused_housing)),
            "n_village_start_missed": _counties_behind(self.village_start),
        }

    def summary_text(self, lang: str = "zh") -> str:
        """A short planner summary of :meth:`totals`."""
        t = self.totals()
        if t["n_assessed"] == 0:
            if lang == "zh":
                return f"标准 {self.standard.name} 没有适用于这些社区的用房面积规则。"
            return f"Standard {self.standard.name} has no area rule for these communities."
        zh = lang == "zh"
        undecided = ""
        if t["n_undecided"]:
            undecided = (
                f"另有 {t['n_undecided']} 个数据不足、待核实(未计入缺口合计;按现有假设缺口 "
                f"{t['provisional_shortfall_m2']:,.1f} 平方米);"
                if zh
                else f"{t['n_undecided']} more cannot be decided from the data (not in the "
                f"total; {t['provisional_shortfall_m2']:,.1f} m2 under the assumptions); "
            )
        if zh:
            text = (
                f"标准 {self.standard.name}:共评估 {t['n_assessed']} 个社区/村,"
                f"其中 {t['n_decided']} 个可判定:"
                f"{t['n_below']} 个低于标准,用房缺口合计 {t['shortfall_m2']:,.1f} 平方米;"
                f"{undecided}"
                f"{t['n_missing_rooms']} 个社区服务站功能用房不全(第八条);"
                f"{t['n_street_centres_below']} 个街道综合服务中心不足标准(第十一条);"
                f"{t['n_rural_below']} 个村服务站、广场或两站两室不足(第三十六条)。"
            )
        else:
            text = (
                f"Standard {self.standard.name}: {t['n_assessed']} communities assessed, "
                f"{t['n_decided']} decided: "
                f"{t['n_below']} below standard, total shortfall {t['shortfall_m2']:,.1f} m2; "
                f"{undecided}"
                f"{t['n_missing_rooms']} stations lack Art. 8 rooms; "
                f"{t['n_street_centres_below']} street centres below Art. 11; "
                f"{t['n_rural_below']} villages below Art. 36."
            )
        extra = (
            (
                "n_one_station",
                "{n} 个社区不符合一居一站(第八条)。",
                "{n} break one committee, one station (Art. 8).",
            ),
            (
                "n_two_failed_terms",
                "{n} 个社区连续两届未达星级标准(第三十三条)。",
                "{n} failed the star standard in two consecutive terms (Art. 33).",
            ),
            (
                "n_acceptance_blocked",
                "{n} 个新建居住区开发建设单位未按标准配建公益用房,不得组织竣工验收(第十二条)。",
                "{n} new developments lack the developer's housing and may not be accepted on "
                "completion (Art. 12).",
            ),
            (
                "n_misused_housing",
                "{n} 处社区公益用房被出租、出卖或挪作他用,不计入面积,应予纠正(第十二条)。",
                "{n} pieces of housing are rented out, sold or used otherwise: not counted, to "
                "be corrected (Art. 12).",
            ),
            (
                "n_security",
                "{n} 个社区警务室、出租房管理站、封闭式管理或物业服务站未落实(第十八、二十条)。",
                "{n} lack a police room, rental-housing station, closed management or property "
                "service station (Art. 18, 20).",
            ),
            (
                "n_village_start_missed",
                "{n} 个区县启动农村社区建设的村的比例未达到第三十五条的进度。",
                "{n} counties are behind the Art. 35 milestones of villages started.",
            ),
            (
                "n_district_notes",
                "{n} 个区县的类别与区县图层不同,按办法评估(第十一条)。",
                "{n} districts' layer class differs from the measures and was replaced (Art. 11).",
            ),
        )
        for key, z, e in extra:
            if t[key]:
                text += ("" if zh else " ") + (z if zh else e).format(n=t[key])
        if t["n_district_notes"]:
            names = "、".join(str(n) for n in self.district_notes["district"])
            text += f"({names})" if zh else f" ({names})"
        return text

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Tables for a workbook: name -> frame (communities first)."""
        return {
            "communities": self.communities,
            "by_street": self.by_street,
            "by_district": self.by_district,
            "stations": self.stations,
            "street_centres": self.street_centres,
            "rural": self.rural,
            "security": self.security,
            "failed_terms": self.failed_terms,
            "district_notes": self.district_notes,
            "central_stations": self.central_stations,
            "misused_housing": self.misused_housing,
            "village_start": self.village_start,
            "issues": self.issues(),
            "rules": self.standard.to_frame(),
        }


def _counties_behind(starts: pd.DataFrame) -> int:
    """Counties missing at least one Art. 35 milestone (each counted once)."""
    if not len(starts):
        return 0
    missed = starts["met"].eq(False).fillna(False).to_numpy(bool)
    county = starts["level"].eq("county").to_numpy(bool)
    return int(starts.loc[missed & county, "district_code"].nunique())
