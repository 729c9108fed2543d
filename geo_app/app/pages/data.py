"""Data: bring a planner's file into a project layer, and take the project away as GeoPackage.

Upload a GeoPackage, zipped Shapefile (or its parts), GeoJSON, CSV or XLSX; choose the target
layer; check the suggested field mapping (Chinese column names such as 户数, 面积 are recognised);
pick the coordinate system (WGS-84, GCJ-02 of Amap/Tencent, BD-09 of Baidu, CGCS2000, EPSG:N);
look at the converted features on a map and at the validation report, then import: add/update
by id (the default), append, or replace the layer (after a confirmation that names the rows to
be lost). A file without the id column can get generated ids; facilities, boiler rooms and
cameras get their community, street and district from their location where blank, shown before
the import; results the import would disable are named. Nothing is written unless every row is
valid. The same functions serve ``geo-app import`` (:mod:`geo_app.workflows`).
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import streamlit as st

from geo_app import maps, workflows
from geo_app.app import caches
from geo_app.app import frame as ui
from geo_app.app import map_widgets as map_widgets
from geo_app.app import state as state
from geo_app.i18n import field_label, layer_label, t
from geo_app.project.postgis.platform import EditConflictError, check_unchanged
from layers.io import LayerFileError
from layers.schema import LAYER_NAMES, get_schema
from layers.source_crs import MappingError

UPLOAD_TYPES = (
    "gpkg",
    "zip",
    "geojson",
    "json",
    "csv",
    "txt",
    "xlsx",
    "shp",
    "shx",
    "dbf",
    "prj",
    "cpg",
)
"""File extensions the uploader accepts (the parts of a Shapefile are uploaded together)."""
ENCODINGS = ("", "UTF-8", "GBK")
CRS_OPTIONS = ("", *workflows.CRS_CHOICES, "epsg")
PREVIEW_LIMIT = 300
NONE = ""


@st.cache_resource(max_entries=2, show_spinner=False)
def _read(
    upload_id: str,
    layer: str,
    source_layer: str | None,
    encoding: str | None,
    lon_col: str | None,
    lat_col: str | None,
    _files: tuple[tuple[str, bytes], ...],
) -> gpd.GeoDataFrame:
    """The uploaded files read once per upload and options (``_files`` is not hashed)."""
    return workflows.read_upload(
        dict(_files),
        layer,
        source_layer=source_layer,
        encoding=encoding,
        lon_col=lon_col,
        lat_col=lat_col,
    )


@st.cache_resource(max_entries=2, show_spinner=False)
def _source_layers(upload_id: str, _files: tuple[tuple[str, bytes], ...]) -> list[str]:
    return workflows.upload_layers(dict(_files))


@st.cache_resource(max_entries=4, show_spinner=False)
def _dry_run(
    key: state.FileKey,
    source_id: str,
    layer: str,
    mapping: tuple[tuple[str, str], ...],
    crs: str | None,
    mode: str,
    generate_ids: bool,
    _source: gpd.GeoDataFrame,
) -> workflows.ImportOutcome:
    """Validation of an import (nothing written), once per project version and choices."""
    return workflows.import_file(
        state.open_project(key),
        layer,
        _source,
        mapping=dict(mapping),
        crs=crs,
        mode=mode,
        generate_ids=generate_ids,
        dry_run=True,
        auto_map=False,
    )


def _upload_id(uploads) -> str:
    """Identity of an upload: Streamlit's file ids (new for every upload), names and sizes."""
    text = "|".join(f"{f.file_id}:{f.name}:{f.size}" for f in uploads)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _read_options(upload_id: str, files, layer: str, lang: str) -> dict:
    """The expander of reading options: layer of the file, encoding, coordinate columns."""
    opts: dict = {"source_layer": None, "encoding": None, "lon_col": None, "lat_col": None}
    names = _source_layers(upload_id, files)
    with st.expander(t("data.read_options", lang), expanded=len(names) > 1 and layer not in names):
        if len(names) > 1:
            default = names.index(layer) if layer in names else 0
            opts["source_layer"] = st.selectbox(
                t("data.source_layer", lang), names, index=default, key="data_source_layer"
            )
        encoding = st.selectbox(
            t("data.encoding", lang),
            ENCODINGS,
            format_func=lambda e: e or t("data.auto", lang),
            help=t("data.encoding_help", lang),
            key="data_encoding",
        )
        opts["encoding"] = encoding or None
        col_lon, col_lat = st.columns(2)
        opts["lon_col"] = col_lon.text_input(t("data.lon_col", lang), key="data_lon_col") or None
        opts["lat_col"] = col_lat.text_input(t("data.lat_col", lang), key="data_lat_col") or None
    return opts


