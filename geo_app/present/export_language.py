"""Exported tables in the planner's language: Chinese or English headers and coded values.

A CSV or XLSX handed to a planner carries the words of the screen (城市社区/新建小区/未达标, 84.6%),
not the field names and codes of the data model (``urban``/``new``/``below``, 0.8462). Scripts
ask for the machine-readable form instead (``--machine-readable`` on the CLI, the checkbox
"机器可读(英文字段名)" in the app): the table exactly as the analyses return it.

:func:`localize_frame` is the one translate step; :mod:`geo_app.present.spreadsheets` applies it to every
table it writes when given a language. The labels come from the existing tables: the message
catalogue (``compliance.col.*``, ``coverage.col.*`` ..., ``values.*``), the schema field labels
and the label dictionaries of the analyses.

Examples
--------
>>> import pandas as pd
>>> localize_frame(pd.DataFrame({"era": ["new"], "covered_share": [0.8462]}), "zh")
   建成年代  户数覆盖率
0  新建小区  84.6%
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from analysis.compliance import (
    FUNDING_LABELS,
    SCOPE_LABELS,
    STARTED_LABELS,
    STATUS_LABELS,
    is_missing,
    room_labels,
    undecided_text,
)
from analysis.standards import STRICTNESS_LABELS
from geo_app.i18n import LANGUAGES, catalogue, field_label, layer_label, t, value_label
from geo_app.present.formatting import format_share
from layers.basis import BASIS_LABELS, basis_label

RAW = "raw"
"""Export language of scripts: field names and codes as the analyses return them."""
EXPORT_LANGS: tuple[str, ...] = (*LANGUAGES, RAW)

HEADER_SECTIONS: tuple[str, ...] = (
    "compliance.col",
    "coverage.col",
    "site_selection.col",
    "surveillance.col",
    "compare.col",
)
"""Catalogue sections searched, in order, for the header of a column."""
HEADER_LAYERS: tuple[str, ...] = (
    "communities",
    "facilities",
    "candidate_sites",
    "cameras",
    "public_spaces",
    "districts",
    "streets",
)
"""Layers whose schema field labels serve as headers when no section has one."""
KIND_LAYERS: tuple[str, ...] = ("communities", "facilities", "cameras", "public_spaces")
"""Layers whose ``kind`` codes are tried in turn for a ``kind`` column."""

Label = Callable[[object, str], object]


def export_lang(lang: str | None, machine_readable: bool = False) -> str:
    """The export language: :data:`RAW` for scripts, else ``lang`` (Chinese by default)."""
    if machine_readable or lang == RAW:
        return RAW
    return lang if lang in LANGUAGES else LANGUAGES[0]


def header_label(name: object, lang: str) -> str:
    """Header of column ``name`` in ``lang`` (the name itself when no label is known)."""
    text = str(name)
    for section in HEADER_SECTIONS:
        key = f"{section}.{text}"
        if key in catalogue():
            return t(key, lang)
    for layer in HEADER_LAYERS:
        label = field_label(layer, text, lang)
        if label != text:
            return label
    return text


def _pair(table: dict[str, tuple[str, str]]) -> Label:
    def label(value: object, lang: str) -> object:
        pair = table.get(str(value))
        return value if pair is None else pair[0 if lang == "zh" else 1]

    return label


def _catalogue(prefix: str) -> Label:
    def label(value: object, lang: str) -> object:
        key = f"{prefix}.{value}"
        return t(key, lang) if key in catalogue() else value

    return label


def _kind(value: object, lang: str) -> object:
    for layer in KIND_LAYERS:
        label = value_label(layer, "kind", value, lang)
        if label != str(value):
            return label
    return value


def _field(layer: str, field: str) -> Label:
    return lambda value, lang: value_label(layer, field, value, lang)


_ZH_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """Chinese numeral of ``0 <= n < 100`` (十一, 二十, 三十六)."""
    tens, ones = divmod(int(n), 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")
    return head + (_ZH_DIGITS[ones] if ones or not head else "")


_ARTICLE = re.compile(r"^Art\.\s*(\d{1,2})$")


def _article(value: object, lang: str) -> object:
    match = _ARTICLE.match(str(value).strip())
    if lang != "zh" or match is None:
        return value
    return f"第{zh_number(int(match.group(1)))}条"


def _boolean(value: object, lang: str) -> object:
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    return value


CODED_VALUES: dict[str, Label] = {
    "status": lambda v, lang: (
        _pair(STATUS_LABELS)(v, lang)
        if str(v) in STATUS_LABELS
        else _catalogue("compliance.status")(v, lang)
    ),
    "district_class": _field("districts", "district_class"),
    "era": _field("communities", "era"),
    "management": _field("communities", "management"),
    "kind": _kind,
    "offer": _field("candidate_sites", "offer"),
    "condition": _field("boiler_rooms", "condition"),
    "owner_type": _field("boiler_rooms", "owner_type"),
    "missing_rooms": lambda v, lang: room_labels(v, lang) if isinstance(v, str) else v,
    "funding": _pair(FUNDING_LABELS),
    "remainder_funding": _pair(FUNDING_LABELS),
    "strictness": _pair(STRICTNESS_LABELS),
    "scope": _pair(SCOPE_LABELS),
    "started": _pair(STARTED_LABELS),
    "payer": _catalogue("compliance.payer"),
    "level": _catalogue("compliance.level"),
    "method": _catalogue("coverage.method"),
    "source_layer": lambda v, lang: layer_label(str(v), lang),
    "article": _article,
    "undecided_reason": lambda v, lang: undecided_text(v, lang),
    **{name: (lambda v, lang, name=name: basis_label(name, v, lang)) for name in BASIS_LABELS},
}
"""Label function of each coded column: ``label(value, lang)``."""


def is_share_column(name: object) -> bool:
    """Whether a column holds a share (0-1) shown as a percentage: ``*_share``, ``share_*``,
    ``*_rate``."""
    text = str(name)
    return (
        text.endswith(("_share", "_rate", "_share_area"))
        or text.startswith("share_")
        or text in ("share", "rate", "working_target", "coverage_target")
    )


def _message_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``<x>_zh`` / ``<x>_en`` pairs (messages, reasons) become one column ``<x>`` in ``lang``."""
    out = frame
    for zh in [c for c in frame.columns if isinstance(c, str) and c.endswith("_zh")]:
        stem = zh[:-3]
        en = f"{stem}_en"
        if en not in frame.columns:
            continue
        position = list(out.columns).index(zh)
        chosen = out[zh if lang == "zh" else en]
        out = out.drop(columns=[zh, en] + ([stem] if stem in out.columns else []))
        out.insert(min(position, out.shape[1]), stem, chosen)
    return out


