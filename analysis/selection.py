"""Selecting the part of a project an analysis runs on (a district by name or code)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers.districts import find_district, short_name
from layers.errors import InputValueError


def district_codes(district: str, districts: pd.DataFrame | None = None) -> set[str]:
    """6-digit codes matching ``district``: a code, a full name (道里区), a short name (道里)
    or a former name (双城市, 阿城市, 呼兰县: :func:`layers.districts.find_district`)."""
    codes = {str(district)}
    harbin = find_district(district)
    if harbin is not None:
        codes.add(harbin)
    if districts is not None and len(districts) and "name" in districts:
        short = short_name(str(district))
        names = districts["name"].astype(str)
        match = districts[
            (names == district)
            | (names.str.rstrip("区县市") == district)
            | (names.map(short_name) == short)
        ]
        codes |= set(match["district_code"].astype(str))
    return codes


def in_districts(frame: pd.DataFrame, codes: set[str] | str) -> pd.DataFrame:
    """The rows of ``frame`` (any layer with ``district_code``) in the districts ``codes``;
    none where the layer has no ``district_code``."""
    codes = {codes} if isinstance(codes, str) else set(codes)
    if "district_code" not in frame.columns:
        return frame.iloc[:0]
    return frame[frame["district_code"].astype(str).isin(codes)]


def select_district(
    communities: gpd.GeoDataFrame, district: str, districts: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """Communities of a district given by name (道里区) or 6-digit code (230102)."""
    codes = district_codes(district, districts)
    if "district_code" not in communities.columns:
        raise InputValueError(
            "社区图层缺少 district_code 字段 / the communities layer has no district_code"
        )
    sel = in_districts(communities, codes)
    if not len(sel):
        raise InputValueError(
            f"找不到区县 {district} 的社区 / no communities found for district {district}"
        )
    return sel
