"""Compliance of a project (Art. 8, 11, 12, 32, 33, 36): the check, its filter and the budgets.

Errors a planner can fix are raised as :class:`~geo_app.project.ProjectError` with a bilingual
message.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.budgets import HeatingCosts, StarRewards, heating_costs, star_rewards
from analysis.compliance import (
    ComplianceResult,
    check_compliance,
    filter_table,
    summarize,
)
from analysis.standards import StandardSet
from geo_app.project import Project, ProjectError
from geo_app.workflows.project_access import project_standard
from layers.registry import REGISTRY_LAYER, registered_areas

COMPLIANCE_LAYERS = ("communities", "facilities", "districts")
FACILITY_INVENTORY = "facility_inventory"
"""Project parameter: districts (codes or names, ``"*"`` for all) whose facility data is
declared complete (:func:`analysis.compliance.check_compliance`)."""


def _compliance_layers(project: Project) -> dict[str, pd.DataFrame]:
    missing = [n for n in COMPLIANCE_LAYERS if not project.has_layer(n)]
    if missing:
        raise ProjectError(
            f"项目缺少图层 {', '.join(missing)} / the project lacks the layer(s) {', '.join(missing)}"
        )
    layers = {n: project.layer(n) for n in COMPLIANCE_LAYERS}
    layers["streets"] = project.optional_layer("streets")
    if project.has_layer(REGISTRY_LAYER):  # Art. 14: registered areas where present
        registry = project.layer(REGISTRY_LAYER)
        layers["facilities"] = registered_areas(layers["facilities"], registry)
    return layers


def project_compliance(
    project: Project, standard: StandardSet | str | None = None
) -> ComplianceResult:
    """Run :func:`analysis.compliance.check_compliance` on a project's layers and settings.

    The project parameter ``facility_inventory`` (district codes or names, or ``"*"``) declares
    districts whose facility data is complete although the facilities layer holds none of the
    office's facilities there (see :mod:`analysis.compliance.basis`).
    """
    std = standard if isinstance(standard, StandardSet) else project_standard(project, standard)
    layers = _compliance_layers(project)
    ratings = project.optional_layer("ratings")
    if std.first("failed_terms") is None:
        ratings = None
    return check_compliance(
        layers["communities"],
        layers["facilities"],
        layers["districts"],
        streets=layers["streets"],
        standard=std,
        district_classes=project.settings.district_classes,
        ratings=ratings,
        facility_inventory=project.settings.parameters.get(FACILITY_INVENTORY),
    )


def project_budgets(
    project: Project, standard: StandardSet | str | None = None
) -> tuple[StarRewards | None, HeatingCosts | None]:
    """Art. 33 rewards and Art. 32 heating costs of a project (``None`` where not applicable).

    Star rewards need a ``star_rating`` column in the communities layer; the heating price is the
    project parameter ``heating_price_yuan_per_m2`` (else the standard's default).
    """
    std = standard if isinstance(standard, StandardSet) else project_standard(project, standard)
    layers = _compliance_layers(project)
    stars = None
    if std.first("star_rewards") is not None and "star_rating" in layers["communities"].columns:
        stars = star_rewards(
            layers["communities"], layers["districts"], streets=layers["streets"], standard=std
        )
    heating = None
    if std.first("heating_split") is not None:
        price = project.settings.parameters.get("heating_price_yuan_per_m2")
        heating = heating_costs(
            layers["facilities"],
            layers["communities"],
            layers["districts"],
            standard=std,
            price_yuan_per_m2=price,
            district_classes=project.settings.district_classes,
        )
    return stars, heating


def filter_compliance(
    result: ComplianceResult,
    districts: Iterable[str] = (),
    streets: Iterable[str] = (),
) -> ComplianceResult:
    """The result restricted to ``districts`` and ``streets`` (codes or names; empty: all).

    Every table (communities, stations, street centres, villages) is filtered with
    :func:`analysis.compliance.filter_table`; the street and district summaries are recomputed
    from the filtered tables with :func:`analysis.compliance.summarize`, so that
    :meth:`~analysis.compliance.ComplianceResult.totals` and ``issues()`` describe the selection.
    """
    district = [str(d) for d in districts] or None
    street = [str(s) for s in streets] or None
    if district is None and street is None:
        return result

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        if frame is None or frame.empty:
            return frame
        return filter_table(frame, district=district, street=street).reset_index(drop=True)

    communities = keep(result.communities)
    street_centres = keep(result.street_centres)
    rural = keep(result.rural)
    ids = set(communities["community_id"])
    terms = result.failed_terms
    if len(terms):
        terms = terms[terms["community_id"].isin(ids)].reset_index(drop=True)
    return ComplianceResult(
        standard=result.standard,
        communities=communities,
        stations=keep(result.stations),
        street_centres=street_centres,
        rural=rural,
        by_street=summarize(communities, "street", street_centres=street_centres, rural=rural),
        by_district=summarize(communities, "district", street_centres=street_centres, rural=rural),
        security=keep(result.security),
        failed_terms=terms,
        district_notes=result.district_notes,
        central_stations=keep(result.central_stations),
        misused_housing=keep(result.misused_housing),
        village_start=keep(result.village_start),
    )
