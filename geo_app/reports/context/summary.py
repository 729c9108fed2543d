"""The summary section: headline numbers, summary sentences and the district's metrics (the
district's column of the district comparison, :mod:`geo_app.workflows.compare`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo_app.reports.context._format import fmt_number, fmt_share, in_lang, lbl, table, text
from geo_app.reports.context.coverage import GAP_DISTANCE
from geo_app.reports.context.model import KeyNumber, ReportInputs, ReportTable
from geo_app.workflows.compare import Precomputed, project_district_metrics
from geo_app.workflows.site_selection import SiteSelection


@dataclass(frozen=True)
class Headline:
    """What the summary states, gathered from the other sections.

    Attributes
    ----------
    totals : dict
        ``ComplianceResult.totals()`` of the district.
    communities : DataFrame
        The district's compliance rows (``households`` ...).
    population : float
        The district's population (NaN when unknown).
    coverage : DataFrame
        Per-community walking coverage (``nearest_m``, ``households``).
    n_far : int
        Communities beyond the gap distance.
    selection : SiteSelection or None
        The report's sites.
    n_unserved : int
        Communities no site serves.
    cost_totals : dict
        Heating cost of the new sites: ``new_cost, new_city, new_district``.
    """

    totals: dict
    communities: pd.DataFrame
    population: float
    coverage: pd.DataFrame
    n_far: int
    selection: SiteSelection | None
    n_unserved: int
    cost_totals: dict[str, float]

    @property
    def households(self) -> float:
        """Households of the district's communities."""
        return float(self.communities["households"].fillna(0).sum())

    def covered_share(self) -> str:
        """Share of households within :data:`GAP_DISTANCE` of a station, formatted."""
        coverage = self.coverage
        households = self.households
        near = pd.to_numeric(coverage.get("nearest_m"), errors="coerce").le(GAP_DISTANCE)
        covered = (
            float(coverage.loc[near.to_numpy(), "households"].fillna(0).sum())
            if len(coverage)
            else float("nan")
        )
        return fmt_share(covered / households if households > 0 else float("nan"))

    @property
    def no_facility_data(self) -> bool:
        """Whether none of the district's communities has facility data (coverage unknown)."""
        basis = self.communities.get("facility_basis")
        return basis is not None and len(basis) > 0 and bool(basis.eq("absent").all())

    def site_counts(self) -> tuple[int, int]:
        """Chosen sites and the communities they serve."""
        selection = self.selection
        n_sites = len(selection.chosen_sites) if selection is not None else 0
        served = (
            int(selection.assignments["community_id"].nunique())
            if selection is not None and len(selection.assignments)
            else 0
        )
        return n_sites, served


def headline(name: str, facts: Headline, lang: str) -> tuple[list[KeyNumber], list[str]]:
    """The key numbers and the summary sentences of the report of district ``name``."""
    share = "—" if facts.no_facility_data else facts.covered_share()
    n_sites, served = facts.site_counts()
    return _key_numbers(facts, share, n_sites, served, lang), _sentences(
        name, facts, share, (n_sites, served), lang
    )


def _key_numbers(
    facts: Headline, share: str, n_sites: int, served: int, lang: str
) -> list[KeyNumber]:
    totals, cost_totals = facts.totals, facts.cost_totals
    decided = totals["n_decided"]
    rate = totals["n_compliant"] / decided if decided else float("nan")
    undecided = (
        [
            KeyNumber(
                lbl("key.undecided", lang),
                fmt_number(totals["n_undecided"]),
                lbl(
                    "key.undecided_note",
                    lang,
                    shortfall=fmt_number(totals["provisional_shortfall_m2"], 1),
                ),
            )
        ]
        if totals["n_undecided"]
        else []
    )
    return [
        KeyNumber(lbl("key.communities", lang), fmt_number(totals["n_communities"])),
        KeyNumber(lbl("key.households", lang), fmt_number(facts.households)),
        KeyNumber(lbl("key.population", lang), fmt_number(facts.population)),
        KeyNumber(
            lbl("key.compliance_rate", lang),
            fmt_share(rate),
            lbl("key.compliance_rate_note", lang),
        ),
        KeyNumber(lbl("key.below", lang), fmt_number(totals["n_below"])),
        *undecided,
        KeyNumber(lbl("key.shortfall", lang), fmt_number(totals["shortfall_m2"], 1)),
        KeyNumber(lbl("key.missing_rooms", lang), fmt_number(totals["n_missing_rooms"])),
        KeyNumber(
            lbl("key.covered500", lang),
            share,
            lbl("key.covered_no_data", lang) if facts.no_facility_data else "",
        ),
        KeyNumber(lbl("key.sites", lang), fmt_number(n_sites)),
        KeyNumber(lbl("key.served", lang), fmt_number(served)),
        KeyNumber(
            lbl("key.heating", lang),
            fmt_number(cost_totals["new_cost"]),
            lbl(
                "key.heating_note",
                lang,
                city=fmt_number(cost_totals["new_city"]),
                district=fmt_number(cost_totals["new_district"]),
            ),
        ),
    ]


def _sentences(
    name: str, facts: Headline, share: str, sites: tuple[int, int], lang: str
) -> list[str]:
    totals = facts.totals
    n_sites, served = sites
    out = [
        lbl(
            "summary.compliance",
            lang,
            district=name,
            n=totals["n_communities"],
            assessed=totals["n_assessed"],
            decided=totals["n_decided"],
            below=totals["n_below"],
            shortfall=fmt_number(totals["shortfall_m2"], 1),
            rooms=totals["n_missing_rooms"],
        ),
        lbl("summary.coverage_no_data", lang)
        if facts.no_facility_data
        else lbl(
            "summary.coverage",
            lang,
            share=share,
            distance=fmt_number(GAP_DISTANCE),
            n=facts.n_far,
        ),
    ]
    if n_sites:
        out.append(
            lbl(
                "summary.sites",
                lang,
                n=n_sites,
                served=served,
                unserved=facts.n_unserved,
                cost=fmt_number(facts.cost_totals["new_cost"]),
            )
        )
    else:
        out.append(lbl("summary.no_sites", lang))
    return out


def metrics_table(inputs: ReportInputs) -> ReportTable | None:
    """The district's column of the district comparison (``geo_app.workflows.compare``), from the
    compliance and the network the report already has."""
    lang, district_name = inputs.lang, inputs.name
    comparison = project_district_metrics(
        inputs.project,
        districts=[district_name],
        lang=lang,
        precomputed=Precomputed(compliance=inputs.compliance, network=inputs.network),
    )
    if district_name not in comparison.names:
        return None
    shown = comparison.display(lang, ranks=False)
    rows = []
    for values in shown.itertuples(index=False):
        label, unit, article, value = values[0], values[1], values[2], values[4]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = fmt_number(value, 0 if float(value).is_integer() else 1)
        rows.append([text(label), text(value), text(unit), text(article)])
    return table(
        "metrics",
        lang,
        (("metric", False), ("value", True), ("unit", False), ("article", False)),
        rows,
        note=" ".join(in_lang(n, lang) for n in comparison.notes),
    )
