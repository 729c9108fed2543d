"""Compare districts: 2 to 4 districts side by side.

Metric cards per district (with the district's rank, 1 = best), bar charts of the key metrics,
small maps of each district at the same scale (communities coloured by area shortfall with the
same classes), the full metric table with ranks and CSV/XLSX downloads written by the same
function as ``geo-app compare``. The computation is :func:`geo_app.workflows.compare.
project_district_metrics`, cached per project file version and choice of districts.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.compare import KEY_METRICS, UNIT_LABELS
from geo_app.app import frame as ui
from geo_app.app import map_widgets as map_widgets
from geo_app.app import state as state
from geo_app.i18n import t
from geo_app.maps import basemap as basemap
from geo_app.maps import small_maps
from geo_app.present import compare_export
from geo_app.workflows import compare as compare

MAX_DISTRICTS = 4
CHART_METRICS: tuple[str, ...] = (
    "compliance_rate",
    "shortfall_m2_per_100_households",
    "housing_m2_per_100_households",
    "art8_room_completeness",
    "covered_share_300m",
    "covered_share_500m",
    "star_rated_share",
    "camera_working_rate",
    "public_space_camera_coverage",
)
"""Metrics drawn as bar charts (shares and values per 100 households: fair across sizes)."""


@st.cache_data(max_entries=4, show_spinner=False)
def district_options(key: state.FileKey) -> pd.DataFrame:
    """The district list of every page (:func:`geo_app.app.frame.district_options`) of the project."""
    return ui.district_options()


@st.cache_data(max_entries=16, show_spinner=False)
def compute(key: state.FileKey, districts: tuple[str, ...]) -> compare.DistrictComparison:
    """The comparison of ``districts`` in the project file version ``key`` (cached)."""
    return compare.project_district_metrics(state.open_project(key), list(districts))


@st.cache_data(max_entries=16, show_spinner=False)
def export_bytes(
    key: state.FileKey, districts: tuple[str, ...], fmt: str, lang: str, machine: bool = False
) -> bytes:
    """CSV or XLSX bytes of the comparison (``geo_app.present.compare_export.write_comparison``).

    ``machine``: the machine-readable CSV (metric ids, shares as fractions) for scripts.
    """
    return compare_export.comparison_bytes(
        compute(key, districts), fmt, lang, machine_readable=machine
    )


def _shown(value: float, unit: str, lang: str) -> str:
    if value is None or pd.isna(value):
        return t("compare.no_data", lang)
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit in ("count", "households", "persons", "yuan"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _cards(result: compare.DistrictComparison, lang: str) -> None:
    st.subheader(t("compare.cards", lang))
    defs = result.definitions
    columns = st.columns(len(result.names))
    for col, name in zip(columns, result.names, strict=True):
        box = col.container(border=True)
        box.markdown(f"#### {name}")
        for mid in KEY_METRICS:
            if mid not in result.metrics.index:
                continue
            unit = defs.at[mid, "unit"]
            rank = result.ranks.at[mid, name]
            label = defs.at[mid, "label_zh" if lang == "zh" else "label_en"]
            unit_key = "m2" if unit == "m2_per_100_households" else unit  # 每百户 in the label
            suffix = "" if unit == "share" else UNIT_LABELS.get(unit_key, ("", ""))[lang != "zh"]
            box.metric(
                f"{label}" + (f"({suffix})" if suffix and lang == "zh" else ""),
                _shown(result.metrics.at[mid, name], unit, lang),
                delta=None if pd.isna(rank) else t("compare.rank_delta", lang, rank=int(rank)),
                delta_color="off",
                delta_arrow="off",
                help=compare.article_label(defs.at[mid, "article"], lang) or None,
            )


def _charts(result: compare.DistrictComparison, lang: str) -> None:
    st.subheader(t("compare.charts", lang))
    defs = result.definitions
    ids = [m for m in CHART_METRICS if m in result.metrics.index]
    for start in range(0, len(ids), 3):
        cols = st.columns(3)
        for col, mid in zip(cols, ids[start : start + 3], strict=False):
            unit = defs.at[mid, "unit"]
            values = result.metrics.loc[mid].astype(float)
            if unit == "share":
                values = values * 100
            label = defs.at[mid, "label_zh" if lang == "zh" else "label_en"]
            unit_text = UNIT_LABELS.get(unit, (unit, unit))[lang != "zh"]
            col.markdown(f"**{label}**({unit_text})")
            if values.notna().any():
                frame = pd.DataFrame({"district": result.names, "value": values.to_numpy()})
                col.bar_chart(
                    frame,
                    x="district",
                    y="value",
                    x_label="",
                    y_label=unit_text,
                    horizontal=True,
                    height=70 + 45 * len(result.names),
                    sort=False,
                )
            else:
                col.caption(t("compare.no_data", lang))


def _zoom(result: compare.DistrictComparison) -> int:
    """The common zoom of the small maps (as :func:`geo_app.maps.small_maps.district_maps`)."""
    boxes = list(small_maps.district_bounds(result).values())
    return small_maps.same_scale_zoom(boxes, small_maps.MAP_WIDTH_PX, small_maps.MAP_HEIGHT_PX)


def _maps(result: compare.DistrictComparison, lang: str, cache_key: tuple) -> None:
    """The small maps; ``cache_key`` names the comparison (project version, districts)."""
    st.subheader(t("compare.maps", lang))
    assets = ui.leaflet_base_url()
    built: dict[str, object] = {}

    def build_all() -> dict[str, object]:  # all maps at once, only when one is not cached
        if not built:
            layers = state.load_layers(("districts", "facilities"))
            maps_by_name = small_maps.district_maps(
                result,
                lang,
                districts_layer=layers.get("districts"),
                facilities=layers.get("facilities"),
                assets=assets,
                legend=False,
            )[0]
            base = map_widgets.offline_basemap()
            for m in maps_by_name.values():  # the offline basemap, in its pane under the layers
                basemap.add_offline(m, base, lang)
            built.update(maps_by_name)
        return built

    st.caption(t("compare.maps_caption", lang, zoom=_zoom(result)))
    legend = small_maps.shortfall_legend(result, lang)
    if legend:
        st.html(f'<div style="display:flex;gap:24px;flex-wrap:wrap">{legend}</div>')
    names = list(result.names)
    for start in range(0, len(names), 2):
        cols = st.columns(2)
        for col, name in zip(cols, names[start : start + 2], strict=False):
            with col:
                st.markdown(f"**{name}**")
                ui.show_map(
                    lambda name=name: build_all()[name],
                    height=small_maps.MAP_HEIGHT_PX,
                    key=f"compare_map_{start + names[start : start + 2].index(name)}",
                    cache_key=("compare", *cache_key, name, lang),
                )


def render() -> None:
    """Draw the comparison page."""
    lang = ui.current_lang()
    st.title(t("compare.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("compare.intro", lang))
    options = district_options(info.key)
    if not (options["communities"] > 0).any():
        st.info(t("compare.no_districts", lang))
        return
    names = list(options["name"])
    chosen = st.multiselect(
        t("compare.districts", lang),
        names,
        default=compare.default_districts(options, 2),
        max_selections=MAX_DISTRICTS,
        help=t("compare.districts_help", lang),
        key="compare_districts",
    )
    if len(chosen) < 2:
        st.info(t("compare.pick_two", lang))
        return
    chosen = tuple(chosen[:MAX_DISTRICTS])
    with st.spinner(t("compare.running", lang)):
        result = compute(info.key, chosen)
    _cards(result, lang)
    _charts(result, lang)
    _maps(result, lang, (info.key, chosen))
    st.subheader(t("compare.table", lang))
    shown = result.display(lang, text=True).reset_index(drop=True)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=36 * (len(shown) + 1) + 3,
        key="compare_table",
    )
    if result.notes:
        with st.expander(t("compare.notes", lang)):
            for note in result.notes:
                st.markdown(f"- {note}")
    col_csv, col_xlsx, col_machine = st.columns([1, 1, 4])
    machine = col_machine.checkbox(
        t("export.machine_readable", lang),
        help=t("export.machine_readable_help", lang),
        key="compare_machine_readable",
    )
    col_csv.download_button(
        t("compare.download_csv", lang),
        export_bytes(info.key, chosen, "csv", lang, machine),
        file_name="district_comparison.csv",
        mime="text/csv",
        key="compare_csv",
    )
    col_xlsx.download_button(
        t("compare.download_xlsx", lang),
        export_bytes(info.key, chosen, "xlsx", lang),
        file_name="district_comparison.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="compare_xlsx",
    )
