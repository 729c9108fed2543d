"""Popup and tooltip texts of map features: display values, labels, names instead of codes.

Every value is escaped with :func:`html.escape` here, because Leaflet inserts popup and tooltip
content as HTML: a community called ``<img src=x onerror=alert(1)>`` is shown as that text and
never runs. Codes of districts and streets (``230104001``) are shown by their names when the
map knows them (:func:`code_names`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np

from geo_app.i18n import field_label, layer_label, normalise_lang, t, value_label
from layers.field_values import is_blank
from layers.schema import SCHEMAS

TOOLTIP_FIELD = "_tip"
_MAX_POPUP_FIELDS = 14


# -- formatting and escaping ----------------------------------------------------------------
def format_value(layer: str, field_name: str, value: object, lang: str = "zh") -> str:
    """Display text (not yet escaped) of one attribute value.

    Missing values show as a dash, booleans as 是/否 (yes/no), floats with at most two
    decimals, coded values (facility kinds, Art. 8 rooms, era ...) with their labels.
    """
    if is_blank(value):
        return t("common.empty", lang)
    if isinstance(value, bool | np.bool_):
        return t("common.yes" if value else "common.no", lang)
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:.2f}".rstrip("0")
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, str):
        return value_label(layer, field_name, value, lang)
    return str(value)


def format_column(layer: str, field_name: str, values: Iterable, lang: str = "zh") -> list[str]:
    """Escaped display texts of a column's values (:func:`format_value`), each distinct value
    formatted once (a column repeats its kinds, codes and flags)."""
    done: dict[tuple[type, object], str] = {}
    out = []
    for value in values:
        try:
            key = (type(value), value)
            text = done.get(key)
        except TypeError:  # an unhashable value (a list): formatted each time
            key, text = None, None
        if text is None:
            text = html.escape(format_value(layer, field_name, value, lang))
            if key is not None:
                done[key] = text
        out.append(text)
    return out


def popup_fields(layer: str, columns: Iterable[str]) -> list[str]:
    """Columns shown in the popup: schema fields first (in schema order), then the others."""
    columns = [c for c in columns if c != "geometry" and not str(c).startswith("_")]
    schema = SCHEMAS.get(layer)
    declared = [f for f in (schema.field_names if schema else []) if f in columns]
    others = [c for c in columns if c not in declared]
    return (declared + others)[:_MAX_POPUP_FIELDS]


def _title_of(layer: str, record: Mapping) -> str:
    schema = SCHEMAS.get(layer)
    for key in ("name", schema.id_field if schema else None):
        if key and key in record and not is_blank(record[key]):
            return str(record[key])
    return ""


def popup_html(layer: str, record: Mapping, lang: str = "zh", fields: Sequence[str] = ()) -> str:
    """HTML of the popup of one feature: layer and name, then a table of labelled values.

    Every label and value is escaped with :func:`html.escape`, so the result is safe to
    insert as HTML whatever the attribute text contains.
    """
    lang = normalise_lang(lang)
    fields = list(fields) or popup_fields(layer, record.keys())
    title = _title_of(layer, record)
    head = html.escape(layer_label(layer, lang))
    if title:
        head += f": {html.escape(title)}" if lang == "en" else f":{html.escape(title)}"
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:6px">'
        f"{html.escape(popup_label(field_label(layer, name, lang), lang))}</th>"
        f"<td>{html.escape(format_value(layer, name, record.get(name), lang))}</td></tr>"
        for name in fields
    )
    return f'<div class="geo-app-popup"><b>{head}</b><table>{rows}</table></div>'


def tooltip_html(layer: str, record: Mapping, lang: str = "zh") -> str:
    """Escaped one-line tooltip: the feature's name (or identifier) and its layer."""
    title = _title_of(layer, record)
    label = layer_label(layer, lang)
    return html.escape(f"{title} ({label})" if title else label)


NAMED_CODES: dict[str, str] = {"district_code": "districts", "street_code": "streets"}
"""Code columns shown by name, and the layer whose ``name`` column names each code."""


NAME_LABELS: dict[str, str] = {
    "district_code": "compliance.col.district",
    "street_code": "compliance.col.street",
}
"""Message keys of the labels of code columns shown by name (区县, 街道/乡镇)."""


def popup_label(text: str, lang: str = "zh") -> str:
    """A field label as a popup shows it: English labels start with a capital (``Street``,
    ``Name``, ``District``, ``Source``), so that a label never reads like a raw field name."""
    text = str(text)
    if normalise_lang(lang) == "en" and text[:1].islower():
        return text[:1].upper() + text[1:]
    return text


def column_title(
    layer: str, column: str, lang: str, names: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """Popup label of ``column`` (:func:`popup_label`): 区县 instead of 区县代码 when the codes
    are shown by name."""
    if names and names.get(column) and column in NAME_LABELS:
        return popup_label(t(NAME_LABELS[column], lang), lang)
    return popup_label(field_label(layer, column, lang), lang)


def code_names(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, dict[str, str]]:
    """``{column: {code: name}}`` of the district and street codes, from the layers present."""
    out: dict[str, dict[str, str]] = {}
    for column, layer in NAMED_CODES.items():
        frame = layers.get(layer)
        if frame is None or not {column, "name"} <= set(frame.columns):
            continue
        names = frame[[column, "name"]].dropna()
        out[column] = dict(zip(names[column].astype(str), names["name"].astype(str), strict=True))
    return out


def named_codes(
    column: str, values: Sequence[object], names: Mapping[str, Mapping[str, str]]
) -> list[object]:
    """``values`` of a code ``column`` replaced by their names where known (else kept)."""
    lookup = names.get(column)
    if not lookup:
        return list(values)
    return [v if is_blank(v) else lookup.get(str(v), v) for v in values]
