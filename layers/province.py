"""A synthetic province (示例数据 / sample data): N cities of the demo's shape at different places.

City ``i`` is :func:`layers.demo.build_demo_layers` with seed ``seed + i`` (its own inventories)
moved east and north on a grid (:func:`city_offset`), with every code and id made distinct per
city: administrative codes and ids starting with Harbin's ``2301`` take the city's own
four-digit prefix (:func:`city_prefix`: 2302, 2303 ...), other text ids get it as a prefix
(``BR001`` -> ``2302-BR001``) and network node ids are offset by ``(i + 1) * 10**9``. Edge
lengths are measured again at the new place. Same ``(i, seed)``, same layers.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from layers.crs import metric_crs
from layers.demo import build_demo_layers
from layers.errors import InputValueError

HARBIN_PREFIX = "2301"
NODE_ID_STEP = 10**9
GRID_COLUMNS = 5
GRID_STEP_DEG = (2.5, 1.6)
"""Lon/lat step between neighbouring cities of the grid (degrees)."""

ID_COLUMNS: tuple[str, ...] = (
    "district_code",
    "street_code",
    "community_id",
    "facility_id",
    "site_id",
    "camera_id",
    "space_id",
    "building_id",
)
NODE_COLUMNS: tuple[str, ...] = ("osmid", "u", "v")

CITY_NAMES: tuple[str, ...] = (
    "齐齐哈尔市",
    "鸡西市",
    "鹤岗市",
    "双鸭山市",
    "大庆市",
    "伊春市",
    "佳木斯市",
    "七台河市",
    "牡丹江市",
    "黑河市",
    "绥化市",
    "大兴安岭地区",
)
"""Names lent to the first synthetic cities (the other cities of Heilongjiang); the data is
invented. Later cities are called 示例市NN."""


def city_prefix(index: int) -> str:
    """Four-digit code prefix of synthetic city ``index`` (0 -> ``2302``; Harbin is 2301)."""
    if index < 0:
        raise InputValueError("城市序号不能为负 / the city index must not be negative")
    return str(2302 + index)


def city_name(index: int) -> str:
    """Name of synthetic city ``index`` (示例数据: only the name is borrowed)."""
    if index < len(CITY_NAMES):
        return f"{CITY_NAMES[index]}(示例)"
    return f"示例市{index + 1:02d}"


def city_offset(index: int) -> tuple[float, float]:
    """Lon/lat shift of city ``index`` from the demo's Harbin (a grid around it)."""
    col, row = index % GRID_COLUMNS, index // GRID_COLUMNS
    return ((col - GRID_COLUMNS // 2) * GRID_STEP_DEG[0], (row % 4 - 1.5) * GRID_STEP_DEG[1])


def _recode(values: pd.Series, prefix: str) -> pd.Series:
    """Text ids: Harbin's 2301 replaced by ``prefix``, other ids prefixed; missing stays."""

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return v
        text = str(v)
        if text.startswith(HARBIN_PREFIX):
            return prefix + text[len(HARBIN_PREFIX) :]
        if "-" in text and text.split("-", 1)[1].startswith(HARBIN_PREFIX):
            head, tail = text.split("-", 1)
            return f"{head}-{prefix}{tail[len(HARBIN_PREFIX) :]}"
        return f"{prefix}-{text}"

    return values.map(one).astype(values.dtype)


def _move(frame: gpd.GeoDataFrame | pd.DataFrame, dx: float, dy: float) -> pd.DataFrame:
    out = frame.copy()
    if not isinstance(out, gpd.GeoDataFrame):  # an attribute table (ratings): nothing to move
        return out
    out.geometry = gpd.GeoSeries(
        shapely.transform(out.geometry.values, lambda c: c + (dx, dy)),
        index=out.index,
        crs=out.crs,
    )
    return out


def build_city_layers(index: int, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """Layers of synthetic city ``index``: the demo with seed ``seed + index``, moved and
    re-coded (see the module docstring). Returns the layers of ``build_demo_layers``."""
    prefix = city_prefix(index)
    dx, dy = city_offset(index)
    layers = build_demo_layers(seed + index)
    out = {}
    for name, frame in layers.items():
        moved = _move(frame, dx, dy)
        for col in ID_COLUMNS:
            if col in moved.columns:
                moved[col] = _recode(moved[col], prefix)
        for col in NODE_COLUMNS:
            if col in moved.columns:
                moved[col] = moved[col] + (index + 1) * NODE_ID_STEP
        out[name] = moved
    nodes, edges = out["network_nodes"], out["network_edges"]
    nodes["x"] = nodes.geometry.x
    nodes["y"] = nodes.geometry.y
    centre = shapely.union_all(nodes.geometry.values).centroid
    edges["length"] = edges.geometry.to_crs(metric_crs(centre.x, centre.y)).length.round(3)
    return out


def city_metric_crs(layers: dict[str, gpd.GeoDataFrame]) -> str:
    """Metric CRS at a synthetic city's place (by its districts' centre)."""
    centre = layers["districts"].geometry.union_all().centroid
    return metric_crs(centre.x, centre.y)
