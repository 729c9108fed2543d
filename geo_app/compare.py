"""District comparison of a project: the metrics of ``analysis.compare`` for chosen districts.

:func:`project_district_metrics` joins a :class:`~geo_app.project.Project` with the analyses
(compliance, budgets, walking coverage at 300/500/1000 m, idle boiler rooms, surveillance) and
returns a :class:`DistrictComparison`; ``geo-app compare``, the page "区县对比 / Compare" and the
report summary call it. An analysis whose layers are missing (or whose data cannot be used)
leaves its metrics as NaN ("no data") and a note in ``comparison.notes``.

Coverage is computed once: the walking distance from every community of the chosen districts
to its nearest service station (within the largest distance), from which the three distances
are read.
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.compare import (
    COVERAGE_DISTANCES_M,
    UNIT_LABELS,
    definitions_for,
    district_metrics,
    rank_metrics,
)
from analysis.compliance import ComplianceInputError, ComplianceResult, as_code, normalize_name
from analysis.coverage import community_coverage
from analysis.standards import STRICTNESS_LABELS, StandardError
from geo_app.i18n import normalise_lang, t
from geo_app.project import Project, ProjectError
from geo_app.spreadsheets import write_csv, write_xlsx
from geo_app.workflows import (
    project_budgets,
    project_compliance,
    project_network,
    project_standard,
    project_surveillance,
)

Progress = Callable[[float, str], None]

STATION_KINDS: tuple[str, ...] = ("community_station", "central_station", "rural_station")
"""Facility kinds a community counts as covered by (service stations, incl. Art. 13 hubs)."""

COMPARE_FORMATS: tuple[str, ...] = ("csv", "xlsx")


@dataclass
class DistrictComparison:
    """Metrics of districts side by side.

    Attributes
    ----------
    metrics : DataFrame
        Rows = metric ids, columns = district names, float values (NaN = no data); shares are
        fractions 0-1.
    ranks : DataFrame
        Same shape, nullable integers, 1 = best; NA for unranked (size/budget) metrics.
    definitions : DataFrame
        Indexed by metric id: ``label_zh, label_en, unit, article, higher_is_better, source``.
    districts : DataFrame
        ``district_code, name`` of the compared districts, in column order.
    notes : list of str
        Bilingual notes on inputs that were missing or could not be used.
    communities : GeoDataFrame or None
        The communities of the compared districts (EPSG:4326 polygons) with their compliance
        columns (``required_m2, provided_m2, shortfall_m2, status, article ...``) and
        ``nearest_station_m`` (walking metres to the nearest service station, NaN beyond the
        largest coverage distance), for maps and reports; ``None`` without communities.
    """

    metrics: pd.DataFrame
    ranks: pd.DataFrame
    definitions: pd.DataFrame
    districts: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    communities: gpd.GeoDataFrame | None = None

    @property
    def names(self) -> list[str]:
        """District names, in column order."""
        return [str(c) for c in self.metrics.columns]

    def value(self, metric_id: str, district: str) -> float:
        """The value of one metric for one district (by name)."""
        return float(self.metrics.loc[metric_id, district])

    def display(self, lang: str = "zh", *, ranks: bool = True, text: bool = False) -> pd.DataFrame:
        """The table for a planner: metric label, unit, article, one column per district
        (shares in %, rounded) and, with ``ranks``, one rank column per district.

        Missing values are shown as "无数据" / "no data". With ``text`` every cell is a string
        (thousands separated; what the page shows), otherwise values stay numbers (exports).
        """
        lang = normalise_lang(lang)
        defs = self.definitions
        no_data = t("compare.no_data", lang)
        out = pd.DataFrame(
            {
                t("compare.col.metric", lang): [
                    defs.at[m, "label_zh" if lang == "zh" else "label_en"]
                    for m in self.metrics.index
                ],
                t("compare.col.unit", lang): [
                    UNIT_LABELS.get(defs.at[m, "unit"], (defs.at[m, "unit"],) * 2)[
                        0 if lang == "zh" else 1
                    ]
                    for m in self.metrics.index
                ],
                t("compare.col.article", lang): [
                    article_label(defs.at[m, "article"], lang) for m in self.metrics.index
                ],
                t("compare.col.strictness", lang): [
                    STRICTNESS_LABELS.get(defs.at[m, "strictness"], ("", ""))[
                        0 if lang == "zh" else 1
                    ]
                    for m in self.metrics.index
                ],
            },
            index=self.metrics.index,
        )
        for name in self.names:
            out[name] = pd.Series(
                [
                    _format(self.metrics.at[m, name], defs.at[m, "unit"], no_data, text)
                    for m in self.metrics.index
                ],
                index=self.metrics.index,
                dtype=object,
            )
        if ranks:
            for name in self.names:
                out[t("compare.col.rank_of", lang, district=name)] = pd.Series(
                    [
                        "" if pd.isna(r) else (str(int(r)) if text else int(r))
                        for r in self.ranks[name]
                    ],
                    index=self.metrics.index,
                    dtype=object,
                )
        out.index.name = "metric"
        return out


_ARTICLE_ZH = {
    "8": "第八条",
    "11": "第十一条",
    "12": "第十二条",
    "13": "第十三条",
    "20": "第二十条",
    "32": "第三十二条",
    "33": "第三十三条",
    "36": "第三十六条",
}


def article_label(text: object, lang: str = "zh") -> str:
    """``Art. 11, 12`` -> 第十一条、第十二条 in Chinese; other texts as they are."""
    text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    if lang != "zh" or not text.startswith("Art. "):
        return text
    nums = [n.strip() for n in text[len("Art. ") :].split(",")]
    return "、".join(_ARTICLE_ZH.get(n, f"第{n}条") for n in nums)


def _format(value: float, unit: str, no_data: str, text: bool = False) -> object:
    if value is None or pd.isna(value):
        return no_data
    if unit == "share":
        out = round(float(value) * 100, 1)
        return f"{out:.1f}" if text else out
    if unit in ("count", "households", "persons"):
        out = int(round(float(value)))
        return f"{out:,}" if text else out
    out = round(float(value), 1)
    return f"{out:,.1f}" if text else out


# -- choosing districts ------------------------------------------------------------------------


def district_table(project: Project) -> pd.DataFrame:
    """``district_code, name, communities, households`` of every district of the project
    (from the ``districts`` layer, else the codes of the communities), by code."""
    comm = project.layer("communities") if project.has_layer("communities") else None
    if project.has_layer("districts"):
        d = project.layer("districts")
        table = pd.DataFrame(
            {
                "district_code": as_code(d["district_code"]).astype(str).to_numpy(),
                "name": d["name"].astype(str).to_numpy()
                if "name" in d.columns
                else as_code(d["district_code"]).astype(str).to_numpy(),
            }
        )
    elif comm is not None and "district_code" in comm.columns:
        codes = sorted(set(as_code(comm["district_code"]).dropna().astype(str)))
        table = pd.DataFrame({"district_code": codes, "name": codes})
    else:
        raise ProjectError(
            "项目没有区县图层,也没有社区的区县代码 / the project has no districts layer and no "
            "district codes on its communities"
        )
    table = table.drop_duplicates("district_code")
    if comm is not None and "district_code" in comm.columns:
        codes = as_code(comm["district_code"]).astype(str)
        hh = pd.to_numeric(comm.get("households"), errors="coerce")
        hh = hh if hh is not None else pd.Series(0.0, index=comm.index)
        stats = pd.DataFrame({"code": codes, "hh": hh.fillna(0.0)}).groupby("code")
        table["communities"] = table["district_code"].map(stats.size()).fillna(0).astype(int)
        table["households"] = table["district_code"].map(stats["hh"].sum()).fillna(0.0)
    else:
        table["communities"] = 0
        table["households"] = 0.0
    return table.sort_values("district_code", ignore_index=True)


def resolve_districts(table: pd.DataFrame, districts: Sequence[str] | None) -> pd.DataFrame:
    """Rows of ``table`` (:func:`district_table`) for ``districts`` given by name (道里区),
    short name (道里) or code (230102), in the given order; all districts with communities
    when ``None``.

    Raises
    ------
    ProjectError
        Naming the unknown districts and listing the valid names.
    """
    if districts is None:
        return table[table["communities"] > 0].reset_index(drop=True)
    rows, unknown = [], []
    for want in districts:
        key = str(want).strip()
        hit = table[
            (table["district_code"] == key)
            | (table["name"] == key)
            | (table["name"].map(normalize_name) == normalize_name(key))
        ]
        if not len(hit):
            unknown.append(key)
        elif hit.index[0] not in rows:
            rows.append(hit.index[0])
    if unknown:
        valid = "、".join(table["name"].astype(str))
        raise ProjectError(
            f"未知区县:{'、'.join(unknown)}。可选:{valid} / unknown district(s): "
            f"{', '.join(unknown)}. Valid names: {valid}"
        )
    if not rows:
        raise ProjectError("请至少选择一个区县 / choose at least one district")
    return table.loc[rows].reset_index(drop=True)


def default_districts(table: pd.DataFrame, n: int = 2) -> list[str]:
    """Names of the ``n`` districts with the most households (the page's first choice)."""
    pool = table[table["communities"] > 0] if "communities" in table.columns else table
    pool = pool.sort_values(["households", "district_code"], ascending=[False, True])
    return [str(v) for v in pool["name"].head(n)]


# -- the comparison ----------------------------------------------------------------------------


def _step(progress: Progress | None, fraction: float, zh: str, en: str, lang: str) -> None:
    if progress is not None:
        progress(fraction, zh if lang == "zh" else en)


def _no_data(notes: list[str], what_zh: str, what_en: str, exc: Exception | None = None) -> None:
    reason = f":{exc}" if exc is not None else ""
    notes.append(f"{what_zh}:无数据{reason} / {what_en}: no data{reason}")


def _boilers_by_district(
    boilers: gpd.GeoDataFrame,
    communities: pd.DataFrame | None,
    districts: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Boiler rooms with a ``district_code``: through their community, else by location."""
    out = pd.DataFrame(boilers.drop(columns=boilers.geometry.name, errors="ignore")).copy()
    code = pd.Series([None] * len(out), index=out.index, dtype=object)
    if communities is not None and "community_id" in out.columns:
        lookup = dict(
            zip(
                as_code(communities["community_id"]),
                as_code(communities["district_code"]),
                strict=False,
            )
        )
        code = as_code(out["community_id"]).map(lookup).astype(object)
    missing = code.isna().to_numpy()
    if missing.any() and districts is not None and isinstance(boilers, gpd.GeoDataFrame):
        pts = boilers[missing]
        pts = gpd.GeoDataFrame(
            geometry=pts.geometry.representative_point(), index=pts.index, crs=boilers.crs
        )
        polys = districts[["district_code", districts.geometry.name]].to_crs(boilers.crs)
        joined = gpd.sjoin(pts, polys, how="left", predicate="within")
        joined = joined[~joined.index.duplicated()]
        code[missing] = as_code(joined["district_code"]).reindex(pts.index).to_numpy()
    out["district_code"] = code.to_numpy()
    return out


def project_district_metrics(
    project: Project,
    districts: Sequence[str] | None = None,
    standard: str | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
    *,
    coverage_distances: Sequence[float] = COVERAGE_DISTANCES_M,
    surveillance: bool = True,
    compliance: ComplianceResult | None = None,
    coverage: pd.DataFrame | None = None,
) -> DistrictComparison:
    """Compare ``districts`` (names, short names or codes; default all with communities).

    Parameters
    ----------
    project : Project
    districts : sequence of str, optional
        One or more districts; the columns follow this order.
    standard : str, optional
        Standard set (default the project's, with its overrides).
    lang : str
        Language of the progress messages (the notes are bilingual).
    progress : callable, optional
        ``progress(fraction, message)``.
    coverage_distances : sequence of float
        Walking distances of the coverage metrics (default 300, 500, 1000 m).
    surveillance : bool
        Compute the Art. 20 camera metrics (the slowest part, about 2 s on the demo).
    compliance : ComplianceResult, optional
        :func:`project_compliance` of the project, when already computed.
    coverage : DataFrame, optional
        The station coverage of the chosen districts' communities (``community_coverage``
        with the station kinds at ``max(coverage_distances)``, ``search_m`` the same), when
        already computed (``geo-app assess`` computes it in parts).

    Raises
    ------
    ProjectError
        For unknown districts (listing the valid names) or a project without districts.
    """
    lang = normalise_lang(lang)
    table = district_table(project)
    chosen = resolve_districts(table, districts)
    codes = list(chosen["district_code"])
    names = list(chosen["name"])
    notes: list[str] = []
    std = None
    try:
        std = project_standard(project, standard)
    except StandardError as exc:
        _no_data(notes, "标准", "standard", exc)

    communities = project.layer("communities") if project.has_layer("communities") else None
    districts_layer = project.layer("districts") if project.has_layer("districts") else None
    in_chosen = (
        as_code(communities["district_code"]).astype(str).isin(codes).to_numpy()
        if communities is not None and "district_code" in communities.columns
        else None
    )

    _step(progress, 0.05, "用房达标", "compliance", lang)
    precomputed, compliance, rooms = compliance, None, None
    if std is not None:
        try:
            result = precomputed if precomputed is not None else project_compliance(project, std)
            compliance = result.communities
            rule = std.first("station_rooms")
            rooms = len(rule.param("rooms")) if rule is not None else 0
        except (ProjectError, ComplianceInputError, StandardError, KeyError) as exc:
            _no_data(notes, "用房达标(第八、十一、十二条)", "compliance (Art. 8, 11, 12)", exc)

    _step(progress, 0.2, "星级奖励与供暖费用", "star rewards and heating", lang)
    stars = heating = None
    if std is not None:
        try:
            star_result, heat_result = project_budgets(project, std)
            stars = star_result.by_community if star_result is not None else None
            heating = heat_result.by_district if heat_result is not None else None
        except (ProjectError, ComplianceInputError, StandardError, ValueError) as exc:
            _no_data(notes, "星级奖励与供暖(第三十二、三十三条)", "budgets (Art. 32, 33)", exc)
    if stars is None and not any("Art. 32, 33" in n for n in notes):
        _no_data(notes, "星级评定(第三十三条)", "star ratings (Art. 33)")

    _step(progress, 0.35, "步行覆盖", "walking coverage", lang)
    has_inputs = communities is not None and project.has_layer("facilities")
    if coverage is None and has_inputs and len(coverage_distances):
        facilities = project.layer("facilities")
        stations = (
            facilities[facilities["kind"].isin(STATION_KINDS)]
            if "kind" in facilities.columns
            else facilities.iloc[0:0]
        )
        reach = float(max(coverage_distances))
        try:
            coverage = community_coverage(
                project_network(project),
                communities[in_chosen],
                stations,
                reach,
                search_m=reach,
            )
        except (ValueError, KeyError) as exc:
            _no_data(notes, "步行覆盖", "walking coverage", exc)
    elif coverage is None:
        _no_data(notes, "步行覆盖", "walking coverage")

    _step(progress, 0.6, "闲置锅炉房", "idle boiler rooms", lang)
    boilers = None
    if project.has_layer("boiler_rooms"):
        boilers = _boilers_by_district(project.layer("boiler_rooms"), communities, districts_layer)
    else:
        _no_data(notes, "闲置锅炉房(第十三条)", "idle boiler rooms (Art. 13)")

    camera_table = None
    if surveillance and project.has_layer("cameras"):
        _step(progress, 0.7, "监控覆盖", "surveillance", lang)
        try:
            camera_table = project_surveillance(project, suggest=False, on_invalid="skip")
            camera_table = camera_table.by_community
        except (ProjectError, ValueError, KeyError) as exc:
            _no_data(notes, "监控(第二十条)", "surveillance (Art. 20)", exc)
    elif surveillance:
        _no_data(notes, "监控(第二十条)", "surveillance (Art. 20)")

    metrics = district_metrics(
        dict(zip(codes, names, strict=True)),
        communities=communities,
        compliance=compliance,
        rooms_per_station=rooms or 0,
        coverage=coverage,
        coverage_distances=coverage_distances,
        boiler_rooms=boilers,
        stars=stars,
        heating=heating,
        surveillance=camera_table,
    )
    definitions = definitions_for(list(metrics.index))
    ranks = rank_metrics(metrics, definitions)
    _step(progress, 1.0, "完成", "done", lang)
    return DistrictComparison(
        metrics=metrics,
        ranks=ranks,
        definitions=definitions,
        districts=chosen[["district_code", "name"]].reset_index(drop=True),
        notes=notes,
        communities=_community_table(communities, in_chosen, compliance, coverage),
    )


def _community_table(
    communities: gpd.GeoDataFrame | None,
    in_chosen: np.ndarray | None,
    compliance: pd.DataFrame | None,
    coverage: pd.DataFrame | None,
) -> gpd.GeoDataFrame | None:
    """Communities of the chosen districts with compliance columns and the station distance."""
    if communities is None or in_chosen is None:
        return None
    base = communities[in_chosen]
    ids = as_code(base["community_id"]).astype(str).to_numpy()
    out = gpd.GeoDataFrame(
        {
            "community_id": ids,
            "name": base["name"].to_numpy() if "name" in base.columns else ids,
            "district_code": as_code(base["district_code"]).astype(str).to_numpy(),
        },
        geometry=base.geometry.to_numpy(),
        crs=base.crs,
    )
    if compliance is not None:
        extra = pd.DataFrame(compliance).drop(columns=["name", "district_code"], errors="ignore")
        extra = extra.assign(community_id=extra["community_id"].astype(str))
        extra = extra.drop_duplicates("community_id")
        out = out.merge(extra, on="community_id", how="left")
    if coverage is not None and "nearest_m" in coverage.columns:
        near = dict(zip(ids, _as_float(coverage["nearest_m"]), strict=True))
        out["nearest_station_m"] = [near.get(i, np.nan) for i in out["community_id"]]
    if out.crs is not None and not out.crs.equals("EPSG:4326"):
        out = out.to_crs("EPSG:4326")
    return out


def _as_float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype(float).to_numpy()


# -- export ------------------------------------------------------------------------------------


def write_comparison(
    comparison: DistrictComparison,
    out: str | os.PathLike | BinaryIO,
    lang: str = "zh",
    fmt: str | None = None,
    *,
    machine_readable: bool = False,
) -> Path | BinaryIO:
    """Write the comparison as CSV (UTF-8 with BOM, so that Excel shows Chinese) or XLSX.

    The format follows the extension of ``out`` (``.csv`` / ``.xlsx``) or ``fmt``. The table is
    :meth:`DistrictComparison.display` with the metric id as first column; the workbook has a
    second sheet with the raw values (shares as fractions) for further computation.
    ``machine_readable``: the CSV holds the raw values instead (metric ids, shares as
    fractions), for scripts. Returns the path (or the file object).
    """
    if fmt is None:
        if not isinstance(out, str | os.PathLike):
            raise ValueError("写入文件对象时须给出格式 / give fmt when writing to a file object")
        fmt = Path(out).suffix
    fmt = fmt.lower().lstrip(".")
    if fmt not in COMPARE_FORMATS:
        raise ValueError(
            f"导出格式应为 csv 或 xlsx:{fmt!r} / the export format must be csv or xlsx: {fmt!r}"
        )
    lang = normalise_lang(lang)
    table = comparison.display(lang).reset_index()
    table = table.rename(columns={"metric": t("compare.col.metric_id", lang)})
    raw = comparison.metrics.copy()
    raw.insert(0, "unit", comparison.definitions["unit"].reindex(raw.index))
    if fmt == "csv":
        write_csv(raw.reset_index() if machine_readable else table, out)
    else:
        ranks = comparison.ranks.astype(object).where(comparison.ranks.notna(), None)
        sheets = {
            t("compare.sheet.table", lang): table,
            t("compare.sheet.values", lang): raw.reset_index(),
            t("compare.sheet.ranks", lang): ranks.reset_index(),
        }
        write_xlsx(sheets, out)
    return Path(out) if isinstance(out, str | os.PathLike) else out


def comparison_bytes(
    comparison: DistrictComparison, fmt: str, lang: str = "zh", *, machine_readable: bool = False
) -> bytes:
    """The bytes of :func:`write_comparison` (for a download button)."""
    buffer = io.BytesIO()
    write_comparison(comparison, buffer, lang, fmt=fmt, machine_readable=machine_readable)
    return buffer.getvalue()


# -- small maps at one scale -------------------------------------------------------------------

MAP_WIDTH_PX = 440
"""Width (px) a district map is assumed to have on the page (two maps per row)."""
MAP_HEIGHT_PX = 360
STATION_COLOUR = "#1e3a8a"
"""Colour of the service stations on the district maps (dark blue)."""


def same_scale_zoom(
    bounds: Sequence[tuple[float, float, float, float] | None],
    width_px: float = MAP_WIDTH_PX,
    height_px: float = MAP_HEIGHT_PX,
    *,
    min_zoom: int = 1,
    max_zoom: int = 16,
) -> int:
    """The largest web-Mercator zoom level at which every box of ``bounds`` (lon/lat
    ``(minx, miny, maxx, maxy)``) fits a ``width_px`` x ``height_px`` map.

    At zoom ``z`` the world is ``256 * 2**z`` pixels wide; a box spans ``dlon / 360`` of it
    across and ``(merc(maxy) - merc(miny)) / (2 pi)`` down, with ``merc(lat) =
    ln(tan(pi / 4 + lat / 2))``. The largest box decides, so that all maps share one scale.
    """
    zooms = []
    for box in bounds:
        if box is None:
            continue
        minx, miny, maxx, maxy = (float(v) for v in box)
        fx = max(maxx - minx, 1e-9) / 360.0
        merc = [np.log(np.tan(np.pi / 4 + np.radians(v) / 2)) for v in (miny, maxy)]
        fy = max(merc[1] - merc[0], 1e-9) / (2 * np.pi)
        zooms.append(min(np.log2(width_px / (256 * fx)), np.log2(height_px / (256 * fy))))
    if not zooms:
        return 11
    return int(np.clip(np.floor(min(zooms)), min_zoom, max_zoom))


def district_bounds(comparison: DistrictComparison) -> dict[str, tuple | None]:
    """Lon/lat box of the communities of each compared district, by district name."""
    out: dict[str, tuple | None] = {}
    table = comparison.communities
    for code, name in zip(comparison.districts["district_code"], comparison.names, strict=True):
        if table is None:
            out[name] = None
            continue
        part = table[table["district_code"] == str(code)]
        part = part[~(part.geometry.isna() | part.geometry.is_empty)]
        out[name] = tuple(float(v) for v in part.total_bounds) if len(part) else None
    return out


def _fill_style(feature: dict) -> dict:
    return {
        "color": "#333333",
        "weight": 0.5,
        "opacity": 0.9,
        "fill": True,
        "fillColor": feature["properties"].get("_fill", "#bdbdbd"),
        "fillOpacity": 0.75,
    }


def district_maps(
    comparison: DistrictComparison,
    lang: str = "zh",
    *,
    districts_layer: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    assets: str | None = None,
    width_px: float = MAP_WIDTH_PX,
    height_px: float = MAP_HEIGHT_PX,
    legend: bool = True,
) -> tuple[dict[str, object], int]:
    """One small folium map per compared district, all at the same zoom level.

    Each map shows the communities coloured by their area shortfall (Art. 11, 12; the same
    classes in every map, so colours compare), the district outline and the service stations.
    The zoom is :func:`same_scale_zoom` of the largest district's communities; each map is
    centred on its district. ``legend=False`` leaves the shortfall legend out (a page shows
    :func:`shortfall_legend` once for all maps). Returns ``({name: folium.Map}, zoom)``.
    """
    import folium

    from geo_app import maps, maps_thematic

    lang = normalise_lang(lang)
    boxes = district_bounds(comparison)
    zoom = same_scale_zoom(list(boxes.values()), width_px, height_px)
    table = comparison.communities
    breaks = None
    if table is not None and "shortfall_m2" in table.columns:
        breaks = maps_thematic.shortfall_breaks(table["shortfall_m2"])
    stations = None
    if facilities is not None and "kind" in facilities.columns:
        stations = facilities[facilities["kind"].isin(STATION_KINDS)]
    out: dict[str, object] = {}
    for code, name in zip(comparison.districts["district_code"], comparison.names, strict=True):
        box = boxes[name]
        centre = (
            ((box[1] + box[3]) / 2, (box[0] + box[2]) / 2)
            if box is not None
            else maps.HARBIN_CENTRE
        )
        m = folium.Map(
            location=centre, zoom_start=zoom, tiles=None, control_scale=True, zoom_snap=1
        )
        if table is not None and breaks is not None:
            part = table[table["district_code"] == str(code)]
            view, _ = maps_thematic.prepare_shortfall(part, lang, breaks=breaks)
            maps.add_layer(m, view, lang, title=t("compliance.map_layer", lang), style=_fill_style)
        context: dict[str, gpd.GeoDataFrame] = {}
        if districts_layer is not None:
            context["districts"] = districts_layer
        if stations is not None:
            context["facilities"] = stations
        for view in maps.prepare_layers(context, lang, [str(code)]) if context else []:
            if view.name == "facilities":  # small dark dots, apart from the red shortfall fills
                view.style = maps.LayerStyle(STATION_COLOUR, fill_opacity=0.95, radius=3)
                title = t("compare.stations", lang)
            else:
                title = None
            maps.add_layer(m, view, lang, title=title)
        if legend and breaks is not None:
            maps.Legend(maps_thematic.legend_html(breaks, lang)).add_to(m)
        if assets == "inline":
            maps.inline_leaflet(m)
        elif assets:
            maps.use_leaflet_assets(m, assets)
        out[name] = m
    return out, zoom


def shortfall_legend(comparison: DistrictComparison, lang: str = "zh") -> str | None:
    """HTML of the shortfall legend shared by the :func:`district_maps` (escaped texts), plus
    the station symbol; ``None`` without compliance data."""
    from geo_app import maps_thematic

    table = comparison.communities
    if table is None or "shortfall_m2" not in table.columns:
        return None
    breaks = maps_thematic.shortfall_breaks(table["shortfall_m2"])
    station = (
        '<div style="display:flex;align-items:center;gap:6px;margin:2px 0;font-size:12px">'
        f'<span style="display:inline-block;border-radius:50%;background:{STATION_COLOUR};'
        'width:8px;height:8px"></span>'
        f"<span>{html.escape(t('compare.stations', lang))}</span></div>"
    )
    return maps_thematic.legend_html(breaks, lang) + station
