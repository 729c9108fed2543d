"""What every workflow reads from a project: its standard set, walking network and speed.

``project_network`` and ``walking_speed`` are shared by ``geo-app coverage``/``isochrones``,
``geo-app site-select``, the assessment and the coverage and site-selection pages; the layers
themselves are read with :meth:`Project.required_layer` / :meth:`Project.optional_layer`.
"""

from __future__ import annotations

import networkx as nx

from analysis.life_circles import DEFAULT_WALK_SPEED_KMH
from analysis.standards import StandardSet, load_standard
from geo_app.project import Project, ProjectError
from layers.network import EDGES_LAYER, NODES_LAYER, load_walking_network
from layers.schema import FACILITY_KINDS


def project_standard(project: Project, name: str | None = None) -> StandardSet:
    """The project's standard set with its saved overrides, or set ``name`` if given.

    Overrides saved in ``project.settings.standard_overrides`` refer to the project's own set and
    are applied only when ``name`` is that set (or ``None``).
    """
    settings = project.settings
    chosen = name or settings.standard_set
    overrides = settings.standard_overrides if chosen == settings.standard_set else None
    return load_standard(chosen, overrides)


def project_network(project: Project) -> nx.MultiDiGraph | None:
    """The project's walking network, or None when it has no network layers.

    Read from the layers ``network_nodes`` / ``network_edges``; without them the analyses fall
    back to straight-line distance x detour factor (and say so in their ``method`` column).
    """
    if not (project.has_layer(NODES_LAYER) and project.has_layer(EDGES_LAYER)):
        return None
    nodes = project.layer(NODES_LAYER)
    edges = project.layer(EDGES_LAYER)
    if len(nodes) == 0 or len(edges) == 0:
        return None
    return load_walking_network((nodes, edges))


def walking_speed(project: Project) -> float:
    """Walking speed (km/h) of the project (parameter ``walking_speed_kmh``), default 4 km/h."""
    value = project.settings.parameters.get("walking_speed_kmh", DEFAULT_WALK_SPEED_KMH)
    try:
        speed = float(value)
    except (TypeError, ValueError):
        speed = DEFAULT_WALK_SPEED_KMH
    return speed if speed > 0 else DEFAULT_WALK_SPEED_KMH


def check_facility_kind(kind: str) -> None:
    """Raise :class:`ProjectError` (zh/en) for a facility kind outside ``FACILITY_KINDS``."""
    if kind not in FACILITY_KINDS:
        known = ", ".join(FACILITY_KINDS)
        raise ProjectError(f"未知设施类型 {kind!r};可选:{known} / unknown facility kind {kind!r}")
