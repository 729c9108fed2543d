"""Site selection: where to put community rooms, and which idle boiler rooms to convert.

Choose a model (the Art. 13 central service station "hub" by default, or set cover, maximal
cover, p-median), the candidate layers (idle boiler rooms, candidate sites), the walking
distance, the number of sites ``p`` (maximal cover, p-median), a district (an old core district
such as 道外区 by default) and, for the hub model, whether a hub serves only its own street;
click run. The page shows the chosen sites with radiation lines to the communities they serve
(served in green, unserved in red) on a map, headline numbers, a table of the chosen sites with
their served communities, area and walking distances, the assignments, the communities no site
can serve with the reason, a download of the result GeoPackage (the same file as ``geo-app
site-select``), and saves the run as a named scenario of the project, compared with the other
saved scenarios in one table.

The model is :func:`geo_app.workflows.site_selection.run_site_selection`, cached per project file
version and parameters (``st.cache_data``).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis.hubs import HubRule, hub_rule
from analysis.standards import StandardError, load_standard
from geo_app import maps, present
from geo_app.app import caches
from geo_app.app import frame as ui
from geo_app.app import map_widgets as map_widgets
from geo_app.app import state as state
from geo_app.i18n import layer_label, t
from geo_app.maps import planning as maps_planning
from geo_app.present.formatting import local_time
from geo_app.project import ProjectError
from geo_app.workflows import site_selection as site_selection
from geo_app.workflows.site_selection.walking import walk_warning
from layers.errors import PlannerError

LAST_RUN = "site_selection_last_run"
"""``st.session_state`` key of the parameters of the last run (a :class:`Params`)."""
SAVED = "site_selection_saved"
"""``st.session_state`` key of the message of the last saved scenario."""
ALL = "*"
"""District option meaning the whole project."""
DEFAULT_MODEL = "hub"
LOG = logging.getLogger(__name__)
P_MODELS = ("max-cover", "p-median")


@dataclass(frozen=True)
class Params:
    """What a run depends on besides the project file."""

    model: str = DEFAULT_MODEL
    candidates: tuple[str, ...] = site_selection.CANDIDATE_LAYERS
    distance_m: float = 500.0
    p: int | None = None
    district: str | None = None
    same_street: bool = False


@dataclass
class Outcome:
    """A cached run: the selection, or the error message that stopped it."""

    selection: site_selection.SiteSelection | None = None
    error: str | None = None
    seconds: float = 0.0


SITE_MAP = map_widgets.PlanningMapPanel(
    "site_map", maps_planning.SITE_FOCUS, "site_selection.legend_title", "site_selection.map_title"
)


def run(key: state.FileKey, params: Params) -> site_selection.SiteSelection:
    """:func:`~geo_app.workflows.site_selection.run_site_selection` of the file version ``key``."""
    return site_selection.run_site_selection(
        state.open_project(key),
        params.model,
        candidates=params.candidates,
        distance_m=params.distance_m,
        p=params.p,
        district=params.district,
        same_street=params.same_street,
        G=state.network(key),
        compliance=caches.compliance(key).result if params.model == "hub" else None,
    )


@st.cache_data(max_entries=8, show_spinner=False)
def compute(key: state.FileKey, params: Params) -> Outcome:
    """A cached run; errors a planner can act on are returned (and cached), not raised."""
    start = time.perf_counter()
    try:
        selection = run(key, params)
    except PlannerError as exc:
        return Outcome(error=str(exc))
    except Exception as exc:  # a solver failure: a message on the page, the traceback in the log
        LOG.exception("site selection failed for %s", params)
        return Outcome(error=f"{type(exc).__name__}: {exc}")
    return Outcome(selection=selection, seconds=time.perf_counter() - start)


@st.cache_data(max_entries=8, show_spinner=False)
def map_views(key: state.FileKey, params: Params, lang: str) -> list[maps.LayerView]:
    """Prepared map layers of a cached run in ``lang``."""
    communities = state.load_layers(("communities",)).get("communities")
    try:
        candidates = site_selection.candidate_sites(state.open_project(key), params.candidates)
    except ProjectError:
        candidates = None
    return maps_planning.prepare_site_selection(
        compute(key, params).selection, communities, candidates, lang
    )


@st.cache_data(max_entries=8, show_spinner=False)
def result_bytes(key: state.FileKey, params: Params) -> bytes:
    """The result GeoPackage of a cached run (as ``geo-app site-select`` writes it)."""
    return site_selection.site_selection_gpkg_bytes(compute(key, params).selection)


def _district_options() -> pd.DataFrame:
    return ui.district_options()


def _district_name(code: str | None, lang: str) -> str:
    """Name of the district ``code`` (all districts for None)."""
    if code is None:
        return t("site_selection.district_all", lang)
    options = _district_options()
    match = options.loc[options["district_code"].astype(str) == code, "name"]
    return str(match.iloc[0]) if len(match) else code


def _model_label(model: str, lang: str) -> str:
    return site_selection.model_label(model, lang)


def _hub_rule(info: state.ProjectInfo) -> HubRule:
    """The Art. 13 hub rule of the project's standard set (walking limit, same street)."""
    try:
        settings = info.settings
        overrides = settings.standard_overrides
        return hub_rule(load_standard(settings.standard_set, overrides))
    except StandardError:
        return HubRule()


