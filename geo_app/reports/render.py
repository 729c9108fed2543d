"""Write a :class:`~geo_app.reports.context.ReportContext` as HTML, PDF or Word.

- HTML: the Jinja2 template ``templates/report.html.j2`` with the interactive folium map in an
  ``iframe`` (``srcdoc``), Leaflet embedded from ``geo_app/static/leaflet``: one file that works
  without internet.
- PDF: the same template with ``print=True`` (static PNG map of :mod:`.static_map`, A4, page
  numbers, repeating table headers, rows never split) rendered by WeasyPrint with the Noto CJK
  fonts of Debian (``fonts-noto-cjk``).
- Word: python-docx with the same headings, tables (header rows repeat on every page) and PNG
  map; the East Asian font (``w:eastAsia``) is set on every style used so Chinese shows.
"""

from __future__ import annotations

import base64
import html
import io
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import jinja2
import numpy as np

from geo_app import maps
from geo_app.i18n import t
from geo_app.maps import literal as folium_literal  # noqa: F401  (data in a map is never a template)
from geo_app.maps import planning as maps_planning
from geo_app.maps.static import STATUS_COLOURS, static_map_png
from geo_app.reports.context import ReportContext, ReportTable
from layers.crs import WGS84
from layers.errors import InputValueError

FORMATS: tuple[str, ...] = ("html", "pdf", "docx")
MIME: dict[str, str] = {
    "html": "text/html",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE = "report.html.j2"
SANS = "Noto Sans CJK SC"
SERIF = "Noto Serif CJK SC"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=False,
        lstrip_blocks=False,
    )


# -- the interactive map (HTML) -----------------------------------------------------------------
_COMMUNITY_POPUP = (
    "name",
    "community_id",
    "households",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "status",
)


def _community_views(communities: gpd.GeoDataFrame, lang: str) -> list[maps.LayerView]:
    """One view per compliance status (below / compliant / not applicable) of the communities."""
    views = []
    headers = [
        t(f"reports.col.{c}", lang)
        if c != "community_id"
        else t("compliance.col.community_id", lang)
        for c in _COMMUNITY_POPUP
    ]
    status = communities["status"].fillna("not_applicable").astype(str)
    for key, colour in STATUS_COLOURS.items():
        part = communities[status == key]
        if part.empty:
            continue
        title = t(f"reports.map.{key}", lang)
        columns: dict[str, list[str]] = {
            maps.TOOLTIP_FIELD: [
                html.escape(f"{title}:{n}" if lang == "zh" else f"{title}: {n}")
                for n in part["name"].astype(str)
            ]
        }
        for i, col in enumerate(_COMMUNITY_POPUP):
            values = part[col].tolist() if col in part.columns else [None] * len(part)
            if col == "status":
                values = [t(f"reports.map.{v}", lang) if isinstance(v, str) else v for v in values]
            columns[f"f{i}"] = [
                html.escape(
                    "—"
                    if v is None or (isinstance(v, float) and np.isnan(v))
                    else (f"{v:,.1f}" if isinstance(v, float) else str(v))
                )
                for v in values
            ]
        style = maps.LayerStyle(colour, weight=1.0, fill_opacity=0.55 if key == "below" else 0.4)
        view = maps.light_view(f"communities_{key}", part, columns, headers, style, 0.00001)
        views.append(view)
    return views


