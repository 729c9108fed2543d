"""Planner-facing texts in Chinese (default) and English.

Texts live in ``messages.toml`` beside this module, one table per key with a ``zh`` and an
``en`` entry::

    [explorer.title]
    zh = "地图浏览"
    en = "Map explorer"

Layer, field and facility-kind labels are not repeated here: they come from
:mod:`layers.schema` (``label_zh``/``label_en``, ``FACILITY_KIND_LABELS``, ``ROOM_LABELS``).

Examples
--------
>>> t("app.title", "en")
'Harbin community planning workbench'
>>> layer_label("communities", "zh")
'社区/村'
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from layers.schema import FACILITY_KIND_LABELS, FACILITY_STATUS_LABELS, ROOM_LABELS, SCHEMAS

__all__ = [
    "CATALOGUE_PATH",
    "CATALOGUE_PATHS",
    "DEFAULT_LANG",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "catalogue",
    "facility_kind_label",
    "field_label",
    "layer_label",
    "normalise_lang",
    "room_label",
    "t",
    "value_label",
]

LANGUAGES: tuple[str, ...] = ("zh", "en")
"""Supported languages; the first one is the default."""
DEFAULT_LANG = "zh"
LANGUAGE_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

CATALOGUE_PATH = Path(__file__).with_name("messages.toml")
CATALOGUE_PATHS: tuple[Path, ...] = (
    CATALOGUE_PATH,
    Path(__file__).with_name("platform.toml"),
    Path(__file__).with_name("maps.toml"),
    Path(__file__).with_name("data_basis.toml"),
)
"""The message files: the app's, the shared platform's (sign-in, history, registry), the maps'
(basemaps, map export), the data basis' (undecided verdicts, data readiness, import safety)."""


def _flatten(table: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) & set(LANGUAGES):
            out[name] = {lang: str(text) for lang, text in value.items()}
        elif isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
    return out


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All messages, ``{key: {"zh": text, "en": text}}`` (read once from ``messages.toml``)."""
    out: dict[str, dict[str, str]] = {}
    for path in CATALOGUE_PATHS:
        with open(path, "rb") as fh:
            out.update(_flatten(tomllib.load(fh)))
    return out


def normalise_lang(lang: str | None) -> str:
    """Return ``lang`` if supported, else the default language (Chinese)."""
    return lang if lang in LANGUAGES else DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, **values: object) -> str:
    """Translate message ``key`` into ``lang`` and fill ``{placeholders}`` from ``values``.

    An unknown key is returned as is (so a typo shows up in the page instead of crashing it);
    a missing English text falls back to Chinese.
    """
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(normalise_lang(lang)) or entry.get(DEFAULT_LANG) or key
    return text.format(**values) if values else text


def layer_label(layer: str, lang: str | None = DEFAULT_LANG) -> str:
    """Label of a layer from its schema (the layer name itself for unknown layers)."""
    schema = SCHEMAS.get(layer)
    return schema.label(normalise_lang(lang)) if schema else layer


def field_label(layer: str, field: str, lang: str | None = DEFAULT_LANG) -> str:
    """Label of a field of a layer: from its schema, else ``fields.<field>`` of the catalogue.

    Fields known to neither are shown by their name.
    """
    schema = SCHEMAS.get(layer)
    if schema is not None and field in schema.field_names:
        spec = schema.field(field)
        label = spec.label_zh if normalise_lang(lang) == "zh" else spec.label_en
        if label:
            return label
    key = f"fields.{field}"
    return t(key, lang) if key in catalogue() else field


def _pick(pair: tuple[str, str], lang: str | None) -> str:
    return pair[0] if normalise_lang(lang) == "zh" else pair[1]


def facility_kind_label(kind: str, lang: str | None = DEFAULT_LANG) -> str:
    """Label of a facility kind (``FACILITY_KIND_LABELS``); unknown kinds as they are."""
    pair = FACILITY_KIND_LABELS.get(kind)
    return _pick(pair, lang) if pair else str(kind)


def room_label(code: str, lang: str | None = DEFAULT_LANG) -> str:
    """Label of an Art. 8 room code (``ROOM_LABELS``); unknown codes as they are."""
    pair = ROOM_LABELS.get(code)
    return _pick(pair, lang) if pair else str(code)


def value_label(layer: str, field: str, value: object, lang: str | None = DEFAULT_LANG) -> str:
    """Label of a coded attribute value (``district_class``, ``era``, ``status`` ...).

    Facility kinds and Art. 8 rooms come from :mod:`layers.schema`; other codes are looked up
    as ``values.<layer>.<field>.<value>``, then ``values.<field>.<value>`` in the catalogue.
    Unknown values are returned as text.
    """
    text = str(value)
    if layer == "facilities" and field == "kind":
        return facility_kind_label(text, lang)
    if layer == "facilities" and field == "status" and text in FACILITY_STATUS_LABELS:
        return _pick(FACILITY_STATUS_LABELS[text], lang)
    if field == "rooms":
        codes = [c.strip() for c in text.split(",") if c.strip()]
        sep = "、" if normalise_lang(lang) == "zh" else ", "
        return sep.join(room_label(c, lang) for c in codes)
    for key in (f"values.{layer}.{field}.{text}", f"values.{field}.{text}"):
        if key in catalogue():
            return t(key, lang)
    return text
