"""Which rules and facility kinds of a standard set the compliance analysis uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.standards import Rule, StandardSet, load_standard

TOL = 1e-9
"""Tolerance of the area comparisons (square metres)."""


@dataclass(frozen=True)
class _Rules:
    minimum: Rule | None
    per_household: Rule | None
    rooms: Rule | None
    street_centre: Rule | None
    rural: Rule | None
    funding: Rule | None
    one_station: Rule | None = None
    rental: Rule | None = None
    closed: Rule | None = None
    central: Rule | None = None
    acceptance: Rule | None = None
    misuse: Rule | None = None
    police: Rule | None = None
    property_station: Rule | None = None

    @classmethod
    def of(cls, standard: StandardSet) -> _Rules:
        return cls(
            minimum=standard.first("public_housing_min"),
            per_household=standard.first("public_housing_per_households"),
            rooms=standard.first("station_rooms"),
            street_centre=standard.first("street_centre_min"),
            rural=standard.first("rural_station"),
            funding=standard.first("old_area_funding"),
            one_station=standard.first("one_station"),
            rental=standard.first("rental_station"),
            closed=standard.first("closed_management"),
            central=standard.first("central_station"),
            acceptance=standard.first("completion_acceptance"),
            misuse=standard.first("misused_housing"),
            police=standard.first("police_room"),
            property_station=standard.first("property_station"),
        )

    def central_kinds(self) -> list[str]:
        """Facility kinds of the Art. 13 para. 4 central stations credited to the communities
        they serve ([] when the rule or its ``station_kinds`` is absent)."""
        if self.central is None or "station_kinds" not in self.central.params:
            return []
        return list(self.central.param("station_kinds"))

    def shared_kinds(self) -> list[str]:
        """Kinds whose ``community_id`` may list several communities: stations serving several
        committees (Art. 8) and central stations radiating to their neighbours (Art. 13)."""
        kinds = list(self.one_station.param("station_kinds")) if self.one_station else []
        return list(dict.fromkeys([*kinds, *self.central_kinds()]))

    def provided_kinds(self) -> list[str]:
        kinds: list[str] = []
        for rule in (self.minimum, self.per_household):
            if rule is not None:
                kinds += [k for k in rule.param("provided_kinds") if k not in kinds]
        return kinds

    def community_kinds(self) -> list[str]:
        """Facility kinds that must belong to a community."""
        kinds = self.provided_kinds() + self.central_kinds()
        if self.rooms is not None:
            kinds += list(self.rooms.param("station_kinds"))
        if self.rural is not None:
            kinds += list(self.rural.param("station_kinds")) + list(
                self.rural.param("square_kinds")
            )
        return list(dict.fromkeys(kinds))

    def area_kinds(self) -> list[str]:
        kinds = self.community_kinds()
        if self.street_centre is not None:
            kinds += list(self.street_centre.param("facility_kinds"))
        return list(dict.fromkeys(kinds))


def as_standard(standard: StandardSet | str | None) -> StandardSet:
    if standard is None:
        return load_standard()
    if isinstance(standard, str):
        return load_standard(standard)
    return standard


def rule_strictness(rule_ids: pd.Series, standard: StandardSet) -> np.ndarray:
    """``required`` / ``target`` of the rule of each row ("" where no rule applies)."""
    return np.array(
        [
            standard.rules[r].strictness if isinstance(r, str) and r in standard.rules else ""
            for r in rule_ids
        ],
        dtype=object,
    )


def rule_applies(rule: Rule | None, kinds: pd.Series) -> np.ndarray:
    if rule is None:
        return np.zeros(len(kinds), dtype=bool)
    return kinds.isin(rule.param("applies_to_kinds")).to_numpy()
