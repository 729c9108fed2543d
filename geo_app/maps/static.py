"""Static map of a district report (PNG), drawn offline with matplotlib: no web tiles.

Communities are filled by their class of usable-area shortfall (the fixed classes of
:mod:`analysis.shortfall_classes` with the legend of :mod:`geo_app.maps.legend`, the same
as on every page; by compliance status when the shortfall is not known), street and district
outlines drawn, the chosen sites numbered as in the
sites table with orange lines to the communities they serve, other candidate sites as small
grey dots; a legend, a scale bar and a north arrow. :func:`scale_bar`, :func:`north_arrow`,
:func:`date_note` and :func:`figure_rc` also serve the map export of the pages
(:mod:`geo_app.maps.export`). Labels use the Noto CJK fonts of Debian
(``fonts-noto-cjk``), so Chinese names show in the PDF and Word reports.
"""

from __future__ import annotations

import io
import math
from functools import cache
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrow, Patch, Rectangle  # noqa: E402

from analysis.shortfall_classes import shortfall_colours  # noqa: E402
from geo_app.i18n import t  # noqa: E402
from geo_app.maps.legend import legend_entries, legend_title  # noqa: E402
from layers.crs import metric_crs  # noqa: E402

CJK_FONT_FILES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)
"""Noto Sans CJK of Debian's fonts-noto-cjk, registered with matplotlib when present."""
CJK_FAMILY = "Noto Sans CJK SC"

STATUS_COLOURS: dict[str, str] = {
    "below": "#ef4444",
    "compliant": "#86efac",
    "not_applicable": "#d1d5db",
}
"""Fill of a community by its compliance status (when its shortfall is not known; the
interactive report map)."""
SITE_COLOUR = "#7c3aed"
LINE_COLOUR = "#f59e0b"
CANDIDATE_COLOUR = "#6b7280"


@cache
def cjk_font() -> str | None:
    """Register the Noto CJK fonts with matplotlib; the family name, or None without them."""
    found = False
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            found = True
    if not found:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return CJK_FAMILY if CJK_FAMILY in names else None
    return CJK_FAMILY


def figure_rc(**extra) -> dict:
    """matplotlib settings of every static map: the CJK font, and text drawn as it is written.

    ``text.parse_math`` off: a name or title with ``$...$`` (a district, a planner's title) is
    printed literally instead of being parsed as mathtext (which also fails on an unknown
    command such as ``$\\x$``).
    """
    family = cjk_font()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "text.parse_math": False,
        "text.usetex": False,
        **extra,
    }


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of ``span_m`` (1, 2 or 5 x 10^n metres)."""
    target = max(span_m / 5.0, 1.0)
    power = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return float(power)


def scale_bar(ax, lang: str) -> None:
    """A black-and-white scale bar (bottom left) of a round length, on axes in metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    height = (y1 - y0) * 0.008
    left = x0 + (x1 - x0) * 0.04
    bottom = y0 + (y1 - y0) * 0.04
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (left + i * length / 2, bottom),
                length / 2,
                height,
                facecolor="#111827" if i == 0 else "white",
                edgecolor="#111827",
                linewidth=0.8,
                zorder=10,
            )
        )
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    if lang == "zh":
        text = f"{length / 1000:g} 千米" if length >= 1000 else f"{length:g} 米"
    ax.text(
        left + length / 2,
        bottom + height * 2.2,
        text,
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=10,
    )
    ax.text(left, bottom - height * 1.2, "0", ha="center", va="top", fontsize=7, zorder=10)