def _mapping(source: gpd.GeoDataFrame, layer: str, upload_id: str, lang: str) -> dict[str, str]:
    """One selectbox per schema field, preset with the suggested source column."""
    columns, suggested = workflows.mapping_choices(source, layer)
    schema = get_schema(layer)
    st.subheader(t("data.step_mapping", lang))
    st.caption(t("data.mapping_help", lang))
    options = [NONE, *columns]
    mapping: dict[str, str] = {}
    grid = st.columns(3)
    for i, spec in enumerate(schema.fields):
        label = f"{field_label(layer, spec.name, lang)} ({spec.name})"
        if spec.required and not spec.nullable:
            label += " *"
        chosen = grid[i % 3].selectbox(
            label,
            options,
            index=options.index(suggested[spec.name]) if spec.name in suggested else 0,
            format_func=lambda c: c or t("data.unmapped", lang),
            key=f"data_map_{upload_id}_{layer}_{spec.name}",
        )
        if chosen:
            mapping[spec.name] = chosen
    return mapping


def _crs(lang: str) -> str | None:
    col_crs, col_epsg = st.columns([3, 2])
    choice = col_crs.selectbox(
        t("data.crs", lang),
        CRS_OPTIONS,
        format_func=lambda c: t(f"data.crs_{c or 'file'}", lang),
        help=t("data.crs_help", lang),
        key="data_crs",
    )
    if choice != "epsg":
        return choice or None
    code = col_epsg.text_input(t("data.epsg", lang), placeholder="4490", key="data_epsg")
    return f"EPSG:{code.strip()}" if code.strip() else None


def _preview(result, layer: str, lang: str) -> None:
    features = workflows.preview_features(result, PREVIEW_LIMIT)
    if features.empty:
        st.info(t("data.no_preview", lang))
        return
    context_layers = state.load_layers(("districts", "streets"))
    views = maps.prepare_layers(context_layers, lang)
    for view in views:
        view.style = maps.LayerStyle(view.style.colour, weight=1.0, fill_opacity=0.0)
    style = maps.LAYER_STYLES.get(layer, maps.LayerStyle("#dc2626"))
    preview = maps.prepare_layer(layer, features, lang, max_features=None)
    preview.style = maps.LayerStyle(style.colour, style.weight, 0.5, style.radius, show=True)
    base = map_widgets.basemap_choice("offline", lang)
    m = maps.build_map([*views, preview], lang=lang, basemap=base, assets=ui.leaflet_base_url())
    box = maps.focus_bounds([preview])
    if box is not None:
        m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    if len(result.gdf) > len(features):
        st.caption(t("data.preview_limited", lang, shown=len(features), total=len(result.gdf)))
    ui.show_map(m, height=420, key="data_preview_map")


def _report(result, lang: str) -> None:
    report = result.report
    for zh, en in result.notes:
        st.caption(zh if lang == "zh" else en)
    if result.hint:
        st.warning(result.hint)
    if report.ok:
        st.success(report.summary(lang))
    else:
        st.error(report.summary(lang))
        st.dataframe(report.to_frame(lang), hide_index=True, width="stretch", key="data_report")
    if result.changes:
        with st.expander(t("data.changes", lang, n=len(result.changes))):
            st.dataframe(
                {
                    t("data.col_row", lang): [
                        "" if c.row is None else c.row for c in result.changes
                    ],
                    t("data.col_change", lang): [c.message(lang) for c in result.changes],
                },
                hide_index=True,
                width="stretch",
            )


def _id_offer(layer: str, mapping: dict[str, str], lang: str) -> bool:
    """A file without the id column: say so and offer to generate ids (the checkbox)."""
    schema = get_schema(layer)
    if not schema.id_field or schema.id_field in mapping:
        return False
    from layers.import_rows import ID_PREFIXES

    st.warning(
        t(
            "imports.no_id_column",
            lang,
            label=field_label(layer, schema.id_field, lang),
            field=schema.id_field,
            example=f"{ID_PREFIXES.get(layer, 'NEW-')}0001",
        )
    )
    return st.checkbox(t("imports.generate_ids", lang), value=False, key="data_generate_ids")


def _placed(outcome: workflows.ImportOutcome, layer: str, lang: str) -> None:
    """The cells filled from the location (community, street, district), row by row."""
    placed = outcome.placed
    if placed is None or placed.empty:
        return
    st.caption(t("imports.placed", lang, n=len(placed)))
    gdf = outcome.result.gdf
    id_field = get_schema(layer).id_field
    rows = list(dict.fromkeys(placed["row"]))
    columns = [c for c in (id_field, "name", *workflows.PLACE_FIELDS) if c and c in gdf.columns]
    table = gdf.loc[rows, columns].copy()
    table.columns = [field_label(layer, c, lang) for c in columns]
    st.markdown(f"**{t('data.placed_title', lang)}**")
    st.dataframe(table, hide_index=True, width="stretch", key="data_placed")


def _effects(outcome: workflows.ImportOutcome, lang: str) -> None:
    """Results a valid import would still disable (rows the analyses cannot place)."""
    if not outcome.effects:
        return
    lines = "\n".join(f"- {e.message(lang)}" for e in outcome.effects)
    st.warning(f"{t('imports.effects_title', lang)}\n\n{lines}")


