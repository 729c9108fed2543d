"""What an import that passes validation would still disable: results the analyses cannot give.

A layer can be valid on its own and still hold rows an analysis cannot place: a public-housing
facility without a community stops the whole compliance check (and with it the report and the
district comparison), a heated facility outside every district stops the Art. 32 heating
budget, a community without a street code the Art. 33 star rewards; a boiler room or camera
outside every district counts in no district's metrics. :func:`import_effects` runs the input
checks of those analyses on the project as it would be after the import and names every result
the import would disable, compared with the project before it (a gap the project already had is
not blamed on the import).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.budgets import heating_costs, star_rewards
from analysis.compliance import ComplianceInputError, as_code, validate_inputs
from analysis.standards import StandardError
from geo_app.i18n import t
from geo_app.project import Project
from geo_app.workflows.project_access import project_standard
from layers.import_rows import PLACEABLE_LAYERS

EFFECT_KEYS: tuple[str, ...] = ("compliance", "heating", "stars", "unplaced")
"""The results :func:`import_effects` checks, in order."""


@dataclass(frozen=True)
class ImportEffect:
    """A result the import would disable (``key`` of :data:`EFFECT_KEYS`)."""

    key: str
    n_rows: int
    examples: list[tuple[str, str]] = field(default_factory=list)

    def message(self, lang: str = "zh") -> str:
        """Which result, how many rows, and the first of them."""
        i = 0 if lang == "zh" else 1
        shown = ("; " if lang == "en" else ";").join(e[i] for e in self.examples[:3])
        return t(f"imports.effect.{self.key}", lang, n=self.n_rows, examples=shown)


def _problems(run) -> pd.DataFrame:
    try:
        result = run()
    except ComplianceInputError as exc:
        return exc.problems
    except (StandardError, KeyError, ValueError):
        return pd.DataFrame(columns=["layer", "record_id", "field", "problem"])
    if isinstance(result, pd.DataFrame):
        return result
    return pd.DataFrame(columns=["layer", "record_id", "field", "problem"])


def _new(after: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Problems of ``after`` that ``before`` did not have (same layer, record, field, kind)."""
    if after.empty:
        return after
    key = ["layer", "record_id", "field", "problem"]
    old = set(map(tuple, before[key].astype(str).to_numpy())) if len(before) else set()
    fresh = [tuple(r) not in old for r in after[key].astype(str).to_numpy()]
    return after[fresh]


def _effect(key: str, problems: pd.DataFrame) -> ImportEffect | None:
    if problems.empty:
        return None
    examples = list(zip(problems["message_zh"], problems["message_en"], strict=True))
    return ImportEffect(key, int(problems["record_id"].nunique() or len(problems)), examples)


def _checks(layers: dict, project: Project, std) -> dict[str, callable]:
    classes = project.settings.district_classes
    comm, fac, dist = layers["communities"], layers["facilities"], layers["districts"]
    checks = {
        "compliance": lambda: validate_inputs(
            comm, fac, dist, standard=std, district_classes=classes
        ),
    }
    if std.first("heating_split") is not None:
        checks["heating"] = lambda: heating_costs(
            fac, comm, dist, standard=std, district_classes=classes
        )
    if std.first("star_rewards") is not None and "star_rating" in comm.columns:
        checks["stars"] = lambda: star_rewards(comm, dist, standard=std)
    return checks


def _unplaced(layer: str, frame: pd.DataFrame, districts: pd.DataFrame | None):
    if layer not in PLACEABLE_LAYERS or districts is None or not len(frame):
        return None
    known = set(as_code(districts["district_code"]).dropna())
    codes = (
        as_code(frame["district_code"])
        if "district_code" in frame.columns
        else pd.Series([None] * len(frame), index=frame.index)
    )
    outside = ~codes.isin(known).to_numpy()
    if not outside.any():
        return None
    id_field = {"facilities": "facility_id", "boiler_rooms": "site_id"}.get(layer, "camera_id")
    ids = frame[id_field].astype(str) if id_field in frame.columns else frame.index.astype(str)
    shown = [(f"{i} 不在任何区县内", f"{i} lies in no district") for i in ids[outside][:3]]
    return ImportEffect("unplaced", int(outside.sum()), shown)


def import_effects(
    project: Project, layer: str, frame: pd.DataFrame, imported: pd.DataFrame | None = None
) -> list[ImportEffect]:
    """The results that importing ``frame`` as the whole layer ``layer`` would disable.

    Parameters
    ----------
    project : Project
        The project before the import.
    layer : str
        The layer imported.
    frame : DataFrame
        The layer as it would be written (all its rows).
    imported : DataFrame, optional
        The rows that come from the file (default ``frame``): only they are checked for a
        location outside every district.
    """
    names = ("communities", "facilities", "districts")
    before = {n: project.optional_layer(n) for n in names}
    after = {**before, layer: frame} if layer in names else before
    effects: list[ImportEffect] = []
    if all(after[n] is not None for n in names) and layer in names:
        try:
            std = project_standard(project)
        except StandardError:
            std = None
        if std is not None:
            old = _checks(before, project, std) if all(before[n] is not None for n in names) else {}
            for key, run in _checks(after, project, std).items():
                previous = _problems(old[key]) if key in old else pd.DataFrame()
                found = _new(_problems(run), previous)
                effect = _effect(key, found)
                if effect is not None:
                    effects.append(effect)
    unplaced = _unplaced(layer, frame if imported is None else imported, before["districts"])
    if unplaced is not None:
        effects.append(unplaced)
    return effects
