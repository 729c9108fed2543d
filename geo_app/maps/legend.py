"""The legend of the community shortfall classes, the same on every page and in the reports.

Texts and colours of :mod:`analysis.shortfall_classes` (fixed bounds from the standard) in the
UI language: the folium maps show :func:`legend_html`, the static (matplotlib) maps draw
:func:`legend_entries`. No folium, no Streamlit.
"""

from __future__ import annotations

import html
import math

from analysis.shortfall_classes import (
    CLASSES,
    NO_SHORTFALL,
    NOT_ASSESSED,
    class_colour,
    class_range,
)
from geo_app.i18n import normalise_lang, t


def area_text(value: float, lang: str = "zh") -> str:
    """An area in m2 as shown on maps: ``1,234 平方米`` / ``1,234 m2`` (one decimal if needed)."""
    unit = "平方米" if lang == "zh" else "m2"
    return f"{value:,.0f} {unit}" if float(value).is_integer() else f"{value:,.1f} {unit}"


def class_label(cls: int, lang: str = "zh") -> str:
    """Label of one class: 无缺口, ``< 50 平方米``, ``50–100 平方米`` ..., 未评估."""
    lang = normalise_lang(lang)
    if cls == NO_SHORTFALL:
        return t("compliance.legend_none", lang)
    if cls == NOT_ASSESSED:
        return t("compliance.legend_na", lang)
    lower, upper = class_range(cls)
    if lower == 0:
        return f"< {area_text(upper, lang)}"
    if math.isinf(upper):
        return f"≥ {area_text(lower, lang)}"
    unit = "平方米" if lang == "zh" else "m2"
    return f"{lower:,.0f}–{upper:,.0f} {unit}"


def legend_entries(lang: str = "zh") -> list[tuple[str, str]]:
    """``(colour, label)`` of each legend row, in :data:`~analysis.shortfall_classes.CLASSES`
    order."""
    return [(class_colour(c), class_label(c, lang)) for c in CLASSES]


def legend_title(lang: str = "zh") -> str:
    """Title of the shortfall legend."""
    return t("compliance.legend_title", normalise_lang(lang))


def legend_html(lang: str = "zh") -> str:
    """HTML of the legend (title, one swatch per class), every text escaped."""
    items = "".join(
        '<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
        f'<span style="display:inline-block;width:14px;height:10px;background:{html.escape(c)};'
        f'border:1px solid #555"></span><span>{html.escape(label)}</span></div>'
        for c, label in legend_entries(lang)
    )
    return (
        '<div class="geo-app-shortfall-legend" style="background:rgba(255,255,255,0.92);'
        "padding:6px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,0.3);"
        'font-size:12px;line-height:1.3">'
        f"<b>{html.escape(legend_title(lang))}</b>{items}</div>"
    )
