"""Column lists and zh/en labels of the compliance tables (status, scope, funding)."""

from __future__ import annotations

COMMUNITY_COLUMNS: list[str] = [
    "community_id",
    "name",
    "district",
    "district_code",
    "district_class",
    "street_code",
    "street",
    "kind",
    "era",
    "households",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "compliant",
    "status",
    "rule_id",
    "article",
    "strictness",
    "scope",
    "class_minimum_m2",
    "per_household_m2",
    "n_facilities",
    "has_station",
    "missing_rooms",
    "n_missing_rooms",
    "n_stations",
    "shared_station_ids",
    "one_station_ok",
    "two_failed_terms",
    "funding",
    "central_station_m2",
    "developer_gap_m2",
    "remainder_gap_m2",
    "remainder_funding",
    "acceptance_blocked",
    "provisional_shortfall_m2",
    "undecided_reason",
    "households_basis",
    "households_method",
    "era_basis",
    "community_source",
    "facility_basis",
]
"""Columns of :attr:`ComplianceResult.communities`, in order.

``strictness`` is ``required`` or ``target`` (of the rule in ``rule_id``); ``scope`` says why a
village is or is not assessed under Art. 36 (``started``, ``assumed_started``,
``not_started``; empty for urban communities); ``one_station_ok`` is the Art. 8 one committee,
one station check (a committee without a station fails it); ``two_failed_terms`` the Art. 33
flag (NA without a ratings table).

``status`` / ``compliant`` is the one verdict of the community's housing rule, the same in
every output: Art. 11/12 for urban communities; for villages Art. 36 as a whole (station,
square and the two stations, two rooms), with ``missing_rooms`` holding the Art. 36 rooms.
``central_station_m2`` is the area of Art. 13 central stations credited to the community (in
``provided_m2``); ``developer_gap_m2`` the developer's part of a new development's shortfall
(Art. 12: 20 m2 per 100 households), ``remainder_gap_m2`` the rest with the payer
``remainder_funding``; ``acceptance_blocked`` the Art. 12 para. 3 flag (不得组织竣工验收; NA
where the rule does not apply).
``status`` is ``compliant``, ``below``, ``undecided`` (the data cannot decide: the codes of
``undecided_reason``, :data:`analysis.compliance.basis.UNDECIDED_REASONS`) or
``not_applicable``; an undecided row has no ``shortfall_m2`` but the shortfall under the
assumptions in ``provisional_shortfall_m2``. The last five columns are the basis of the row's
numbers (:mod:`layers.basis`, ``facility_basis`` from :mod:`analysis.compliance.basis`).
"""

FUNDING_LABELS: dict[str, tuple[str, str]] = {
    "developer": (
        "开发建设单位配建并移交(第十二条)",
        "developer builds and hands over (Art. 12)",
    ),
    "district_city_support": (
        "区政府投入为主,市财政按比例支持(第十三条)",
        "district funds, city supports (Art. 13)",
    ),
    "own_funds": ("依托本级财力解决(第十三条)", "own funds of the district/county (Art. 13)"),
    "village": (
        "农村社区,按第三十六条建设(办法未规定出资方)",
        "village under Art. 36 (the measures name no payer)",
    ),
    "not_named": (
        "措施未规定(超出开发建设单位配建义务的部分)",
        "not named by the measures (beyond the developer's obligation)",
    ),
}
"""Who closes a shortfall; the report's department table counts gaps by the same codes."""

GAP_KIND_OF_FUNDING: dict[str, str] = {
    "developer": "area_new",
    "district_city_support": "area_old",
    "own_funds": "area_old",
    "village": "area_rural",
    "not_named": "area_new",
}
"""Gap kind of the report (``geo_app.reports.departments.GAP_KINDS``) of each funding code."""

SCOPE_LABELS: dict[str, tuple[str, str]] = {
    "started": ("已启动社区建设的村", "village that started community construction"),
    "assumed_started": (
        "村未填写是否启动,按已启动评估",
        "village without a started record, assessed as started",
    ),
    "not_started": (
        "未启动社区建设的村,第三十六条不适用",
        "village that has not started community construction: Art. 36 does not apply",
    ),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "compliant": ("达标", "compliant"),
    "below": ("未达标", "below standard"),
    "undecided": ("待核实", "undecided"),
    "not_applicable": ("不适用", "not applicable"),
}
