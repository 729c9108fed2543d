"""Compliance: which communities are below the standard, by how much, under which article.

A choropleth of the usable-area shortfall per community (Art. 11, 12, 36), a sortable table
with district and street filters, headline metrics, street/district summaries, the issue list
(Art. 8 rooms, Art. 11 street centres, Art. 36 villages), the Art. 33 star rewards and Art. 32
heating costs, and CSV/XLSX downloads written by the same function as ``geo-app compliance``.

The computation is cached per project file version and standard set; everything else is a thin
layer over :mod:`geo_app.workflows` and :mod:`geo_app.maps.thematic`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis.budgets import HeatingCosts, StarRewards
from analysis.compliance import ComplianceResult, filter_table, with_geometry
from analysis.standards import StandardError, available_standards, load_standard
from geo_app import maps, present, workflows
from geo_app.app import caches
from geo_app.app import frame as ui
from geo_app.app import map_widgets as map_widgets
from geo_app.app import state as state
from geo_app.app.readiness_panel import readiness_panel
from geo_app.i18n import layer_label, t
from geo_app.maps import thematic as maps_thematic
from geo_app.present.district_names import option_names
from geo_app.present.export_language import export_lang, is_share_column
from geo_app.present.formatting import percent_points


@dataclass
class ComplianceData:
    """What the page shows for one project version and standard set."""

    result: ComplianceResult | None = None
    problems: pd.DataFrame | None = None
    stars: StarRewards | None = None
    heating: HeatingCosts | None = None
    budget_problems: pd.DataFrame | None = None


def compute(key: state.FileKey, standard: str) -> ComplianceData:
    """Compliance and budgets of the project version ``key`` under ``standard`` (the app's
    shared results, :mod:`geo_app.app.caches`); input problems are returned, not raised."""
    found = caches.compliance(key, standard)
    if found.result is None:
        return ComplianceData(problems=found.problems)
    money = caches.budgets(key, standard)
    return ComplianceData(
        result=found.result,
        stars=money.stars,
        heating=money.heating,
        budget_problems=money.problems,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def export_bytes(
    key: state.FileKey,
    standard: str,
    districts: tuple,
    streets: tuple,
    fmt: str,
    lang: str | None = None,
) -> bytes:
    """CSV or XLSX bytes of the (filtered) result, written by ``present.write_compliance``.

    ``lang`` "zh"/"en": headers and codes as on screen; None/"raw": machine-readable.
    """
    data = compute(key, standard)
    view = workflows.filter_compliance(data.result, districts, streets)
    stars, heating = data.stars, data.heating
    if districts or streets:
        stars = heating = None  # budgets are per district and city: exported unfiltered only
    return present.compliance_export_bytes(view, fmt, stars=stars, heating=heating, lang=lang)


def _standard_label(name: str, lang: str) -> str:
    try:
        return f"{name} · {load_standard(name).title(lang)}"
    except StandardError:
        return name


def _options(table: pd.DataFrame, code: str, name: str) -> dict[str, str]:
    pairs = table[[code, name]].dropna(subset=[code]).drop_duplicates(code)
    return dict(sorted(zip(pairs[code].astype(str), pairs[name].astype(str), strict=True)))


def _metrics(view: ComplianceResult, lang: str) -> None:
    totals = view.totals()
    cols = st.columns(7)
    cols[0].metric(
        t("compliance.m_below", lang),
        f"{totals['n_below']} / {totals['n_decided']}",
        help=t("compliance.m_below_help", lang),
    )
    cols[6].metric(
        t("compliance.m_undecided", lang),
        totals["n_undecided"],
        help=t("compliance.m_undecided_help", lang),
    )
    cols[1].metric(
        t("compliance.m_shortfall", lang),
        f"{totals['shortfall_m2']:,.1f}",
        help=t("compliance.m_shortfall_help", lang),
    )
    cols[2].metric(
        t("compliance.m_rooms", lang),
        totals["n_missing_rooms"],
        help=t("compliance.m_rooms_help", lang),
    )
    cols[3].metric(
        t("compliance.m_centres", lang),
        totals["n_street_centres_below"],
        help=t("compliance.m_centres_help", lang),
    )
    cols[4].metric(
        t("compliance.m_rural", lang),
        totals["n_rural_below"],
        help=t("compliance.m_rural_help", lang),
    )
    cols[5].metric(
        t("compliance.m_two_failed", lang),
        totals["n_two_failed_terms"] if len(view.failed_terms) else "–",
        help=t("compliance.m_two_failed_help", lang),
    )


def _district_notes(view: ComplianceResult, lang: str) -> None:
    """Art. 11: districts whose class in the layer was replaced by the measures' class."""
    notes = view.district_notes
    if notes is None or notes.empty:
        return
    texts = notes["message_zh" if lang == "zh" else "message_en"]
    st.warning(t("compliance.district_notes", lang) + " " + " ".join(texts))


