"""The coverage section: walking distance from the district's communities to a station."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from analysis.coverage import community_coverage
from geo_app.i18n import value_label
from geo_app.project import Project
from geo_app.reports.context._format import fmt_number, fmt_share, lbl, missing, table, text
from geo_app.reports.context.model import ReportTable

COVERAGE_KIND = "community_station"
"""Facility kind whose walking coverage a report shows (Art. 8: one committee, one station)."""
COVERAGE_DISTANCES: tuple[float, ...] = (300.0, 500.0, 1000.0)
"""Life-circle walking distances (GB 50180-2018: 5, 10, 15 minutes)."""
GAP_DISTANCE = 500.0
"""Distance (m) beyond which a community counts as uncovered in the gap tables."""

COVERAGE_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("distance_m", True),
    ("life_circle", False),
    ("covered_communities", True),
    ("covered_households", True),
    ("covered_share", True),
    ("uncovered_households", True),
)
GAP_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("name", False),
    ("street", False),
    ("households", True),
    ("nearest_m", True),
    ("nearest_facility", False),
)


def coverage_tables(
    project: Project, communities: gpd.GeoDataFrame, lang: str, G=None
) -> tuple[ReportTable, ReportTable, pd.DataFrame, list[str]]:
    """Walking coverage of the district's communities by community stations (300/500/1000 m).

    Returns the coverage table, the table of communities beyond :data:`GAP_DISTANCE`, the
    per-community coverage (``community_coverage``) and notes.
    """
    notes: list[str] = []
    if not project.has_layer("facilities") or communities.empty:
        empty = table("coverage", lang, COVERAGE_COLUMNS, [])
        return empty, table("coverage_gaps", lang, GAP_COLUMNS, []), pd.DataFrame(), notes
    if G is None:
        notes.append(lbl("note.no_network", lang))
    facilities = project.layer("facilities")
    per = community_coverage(
        G, communities, facilities, max(COVERAGE_DISTANCES), kind=COVERAGE_KIND
    )
    note = lbl("note.coverage", lang, kind=value_label("facilities", "kind", COVERAGE_KIND, lang))
    if "euclidean_detour" in set(per["method"].astype(str)):
        note += " " + lbl("note.detour", lang)
    covered = table("coverage", lang, COVERAGE_COLUMNS, _distance_rows(per, lang), note=note)
    names = (
        dict(zip(facilities["facility_id"].astype(str), facilities["name"], strict=False))
        if "name" in facilities.columns
        else {}
    )
    gaps = table(
        "coverage_gaps",
        lang,
        GAP_COLUMNS,
        _gap_rows(per, street_names(project), names),
        note=lbl("note.coverage_gaps", lang, distance=fmt_number(GAP_DISTANCE)),
    )
    return covered, gaps, per, notes


def _distance_rows(per: pd.DataFrame, lang: str) -> list[list[str]]:
    """One row per life-circle distance: communities and households within it."""
    households = per["households"].fillna(0).astype(float)
    total = float(households.sum())
    nearest = pd.to_numeric(per["nearest_m"], errors="coerce")
    rows = []
    for i, distance in enumerate(COVERAGE_DISTANCES):
        covered = nearest.le(distance).fillna(False).to_numpy()
        hh = float(households[covered].sum())
        rows.append(
            [
                fmt_number(distance),
                lbl(f"life_circle.{i}", lang),
                f"{int(covered.sum())} / {len(per)}",
                fmt_number(hh),
                fmt_share(hh / total if total > 0 else float("nan")),
                fmt_number(total - hh),
            ]
        )
    return rows


def _gap_rows(per: pd.DataFrame, streets: dict[str, str], facility_names: dict) -> list[list[str]]:
    """The communities beyond :data:`GAP_DISTANCE`, farthest first."""
    nearest = pd.to_numeric(per["nearest_m"], errors="coerce")
    far = per[~nearest.le(GAP_DISTANCE).fillna(False).to_numpy()]
    far = far.assign(_n=pd.to_numeric(far["nearest_m"], errors="coerce")).sort_values(
        ["_n", "households"], ascending=[False, False], na_position="first", kind="mergesort"
    )
    return [
        [
            text(r["name"]),
            text(streets.get(str(r.get("street_code")), r.get("street_code"))),
            fmt_number(r["households"]),
            fmt_number(r["_n"])
            if not missing(r["_n"])
            else f"> {fmt_number(max(COVERAGE_DISTANCES))}",
            text(facility_names.get(str(r.get("nearest_facility")), r.get("nearest_facility"))),
        ]
        for _, r in far.iterrows()
    ]


def street_names(project: Project) -> dict[str, str]:
    """Street names by street code (empty without a streets layer)."""
    if not project.has_layer("streets"):
        return {}
    streets = project.layer("streets")
    return dict(zip(streets["street_code"].astype(str), streets["name"].astype(str), strict=False))
