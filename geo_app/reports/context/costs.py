"""The costs section: yearly heating cost of the district's housing now and of the chosen
sites, split between city and district (Art. 32)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.budgets import heating_costs
from analysis.compliance import ComplianceInputError
from analysis.standards import Rule, StandardSet
from geo_app.i18n import t
from geo_app.project import Project
from geo_app.reports.context._format import fmt_number, lbl, table
from geo_app.reports.context.model import ReportTable
from geo_app.workflows.site_selection import SiteSelection

COST_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("item", False),
    ("heated_m2", True),
    ("price", True),
    ("cost_yuan", True),
    ("city_pays_yuan", True),
    ("district_pays_yuan", True),
    ("payer", False),
)


@dataclass(frozen=True)
class _DistrictHeating:
    """Art. 32 heating cost of some facilities, the district's row of
    :func:`analysis.budgets.heating_costs`."""

    communities: pd.DataFrame
    districts: pd.DataFrame
    standard: StandardSet
    price: float | None
    classes: dict
    code: str

    def __call__(self, facilities: pd.DataFrame) -> pd.Series | None:
        """The district's row, ``None`` when it has none; ``None`` too when the district's
        class is missing or invalid (:class:`ComplianceInputError`)."""
        try:
            costs = heating_costs(
                facilities,
                self.communities,
                self.districts,
                standard=self.standard,
                price_yuan_per_m2=self.price,
                district_classes=self.classes,
            )
        except ComplianceInputError:
            return None
        row = costs.by_district[costs.by_district["district_code"].astype(str) == self.code]
        return row.iloc[0] if len(row) else None


def _payer(row: pd.Series, lang: str) -> str:
    return t(f"compliance.payer.{row['payer']}", lang) + (
        f"({row['city_share'] * 100:.0f}% / {(1 - row['city_share']) * 100:.0f}%)"
        if row["payer"] == "split"
        else ""
    )


def _total_row(label: str, row: pd.Series, unit: float, lang: str) -> list[str]:
    return [
        label,
        fmt_number(row["heated_m2"], 1),
        fmt_number(unit, 1),
        fmt_number(row["cost_yuan"]),
        fmt_number(row["city_pays_yuan"]),
        fmt_number(row["district_pays_yuan"]),
        _payer(row, lang),
    ]


def _new_sites(
    selection: SiteSelection | None, rule: Rule, community_ids: list[str]
) -> pd.DataFrame | None:
    """The chosen sites of known area as facilities of the first heated kind of the Art. 32
    ``rule`` (None: no such site)."""
    chosen = pd.DataFrame(selection.chosen_sites) if selection is not None else pd.DataFrame()
    if not (len(chosen) and community_ids):
        return None
    area = pd.to_numeric(chosen["usable_area_m2"], errors="coerce")
    known = chosen[area.notna()]
    if not len(known):
        return None
    return pd.DataFrame(
        {
            "facility_id": known["site_id"].astype(str),
            "kind": rule.param("heated_kinds")[0],
            "usable_area_m2": pd.to_numeric(known["usable_area_m2"]).astype(float),
            "community_id": community_ids[0],
        }
    )


def _site_rows(sites: pd.DataFrame, new: pd.Series, lang: str) -> list[list[str]]:
    """One row per new site and their total."""
    share = float(new["city_share"])
    unit = float(new["price_yuan_per_m2"])
    rows = []
    for _, s in sites.iterrows():
        cost = s["usable_area_m2"] * unit
        rows.append(
            [
                lbl("cost.site", lang, site=s["facility_id"]),
                fmt_number(s["usable_area_m2"], 1),
                fmt_number(unit, 1),
                fmt_number(cost),
                fmt_number(cost * share),
                fmt_number(cost * (1 - share)),
                _payer(new, lang),
            ]
        )
    rows.append(_total_row(lbl("cost.new_total", lang), new, unit, lang))
    return rows


def cost_table(
    project: Project,
    standard: StandardSet,
    selection: SiteSelection | None,
    code: str,
    community_ids: list[str],
    lang: str,
) -> tuple[ReportTable, dict[str, float]]:
    """Yearly heating cost of the district's housing now and of the chosen sites (Art. 32).

    Returns the table and the totals of the new sites (``new_cost, new_city, new_district``).
    """
    rule = standard.first("heating_split")
    totals = {"new_cost": 0.0, "new_city": 0.0, "new_district": 0.0}
    if rule is None or not project.has_layer("facilities"):
        return table("costs", lang, COST_COLUMNS, []), totals
    price = project.settings.parameters.get("heating_price_yuan_per_m2")
    district_heating = _DistrictHeating(
        project.layer("communities"),
        project.layer("districts"),
        standard,
        price,
        project.settings.district_classes,
        code,
    )
    rows = []
    existing = district_heating(project.layer("facilities"))
    if existing is not None:
        unit = existing["price_yuan_per_m2"]
        rows.append(_total_row(lbl("cost.existing", lang), existing, unit, lang))
    sites = _new_sites(selection, rule, community_ids)
    new = district_heating(sites) if sites is not None else None
    if new is not None:
        rows += _site_rows(sites, new, lang)
        totals = {
            "new_cost": float(new["cost_yuan"]),
            "new_city": float(new["city_pays_yuan"]),
            "new_district": float(new["district_pays_yuan"]),
        }
    note = lbl("note.costs", lang)
    if "price_yuan_per_m2" in rule.assumptions and price is None:
        note += " " + lbl("note.price_assumed", lang)
    return table("costs", lang, COST_COLUMNS, rows, note=note), totals
