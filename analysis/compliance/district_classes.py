"""District classes of Art. 11 for the analyses: the measures first, then the project.

The class of Harbin's 18 divisions (``core``, ``outer``, ``county``) comes from the measures
(:data:`layers.districts.DEFAULT_DISTRICT_CLASSES`); a districts layer that says otherwise is
reported, not trusted, and the project setting ``district_classes`` is the one way to change a
class (双城, a county-level city in 2011 and a district since 2014).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.compliance.checks import (
    _check_allowed,
    as_code,
    check_columns,
    check_ids,
    is_missing,
    problem_row,
)
from layers.districts import DEFAULT_DISTRICT_CLASSES, find_district, short_name
from layers.schema import DISTRICT_CLASSES


def normalize_name(text: str) -> str:
    """A district name without its 区/市/县 suffix (:func:`layers.districts.short_name`)."""
    return short_name(text)


def _object_array(values: pd.Series) -> np.ndarray:
    """A writable object array of ``values`` (never a read-only view: pandas 3 without
    pyarrow hands out read-only arrays, and later assignments would fail)."""
    return np.array(values.astype(object).tolist(), dtype=object)


DISTRICT_NOTE_COLUMNS: list[str] = [
    "district_code",
    "district",
    "layer_class",
    "district_class",
    "class_source",
    "message_zh",
    "message_en",
]
"""Columns of :attr:`ComplianceResult.district_notes`."""


def _harbin_code(code: str | None, name: object) -> str | None:
    """Code of the Harbin division of a layer row: by its code, else by its name."""
    if code is not None and find_district(code) == code:
        return code
    return None if is_missing(name) else find_district(name)


def resolve_district_classes(
    districts: pd.DataFrame, overrides: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """District table with the effective ``district_class``: the measures, then the project.

    The class of Harbin's 18 divisions comes from Art. 11 (:data:`layers.districts.
    DEFAULT_DISTRICT_CLASSES`), whatever the layer says; a layer that disagrees is kept in
    ``layer_class`` and listed by :func:`district_class_notes`. Other districts keep the
    layer's class. The project setting ``district_classes`` is the one way to change a class.

    Parameters
    ----------
    districts : DataFrame
        The districts layer (``district_code``, ``name``, ``district_class``).
    overrides : dict, optional
        ``{district name or code: class}`` from ``ProjectSettings.district_classes``; a name
        matches with or without its 区/市/县 suffix and by its former name (``双城``,
        ``双城区``, ``双城市``).

    Returns
    -------
    (DataFrame, list of dict)
        ``district_code, district, district_class, layer_class, class_source`` (``measures``,
        ``layer`` or ``project``) and the problems found.
    """
    problems = check_columns(districts, "districts", ("district_code", "name", "district_class"))
    if problems:
        return pd.DataFrame(columns=["district_code", "district", "district_class"]), problems
    problems += check_ids(districts, "districts", "district_code")
    codes = _object_array(as_code(districts["district_code"]))
    names = _object_array(districts["name"])
    layer_class = _object_array(districts["district_class"])
    harbin = [_harbin_code(c, n) for c, n in zip(codes, names, strict=True)]
    classes = np.array(
        [
            DEFAULT_DISTRICT_CLASSES[h] if h is not None else k
            for h, k in zip(harbin, layer_class, strict=True)
        ],
        dtype=object,
    )
    source = np.array(["measures" if h is not None else "layer" for h in harbin], dtype=object)
    for key, cls in (overrides or {}).items():
        key_text = str(key).strip()
        key_code = find_district(key_text)
        hit = np.array(
            [
                c == key_text
                or (not is_missing(n) and normalize_name(n) == normalize_name(key_text))
                or (key_code is not None and h == key_code)
                for c, n, h in zip(codes, names, harbin, strict=True)
            ],
            dtype=bool,
        )
        if cls not in DISTRICT_CLASSES:
            problems.append(
                problem_row(
                    "settings",
                    None,
                    key_text,
                    "district_classes",
                    cls,
                    "not_allowed",
                    f"区县类别应为 {', '.join(DISTRICT_CLASSES)} 之一",
                    f"district class must be one of {', '.join(DISTRICT_CLASSES)}",
                )
            )
        elif not hit.any():
            problems.append(
                problem_row(
                    "settings",
                    None,
                    key_text,
                    "district_classes",
                    cls,
                    "unknown_district",
                    "区县图层中没有此区县",
                    "no such district in the districts layer",
                )
            )
        else:
            classes[hit] = cls
            source[hit] = "project"
    table = pd.DataFrame(
        {
            "district_code": codes,
            "district": names,
            "district_class": classes,
            "layer_class": layer_class,
            "class_source": source,
        }
    )
    problems += _check_allowed(
        table, "districts", "district_class", "district_code", DISTRICT_CLASSES
    )
    return table, problems


def district_class_notes(table: pd.DataFrame) -> pd.DataFrame:
    """Districts whose layer class was replaced by the class of the measures (Art. 11).

    ``table`` is the first result of :func:`resolve_district_classes`; one row per district
    whose ``layer_class`` differs from the class used, columns :data:`DISTRICT_NOTE_COLUMNS`.
    """
    if "layer_class" not in table.columns or table.empty:
        return pd.DataFrame(columns=DISTRICT_NOTE_COLUMNS)
    differs = (table["class_source"] == "measures") & (
        table["layer_class"].astype(object) != table["district_class"].astype(object)
    )
    rows = table[differs.to_numpy()].copy()
    rows["message_zh"] = [
        f"{n}({c})在区县图层中标为 {lc},按第十一条应为 {k};已按 {k} 评估。"
        "如需改变,请在项目设置 district_classes 中指定"
        for n, c, lc, k in zip(
            rows["district"],
            rows["district_code"],
            rows["layer_class"],
            rows["district_class"],
            strict=True,
        )
    ]
    rows["message_en"] = [
        f"{n} ({c}) is marked {lc} in the districts layer but is {k} under Art. 11; assessed "
        f"as {k}. To change it, set it in the project's district_classes"
        for n, c, lc, k in zip(
            rows["district"],
            rows["district_code"],
            rows["layer_class"],
            rows["district_class"],
            strict=True,
        )
    ]
    return rows[DISTRICT_NOTE_COLUMNS].reset_index(drop=True)