def _rules_tab(view: ComplianceResult, lang: str) -> None:
    """Art. 8 one station, Art. 20 rental stations / closed management, Art. 33 terms."""
    c = view.communities
    st.markdown(f"**{t('compliance.rules_one_station', lang)}**")
    flagged = c[c["one_station_ok"].astype(object).eq(False).to_numpy()]
    _table(
        flagged,
        lang,
        ["community_id", "name", "district", "n_stations", "shared_station_ids", "strictness"],
        key="compliance_one_station",
    )
    st.markdown(f"**{t('compliance.rules_security', lang)}**")
    sec = view.security
    _table(sec[sec["message_zh"] != ""] if len(sec) else sec, lang, key="compliance_security")
    st.markdown(f"**{t('compliance.rules_terms', lang)}**")
    if not len(view.failed_terms):
        st.info(t("compliance.rules_no_ratings", lang))
    else:
        _table(view.failed_terms, lang, key="compliance_terms", standard=view.standard)


def _map(view: ComplianceResult, districts: list[str], lang: str, cache_key: tuple) -> None:
    """The shortfall map; ``cache_key`` names the view (project version, standard, filters)."""
    layers = state.load_layers(("communities", "districts"))
    if "communities" not in layers:
        return
    shapes = with_geometry(view.communities, layers["communities"])
    layer, breaks = maps_thematic.prepare_shortfall(shapes, lang, standard=view.standard)
    context = (
        maps.prepare_layers({"districts": layers["districts"]}, lang, districts)
        if "districts" in layers
        else []
    )
    title = t("compliance.map_layer", lang)

    def label(name: str) -> str:
        return title if name == maps_thematic.LAYER_NAME else layer_label(name, lang)

    map_widgets.map_notes([layer, *context], lang, label)
    name = map_widgets.basemap_select(lang, "compliance_basemap", st.columns([3, 1])[1])
    name = map_widgets.usable_basemap(name, lang)
    assets = ui.leaflet_base_url()
    ui.show_map(
        lambda: maps_thematic.shortfall_map(
            layer,
            breaks,
            lang=lang,
            context=context,
            basemap=map_widgets.basemap_choice(name, lang),  # the basemap on a miss only
            assets=assets,
        ),
        height=maps.MAP_HEIGHT,
        key="compliance_map",
        cache_key=("compliance", *cache_key, name),
    )
    map_widgets.export_buttons(
        [layer, *context],
        lang,
        "compliance_map",
        t("compliance.title", lang),
        label,
        maps.focus_bounds([layer]) if layer.shown else None,
    )


def _table(
    frame: pd.DataFrame, lang: str, columns=None, key: str | None = None, standard=None
) -> None:
    shares = [c for c in frame.columns if is_share_column(c)]
    ui.show_frame(
        frame,
        lambda f: present.display_table(
            percent_points(f, shares), lang, columns, standard=standard
        ),
        t("compliance.empty", lang),
        key,
        percent=[present.column_label(c, lang) for c in shares],
    )


def _budget_problems(data: ComplianceData, lang: str) -> bool:
    """Show the budget input problems; ``True`` when there were any."""
    if data.budget_problems is None:
        return False
    st.warning(t("compliance.budget_problems", lang, n=len(data.budget_problems)))
    st.dataframe(
        present.problems_table(data.budget_problems, lang), hide_index=True, width="stretch"
    )
    return True


def _yuan(frame: pd.DataFrame, column: str) -> str:
    return f"{float(frame[column].sum()):,.0f}" if len(frame) else "0"


def _stars_tab(data: ComplianceData, districts: list[str], streets: list[str], lang: str) -> None:
    if _budget_problems(data, lang):
        return
    if data.stars is None:
        st.info(t("compliance.no_stars", lang))
        return
    by_district = filter_table(data.stars.by_district, district=districts or None)
    by_street = filter_table(
        data.stars.by_street, district=districts or None, street=streets or None
    )
    cols = st.columns(3)
    cols[0].metric(t("compliance.m_city_pays", lang), _yuan(by_district, "city_pays_yuan"))
    cols[1].metric(t("compliance.m_district_pays", lang), _yuan(by_district, "district_pays_yuan"))
    cols[2].metric(
        t("compliance.m_flagged_streets", lang), int(by_street["flagged"].astype(bool).sum())
    )
    st.caption(t("compliance.stars_by_district", lang))
    _table(by_district, lang, key="compliance_stars_district", standard=data.result.standard)
    st.caption(t("compliance.stars_by_street", lang))
    _table(by_street, lang, key="compliance_stars_street", standard=data.result.standard)


