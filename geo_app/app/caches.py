"""The app's caches as one service: what the pages derive from a project version, once.

Every entry is keyed by the project version (:class:`geo_app.app.state.FileKey`: the file's
path, modification time and size, or a database project's data version), so a saved change is
picked up and a rerun (a click) recomputes nothing. Entries are shared by all sessions and
read-only (copy before changing). The derived results several pages need live here, computed
once: the compliance result (the compliance page, the map popups' verdicts, the hub model, the
reports), the budgets, the verdicts of the map popups and the offline basemap. A page's own
results use :func:`page_cache`. :func:`clear` empties everything after a page writes the
project (an import, a restore, a registry entry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from analysis.budgets import HeatingCosts, StarRewards
from analysis.compliance import ComplianceInputError, ComplianceResult
from geo_app import workflows
from geo_app.app import state
from geo_app.maps import basemap
from geo_app.maps import thematic as maps_thematic
from geo_app.project.store import ProjectError

__all__ = [
    "BASE_LAYERS",
    "ComplianceData",
    "budgets",
    "clear",
    "compliance",
    "offline_basemap",
    "page_cache",
    "verdicts",
]

F = TypeVar("F", bound=Callable[..., Any])

BASE_LAYERS: tuple[str, ...] = ("network_edges", "buildings", "water", "green")
"""Project layers the offline basemap is drawn from (those present)."""


def page_cache(max_entries: int = 8) -> Callable[[F], F]:
    """A page's own results, per project version and parameters (copies, as ``st.cache_data``)."""
    return st.cache_data(max_entries=max_entries, show_spinner=False)


@dataclass
class ComplianceData:
    """The compliance result of a project version, or the input problems that stop it."""

    result: ComplianceResult | None = None
    problems: pd.DataFrame | None = None


def _own(key: state.FileKey, standard: str) -> str:
    """``""`` for the project's own standard set (one cache entry whichever way it is named)."""
    return "" if standard == state.key_info(key).settings.standard_set else standard


def compliance(key: state.FileKey, standard: str = "") -> ComplianceData:
    """Compliance of the project version ``key`` under ``standard`` (default: the project's).

    Input problems are returned, not raised, so that they are cached too.
    """
    return _compliance(key, _own(key, standard))


@st.cache_resource(max_entries=8, show_spinner=False)
def _compliance(key: state.FileKey, standard: str) -> ComplianceData:
    project = state.open_project(key)
    try:
        std = workflows.project_standard(project, standard or None)
        return ComplianceData(result=workflows.project_compliance(project, std))
    except ComplianceInputError as exc:
        return ComplianceData(problems=exc.problems)


@dataclass
class BudgetData:
    """Art. 33 rewards and Art. 32 heating of a project version, or the problems stopping them."""

    stars: StarRewards | None = None
    heating: HeatingCosts | None = None
    problems: pd.DataFrame | None = None


def budgets(key: state.FileKey, standard: str = "") -> BudgetData:
    """Star rewards and heating costs of the project version ``key``."""
    return _budgets(key, _own(key, standard))


@st.cache_resource(max_entries=8, show_spinner=False)
def _budgets(key: state.FileKey, standard: str) -> BudgetData:
    project = state.open_project(key)
    try:
        stars, heating = workflows.project_budgets(
            project, workflows.project_standard(project, standard or None)
        )
    except ComplianceInputError as exc:
        return BudgetData(problems=exc.problems)
    return BudgetData(stars=stars, heating=heating)


@st.cache_resource(max_entries=8, show_spinner=False)
def verdicts(key: state.FileKey, lang: str) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The verdict texts and shortfall fills of the communities (empty without a result)."""
    try:
        result = compliance(key).result
    except ProjectError:
        return {}, {}
    if result is None:  # missing or bad inputs: no verdicts
        return {}, {}
    table = result.communities
    return maps_thematic.community_verdicts(table, lang), maps_thematic.community_fills(table)


@st.cache_resource(max_entries=2, show_spinner=False)
def offline_basemap(key: state.FileKey) -> basemap.OfflineBasemap:
    """The offline basemap of the project version ``key`` (its network, buildings, water)."""
    return basemap.prepare_offline(state.key_layers(key, BASE_LAYERS))


def clear() -> None:
    """Empty every cache of the app (after a page wrote the project)."""
    st.cache_data.clear()
    st.cache_resource.clear()
