"""Surveillance: camera coverage of public places in scattered residential areas (Art. 20).

Pick a district and the standard new camera, click run: the page shows the camera view
sectors (minus what buildings hide), blind spots in red, working / broken and suggested
cameras on a map, headline metrics against the targets (100 % of public places covered, at
least 98 % of cameras working), the per-community table, the repair list, the suggested
cameras, camera data problems and a download of the result GeoPackage written by the same
function as ``geo-app surveillance``.

The analysis is :func:`geo_app.workflows.project_surveillance`, cached per project file
version and parameters (``st.cache_data``); the last run's parameters live in
``st.session_state`` so that reruns (language switch, a click on a table) reuse the result.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis.surveillance import CameraValidationError, SurveillanceResult, coverage_after
from geo_app import maps, workflows
from geo_app.app import frame as ui
from geo_app.app import map_widgets as map_widgets
from geo_app.app import state as state
from geo_app.i18n import t, value_label
from geo_app.maps import surveillance as maps_surveillance
from layers.errors import PlannerError
from layers.schema import CAMERA_KINDS

LAST_RUN = "surveillance_last_run"
"""``st.session_state`` key of the parameters of the last run (a :class:`Params`)."""
ALL = "*"
"""District option meaning the whole project."""
BEARING_STEPS = (15, 30, 45, 60, 90, 120)


@dataclass(frozen=True)
class Params:
    """What a run depends on besides the project file."""

    district: str | None = None
    kind: str = "bullet"
    fov_deg: float = 90.0
    range_m: float = 30.0
    bearing_step_deg: float = 45.0
    max_cameras: int | None = None


@dataclass
class Outcome:
    """A cached run: the result, or the camera problems / error message that stopped it."""

    result: SurveillanceResult | None = None
    problems: pd.DataFrame | None = None
    error: str | None = None
    seconds: float = 0.0


def _spec(params: Params):
    return workflows.surveillance_spec(
        fov_deg=params.fov_deg,
        range_m=params.range_m,
        bearing_step_deg=params.bearing_step_deg,
        kind=params.kind,
    )


@st.cache_data(max_entries=8, show_spinner=False)
def compute(key: state.FileKey, params: Params) -> Outcome:
    """:func:`geo_app.workflows.project_surveillance` of the file version ``key`` (cached).

    Invalid camera rows are skipped and listed in ``result.problems``; errors a planner can fix
    are returned (and cached), not raised.
    """
    start = time.perf_counter()
    try:
        result = workflows.project_surveillance(
            state.open_project(key),
            district=params.district,
            spec=_spec(params),
            max_cameras=params.max_cameras,
            on_invalid="skip",
        )
    except CameraValidationError as exc:
        return Outcome(problems=exc.problems)
    except PlannerError as exc:  # unknown district, no public spaces: bilingual messages
        return Outcome(error=str(exc))
    return Outcome(result=result, seconds=time.perf_counter() - start)


@st.cache_data(max_entries=8, show_spinner=False)
def result_bytes(key: state.FileKey, params: Params) -> bytes:
    """The result GeoPackage of a cached run (as ``geo-app surveillance`` writes it)."""
    return workflows.surveillance_gpkg_bytes(compute(key, params).result)


@st.cache_data(max_entries=8, show_spinner=False)
def map_views(key: state.FileKey, params: Params, lang: str) -> list[maps.LayerView]:
    """Prepared map layers of a cached run in ``lang``."""
    layers = state.load_layers(("cameras", "communities"))
    return maps_surveillance.prepare_surveillance(
        compute(key, params).result, layers.get("cameras"), layers.get("communities"), lang
    )


def _district_options(info: state.ProjectInfo) -> pd.DataFrame:
    return ui.district_options()


def _district_name(code: str | None, options: pd.DataFrame, lang: str) -> str:
    if code is None:
        return t("surveillance.district_all", lang)
    match = options.loc[options["district_code"] == code, "name"]
    return str(match.iloc[0]) if len(match) else code


def _controls(options: pd.DataFrame, lang: str) -> tuple[Params, bool]:
    """The widgets; returns the chosen parameters and whether run was clicked."""
    codes = [*options["district_code"].astype(str), ALL]
    default = workflows.default_surveillance_district(options)
    rows = options.set_index("district_code")

    def label(code: str) -> str:
        if code == ALL:
            return t("surveillance.district_all", lang)
        row = rows.loc[code]
        return t(
            "surveillance.district_option",
            lang,
            name=row["name"],
            n=int(row["communities"]),
            s=int(row["scattered"]),
        )

    district = st.selectbox(
        t("surveillance.district", lang),
        codes,
        index=codes.index(default) if default in codes else len(codes) - 1,
        format_func=label,
        help=t("surveillance.district_help", lang),
        key="surveillance_district",
    )
    st.markdown(f"**{t('surveillance.spec_title', lang)}**")
    cols = st.columns([2, 2, 2, 2, 2, 2])
    kind = cols[0].selectbox(
        t("surveillance.kind", lang),
        list(CAMERA_KINDS),
        index=list(CAMERA_KINDS).index("bullet"),
        format_func=lambda k: value_label("cameras", "kind", k, lang),
        help=t("surveillance.kind_help", lang),
        key="surveillance_kind",
    )
    dome = kind == "dome"
    fov = cols[1].number_input(
        t("surveillance.fov", lang),
        min_value=1.0,
        max_value=360.0,
        value=90.0,
        step=5.0,
        format="%.0f",
        disabled=dome,
        key="surveillance_fov",
    )
    range_m = cols[2].number_input(
        t("surveillance.range", lang),
        min_value=1.0,
        max_value=300.0,
        value=30.0,
        step=5.0,
        format="%.0f",
        key="surveillance_range",
    )
    step = cols[3].select_slider(
        t("surveillance.bearing_step", lang),
        options=BEARING_STEPS,
        value=45,
        disabled=dome or fov >= 360,
        help=t("surveillance.bearing_step_help", lang),
        key="surveillance_step",
    )
    limit = cols[4].checkbox(
        t("surveillance.limit", lang),
        help=t("surveillance.limit_help", lang),
        key="surveillance_limit",
    )
    max_cameras = cols[5].number_input(
        t("surveillance.max_cameras", lang),
        min_value=1,
        max_value=1000,
        value=10,
        step=1,
        disabled=not limit,
        key="surveillance_max",
    )
    params = Params(
        district=None if district == ALL else district,
        kind=kind,
        fov_deg=360.0 if dome else float(fov),
        range_m=float(range_m),
        bearing_step_deg=float(step),
        max_cameras=int(max_cameras) if limit else None,
    )
    clicked = st.button(
        t("surveillance.run", lang),
        type="primary",
        icon=":material/play_arrow:",
        key="surveillance_run",
    )
    return params, clicked


def _spec_text(params: Params, lang: str) -> str:
    text = t(
        "surveillance.spec_text",
        lang,
        kind=value_label("cameras", "kind", params.kind, lang),
        fov=params.fov_deg,
        range=params.range_m,
        step=params.bearing_step_deg,
    )
    if params.max_cameras is not None:
        text += t("surveillance.spec_limit", lang, n=params.max_cameras)
    return text


def _pct(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1%}"


def _metrics(result: SurveillanceResult, lang: str) -> None:
    totals = result.totals
    has_area = totals["public_area_m2"] > 0
    cols = st.columns(5 if has_area else 4)
    cols[0].metric(
        t("surveillance.m_covered", lang),
        _pct(totals["covered_share"]),
        t(
            "surveillance.m_covered_delta",
            lang,
            covered=totals["covered_length_m"],
            total=totals["public_length_m"],
        ),
        delta_color="off",
        delta_arrow="off",
        help=t("surveillance.m_covered_help", lang),
    )
    rest = cols[1:]
    if has_area:
        rest[0].metric(
            t("surveillance.m_area", lang),
            _pct(totals["covered_share_area"]),
            t(
                "surveillance.m_area_delta",
                lang,
                covered=totals["covered_area_m2"],
                total=totals["public_area_m2"],
            ),
            delta_color="off",
            delta_arrow="off",
        )
        rest = rest[1:]
    rest[0].metric(
        t("surveillance.m_cameras", lang),
        f"{totals['cameras_total']} / {totals['cameras_working']} / {totals['cameras_broken']}",
        help=t("surveillance.m_cameras_help", lang),
    )
    target = totals["working_target"]
    rate = totals["working_rate"]
    rest[1].metric(
        t("surveillance.m_rate", lang, target=f"{target:.0%}"),
        _pct(rate),
        None
        if math.isnan(rate)
        else t("surveillance.m_rate_delta", lang, diff=(rate - target) * 100),
        help=t("surveillance.m_rate_help", lang, target=f"{target:.0%}"),
    )
    placement = result.placement
    rest[2].metric(
        t("surveillance.m_suggested", lang),
        "—" if placement is None else placement.n_cameras,
        None if placement is None else _placement_delta(placement, lang),
        delta_color="off",
        delta_arrow="off",
        help=t("surveillance.m_suggested_help", lang),
    )


def _placement_delta(placement, lang: str) -> str:
    """Status of the placement, with the gap to the proven bound when it is not optimal."""
    status = t(f"surveillance.status.{placement.status}", lang)
    if placement.gap > 0:
        return t("surveillance.m_suggested_gap", lang, status=status, gap=placement.gap)
    return status


def _placement_caption(result: SurveillanceResult, lang: str) -> str:
    pl = result.placement
    if pl is None:
        return t("surveillance.placement_off", lang)
    status = t(f"surveillance.status.{pl.status}", lang)
    if pl.mode == "max_cover":
        return t(
            "surveillance.placement_max",
            lang,
            n=pl.n_cameras,
            status=status,
            objective=pl.objective,
            bound=pl.bound,
            gap=pl.gap,
        )
    return t(
        "surveillance.placement_cover",
        lang,
        n=pl.n_cameras,
        status=status,
        bound=pl.bound,
        gap=pl.gap,
        u=len(pl.uncoverable),
    )


def _table(frame: pd.DataFrame | None, lang: str, columns, key: str) -> None:
    ui.show_frame(
        frame,
        lambda f: workflows.surveillance_table(f, lang, columns),
        t("surveillance.empty", lang),
        key,
    )


def _problems(problems: pd.DataFrame, lang: str, key: str) -> None:
    st.dataframe(
        workflows.surveillance_table(problems, lang, workflows.CAMERA_PROBLEM_COLUMNS),
        hide_index=True,
        width="stretch",
        key=key,
    )


def _suggested(result: SurveillanceResult, lang: str) -> None:
    """The new cameras in install order, with a budget slider: the coverage after the first k."""
    cameras = result.placement.cameras if result.placement is not None else None
    n = 0 if cameras is None else len(cameras)
    if n == 0:
        _table(cameras, lang, workflows.SUGGESTED_COLUMNS, key="surveillance_suggested")
        return
    k = n
    if n > 1:
        k = st.slider(
            t("surveillance.budget", lang),
            min_value=1,
            max_value=n,
            value=n,
            help=t("surveillance.budget_help", lang),
            key="surveillance_budget",
        )
    before, after, full = (coverage_after(cameras, result.totals, i) for i in (0, k, n))
    st.info(
        t(
            "surveillance.budget_result",
            lang,
            k=k,
            n=n,
            before=_pct(before["covered_share"]),
            after=_pct(after["covered_share"]),
            full=_pct(full["covered_share"]),
            before_area=_pct(before["covered_share_area"]),
            after_area=_pct(after["covered_share_area"]),
            full_area=_pct(full["covered_share_area"]),
        ),
        icon=":material/savings:",
    )
    st.caption(t("surveillance.ranked_caption", lang, k=k))
    _table(cameras.iloc[:k], lang, workflows.SUGGESTED_COLUMNS, key="surveillance_suggested")


def _show(info: state.ProjectInfo, params: Params, outcome: Outcome, lang: str) -> None:
    result = outcome.result
    _metrics(result, lang)
    source = "surveillance.spaces_derived" if result.derived_spaces else "surveillance.spaces_layer"
    st.caption(f"{t(source, lang)} {_placement_caption(result, lang)}")
    if len(result.problems):
        st.warning(t("surveillance.problems_found", lang, n=len(result.problems)))

    col_title, col_base = st.columns([4, 1], vertical_alignment="bottom")
    col_title.subheader(t("surveillance.map_title", lang))
    basemap = map_widgets.basemap_select(lang, "surveillance_basemap", col_base)
    st.caption(t("surveillance.map_caption", lang))
    assets = ui.leaflet_base_url()
    with st.spinner():
        views = map_views(info.key, params, lang)
    map_widgets.map_notes(views, lang, lambda name: maps_surveillance.layer_title(name, lang))
    choice = map_widgets.basemap_choice(basemap, lang)
    ui.show_map(
        lambda: maps_surveillance.surveillance_map(views, lang=lang, basemap=choice, assets=assets),
        height=maps.MAP_HEIGHT,
        key="surveillance_map",
        cache_key=("surveillance", info.key, params, lang, basemap),
    )
    map_widgets.export_buttons(
        views,
        lang,
        "surveillance_map",
        t("surveillance.map_title", lang),
        lambda name: maps_surveillance.layer_title(name, lang),
    )

    stem = info.path.stem + (f"_{params.district}" if params.district else "")
    st.download_button(
        t("surveillance.download", lang),
        data=lambda: result_bytes(info.key, params),
        file_name=f"{stem}_surveillance.gpkg",
        mime="application/geopackage+sqlite3",
        help=t("surveillance.download_help", lang),
        key="surveillance_download",
        on_click="ignore",
        icon=":material/download:",
    )

    tabs = st.tabs(
        [
            t("surveillance.tab_community", lang),
            t("surveillance.tab_repair", lang),
            t("surveillance.tab_suggested", lang),
            t("surveillance.tab_problems", lang),
        ]
    )
    with tabs[0]:
        table = result.by_community
        with_spaces = (table["public_length_m"] + table["public_area_m2"]) > 0
        _table(  # communities with public places (the scattered ones) first
            table.loc[with_spaces.sort_values(ascending=False, kind="stable").index],
            lang,
            workflows.SURVEILLANCE_COMMUNITY_COLUMNS,
            key="surveillance_by_community",
        )
    with tabs[1]:
        st.caption(t("surveillance.repair_caption", lang))
        _table(result.repair, lang, workflows.REPAIR_COLUMNS, key="surveillance_repair")
    with tabs[2]:
        _suggested(result, lang)
    with tabs[3]:
        if len(result.problems):
            _problems(result.problems, lang, key="surveillance_problems")
        else:
            st.info(t("surveillance.no_problems", lang))


def render() -> None:
    """Draw the surveillance page."""
    lang = ui.current_lang()
    st.title(t("surveillance.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("surveillance.intro", lang))
    if "cameras" not in info.layers:
        st.warning(t("surveillance.no_cameras", lang))
        return

    options = _district_options(info)
    params, clicked = _controls(options, lang)
    if clicked:
        st.session_state[LAST_RUN] = params
    last: Params | None = st.session_state.get(LAST_RUN)
    if last is None:
        st.info(t("surveillance.not_run", lang))
        return
    if last != params:
        st.warning(t("surveillance.stale", lang))

    district = _district_name(last.district, options, lang)
    with st.status(t("surveillance.running", lang)) as status:
        outcome = compute(info.key, last)
        done = t("surveillance.done", lang, district=district, seconds=outcome.seconds)
        status.update(label=done, state="complete" if outcome.result is not None else "error")
    st.caption(t("surveillance.showing", lang, district=district, spec=_spec_text(last, lang)))
    if outcome.problems is not None:
        st.error(t("surveillance.invalid", lang, n=len(outcome.problems)))
        _problems(outcome.problems, lang, key="surveillance_invalid")
        return
    if outcome.error is not None:
        st.error(t("surveillance.failed", lang, error=outcome.error))
        return
    _show(info, last, outcome, lang)