def _heating_tab(data: ComplianceData, districts: list[str], lang: str) -> None:
    if _budget_problems(data, lang):
        return
    if data.heating is None:
        st.info(t("compliance.no_heating", lang))
        return
    by_district = filter_table(data.heating.by_district, district=districts or None)
    cols = st.columns(3)
    cols[0].metric(t("compliance.m_heating_total", lang), _yuan(by_district, "cost_yuan"))
    cols[1].metric(t("compliance.m_city_pays", lang), _yuan(by_district, "city_pays_yuan"))
    cols[2].metric(t("compliance.m_district_pays", lang), _yuan(by_district, "district_pays_yuan"))
    _table(by_district, lang, key="compliance_heating", standard=data.result.standard)


def _downloads(info: state.ProjectInfo, standard: str, districts, streets, lang: str) -> None:
    filtered = bool(districts or streets)
    st.caption(t("compliance.export_filtered" if filtered else "compliance.export_all", lang))
    cols = st.columns([1, 1, 4])
    machine = cols[2].checkbox(
        t("export.machine_readable", lang),
        help=t("export.machine_readable_help", lang),
        key="compliance_machine_readable",
    )
    stem = f"{info.path.stem}_{standard}_compliance"
    for col, fmt in zip(cols, present.EXPORT_FORMATS, strict=False):
        col.download_button(
            t(f"compliance.download_{fmt}", lang),
            data=lambda fmt=fmt: export_bytes(
                info.key,
                standard,
                tuple(districts),
                tuple(streets),
                fmt,
                export_lang(lang, machine),
            ),
            file_name=f"{stem}.{fmt}",
            mime=present.EXPORT_MIME[fmt],
            key=f"compliance_download_{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )


def render() -> None:
    """Draw the compliance page."""
    lang = ui.current_lang()
    st.title(t("compliance.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("compliance.intro", lang))

    names = available_standards()
    default = info.settings.standard_set
    col_std, col_district, col_street = st.columns([3, 3, 3])
    standard = col_std.selectbox(
        t("compliance.standard", lang),
        names,
        index=names.index(default) if default in names else 0,
        format_func=lambda n: _standard_label(n, lang),
        help=t("compliance.standard_help", lang, default=default),
        key="compliance_standard",
    )
    with st.spinner(t("compliance.computing", lang)):
        data = compute(info.key, standard)
    if data.result is None:
        st.error(t("compliance.input_problems", lang, n=len(data.problems)))
        st.dataframe(present.problems_table(data.problems, lang), hide_index=True, width="stretch")
        return
    result = data.result

    district_names = option_names(ui.district_options())
    districts = col_district.multiselect(
        t("compliance.district_filter", lang),
        list(district_names),
        format_func=lambda c: district_names.get(c, c),
        placeholder=t("compliance.all", lang),
        key="compliance_districts",
    )
    in_districts = workflows.filter_compliance(result, districts).communities
    street_names = _options(in_districts, "street_code", "street")
    streets = col_street.multiselect(
        t("compliance.street_filter", lang),
        list(street_names),
        format_func=lambda c: street_names.get(c, c),
        placeholder=t("compliance.all", lang),
        key="compliance_streets",
    )
    streets = [s for s in streets if s in street_names]
    view = workflows.filter_compliance(result, districts, streets)

    _metrics(view, lang)
    if view.totals()["n_assessed"] == 0:
        st.info(t("compliance.no_area_rule", lang, standard=standard))
    st.caption(view.summary_text(lang))
    totals = view.totals()
    if totals["n_undecided"]:
        st.warning(
            t(
                "compliance.undecided_note",
                lang,
                n=totals["n_undecided"],
                shortfall=f"{totals['provisional_shortfall_m2']:,.1f}",
            )
        )
    readiness_panel(info, lang, key="compliance")
    _district_notes(view, lang)
    _map(view, districts, lang, (info.key, standard, tuple(districts), tuple(streets), lang))

    st.subheader(t("compliance.table_title", lang))
    _table(
        view.communities,
        lang,
        present.COMPLIANCE_COLUMNS,
        key="compliance_table",
        standard=view.standard,
    )
    _downloads(info, standard, districts, streets, lang)

    tabs = st.tabs(
        [
            t("compliance.tab_street", lang),
            t("compliance.tab_district", lang),
            t("compliance.tab_issues", lang),
            t("compliance.tab_stars", lang),
            t("compliance.tab_heating", lang),
            t("compliance.tab_rules", lang),
        ]
    )
    with tabs[0]:
        _table(view.by_street, lang, key="compliance_by_street")
    with tabs[1]:
        _table(view.by_district, lang, key="compliance_by_district")
    with tabs[2]:
        _table(view.issues(), lang, key="compliance_issues", standard=view.standard)
    with tabs[3]:
        _stars_tab(data, districts, streets, lang)
    with tabs[4]:
        _heating_tab(data, districts, lang)
    with tabs[5]:
        _rules_tab(view, lang)
