"""Project-level workflows: a project's layers and settings joined with the analyses.

The CLI and the Streamlit pages both call these functions, so that a page stays a thin layer of
widgets and a command a thin layer of arguments. Errors a planner can fix are raised as
:class:`~geo_app.project.ProjectError` with a bilingual message.
"""

from __future__ import annotations

import pandas as pd

from analysis.budgets import HeatingCosts, StarRewards, heating_costs, star_rewards
from analysis.compliance import ComplianceResult, check_compliance
from analysis.standards import StandardSet, load_standard
from geo_app.project import Project, ProjectError

COMPLIANCE_LAYERS = ("communities", "facilities", "districts")


def project_standard(project: Project, name: str | None = None) -> StandardSet:
    """The project's standard set with its saved overrides, or set ``name`` if given.

    Overrides saved in ``project.settings.standard_overrides`` refer to the project's own set and
    are applied only when ``name`` is that set (or ``None``).
    """
    settings = project.settings
    chosen = name or settings.standard_set
    overrides = settings.standard_overrides if chosen == settings.standard_set else None
    return load_standard(chosen, overrides)


def _compliance_layers(project: Project) -> dict[str, pd.DataFrame]:
    missing = [n for n in COMPLIANCE_LAYERS if not project.has_layer(n)]
    if missing:
        raise ProjectError(
            f"项目缺少图层 {', '.join(missing)} / the project lacks the layer(s) {', '.join(missing)}"
        )
    layers = {n: project.layer(n) for n in COMPLIANCE_LAYERS}
    layers["streets"] = project.layer("streets") if project.has_layer("streets") else None
    return layers


def project_compliance(
    project: Project, standard: StandardSet | str | None = None
) -> ComplianceResult:
    """Run :func:`analysis.compliance.check_compliance` on a project's layers and settings."""
    std = standard if isinstance(standard, StandardSet) else project_standard(project, standard)
    layers = _compliance_layers(project)
    return check_compliance(
        layers["communities"],
        layers["facilities"],
        layers["districts"],
        streets=layers["streets"],
        standard=std,
        district_classes=project.settings.district_classes,
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
