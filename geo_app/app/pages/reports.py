"""Reports: a district's site-selection report in HTML, PDF or Word, to download.

Pick a district, a site-selection scenario (a saved one made for that district or the whole
project, or "run now": the Art. 13 central-station model with default settings), the format
and the language of the report; click generate. A progress bar follows the steps of
:func:`geo_app.reports.build_report_context`; the file is offered by a download button and the
headline numbers of the report are shown. Built by :mod:`geo_app.reports` (the same as
``geo-app report``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from geo_app.app import caches
from geo_app.app import frame as ui
from geo_app.app import state as state
from geo_app.app.progress import BarProgress
from geo_app.i18n import LANGUAGE_NAMES, LANGUAGES, layer_label, t
from geo_app.reports import FORMATS, MIME, build_report_context, report_bytes
from geo_app.reports.context import ReportContext, scenarios_for_district
from geo_app.workflows import site_selection as site_selection
from layers.errors import PlannerError

RUN_NOW = ""
"""Scenario option meaning: run the Art. 13 model now."""
LAST = "reports_last"
"""``st.session_state`` key of the last generated report (a :class:`Generated`)."""
LOG = logging.getLogger(__name__)
CACHE_TTL_S = 3600
"""Built reports are reused for an hour per project version (their time stamp is the build's)."""
MAX_CACHED_REPORTS = 8


@dataclass(frozen=True)
class Request:
    """What a report depends on besides the project file."""

    district: str
    scenario: str
    fmt: str
    lang: str


@dataclass
class Generated:
    """A generated report: the request, the file and what the page shows about it."""

    request: Request
    key: state.FileKey
    data: bytes
    file_name: str
    district_name: str
    sites: int
    summary: pd.DataFrame
    notes: list[str]
    seconds: float


@dataclass
class _Built:
    """A built report context and the files rendered from it, by format."""

    context: ReportContext
    files: dict[str, bytes]
    at: float


@st.cache_resource(show_spinner=False)
def _built_reports() -> dict[tuple, _Built]:
    """Built reports shared by sessions (emptied with ``st.cache_resource.clear()``).

    Not an ``st.cache_*`` function of its own: those replay the progress bar's updates."""
    return {}


_BUILT_LOCK = threading.Lock()


def _cached(key: tuple) -> _Built | None:
    with _BUILT_LOCK:
        built = _built_reports().get(key)
    if built is None or time.monotonic() - built.at > CACHE_TTL_S:
        return None
    return built


def report_context(
    key: state.FileKey, district: str, scenario: str, lang: str, progress=None
) -> ReportContext:
    """The report context of ``district`` in the project version ``key``: built once per
    version, scenario and language (then shared read-only, for :data:`CACHE_TTL_S`);
    ``progress`` follows the steps of a build."""
    built = _cached((key, district, scenario, lang))
    if built is not None:
        return built.context
    context = build_report_context(
        state.open_project(key),
        district,
        scenario=scenario or None,
        lang=lang,
        progress=progress,
        compliance=caches.compliance(key).result,
    )
    with _BUILT_LOCK:
        store = _built_reports()
        store[(key, district, scenario, lang)] = _Built(context, {}, time.monotonic())
        while len(store) > MAX_CACHED_REPORTS:
            store.pop(next(iter(store)))
    return context


def rendered_report(key: state.FileKey, request: Request, context: ReportContext) -> bytes:
    """The file of ``request`` rendered from ``context`` (once per context and format)."""
    built = _cached((key, request.district, request.scenario, request.lang))
    if built is None or built.context is not context:
        return report_bytes(context, request.fmt)
    if request.fmt not in built.files:
        data = report_bytes(context, request.fmt)
        with _BUILT_LOCK:
            built.files[request.fmt] = data
    return built.files[request.fmt]


def _district_options() -> pd.DataFrame:
    return ui.district_options()


def _controls(info: state.ProjectInfo, options: pd.DataFrame, lang: str) -> tuple[Request, bool]:
    codes = options["district_code"].astype(str).tolist()
    names = dict(zip(codes, options["name"], strict=True))
    default = site_selection.default_site_district(options)
    row = st.columns([2, 3, 2, 2])
    district = row[0].selectbox(
        t("reports.district", lang),
        codes,
        index=codes.index(default) if default in codes else 0,
        format_func=lambda c: names.get(c, c),
        key="reports_district",
    )
    saved = scenarios_for_district(state.open_project(info.key), district)
    choices = [RUN_NOW, *saved["name"].astype(str)]
    scenario = row[1].selectbox(
        t("reports.scenario_label", lang),
        choices,
        format_func=lambda s: t("reports.run_now", lang) if s == RUN_NOW else s,
        help=t("reports.scenario_help", lang),
        key="reports_scenario",
    )
    fmt = row[2].radio(
        t("reports.format", lang),
        FORMATS,
        format_func=lambda f: t(f"reports.format_{f}", lang),
        horizontal=True,
        key="reports_format",
    )
    report_lang = row[3].radio(
        t("reports.language", lang),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=LANGUAGE_NAMES.get,
        horizontal=True,
        key=f"reports_lang_{lang}",  # follows the app language when that is switched
    )
    clicked = st.button(
        t("reports.generate", lang),
        type="primary",
        icon=":material/description:",
        key="reports_generate",
    )
    return Request(str(district), str(scenario), str(fmt), str(report_lang)), clicked


def _generate(info: state.ProjectInfo, request: Request, lang: str) -> Generated | None:
    """Build and render the report with a progress bar; errors are shown, not raised."""
    bar = st.progress(0.0, text=t("reports.progress.start", lang))
    progress = BarProgress(bar, 0.0, 0.85)

    start = time.perf_counter()
    try:
        context = report_context(
            info.key, request.district, request.scenario, request.lang, progress=progress
        )
        bar.progress(0.9, text=t("reports.progress.render", lang))
        data = rendered_report(info.key, request, context)
    except PlannerError as exc:
        bar.empty()
        st.error(t("reports.failed", lang, error=exc))
        return None
    except Exception as exc:  # a renderer failure: a message on the page, the traceback in the log
        LOG.exception("report failed for %s", request)
        bar.empty()
        st.error(t("reports.failed", lang, error=f"{type(exc).__name__}: {exc}"))
        return None
    bar.progress(1.0, text=t("reports.progress.done", lang))
    stem = (
        f"{info.path.stem}_{context.district_name}_{'报告' if request.lang == 'zh' else 'report'}"
    )
    return Generated(
        request=request,
        key=info.key,
        data=data,
        file_name=f"{stem}.{request.fmt}",
        district_name=context.district_name,
        sites=len(context.sites),
        summary=pd.DataFrame(
            {
                t("reports.col.metric", lang): [k.label for k in context.summary],
                t("reports.col.value", lang): [k.value for k in context.summary],
            }
        ),
        notes=list(context.notes),
        seconds=time.perf_counter() - start,
    )


def _show(generated: Generated, request: Request, lang: str) -> None:
    if generated.request != request:
        st.warning(t("reports.stale", lang))
    st.success(
        t(
            "reports.done",
            lang,
            district=generated.district_name,
            fmt=t(f"reports.format_{generated.request.fmt}", lang),
            sites=generated.sites,
            seconds=generated.seconds,
        )
    )
    st.download_button(
        t("reports.download", lang, name=generated.file_name),
        data=generated.data,
        file_name=generated.file_name,
        mime=MIME[generated.request.fmt],
        key="reports_download",
        on_click="ignore",
        icon=":material/download:",
        type="primary",
    )
    for note in generated.notes:
        st.info(note)
    st.subheader(t("reports.summary_title", lang))
    rows = len(generated.summary)
    st.dataframe(
        generated.summary,
        hide_index=True,
        width="stretch",
        height=35 * (rows + 1) + 3,  # every headline number without scrolling
        key="reports_summary",
    )


def render() -> None:
    """Draw the reports page."""
    lang = ui.current_lang()
    st.title(t("reports.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("reports.intro", lang))
    missing = [n for n in ("districts", "communities", "facilities") if n not in info.layers]
    if missing:
        st.warning(
            t(
                "reports.missing_layers",
                lang,
                layers="、".join(layer_label(n, lang) for n in missing),
            )
        )
        return
    options = _district_options()
    if not len(options):
        st.warning(t("reports.no_districts", lang))
        return
    request, clicked = _controls(info, options, lang)
    if clicked:
        generated = _generate(info, request, lang)
        if generated is not None:
            st.session_state[LAST] = generated
    last: Generated | None = st.session_state.get(LAST)
    if last is not None and last.key.path == info.key.path:
        _show(last, request, lang)
    elif not clicked:
        st.info(t("reports.not_generated", lang))
