"""Summaries and filters of a compliance result (pure, for pages and reports)."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.compliance.checks import as_code, is_missing
from analysis.compliance.district_classes import normalize_name
from layers.schema import ROOM_LABELS, parse_rooms

# -- summaries and filters (pure, for the app page) -----------------------------------------


def art8_rooms_mask(table: pd.DataFrame) -> np.ndarray:
    """Communities whose stations lack Art. 8 rooms: ``n_missing_rooms > 0`` where the Art. 8
    checklist applies (``has_station`` known); a village's missing rooms are Art. 36 rooms."""
    lacking = (table["n_missing_rooms"] > 0).to_numpy(bool)
    if "has_station" in table.columns:
        return lacking & table["has_station"].notna().to_numpy(bool)
    return lacking


def failing(table: pd.DataFrame) -> np.ndarray:
    """Rows of a street-centre or village table that are decided and not compliant.

    A row whose ``decided`` is False (no facility data for its district) is neither.
    """
    if table is None or not len(table):
        return np.zeros(0 if table is None else len(table), dtype=bool)
    bad = ~table["compliant"].astype(bool).to_numpy()
    if "decided" in table.columns:
        bad &= table["decided"].astype(bool).to_numpy()
    return bad


def summarize(
    table: pd.DataFrame,
    by: str = "district",
    *,
    street_centres: pd.DataFrame | None = None,
    rural: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Summary of a per-community table per ``"street"`` or per ``"district"``.

    Columns: the group keys, ``n_communities``, ``n_assessed`` (under an area rule),
    ``n_decided``, ``n_undecided`` (the data cannot decide), ``n_below``, ``share_below`` (of the
    decided), ``required_m2``, ``provided_m2``, ``shortfall_m2`` (decided rows only),
    ``provisional_shortfall_m2`` (of the undecided rows, under the assumptions),
    ``n_missing_rooms`` (communities whose stations lack Art. 8 rooms),
    ``n_street_centres_below`` and ``n_rural_below`` (decided rows) when the corresponding
    tables are given. Works on a filtered table too.
    """
    if by == "street":
        keys = ["street_code", "street", "district_code", "district"]
    elif by == "district":
        keys = ["district_code", "district", "district_class"]
    else:
        raise ValueError(
            f"汇总方式应为 street 或 district,得到 {by!r} / by must be 'street' or 'district'"
        )
    keys = [k for k in keys if k in table.columns]
    t = table.copy()
    for k in keys:
        t[k] = t[k].astype(object).where(t[k].notna(), "")
    t["_assessed"] = t["status"] != "not_applicable"
    t["_below"] = t["status"] == "below"
    t["_undecided"] = t["status"] == "undecided"
    t["_decided"] = t["_assessed"] & ~t["_undecided"]
    t["_rooms"] = art8_rooms_mask(t)
    if "provisional_shortfall_m2" not in t.columns:
        t["provisional_shortfall_m2"] = np.nan
    grouped = t.groupby(keys, sort=True, dropna=False)
    out = grouped.agg(
        n_communities=("community_id", "size"),
        n_assessed=("_assessed", "sum"),
        n_decided=("_decided", "sum"),
        n_undecided=("_undecided", "sum"),
        n_below=("_below", "sum"),
        required_m2=("required_m2", "sum"),
        provided_m2=("provided_m2", "sum"),
        shortfall_m2=("shortfall_m2", "sum"),
        provisional_shortfall_m2=("provisional_shortfall_m2", "sum"),
        n_missing_rooms=("_rooms", "sum"),
    ).reset_index()
    out["share_below"] = np.where(
        out["n_decided"] > 0, out["n_below"] / out["n_decided"].where(out["n_decided"] > 0), 0.0
    ).round(4)
    for col in ("required_m2", "provided_m2", "shortfall_m2", "provisional_shortfall_m2"):
        out[col] = out[col].astype(float).round(2)
    key = keys[0]
    if street_centres is not None and len(street_centres):
        below = street_centres[failing(street_centres)]
        counts = below.groupby(below[key].astype(object).fillna("")).size()
        out["n_street_centres_below"] = out[key].map(counts).fillna(0).astype(int)
    if rural is not None and len(rural):
        below = rural[failing(rural)]
        counts = below.groupby(below[key].astype(object).fillna("")).size()
        out["n_rural_below"] = out[key].map(counts).fillna(0).astype(int)
    order = keys + [
        "n_communities",
        "n_assessed",
        "n_decided",
        "n_undecided",
        "n_below",
        "share_below",
        "required_m2",
        "provided_m2",
        "shortfall_m2",
        "provisional_shortfall_m2",
        "n_missing_rooms",
    ]
    order += [c for c in ("n_street_centres_below", "n_rural_below") if c in out.columns]
    return (
        out[order]
        .sort_values("shortfall_m2", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def filter_table(
    table: pd.DataFrame,
    *,
    district: str | Iterable[str] | None = None,
    street: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rows of a compliance table in the given districts/streets (code or name) and statuses.

    ``None`` means no filter; a name matches with or without its 区/县/市 suffix.
    """
    mask = pd.Series(True, index=table.index)
    for values, code_col, name_col in (
        (_as_list(district), "district_code", "district"),
        (_as_list(street), "street_code", "street"),
    ):
        if values is None:
            continue
        wanted = {v.strip() for v in values} | {normalize_name(v) for v in values}
        hit = pd.Series(False, index=table.index)
        if code_col in table.columns:
            hit |= table[code_col].astype(object).isin(wanted)
        if name_col in table.columns:
            names = table[name_col].astype(object)
            hit |= names.isin(wanted) | names.map(
                lambda n, wanted=wanted: not is_missing(n) and normalize_name(n) in wanted
            )
        mask &= hit
    statuses = _as_list(status)
    if statuses is not None and "status" in table.columns:
        mask &= table["status"].isin(statuses)
    return table[mask]


def with_geometry(table: pd.DataFrame, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attach the community polygons to a per-community table (for a choropleth of shortfall)."""
    shapes = gpd.GeoDataFrame(
        {"community_id": as_code(communities["community_id"]).to_numpy()},
        geometry=communities.geometry.to_numpy(),
        crs=communities.crs,
    ).drop_duplicates("community_id")
    merged = shapes.merge(table, on="community_id", how="inner")
    return merged[[*table.columns, merged.geometry.name]]


def room_labels(codes: str, lang: str = "zh") -> str:
    """Translate a ``missing_rooms`` text into room names (``、``-joined in Chinese)."""
    idx = 0 if lang == "zh" else 1
    names = [ROOM_LABELS.get(c, (c, c))[idx] for c in parse_rooms(codes)]
    return ("、" if lang == "zh" else ", ").join(names)
