"""Compliance of every community with the rules of the measures (Art. 8, 11-14, 18, 20, 33, 35, 36).

For every community the required usable area is the larger of the Art. 11 minimum for the class
of its district (300 m2 core, 200 m2 呼兰/阿城/counties) and, for new developments, the Art. 12
per-household rule (20 m2 per 100 households, the developer's part; Art. 12); the provided area
is the sum of its ``public_housing`` and ``community_station`` facilities and its share of the
Art. 13 central stations serving it, leaving out housing rented out, sold or used otherwise
(Art. 12 para. 4). Stations are checked against the Art. 8 room checklist and one committee,
one station, street centres against the Art. 11 1000 m2 and rural villages against Art. 36
(station 300 m2, square 1000 m2, two stations and two rooms: one verdict); Art. 35 milestones
of villages started, Art. 18/20 police rooms, rental stations, closed management and property
stations, and the Art. 33 terms complete the result. All numbers come from a
:class:`~analysis.standards.StandardSet`.

Inputs are validated row by row first: a missing, negative or non-numeric area, or a negative or
non-numeric household count, raises :class:`ComplianceInputError` listing every bad row; nothing
is silently treated as zero. Where the data cannot decide (no facility data for a district, no
households for a new development, an assumed era) the status is ``undecided`` with its reasons
(:mod:`~analysis.compliance.basis`), never ``below``.

Modules, one topic each: :mod:`~analysis.compliance.checks` (row checks shared by the analyses),
:mod:`~analysis.compliance.inputs` (validation), :mod:`~analysis.compliance.rules` (which rules
of a standard set apply), :mod:`~analysis.compliance.district_classes` (Art. 11 classes), one
module per article or group (``art8``, ``art11_13``, ``art12``, ``art20``, ``art33``, ``art35``,
``art36``),
:mod:`~analysis.compliance.assessment` (:func:`check_compliance`),
:mod:`~analysis.compliance.result`, :mod:`~analysis.compliance.tables` and
:mod:`~analysis.compliance.issues` (summaries and the issue list).

Examples
--------
>>> result = check_compliance(communities, facilities, districts)  # doctest: +SKIP
>>> result.communities.query("not compliant")  # doctest: +SKIP
"""

from __future__ import annotations

from analysis.compliance.art8 import split_ids
from analysis.compliance.art11_13 import gap_kinds
from analysis.compliance.art20 import SECURITY_MESSAGES
from analysis.compliance.art33 import failed_terms
from analysis.compliance.art35 import LEVEL_LABELS as VILLAGE_START_LEVELS
from analysis.compliance.art36 import STARTED_LABELS
from analysis.compliance.assessment import check_compliance
from analysis.compliance.basis import (
    BASIS_COLUMNS,
    UNDECIDED,
    UNDECIDED_REASONS,
    facility_districts,
    undecided_text,
)
from analysis.compliance.checks import (
    PROBLEM_COLUMNS,
    ComplianceInputError,
    as_code,
    check_columns,
    check_ids,
    check_numbers,
    is_missing,
    problem_row,
    problems_frame,
)
from analysis.compliance.district_classes import (
    DISTRICT_NOTE_COLUMNS,
    district_class_notes,
    normalize_name,
    resolve_district_classes,
)
from analysis.compliance.inputs import COMMUNITY_FIELDS, FACILITY_FIELDS, validate_inputs
from analysis.compliance.issues import compliance_issues
from analysis.compliance.labels import (
    COMMUNITY_COLUMNS,
    FUNDING_LABELS,
    GAP_KIND_OF_FUNDING,
    SCOPE_LABELS,
    STATUS_LABELS,
)
from analysis.compliance.result import ComplianceResult
from analysis.compliance.rules import as_standard
from analysis.compliance.tables import filter_table, room_labels, summarize, with_geometry

__all__ = [
    "BASIS_COLUMNS",
    "COMMUNITY_COLUMNS",
    "COMMUNITY_FIELDS",
    "DISTRICT_NOTE_COLUMNS",
    "FACILITY_FIELDS",
    "FUNDING_LABELS",
    "GAP_KIND_OF_FUNDING",
    "PROBLEM_COLUMNS",
    "SCOPE_LABELS",
    "SECURITY_MESSAGES",
    "STARTED_LABELS",
    "STATUS_LABELS",
    "UNDECIDED",
    "UNDECIDED_REASONS",
    "VILLAGE_START_LEVELS",
    "ComplianceInputError",
    "ComplianceResult",
    "as_code",
    "as_standard",
    "check_columns",
    "check_compliance",
    "check_ids",
    "check_numbers",
    "compliance_issues",
    "district_class_notes",
    "facility_districts",
    "failed_terms",
    "filter_table",
    "gap_kinds",
    "is_missing",
    "normalize_name",
    "problem_row",
    "problems_frame",
    "resolve_district_classes",
    "room_labels",
    "split_ids",
    "summarize",
    "undecided_text",
    "validate_inputs",
    "with_geometry",
]