def north_arrow(ax, lang: str) -> None:
    """A north arrow (top right) on axes whose y axis points north."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x = x1 - (x1 - x0) * 0.06
    y = y1 - (y1 - y0) * 0.16
    size = (y1 - y0) * 0.07
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            size,
            width=size * 0.18,
            head_width=size * 0.45,
            head_length=size * 0.45,
            length_includes_head=True,
            color="#111827",
            zorder=10,
        )
    )
    ax.text(
        x,
        y + size * 1.1,
        "北" if lang == "zh" else "N",
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        zorder=10,
    )


def _legend(ax, present: dict[str, bool], lang: str) -> None:
    def lbl(key: str) -> str:
        return t(f"reports.map.{key}", lang)

    handles = []
    if present.get("shortfall"):
        handles += shortfall_handles(lang)
    for status, colour in STATUS_COLOURS.items():
        if present.get(status) and not present.get("shortfall"):
            handles.append(Patch(facecolor=colour, edgecolor="#6b7280", label=lbl(status)))
    handles.append(Line2D([], [], color="#111827", linewidth=1.6, label=lbl("district")))
    if present.get("streets"):
        handles.append(
            Line2D([], [], color="#7c3aed", linewidth=0.8, linestyle="--", label=lbl("streets"))
        )
    if present.get("lines"):
        handles.append(Line2D([], [], color=LINE_COLOUR, linewidth=1.6, label=lbl("lines")))
    if present.get("sites"):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="white",
                markerfacecolor=SITE_COLOUR,
                markeredgecolor="white",
                markersize=11,
                label=lbl("sites"),
            )
        )
    if present.get("candidates"):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="white",
                markerfacecolor=CANDIDATE_COLOUR,
                markersize=5,
                label=lbl("candidates"),
            )
        )
    ax.legend(
        handles=handles,
        title=lbl("legend") if not present.get("shortfall") else legend_title(lang),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=3,
        fontsize=7.5,
        title_fontsize=8.5,
        framealpha=0.92,
        borderpad=0.6,
    )


def shortfall_handles(lang: str) -> list[Patch]:
    """Legend patches of the shortfall classes (:func:`geo_app.maps.legend.legend_entries`)."""
    return [
        Patch(facecolor=colour, edgecolor="#6b7280", label=label)
        for colour, label in legend_entries(lang)
    ]


def community_colours(comm: gpd.GeoDataFrame) -> tuple[list[str], dict[str, bool]]:
    """Fill of each community: its shortfall class, else its status; and what is shown."""
    if "shortfall_m2" in comm.columns:
        return shortfall_colours(comm["shortfall_m2"]), {"shortfall": True}
    status = comm["status"].fillna("not_applicable").astype(str)
    colours = status.map(STATUS_COLOURS).fillna(STATUS_COLOURS["not_applicable"])
    return colours.tolist(), {s: bool((status == s).any()) for s in STATUS_COLOURS}


def date_note(ax, text: str) -> None:
    """A small note (the map date) at the bottom right of the axes."""
    ax.text(
        0.99,
        0.01,
        text,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=7,
        color="#374151",
        zorder=10,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
    )


def _focus_box(frames, outline: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """A square box around the features of ``frames`` (else the outline), padded 8 %."""
    boxes = [f.total_bounds for f in frames if f is not None and len(f)]
    if not boxes:
        boxes = [outline.total_bounds]
    minx = min(b[0] for b in boxes)
    miny = min(b[1] for b in boxes)
    maxx = max(b[2] for b in boxes)
    maxy = max(b[3] for b in boxes)
    side = max(maxx - minx, maxy - miny, 500.0) * 1.16
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    # room at the bottom for the scale bar
    return cx - side / 2, cy - side / 2 - side * 0.04, cx + side / 2, cy + side / 2


def _overview(ax, outline: gpd.GeoDataFrame, comm, box) -> None:
    """A small map of the whole district (bottom right) with the extent of the main map."""
    minx, miny, maxx, maxy = outline.total_bounds
    if box[0] <= minx and box[1] <= miny and box[2] >= maxx and box[3] >= maxy:
        return  # the main map shows the whole district already
    inset = ax.inset_axes([0.74, 0.02, 0.24, 0.24])
    outline.plot(ax=inset, color="#f3f4f6", edgecolor="#111827", linewidth=0.6)
    if comm is not None:
        comm.plot(ax=inset, color="#9ca3af", linewidth=0)
    inset.add_patch(
        Rectangle(
            (box[0], box[1]),
            box[2] - box[0],
            box[3] - box[1],
            fill=False,
            edgecolor="#dc2626",
            linewidth=1.0,
        )
    )
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_aspect("equal")
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_color("#6b7280")


def render_static_map(
    layers: dict[str, gpd.GeoDataFrame],
    out: str | Path | io.BytesIO,
    *,
    lang: str = "zh",
    title: str | None = None,
    dpi: int = 170,
    size: tuple[float, float] = (7.2, 8.0),
) -> str | Path | io.BytesIO:
    """Draw the report map of ``layers`` (as :class:`~geo_app.reports.context.ReportContext`
    holds them: ``district``, ``streets``, ``communities``, ``chosen_sites``,
    ``radiation_lines``, ``candidates``) into a PNG file or buffer ``out``.

    Drawn in the metric CRS of the district (CGCS2000 Gauss-Kruger in China) so that the scale
    bar is true; works without internet (no tiles).
    """
    district = layers["district"]
    centre = district.to_crs("EPSG:4326").geometry.union_all().centroid
    crs = metric_crs(centre.x, centre.y)

    def prj(name: str) -> gpd.GeoDataFrame | None:
        frame = layers.get(name)
        if frame is None or not len(frame) or frame.crs is None:
            return None
        return frame.to_crs(crs)

    with plt.rc_context(figure_rc()):
        fig, ax = plt.subplots(figsize=size, dpi=dpi)
        present: dict[str, bool] = {}
        comm = prj("communities")
        if comm is not None:
            colours, shown = community_colours(comm)
            comm.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.4, zorder=1)
            present.update(shown)
        streets = prj("streets")
        if streets is not None:
            streets.boundary.plot(ax=ax, color="#7c3aed", linewidth=0.6, linestyle="--", zorder=2)
            present["streets"] = True
        outline = prj("district")
        outline.boundary.plot(ax=ax, color="#111827", linewidth=1.4, zorder=3)
        cands = prj("candidates")
        if cands is not None:
            pts = cands.geometry.representative_point()
            ax.scatter(pts.x, pts.y, s=10, color=CANDIDATE_COLOUR, zorder=4, linewidths=0)
            present["candidates"] = True
        lines = prj("radiation_lines")
        if lines is not None:
            lines.plot(ax=ax, color=LINE_COLOUR, linewidth=1.4, zorder=5)
            present["lines"] = True
        sites = prj("chosen_sites")
        if sites is not None:
            pts = sites.geometry.representative_point()
            ax.scatter(
                pts.x, pts.y, s=150, color=SITE_COLOUR, edgecolor="white", linewidth=1.0, zorder=6
            )
            ranks = sites["rank"] if "rank" in sites.columns else range(1, len(sites) + 1)
            for x, y, rank in zip(pts.x, pts.y, ranks, strict=True):
                ax.text(
                    x,
                    y,
                    str(int(rank)),
                    color="white",
                    fontsize=7,
                    fontweight="bold",
                    ha="center",
                    va="center",
                    zorder=7,
                )
            present["sites"] = True
        # frame: the communities and sites (a district's outline can reach far into the
        # countryside), squared and padded; the whole district in an overview inset
        minx, miny, maxx, maxy = _focus_box([comm, sites, lines], outline)
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_color("#9ca3af")
        _overview(ax, outline, comm, (minx, miny, maxx, maxy))
        scale_bar(ax, lang)
        north_arrow(ax, lang)
        _legend(ax, present, lang)
        if title:
            ax.set_title(title, fontsize=11)
        fig.tight_layout()
        fig.savefig(out, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
        plt.close(fig)
    return out


def static_map_png(layers: dict[str, gpd.GeoDataFrame], lang: str = "zh", **kwargs) -> bytes:
    """The PNG bytes of :func:`render_static_map`."""
    buffer = io.BytesIO()
    render_static_map(layers, buffer, lang=lang, **kwargs)
    return buffer.getvalue()
