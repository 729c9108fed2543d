"""Coverage: which households reach a facility kind within a life-circle walk, and which not.

Pick a facility kind, a GB 50180 life circle (5 / 10 / 15 minutes = 300 / 500 / 1000 m) or a
custom distance and whether overlapping catchments are kept or split by nearest facility, then
click run. The page shows the walking isochrone of every facility and the uncovered communities
in red on a map, the headline numbers (share of households covered, uncovered households, the
distance method: walking network, or straight line x 1.3 when the project has no network),
tables per district, street and community, the two-step floating catchment accessibility
(usable area per 100 households) and the gap priority of every community (area shortfall of
Art. 11/12 + coverage + accessibility, with adjustable weights).

The analyses are :func:`geo_app.workflows.project_coverage`, ``project_accessibility`` and
``project_gaps``, cached per project file version and parameters (``st.cache_data``); the last
run's parameters live in ``st.session_state`` so that reruns reuse the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis.coverage import LIFE_CIRCLE_M, CoverageResult
from analysis.gaps import DEFAULT_WEIGHTS, GapInputError, GapResult
from geo_app import maps, present, workflows
from geo_app.app import frame as ui
from geo_app.app import map_widgets as map_widgets
from geo_app.app import state as state
from geo_app.i18n import facility_kind_label, t
from geo_app.maps import planning as maps_planning
from geo_app.present.formatting import format_share
from geo_app.present.headlines import CoverageHeadline, coverage_headline, coverage_headline_text
from geo_app.project import ProjectError
from layers.errors import PlannerError
from layers.schema import FACILITY_KINDS

LAST_RUN = "coverage_last_run"
"""``st.session_state`` key of the parameters of the last run (a :class:`Params`)."""
CUSTOM = "custom"
"""Life-circle option meaning a distance typed by the planner."""
CIRCLES: tuple[str, ...] = (*(str(m) for m in LIFE_CIRCLE_M), CUSTOM)
DEFAULT_KIND = "community_station"


@dataclass(frozen=True)
class Params:
    """What a run depends on besides the project file."""

    kind: str = DEFAULT_KIND
    distance_m: float = 500.0
    overlap: str = "keep"


@dataclass
class Outcome:
    """A cached run: coverage and accessibility, or the error message that stopped it."""

    result: CoverageResult | None = None
    accessibility: pd.DataFrame | None = None
    error: str | None = None
    seconds: float = 0.0


@st.cache_data(max_entries=8, show_spinner=False)
def compute(key: state.FileKey, params: Params) -> Outcome:
    """Coverage (with isochrones at the distance) and 2SFCA of the file version ``key``."""
    start = time.perf_counter()
    project = state.open_project(key)
    G = state.network(key)
    try:
        result = workflows.project_coverage(
            project, params.kind, params.distance_m, overlap=params.overlap, G=G
        )
        access = workflows.project_accessibility(project, params.kind, params.distance_m, G=G)
    except PlannerError as exc:
        return Outcome(error=str(exc))
    return Outcome(result=result, accessibility=access, seconds=time.perf_counter() - start)


@st.cache_data(max_entries=16, show_spinner=False)
def gaps(key: state.FileKey, params: Params, weights: tuple[tuple[str, float], ...]) -> GapResult:
    """Gap priority of a cached run with ``weights`` (``(name, weight)`` pairs)."""
    outcome = compute(key, params)
    return workflows.project_gaps(
        state.open_project(key), outcome.result, outcome.accessibility, weights=dict(weights)
    )


@st.cache_data(max_entries=8, show_spinner=False)
def map_views(key: state.FileKey, params: Params, lang: str) -> list[maps.LayerView]:
    """Prepared map layers of a cached run in ``lang``."""
    facilities = state.load_layers(("facilities",)).get("facilities")
    return maps_planning.prepare_coverage(
        compute(key, params).result, facilities, lang, split=params.overlap == "split"
    )


COVERAGE_MAP = map_widgets.PlanningMapPanel(
    "coverage_map", maps_planning.COVERAGE_FOCUS, "coverage.legend_title", "coverage.map_title", 0.8
)


def _kind_counts() -> dict[str, int]:
    layers = state.load_layers(("facilities",))
    if "facilities" not in layers or "kind" not in layers["facilities"].columns:
        return {}
    return {str(k): int(n) for k, n in layers["facilities"]["kind"].value_counts().items()}


def _controls(lang: str) -> tuple[Params, bool]:
    """The widgets; returns the chosen parameters and whether run was clicked."""
    counts = _kind_counts()
    kinds = [k for k in FACILITY_KINDS if counts.get(k)] + [
        k for k in FACILITY_KINDS if not counts.get(k)
    ]
    cols = st.columns([3, 3, 2, 2])
    kind = cols[0].selectbox(
        t("coverage.kind", lang),
        kinds,
        index=kinds.index(DEFAULT_KIND) if DEFAULT_KIND in kinds else 0,
        format_func=lambda k: t(
            "coverage.kind_option", lang, label=facility_kind_label(k, lang), n=counts.get(k, 0)
        ),
        help=t("coverage.kind_help", lang),
        key="coverage_kind",
    )
    circle = cols[1].selectbox(
        t("coverage.circle", lang),
        CIRCLES,
        index=CIRCLES.index("10"),
        format_func=lambda c: (
            t("coverage.circle_custom", lang)
            if c == CUSTOM
            else t("coverage.circle_option", lang, minutes=c, metres=LIFE_CIRCLE_M[int(c)])
        ),
        help=t("coverage.circle_help", lang),
        key="coverage_circle",
    )
    custom = cols[2].number_input(
        t("coverage.distance", lang),
        min_value=50.0,
        max_value=5000.0,
        value=500.0,
        step=50.0,
        format="%.0f",
        disabled=circle != CUSTOM,
        key="coverage_distance",
    )
    overlap = cols[3].radio(
        t("coverage.overlap", lang),
        ("keep", "split"),
        format_func=lambda o: t(f"coverage.overlap_{o}", lang),
        help=t("coverage.overlap_help", lang),
        key="coverage_overlap",
    )
    distance = float(custom) if circle == CUSTOM else LIFE_CIRCLE_M[int(circle)]
    params = Params(kind=kind, distance_m=distance, overlap=overlap)
    clicked = st.button(
        t("coverage.run", lang), type="primary", icon=":material/play_arrow:", key="coverage_run"
    )
    return params, clicked


def _pct(value: float) -> str:
    return format_share(value)


def _method_note(headline: CoverageHeadline, lang: str) -> None:
    """The headline sentence (network and estimated counts) with the note on the method.

    A share that rests partly or wholly on the straight-line estimate is a warning, not a
    grey note.
    """
    lead = f"**{coverage_headline_text(headline, lang)}**"
    method = headline.method
    if method == "network":
        st.info(f"{lead}  \n{t('coverage.method_network', lang)}", icon=":material/route:")
    elif method == "euclidean_detour":
        st.warning(f"{lead}  \n{t('coverage.method_fallback', lang)}", icon=":material/warning:")
    else:
        note = t("coverage.method_mixed", lang, n=headline.estimate_communities)
        st.warning(f"{lead}  \n{note}", icon=":material/warning:")


def _metrics(metrics: dict, headline: CoverageHeadline, lang: str) -> None:
    cols = st.columns(5)
    cols[0].metric(
        t("coverage.m_share", lang),
        _pct(metrics["covered_share"]),
        t(
            "coverage.m_share_delta",
            lang,
            covered=metrics["covered_households"],
            total=metrics["households"],
        ),
        delta_color="off",
        delta_arrow="off",
        help=t("coverage.m_share_help", lang),
    )
    cols[1].metric(
        t("headline.network_share", lang),
        _pct(headline.network_share),
        t(
            "headline.network_share_delta",
            lang,
            network=headline.network_communities,
            estimate=headline.estimate_communities,
        ),
        delta_color="off",
        delta_arrow="off",
        help=t("headline.network_share_help", lang),
    )
    cols[2].metric(
        t("coverage.m_uncovered", lang),
        f"{metrics['uncovered_households']:,.0f}",
        t(
            "coverage.m_uncovered_delta",
            lang,
            n=metrics["communities"] - metrics["covered_communities"],
        ),
        delta_color="off",
        delta_arrow="off",
    )
    cols[3].metric(
        t("coverage.m_communities", lang),
        f"{metrics['covered_communities']} / {metrics['communities']}",
    )
    method = headline.method
    cols[4].metric(
        t("coverage.m_method", lang),
        t(
            f"coverage.method.{'euclidean_detour' if method == 'euclidean_detour' else 'network'}",
            lang,
        ),
        t("coverage.m_method_delta", lang, n=headline.estimate_communities)
        if method == "mixed"
        else None,
        delta_color="off",
        delta_arrow="off",
        help=t("coverage.m_method_help", lang),
    )


def _table(frame: pd.DataFrame | None, lang: str, columns, key: str) -> None:
    ui.show_frame(
        frame,
        lambda f: present.planning_table(f, lang, columns),
        t("coverage.empty", lang),
        key,
    )


def _gap_tab(info: state.ProjectInfo, params: Params, lang: str) -> None:
    st.caption(t("coverage.gaps_caption", lang))
    cols = st.columns(3)
    weights = {}
    for col, name in zip(cols, DEFAULT_WEIGHTS, strict=True):
        weights[name] = col.slider(
            t(f"coverage.w_{name}", lang),
            min_value=0.0,
            max_value=1.0,
            value=DEFAULT_WEIGHTS[name],
            step=0.05,
            help=t(f"coverage.w_{name}_help", lang),
            key=f"coverage_w_{name}",
        )
    try:
        result = gaps(info.key, params, tuple(weights.items()))
    except (GapInputError, ProjectError) as exc:
        st.error(t("coverage.gaps_failed", lang, error=exc))
        return
    st.markdown(t("coverage.weights_text", lang, text=result.weights_text(lang)))
    _table(result.communities, lang, workflows.GAP_TABLE_COLUMNS, key="coverage_gaps")
    st.markdown(f"**{t('coverage.gaps_district', lang)}**")
    _table(result.districts, lang, workflows.GAP_AREA_COLUMNS, key="coverage_gaps_district")


def _show(info: state.ProjectInfo, params: Params, outcome: Outcome, lang: str) -> None:
    result = outcome.result
    metrics = workflows.coverage_metrics(result)
    headline = coverage_headline(result.communities)
    _method_note(headline, lang)
    if not _kind_counts().get(params.kind):
        st.warning(t("coverage.no_facilities", lang, kind=facility_kind_label(params.kind, lang)))
    _metrics(metrics, headline, lang)

    col_title, col_base = st.columns([4, 1], vertical_alignment="bottom")
    col_title.subheader(t("coverage.map_title", lang))
    basemap = map_widgets.basemap_select(lang, "coverage_basemap", col_base)
    st.caption(t("coverage.map_caption", lang, distance=params.distance_m))
    with st.spinner():
        views = map_widgets.with_verdicts(map_views(info.key, params, lang), lang)
    map_widgets.show_planning_map(
        COVERAGE_MAP, views, basemap, ("coverage", info.key, params, lang), lang
    )

    tabs = st.tabs(
        [
            t("coverage.tab_district", lang),
            t("coverage.tab_street", lang),
            t("coverage.tab_community", lang),
            t("coverage.tab_access", lang),
            t("coverage.tab_gaps", lang),
        ]
    )
    with tabs[0]:
        _table(result.districts, lang, workflows.COVERAGE_AREA_COLUMNS, key="coverage_districts")
    with tabs[1]:
        _table(result.streets, lang, workflows.COVERAGE_AREA_COLUMNS, key="coverage_streets")
    with tabs[2]:
        per = pd.DataFrame(result.communities).sort_values(
            ["covered", "households"], ascending=[True, False], kind="mergesort"
        )
        _table(per, lang, workflows.COVERAGE_COMMUNITY_COLUMNS, key="coverage_communities")
    with tabs[3]:
        st.caption(t("coverage.access_caption", lang, distance=params.distance_m))
        _table(outcome.accessibility, lang, workflows.ACCESS_COLUMNS, key="coverage_access")
    with tabs[4]:
        _gap_tab(info, params, lang)


def render() -> None:
    """Draw the coverage page."""
    lang = ui.current_lang()
    st.title(t("coverage.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("coverage.intro", lang))
    missing = [n for n in ("communities", "facilities") if n not in info.layers]
    if missing:
        st.warning(t("coverage.missing_layers", lang, layers=", ".join(missing)))
        return

    params, clicked = _controls(lang)
    if clicked:
        st.session_state[LAST_RUN] = params
    last: Params | None = st.session_state.get(LAST_RUN)
    if last is None:
        st.info(t("coverage.not_run", lang))
        return
    if last != params:
        st.warning(t("coverage.stale", lang))

    kind = facility_kind_label(last.kind, lang)
    with st.status(t("coverage.running", lang)) as status:
        outcome = compute(info.key, last)
        done = t(
            "coverage.done", lang, kind=kind, distance=last.distance_m, seconds=outcome.seconds
        )
        status.update(label=done, state="complete" if outcome.result is not None else "error")
    overlap = t(f"coverage.overlap_{last.overlap}", lang)
    st.caption(t("coverage.showing", lang, kind=kind, distance=last.distance_m, overlap=overlap))
    if outcome.error is not None:
        st.error(t("coverage.failed", lang, error=outcome.error))
        return
    _show(info, last, outcome, lang)