def _controls(info: state.ProjectInfo, options: pd.DataFrame, lang: str) -> tuple[Params, bool]:
    """The widgets; returns the chosen parameters and whether run was clicked."""
    models = list(site_selection.MODELS)
    row1 = st.columns([3, 3, 2])
    model = row1[0].selectbox(
        t("site_selection.model", lang),
        models,
        index=models.index(DEFAULT_MODEL),
        format_func=lambda m: _model_label(m, lang),
        help=t("site_selection.model_help", lang),
        key="site_model",
    )
    layers = [n for n in site_selection.CANDIDATE_LAYERS if n in info.layers]
    candidates = row1[1].multiselect(
        t("site_selection.candidates", lang),
        list(site_selection.CANDIDATE_LAYERS),
        default=layers,
        format_func=lambda n: layer_label(n, lang),
        help=t("site_selection.candidates_help", lang),
        key="site_candidates",
    )
    codes = [*options["district_code"].astype(str), ALL]
    names = dict(zip(options["district_code"].astype(str), options["name"], strict=True))
    counts = dict(zip(options["district_code"].astype(str), options["communities"], strict=True))
    default = site_selection.default_site_district(options)
    district = row1[2].selectbox(
        t("site_selection.district", lang),
        codes,
        index=codes.index(default) if default in codes else len(codes) - 1,
        format_func=lambda c: (
            t("site_selection.district_all", lang)
            if c == ALL
            else t("site_selection.district_option", lang, name=names[c], n=counts[c])
        ),
        help=t("site_selection.district_help", lang),
        key="site_district",
    )
    rule = _hub_rule(info)
    row2 = st.columns([2, 2, 3, 1])
    distance = row2[0].number_input(
        t("site_selection.distance", lang),
        min_value=50.0,
        max_value=5000.0,
        value=float(rule.max_walk_m),
        step=50.0,
        format="%.0f",
        help=t("site_selection.distance_help", lang),
        key="site_distance",
    )
    p = row2[1].number_input(
        t("site_selection.p", lang),
        min_value=1,
        max_value=500,
        value=3,
        step=1,
        disabled=model not in P_MODELS,
        help=t("site_selection.p_help", lang),
        key="site_p",
    )
    same_street = row2[2].checkbox(
        t("site_selection.same_street", lang),
        value=bool(rule.same_street) and "streets" in info.layers,  # needs the streets
        disabled=model != "hub",
        help=t("site_selection.same_street_help", lang),
        key="site_same_street",
    )
    params = Params(
        model=model,
        candidates=tuple(n for n in site_selection.CANDIDATE_LAYERS if n in candidates),
        distance_m=float(distance),
        p=int(p) if model in P_MODELS else None,
        district=None if district == ALL else district,
        same_street=bool(same_street) if model == "hub" else False,
    )
    clicked = st.button(
        t("site_selection.run", lang),
        type="primary",
        icon=":material/play_arrow:",
        disabled=not params.candidates,
        key="site_run",
    )
    return params, clicked


def _metrics(selection: site_selection.SiteSelection, lang: str) -> None:
    summary = selection.summary
    cols = st.columns(5)
    cols[0].metric(t("site_selection.m_sites", lang), summary["chosen_sites"])
    cols[1].metric(
        t("site_selection.m_served", lang),
        f"{summary['served_communities']} / {summary['demand_communities']}",
        t("site_selection.m_served_delta", lang, n=summary["unserved_communities"]),
        delta_color="off",
        delta_arrow="off",
        help=t(f"site_selection.demand_{'hub' if selection.model == 'hub' else 'all'}", lang),
    )
    cols[2].metric(t("site_selection.m_households", lang), f"{summary['served_households']:,.0f}")
    mean = summary["mean_distance_m"]
    cols[3].metric(
        t("site_selection.m_distance", lang),
        "—" if mean is None or math.isnan(mean) else f"{mean:.0f}",
        help=t("site_selection.m_distance_help", lang),
    )
    status = t(
        "site_selection.optimal" if summary.get("optimal") else "site_selection.feasible", lang
    )
    cols[4].metric(
        t("site_selection.m_solver", lang),
        status,
        t("site_selection.gap", lang, gap=summary.get("gap", 0.0)),
        delta_color="off",
        delta_arrow="off",
        help=t("site_selection.m_solver_help", lang),
    )


def _table(frame: pd.DataFrame | None, lang: str, columns, key: str) -> None:
    ui.show_frame(
        frame,
        lambda f: present.planning_table(f, lang, columns),
        t("site_selection.empty", lang),
        key,
    )