def interactive_map(ctx: ReportContext) -> folium.Map:
    """Folium map of the report: district outline, communities by gap, sites and lines.

    Leaflet is embedded (:func:`geo_app.maps.inline_leaflet`) and no tile layer is added, so the
    map shows without internet.
    """
    lang = ctx.lang
    m = maps.new_map(maps.HARBIN_CENTRE, 12, lang)  # wheel zoom after a click
    district = ctx.layers["district"].to_crs(WGS84)
    folium.GeoJson(
        district[["geometry"]].to_json(),
        name=html.escape(t("reports.map.district", lang)),
        style_function=lambda f: {"color": "#111827", "weight": 2.5, "fill": False},
    ).add_to(m)
    views = _community_views(ctx.layers["communities"], lang)
    legend = [("#111827", t("reports.map.district", lang), "line")]
    for view in views:
        title = t(f"reports.map.{view.name.removeprefix('communities_')}", lang)
        maps.add_layer(
            m, view, lang, title=title, style=maps_planning.style_function(view.style), show=True
        )
        legend.append((view.style.colour, title, "polygon"))
    selection = ctx.selection
    extra = []
    cands = ctx.layers.get("candidates")
    if cands is not None and len(cands):
        extra.append(maps_planning.prepare_view("other_candidates", cands, lang))
    if selection is not None and len(selection.radiation_lines):
        extra.append(maps_planning.prepare_view("radiation_lines", selection.radiation_lines, lang))
    if selection is not None and len(selection.chosen_sites):
        extra.append(maps_planning.prepare_view("chosen_sites", selection.chosen_sites, lang))
    for view in extra:
        maps_planning.add_view(m, view, lang)
        legend.append(
            (view.style.colour, maps_planning.layer_title(view.name, lang), view.geom_kind)
        )
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    maps.Legend(_legend_html(legend, lang)).add_to(m)
    box = maps.focus_bounds(views + extra, share=1.0)
    if box is not None:
        m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    maps.inline_leaflet(m)
    return m


def _legend_html(items: list[tuple[str, str, str]], lang: str) -> str:
    rows = []
    for colour, label, kind in items:
        colour = html.escape(colour)
        if kind == "point":
            swatch = f"border-radius:50%;background:{colour};width:10px;height:10px;"
        elif kind == "line":
            swatch = f"background:{colour};width:16px;height:3px;"
        else:
            swatch = f"border:1px solid #6b7280;background:{colour};width:14px;height:10px;"
        rows.append(
            '<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
            f'<span style="display:inline-block;{swatch}"></span>'
            f"<span>{html.escape(label)}</span></div>"
        )
    return (
        '<div style="background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;'
        'box-shadow:0 1px 4px rgba(0,0,0,0.3);font-size:12px;line-height:1.3">'
        f"<b>{html.escape(t('reports.map.legend', lang))}</b>{''.join(rows)}</div>"
    )


def meta_lines(ctx: ReportContext) -> list[str]:
    """Project, district, standard and date of the report header, punctuated for ``ctx.lang``."""
    lang = ctx.lang
    colon, comma, left, right = (":", ",", "(", ")") if lang == "zh" else (": ", ", ", " (", ")")
    return [
        f"{t('reports.meta.project', lang)}{colon}{ctx.project_name}{left}{ctx.city}{right}",
        f"{t('reports.meta.district', lang)}{colon}{ctx.district_name}{left}{ctx.district_code}"
        f"{comma}{ctx.district_class}{right}",
        f"{t('reports.meta.standard', lang)}{colon}{ctx.standard_title}",
        f"{t('reports.meta.generated', lang)}{colon}{ctx.generated}",
    ]


# -- HTML and PDF ---------------------------------------------------------------------------------
def _page_label(lang: str) -> tuple[str, str, str]:
    """The page footer text split around the page numbers, for CSS ``content``."""
    text = t("reports.meta.page", lang, page="\x00", pages="\x01")
    before, rest = text.split("\x00")
    middle, after = rest.split("\x01")
    return before, middle, after