def _localize_column(series: pd.Series, name: object, lang: str) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if is_share_column(name) and numeric:
        return series.map(format_share, na_action="ignore")
    label = CODED_VALUES.get(str(name))
    if label is not None:
        return series.map(lambda v: v if is_missing(v) else label(v, lang))
    if pd.api.types.is_bool_dtype(series) or series.dtype == object:
        return series.map(lambda v: _boolean(v, lang))
    return series


def localize_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with headers and coded values in ``lang``; as it is for :data:`RAW`.

    Coded values (statuses, district classes, eras, kinds, methods, rooms, funding ...) become
    their labels, yes/no values 是/否, shares (``*_share``, ``*_rate``) percentages with one
    decimal ("84.6%"), ``Art. 11`` 第十一条 in Chinese; ``message_zh``/``message_en`` (and any
    ``<x>_zh``/``<x>_en`` pair) collapse into one column in ``lang``. Numbers stay numbers.
    """
    if lang == RAW:
        return frame
    out = _message_columns(pd.DataFrame(frame).copy(), lang)
    for position, name in enumerate(list(out.columns)):
        out.isetitem(position, _localize_column(out.iloc[:, position], name, lang))
    out.columns = _headers(list(out.columns), lang)
    return out


def _headers(names: list, lang: str) -> list[str]:
    """Headers of ``names``; a share column drops its "(%)" (the values carry the % sign)
    unless that would make two headers the same."""
    plain = [header_label(c, lang) for c in names]
    out = []
    for name, label in zip(names, plain, strict=True):
        short = re.sub(r"\s*[(（]%[)）]$", "", label) if is_share_column(name) else label
        out.append(short if short == label or short not in plain else label)
    return out


def add_export_options(parser, *, lang: bool = False) -> None:
    """Add ``--machine-readable`` (and, with ``lang``, ``--lang zh|en``) to a CLI sub-command."""
    if lang:
        parser.add_argument(
            "--lang",
            choices=LANGUAGES,
            default=LANGUAGES[0],
            help="导出表头和取值的语言 / language of the exported headers and values",
        )
    parser.add_argument(
        "--machine-readable",
        action="store_true",
        help="导出英文字段名和代码(如 urban/new/below)、比例为小数,供脚本读取 / write field "
        "names and codes (urban/new/below) and shares as fractions, for scripts",
    )
