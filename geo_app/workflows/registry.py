"""Art. 14 registry on a project: register housing, file it, list what waits for each level.

Registering appends one row and filing updates rows in place (``ProjectStore.append_rows`` /
``update_rows``), so on the shared PostGIS platform each office touches only its own rows and
the database's row security and registry guard decide who may do what: streets (and their
communities) register, districts file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from geo_app.project import Project
from layers.registry import (
    REGISTRY_LAYER,
    empty_registry,
    mark_filed,
    record_transfer,
    register,
    waiting,
)


def project_registry(project: Project) -> pd.DataFrame:
    """The registry of the project (empty when nothing is registered yet)."""
    return project.layer(REGISTRY_LAYER) if project.has_layer(REGISTRY_LAYER) else empty_registry()


def register_housing(
    project: Project,
    facility_id: str,
    *,
    ownership: str,
    use: str,
    registered_by: str,
    registered_at: date | str,
    usable_area_m2: float | None = None,
) -> pd.DataFrame:
    """Register one facility (Art. 14); the new registry row."""
    with project.locked():
        registry = project_registry(project)
        updated = register(
            registry,
            project.layer("facilities"),
            facility_id,
            ownership=ownership,
            use=use,
            registered_by=registered_by,
            registered_at=registered_at,
            usable_area_m2=usable_area_m2,
        )
        row = updated.iloc[[-1]].reset_index(drop=True)
        project.store.append_rows(REGISTRY_LAYER, row)
    return row


def file_housing(
    project: Project,
    facility_ids: Sequence[str],
    *,
    civil_affairs_at: date | str | None = None,
    state_assets_at: date | str | None = None,
) -> pd.DataFrame:
    """Record the filing with the district civil-affairs / state-assets departments."""
    with project.locked():
        updated = mark_filed(
            project_registry(project),
            facility_ids,
            civil_affairs_at=civil_affairs_at,
            state_assets_at=state_assets_at,
        )
        rows = updated[updated["facility_id"].astype(str).isin([str(i) for i in facility_ids])]
        columns = ("filed_civil_affairs_at", "filed_state_assets_at", "status")
        for row in rows.itertuples(index=False):
            values = {c: getattr(row, c) for c in columns}
            project.store.update_rows(REGISTRY_LAYER, "facility_id", [row.facility_id], values)
    return rows.reset_index(drop=True)


def transfer_housing(
    project: Project,
    facility_ids: Sequence[str],
    *,
    to_government: str,
    transferred_at: date | str,
) -> pd.DataFrame:
    """Record the hand-over of new-development housing to the district/county government,
    which then owns it (Art. 12 para. 1); the updated registry rows."""
    with project.locked():
        updated = record_transfer(
            project_registry(project),
            facility_ids,
            to_government=to_government,
            transferred_at=transferred_at,
        )
        rows = updated[updated["facility_id"].astype(str).isin([str(i) for i in facility_ids])]
        columns = ("transferred_to", "transferred_at", "ownership")
        for row in rows.itertuples(index=False):
            values = {c: getattr(row, c) for c in columns}
            project.store.update_rows(REGISTRY_LAYER, "facility_id", [row.facility_id], values)
    return rows.reset_index(drop=True)


def registry_waiting(
    project: Project, registry: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """What waits for the street (to register), the district (to file) and, where the
    communities layer has ``era``, the hand-over of new developments' housing (``transfer``,
    Art. 12); ``registry`` is read from the project unless already at hand."""
    registry = project_registry(project) if registry is None else registry
    communities = project.optional_layer("communities")
    return waiting(registry, project.layer("facilities"), communities)