def render_html(
    ctx: ReportContext, *, print_version: bool = False, map_png: bytes | None = None
) -> str:
    """The report as one HTML document (``print_version``: the WeasyPrint input for the PDF)."""
    lang = ctx.lang
    template = _environment().get_template(TEMPLATE)
    before, middle, after = _page_label(lang)
    caption = t("reports.map.caption", lang, district=ctx.district_name)
    values: dict[str, object] = {
        "ctx": ctx,
        "print": print_version,
        "t": lambda key, **kw: t(key, lang, **kw),
        "map_caption": caption,
        "meta": meta_lines(ctx),
        "page_label_before": before,
        "page_label_middle": middle,
        "page_label_after": after,
    }
    if print_version:
        png = map_png if map_png is not None else static_map_png(ctx.layers, lang)
        values["map_src"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    else:
        values["map_html"] = interactive_map(ctx).get_root().render()
    return template.render(**values)


def write_pdf(ctx: ReportContext, out: Path, map_png: bytes | None = None) -> Path:
    """Render the print version of the HTML with WeasyPrint into ``out``."""
    from weasyprint import HTML

    document = render_html(ctx, print_version=True, map_png=map_png)
    HTML(string=document, base_url=str(TEMPLATE_DIR)).write_pdf(out)
    return out


# -- Word -----------------------------------------------------------------------------------------
def _set_fonts(style, latin: str, east_asian: str, size_pt: float | None = None) -> None:
    """Set the Latin and East Asian fonts of a python-docx style (``w:eastAsia``)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = latin
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font would override the fonts set here
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _repeat_header(row) -> None:
    """Mark a table row as a header row repeated on every page (``w:tblHeader``)."""
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    header = trpr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    trpr.append(header)
    no_split = trpr.makeelement(qn("w:cantSplit"), {qn("w:val"): "true"})
    trpr.append(no_split)


def _shade(cell, fill: str) -> None:
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    shading = tcpr.makeelement(
        qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill}
    )
    tcpr.append(shading)


WORD_TEXT_WIDTH_CM = 17.8
"""Text width of the A4 page of the Word report (21 cm less 2 x 1.6 cm margins)."""


def _text_cm(text: str, font_pt: float) -> float:
    """Width of ``text`` in centimetres at ``font_pt`` (CJK one em, others about 0.56 em)."""
    em = font_pt * 2.54 / 72
    return sum(em if ord(ch) > 0x2E80 else 0.62 * em for ch in text)


def _column_widths(tb: ReportTable, font_pt: float) -> list:
    """Column widths of a Word table (Word and LibreOffice otherwise split the page evenly,
    which squeezes numbers and names into tall narrow cells).

    Columns kept on one line (:meth:`ReportTable.nowrap`) get the width of their longest cell;
    the others share the rest of the page in proportion to their longest cell. Headers may
    wrap onto two lines.
    """
    from docx.shared import Cm

    margin = 0.5  # left and right cell margins and a little air
    natural = []
    for i, header in enumerate(tb.columns):
        longest = max((_text_cm(r[i], font_pt) for r in tb.rows), default=0.0)
        # a long text wraps anyway: it claims at most 9 cm when the page is shared out
        natural.append(min(max(longest, _text_cm(header, font_pt) / 2, 0.5) + margin, 9.0))
    fixed = tb.nowrap()
    total = sum(natural)
    if total <= WORD_TEXT_WIDTH_CM:
        widths = [w * WORD_TEXT_WIDTH_CM / total for w in natural]
    else:
        rest = WORD_TEXT_WIDTH_CM - sum(w for w, f in zip(natural, fixed, strict=True) if f)
        flexible = sum(w for w, f in zip(natural, fixed, strict=True) if not f)
        if rest < 2.0 * max(1, len(fixed) - sum(fixed)) or flexible == 0:
            widths = [w * WORD_TEXT_WIDTH_CM / total for w in natural]
        else:
            widths = [w if f else w * rest / flexible for w, f in zip(natural, fixed, strict=True)]
    return [Cm(w) for w in widths]


def _docx_table(doc, tb: ReportTable, font_pt: float = 7.5) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if not tb.rows:
        return
    if tb.title:
        doc.add_paragraph(tb.title, style="Caption")
    table = doc.add_table(rows=1, cols=len(tb.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _column_widths(tb, font_pt)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header = table.rows[0]
    _repeat_header(header)
    for cell, text, numeric, width in zip(
        header.cells, tb.columns, tb.numeric, widths, strict=True
    ):
        cell.width = width
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(font_pt)
        _shade(cell, "E5E7EB")
        if numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in tb.rows:
        row = table.add_row()
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
        trpr = row._tr.get_or_add_trPr()
        trpr.append(trpr.makeelement(qn("w:cantSplit"), {qn("w:val"): "true"}))
        for cell, text, numeric in zip(row.cells, values, tb.numeric, strict=True):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(str(text))
            run.font.size = Pt(font_pt)
            if numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if tb.note:
        note = doc.add_paragraph()
        run = note.add_run(tb.note)
        run.font.size = Pt(7.5)
        run.italic = False


def write_docx(ctx: ReportContext, out: Path, map_png: bytes | None = None) -> Path:
    """The report as a Word document (python-docx), A4, Chinese fonts set."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    lang = ctx.lang
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.6))
    section.top_margin = section.bottom_margin = Cm(1.8)
    _set_fonts(doc.styles["Normal"], SANS, SERIF, 10)
    for name in ("Title", "Heading 1", "Heading 2", "Caption", "Table Grid"):
        try:
            _set_fonts(doc.styles[name], SANS, SANS)
        except KeyError:
            continue
    doc.styles["Caption"].font.size = Pt(9)
    doc.styles["Caption"].font.bold = True
    doc.add_heading(ctx.title, level=0)
    meta = doc.add_paragraph()
    meta_run = meta.add_run("    ".join(meta_lines(ctx)))
    meta_run.font.size = Pt(8.5)

    h = ctx.headings
    if ctx.readiness:
        gaps = doc.add_paragraph()
        sep = "：" if lang == "zh" else ": "
        gaps.add_run(f"{h['readiness']}{sep}{ctx.readiness_headline}").bold = True
        note = doc.add_paragraph(t("reports.readiness.note", lang))
        note.runs[0].font.size = Pt(8)
        for line in ctx.readiness:
            item = doc.add_paragraph(line, style="List Bullet")
            item.runs[0].font.size = Pt(8)
    doc.add_heading(h["summary"], level=1)
    _docx_table(
        doc,
        ReportTable(
            "summary",
            "",
            [t("reports.col.metric", lang), t("reports.col.value", lang), ""],
            [[k.label, k.value, k.note] for k in ctx.summary],
            [False, True, False],
        ),
        font_pt=9,
    )
    for paragraph in ctx.summary_text:
        doc.add_paragraph(paragraph)
    if ctx.metrics is not None:
        doc.add_heading(h["metrics"], level=2)
        _docx_table(doc, ctx.metrics)

    doc.add_heading(h["map"], level=1)
    png = map_png if map_png is not None else static_map_png(ctx.layers, lang)
    doc.add_picture(io.BytesIO(png), width=Cm(15.5))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = doc.add_paragraph(
        t("reports.map.caption", lang, district=ctx.district_name), style="Caption"
    )
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(h["compliance"], level=1)
    _docx_table(doc, ctx.compliance)
    doc.add_heading(h["coverage"], level=1)
    _docx_table(doc, ctx.coverage)
    _docx_table(doc, ctx.coverage_gaps)
    doc.add_heading(h["sites"], level=1)
    doc.add_heading(h["scenario"], level=2)
    for k in ctx.scenario:
        p = doc.add_paragraph()
        p.add_run(f"{k.label}:" if lang == "zh" else f"{k.label}: ").bold = True
        p.add_run(k.value)
    if ctx.has_sites:
        _docx_table(doc, ctx.sites)
        _docx_table(doc, ctx.assignments)
        _docx_table(doc, ctx.unserved)
    else:
        p = doc.add_paragraph()
        p.add_run(h["no_sites"]).bold = True
        for note in ctx.notes:
            doc.add_paragraph(note)
        _docx_table(doc, ctx.unserved)
    doc.add_heading(h["costs"], level=1)
    _docx_table(doc, ctx.costs)
    doc.add_heading(h["departments"], level=1)
    _docx_table(doc, ctx.departments)
    doc.add_page_break()
    doc.add_heading(h["appendix"], level=1)
    _docx_table(doc, ctx.appendix)
    if ctx.notes and ctx.has_sites:
        doc.add_heading(h["notes"], level=2)
        for note in ctx.notes:
            doc.add_paragraph(note, style="List Bullet")
    doc.save(out)
    return out


# -- one entry point ------------------------------------------------------------------------------
def render_report(context: ReportContext, fmt: str, out: str | Path) -> Path:
    """Write the report in ``fmt`` (``html``, ``pdf`` or ``docx``) to ``out``; returns the path."""
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputValueError(
            f"报告格式应为 {'、'.join(FORMATS)}:{fmt!r} / the report format must be one of "
            f"{', '.join(FORMATS)}: {fmt!r}"
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        out.write_text(render_html(context), encoding="utf-8")
        return out
    if fmt == "pdf":
        return write_pdf(context, out)
    return write_docx(context, out)


def report_bytes(context: ReportContext, fmt: str) -> bytes:
    """The bytes of :func:`render_report` (for a download button)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="geo_app_report_") as tmp:
        return render_report(context, fmt, Path(tmp) / f"report.{fmt}").read_bytes()