def _save(info: state.ProjectInfo, params: Params, selection, lang: str) -> None:
    st.subheader(t("site_selection.save_title", lang))
    district = _district_name(params.district, lang)
    default = f"{_model_label(params.model, lang)} {district} {params.distance_m:.0f}m"
    cols = st.columns([4, 1], vertical_alignment="bottom")
    name = cols[0].text_input(
        t("site_selection.save_name", lang), value=default, max_chars=80, key="site_save_name"
    )
    if cols[1].button(
        t("site_selection.save_button", lang), icon=":material/save:", key="site_save"
    ):
        try:
            site_selection.save_site_selection(state.open_project(info.key), selection, name)
        except ProjectError as exc:
            st.error(t("site_selection.save_failed", lang, error=exc))
        else:
            st.success(t("site_selection.saved", lang, name=name.strip()))


def _compare(info: state.ProjectInfo, lang: str) -> None:
    st.subheader(t("site_selection.compare_title", lang))
    table = site_selection.compare_scenarios(state.open_project(info.key))
    if not len(table):
        st.info(t("site_selection.compare_empty", lang))
        return
    if "created" in table.columns:  # stored in UTC, shown in Harbin time
        table["created"] = table["created"].map(local_time)
    if "district" in table.columns:  # codes saved by the page, names by the CLI
        table["district"] = [
            None if pd.isna(d) else _district_name(str(d), lang) for d in table["district"]
        ]
    _table(table, lang, site_selection.SCENARIO_COLUMNS, key="site_compare")


def _show(info: state.ProjectInfo, params: Params, outcome: Outcome, lang: str) -> None:
    selection = outcome.selection
    if selection.notes:
        st.warning(t("site_selection.no_network", lang), icon=":material/warning:")
    st.caption(t(f"site_selection.demand_{'hub' if selection.model == 'hub' else 'all'}", lang))
    _metrics(selection, lang)
    walks = walk_warning(selection, lang)  # p-median: walks beyond the walking distance
    if walks:
        st.warning(walks, icon=":material/directions_walk:")

    col_title, col_base = st.columns([4, 1], vertical_alignment="bottom")
    col_title.subheader(t("site_selection.map_title", lang))
    basemap = map_widgets.basemap_select(lang, "site_basemap", col_base)
    st.caption(t("site_selection.map_caption", lang))
    with st.spinner():
        views = map_widgets.with_verdicts(map_views(info.key, params, lang), lang)
    map_widgets.show_planning_map(
        SITE_MAP, views, basemap, ("site_selection", info.key, params, lang), lang
    )

    stem = info.path.stem + f"_{params.model}"
    st.download_button(
        t("site_selection.download", lang),
        data=lambda: result_bytes(info.key, params),
        file_name=f"{stem}_site_selection.gpkg",
        mime="application/geopackage+sqlite3",
        help=t("site_selection.download_help", lang),
        key="site_download",
        on_click="ignore",
        icon=":material/download:",
    )
    tabs = st.tabs(
        [
            t("site_selection.tab_sites", lang),
            t("site_selection.tab_assign", lang),
            t("site_selection.tab_unserved", lang, n=len(selection.unserved)),
        ]
    )
    sep = "、" if lang == "zh" else ", "
    with tabs[0]:
        sites = site_selection.site_summary(selection, sep=sep)
        _table(sites, lang, site_selection.SITE_COLUMNS, key="site_sites")
    with tabs[1]:
        assign = pd.DataFrame(selection.assignments).sort_values(
            ["site_id", "distance_m"], kind="mergesort"
        )
        _table(assign, lang, site_selection.ASSIGNMENT_COLUMNS, key="site_assignments")
    with tabs[2]:
        _table(selection.unserved, lang, site_selection.UNSERVED_COLUMNS, key="site_unserved")
    _save(info, params, selection, lang)


def render() -> None:
    """Draw the site-selection page."""
    lang = ui.current_lang()
    st.title(t("site_selection.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("site_selection.intro", lang))
    if "communities" not in info.layers:
        st.warning(
            t("site_selection.missing_layers", lang, layers=layer_label("communities", lang))
        )
        return

    options = _district_options()
    params, clicked = _controls(info, options, lang)
    if clicked:
        st.session_state[LAST_RUN] = params
    last: Params | None = st.session_state.get(LAST_RUN)
    if last is None:
        st.info(t("site_selection.not_run", lang))
    else:
        if last != params:
            st.warning(t("site_selection.stale", lang))
        district = _district_name(last.district, lang)
        with st.status(t("site_selection.running", lang)) as status:
            outcome = compute(info.key, last)
            done = t(
                "site_selection.done",
                lang,
                model=_model_label(last.model, lang),
                district=district,
                seconds=outcome.seconds,
            )
            status.update(
                label=done, state="complete" if outcome.selection is not None else "error"
            )
        if outcome.error is not None:
            st.error(t("site_selection.failed", lang, error=outcome.error))
        else:
            _show(info, last, outcome, lang)
    _compare(info, lang)