def _confirm_loss(outcome: workflows.ImportOutcome, lang: str) -> bool:
    """Replacing deletes rows: name them and ask for a confirmation (True when none is lost)."""
    lost = outcome.lost
    if not lost:
        return True
    shown = "、".join(lost[:20]) if lang == "zh" else ", ".join(lost[:20])
    if len(lost) > 20:
        shown += " " + t("imports.lost_more", lang, n=len(lost) - 20)
    st.warning(t("imports.lost", lang, n=len(lost), ids=shown))
    return st.checkbox(
        t("imports.confirm_replace", lang, n=len(lost)), value=False, key="data_confirm_replace"
    )


def _import_section(info: state.ProjectInfo, lang: str) -> None:
    st.subheader(t("data.step_upload", lang))
    layer = st.selectbox(
        t("data.layer", lang),
        LAYER_NAMES,
        index=LAYER_NAMES.index("communities"),
        format_func=lambda n: f"{layer_label(n, lang)} ({n})",
        key="data_layer",
    )
    uploads = st.file_uploader(
        t("data.upload", lang, mb=workflows.MAX_UPLOAD_MB),
        type=list(UPLOAD_TYPES),
        accept_multiple_files=True,
        max_upload_size=workflows.MAX_UPLOAD_MB,
        help=t("data.upload_help", lang),
        key="data_upload",
    )
    if not uploads:
        st.info(t("data.no_upload", lang))
        return
    files = tuple((f.name, f.getvalue()) for f in uploads)
    upload_id = _upload_id(uploads)
    name = ", ".join(n for n, _ in files)
    opts = _read_options(upload_id, files, layer, lang)
    try:
        source = _read(upload_id, layer, **opts, _files=files)
    except LayerFileError as exc:
        st.error(exc.message(lang))
        return
    st.caption(
        t("data.read_ok", lang, file=name, rows=len(source), columns=len(source.columns) - 1)
    )

    mapping = _mapping(source, layer, upload_id, lang)
    st.subheader(t("data.step_crs", lang))
    col_crs, col_mode = st.columns([3, 2])
    with col_crs:
        crs = _crs(lang)
    mode = col_mode.radio(
        t("data.mode", lang),
        workflows.IMPORT_MODES,
        format_func=lambda m: t(f"data.mode_{m}", lang),
        horizontal=True,
        key="data_mode",
    )
    make_ids = _id_offer(layer, mapping, lang)
    source_id = f"{upload_id}|{sorted(opts.items())}"
    try:
        outcome = _dry_run(
            info.key, source_id, layer, tuple(mapping.items()), crs, mode, make_ids, source
        )
    except MappingError as exc:
        st.error(str(exc))
        return
    result = outcome.result

    st.subheader(t("data.step_preview", lang))
    _preview(result, layer, lang)
    _placed(outcome, layer, lang)
    st.subheader(t("data.step_report", lang))
    _report(result, lang)
    _effects(outcome, lang)
    confirmed = _confirm_loss(outcome, lang)

    project = state.open_project(info.key)
    seen_key = f"data_seen_{layer}"
    seen = st.session_state.get(seen_key)
    st.session_state[seen_key] = check_unchanged(project.store, layer, None)
    blocked = not result.ok or not confirmed
    if st.button(
        t("data.import", lang, n=len(result.gdf), layer=layer_label(layer, lang)),
        type="primary",
        disabled=blocked,
        key="data_import",
        help=None
        if not blocked
        else t("data.import_blocked" if not result.ok else "imports.replace_blocked", lang),
    ):
        try:  # shared database: refuse an import over changes made since the page was drawn
            check_unchanged(project.store, layer, seen)
        except EditConflictError as exc:
            st.error(str(exc))
            return
        done = workflows.import_file(
            project,
            layer,
            source,
            mapping=mapping,
            crs=crs,
            mode=mode,
            generate_ids=make_ids,
            confirm_loss=confirmed,
            auto_map=False,
            file_name=name,
        )
        if done.written:
            caches.clear()
            text = t(
                "data.imported",
                lang,
                n=len(result.gdf),
                layer=layer_label(layer, lang),
                total=done.total_rows,
            )
            if done.mode == "upsert":
                text += " " + t(
                    "imports.upsert_summary", lang, updated=done.updated, added=done.added
                )
            st.success(text)
        else:
            st.error(t("data.not_written", lang))


def _export_section(info: state.ProjectInfo, lang: str) -> None:
    st.subheader(t("data.export_title", lang))
    st.caption(t("data.export_help", lang))
    st.download_button(
        t("data.export", lang),
        data=lambda: workflows.export_project_bytes(state.open_project(info.key)),
        file_name=info.path.name,
        mime="application/geopackage+sqlite3",
        on_click="ignore",
        icon=":material/download:",
        key="data_export",
    )


def render() -> None:
    """Draw the data page."""
    lang = ui.current_lang()
    st.title(t("data.title", lang))
    info = ui.require_project()
    if info is None:
        return
    st.caption(t("data.intro", lang))
    _import_section(info, lang)
    st.divider()
    _export_section(info, lang)
