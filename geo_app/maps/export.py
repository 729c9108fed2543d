"""Export the map of a page (导出地图) as a PNG or PDF: the layers on screen, printed.

The prepared layers of a page (:class:`~geo_app.maps.LayerView`, with their colours and
per-feature fills) are drawn with matplotlib over the offline basemap
(:class:`~geo_app.maps.basemap.OfflineBasemap`), in the metric CRS of the place so that the scale is
true, with the pieces of the report's static map (:mod:`geo_app.maps.static`): a legend
(the shortfall classes of :mod:`geo_app.maps.legend` when the map shows them), a scale bar,
a north arrow and the date (Asia/Shanghai). The extent is the box the page's map opens on (the
current selection). No internet, no Streamlit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime

import geopandas as gpd
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geo_app.i18n import layer_label, normalise_lang, t
from geo_app.maps.basemap import BASE_COLOURS, OfflineBasemap
from geo_app.maps.export_options import FORMATS, TIMEZONE, ExportOptions
from geo_app.maps.export_options import file_name as file_name  # re-exported
from geo_app.maps.static import (
    date_note,
    figure_rc,
    north_arrow,
    scale_bar,
    shortfall_handles,
)
from geo_app.maps.view import COLOUR_FIELD, FILL_FIELD, LayerView, focus_bounds
from layers.crs import WGS84, metric_crs


def _frame(view: LayerView) -> gpd.GeoDataFrame:
    features = view.geojson.get("features", [])
    return gpd.GeoDataFrame.from_features(features, crs=WGS84) if features else None


def _colours(frame: gpd.GeoDataFrame, view: LayerView) -> list[str]:
    for column in (FILL_FIELD, COLOUR_FIELD):
        if column in frame.columns:
            return [c if isinstance(c, str) and c else view.style.colour for c in frame[column]]
    return [view.style.colour] * len(frame)


def _draw_view(ax, frame: gpd.GeoDataFrame, view: LayerView, zorder: int) -> None:
    colours = _colours(frame, view)
    style = view.style
    if view.geom_kind == "point":
        pts = frame.geometry.representative_point()
        size = (style.radius * 1.6) ** 2
        ax.scatter(
            pts.x, pts.y, s=size, c=colours, edgecolors="#111827", linewidths=0.3, zorder=zorder
        )
    elif view.geom_kind == "line":
        frame.plot(ax=ax, color=colours, linewidth=max(style.weight * 0.6, 0.4), zorder=zorder)
    else:
        fill = FILL_FIELD in frame.columns
        alpha = 0.75 if fill else max(style.fill_opacity, 0.0)
        if alpha > 0:
            frame.plot(ax=ax, color=colours, alpha=alpha, linewidth=0, zorder=zorder)
        edge = style.colour if view.filled else ("#333333" if fill else colours)
        frame.boundary.plot(
            ax=ax, color=edge, linewidth=max(style.weight * 0.4, 0.3), zorder=zorder
        )


def _draw_base(ax, base: OfflineBasemap | None, crs) -> None:
    if base is None:
        return
    for name, collection in base.parts.items():
        frame = gpd.GeoDataFrame.from_features(collection["features"], crs=WGS84).to_crs(crs)
        colour = BASE_COLOURS[name]
        if name in ("streets", "paths"):
            frame.plot(ax=ax, color=colour, linewidth=0.8 if name == "streets" else 0.4, zorder=0)
        else:
            frame.plot(ax=ax, color=colour, linewidth=0, zorder=0)


def _handle(view: LayerView, label: str):
    colour = view.style.colour
    if view.geom_kind == "point":
        return Line2D(
            [],
            [],
            marker="o",
            color="white",
            markerfacecolor=colour,
            markeredgecolor="#111827",
            markersize=6,
            label=label,
        )
    if view.geom_kind == "line":
        return Line2D([], [], color=colour, linewidth=1.6, label=label)
    alpha = min(max(view.style.fill_opacity, 0.15), 1.0)
    return Patch(facecolor=colour, alpha=alpha, edgecolor=colour, label=label)


def _legend(ax, drawn: list[tuple[LayerView, gpd.GeoDataFrame]], label, lang: str) -> None:
    handles = []
    filled = False
    for view, frame in drawn:
        if FILL_FIELD not in frame.columns:
            handles.append(_handle(view, label(view.name)))
        elif view.filled:  # communities of a layer, filled by their shortfall class
            handles.append(_handle(view, label(view.name)))
            filled = True
        else:  # the shortfall choropleth itself
            filled = True
    if filled:
        handles += shortfall_handles(lang)
    if handles:
        ax.legend(
            handles=handles,
            title=t("explorer.legend", lang),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=3,
            fontsize=7.5,
            title_fontsize=8.5,
            framealpha=0.92,
        )


def _extent(ax, box: tuple[float, float, float, float], crs) -> None:
    corners = gpd.GeoSeries.from_xy([box[0], box[2]], [box[1], box[3]], crs=WGS84).to_crs(crs)
    minx, maxx = sorted(corners.x)
    miny, maxy = sorted(corners.y)
    side = max(maxx - minx, maxy - miny, 500.0) * 1.08
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - side / 2, cx + side / 2)
    ax.set_ylim(cy - side / 2 - side * 0.04, cy + side / 2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#9ca3af")


def export_map(
    views: Sequence[LayerView],
    options: ExportOptions | None = None,
    base: OfflineBasemap | None = None,
    label: Callable[[str], str] | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> bytes:
    """The PNG or PDF bytes of the map of ``views`` (those shown when the map opens).

    Parameters
    ----------
    views : sequence of LayerView
        The page's prepared layers (WGS-84, as :func:`geo_app.maps.prepare_layers` and the
        planning and thematic maps make them).
    options : ExportOptions, optional
        Format, language, title, resolution, date (default: a PNG in Chinese).
    base : OfflineBasemap, optional
        Drawn under the layers (grey streets and buildings).
    label : callable, optional
        Layer name -> legend label (default: the layer's label in the language).
    box : (minx, miny, maxx, maxy), optional
        Extent in WGS-84 (default: where the map opens, :func:`geo_app.maps.focus_bounds`).
    """
    options = options or ExportOptions()
    if options.fmt not in FORMATS:
        raise ValueError(f"未知导出格式 {options.fmt!r} / unknown export format {options.fmt!r}")
    lang = normalise_lang(options.lang)
    label = label or (lambda name: layer_label(name, lang))
    shown = [v for v in views if v.shown and v.style.show]
    box = box or focus_bounds(shown or list(views))
    if box is None:
        raise ValueError(t("map_export.empty", lang))
    crs = metric_crs((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    with plt.rc_context(figure_rc(**{"pdf.fonttype": 42})):
        fig, ax = plt.subplots(figsize=options.size, dpi=options.dpi)
        _draw_base(ax, base, crs)
        drawn = []
        for z, view in enumerate(shown, start=1):
            frame = _frame(view)
            if frame is not None and len(frame):
                _draw_view(ax, frame.to_crs(crs), view, z)
                drawn.append((view, frame))
        _extent(ax, box, crs)
        ax.set_xlabel("")
        ax.set_ylabel("")
        scale_bar(ax, lang)
        north_arrow(ax, lang)
        when = options.date or datetime.now(TIMEZONE)
        date_note(ax, t("map_export.date", lang, date=f"{when:%Y-%m-%d}"))
        _legend(ax, drawn, label, lang)
        if options.title:
            ax.set_title(options.title, fontsize=11)
        buffer = io.BytesIO()
        fig.savefig(
            buffer, format=options.fmt, dpi=options.dpi, facecolor="white", bbox_inches="tight"
        )
        plt.close(fig)
    return buffer.getvalue()
