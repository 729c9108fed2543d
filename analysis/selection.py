"""Selecting the part of a project an analysis runs on (a district by name or code)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def district_codes(district: str, districts: pd.DataFrame | None = None) -> set[str]:
    """6-digit codes matching ``district``: a code, a full name (道里区) or a short name (道里)."""
    codes = {str(district)}
    if districts is not None and len(districts) and "name" in districts:
        names = districts["name"].astype(str)
        match = districts[(names == district) | (names.str.rstrip("区县市") == district)]
        codes |= set(match["district_code"].astype(str))
    return codes


def select_district(
    communities: gpd.GeoDataFrame, district: str, districts: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """Communities of a district given by name (道里区) or 6-digit code (230102)."""
    codes = district_codes(district, districts)
    if "district_code" not in communities.columns:
        raise ValueError(
            "社区图层缺少 district_code 字段 / the communities layer has no district_code"
        )
    sel = communities[communities["district_code"].astype(str).isin(codes)]
    if not len(sel):
        raise ValueError(
            f"找不到区县 {district} 的社区 / no communities found for district {district}"
        )
    return sel
