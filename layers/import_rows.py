"""Rows of an import that would be lost or left unplaced: ids, update by id, place by location.

The steps an import takes between preparing a file (:func:`layers.importing.prepare_import`)
and writing it, each usable on its own:

* :func:`generate_ids`: ids for a file without the layer's id column (or with blank ids), not
  used by the project yet;
* :func:`merge_by_id`: add the new ids and update the rows whose id is there already, only in
  the fields the file gives (the others, and the geometry where the file has none, are kept);
* :func:`lost_ids`: what replacing the layer would delete (ids of the layer not in the file);
* :func:`place_by_location`: ``community_id``, ``street_code`` and ``district_code`` of
  facilities, boiler rooms and cameras from the polygons their point lies in, where blank.

Examples
--------
>>> import pandas as pd
>>> generate_ids(pd.DataFrame({"name": ["a", "b"]}), "facility_id", ["F-0001"], "F-")[
...     "facility_id"].tolist()
['F-0002', 'F-0003']
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.field_values import null_mask

PLACEABLE_LAYERS: tuple[str, ...] = ("facilities", "boiler_rooms", "cameras")
"""Layers whose rows get their community, street and district from their location."""

PLACE_FIELDS: tuple[str, ...] = ("community_id", "street_code", "district_code")
"""The fields :func:`place_by_location` fills, in order."""

ID_PREFIXES: dict[str, str] = {
    "facilities": "F-",
    "boiler_rooms": "B-",
    "candidate_sites": "S-",
    "cameras": "K-",
    "public_spaces": "P-",
    "communities": "C-",
    "streets": "ST-",
}
"""Prefix of generated ids per layer (``NEW-`` for the others)."""

BASIS_OF: dict[str, tuple[str, str]] = {
    "households": ("households_basis", "surveyed"),
    "era": ("era_basis", "known"),
}
"""A field updated from a planner's file and the basis it then has (:mod:`layers.basis`),
unless the file gives the basis too."""


def _text(values: Iterable) -> list[str]:
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def generate_ids(
    frame: pd.DataFrame, id_field: str, taken: Iterable[object] = (), prefix: str = "NEW-"
) -> pd.DataFrame:
    """``frame`` with ids in ``id_field`` where it is missing or blank (``prefix`` + 0001 ...).

    Ids already in ``taken`` (the project's layer) or in the frame are skipped.
    """
    out = frame.copy()
    if id_field not in out.columns:
        out[id_field] = None
    used = set(_text(taken)) | set(_text(out[id_field]))
    blank = null_mask(out[id_field])
    values = out[id_field].astype(object).to_numpy().copy()
    number = 0
    for pos in np.flatnonzero(blank):
        while True:
            number += 1
            candidate = f"{prefix}{number:04d}"
            if candidate not in used:
                break
        values[pos] = candidate
        used.add(candidate)
    out[id_field] = values
    return out


def lost_ids(existing: pd.DataFrame | None, new: pd.DataFrame, id_field: str | None) -> list[str]:
    """Ids of ``existing`` that are not in ``new`` (what replacing the layer deletes).

    A layer without an id field loses all its rows: their positions are returned (``#1`` ...).
    """
    if existing is None or not len(existing):
        return []
    if not id_field or id_field not in existing.columns:
        return [f"#{k + 1}" for k in range(len(existing))]
    keep = set(_text(new[id_field])) if id_field in new.columns else set()
    return [i for i in _text(existing[id_field]) if i not in keep]


def _with_basis(new: gpd.GeoDataFrame, given: list[str]) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Updated households / era without their basis: the basis of a planner's value."""
    for value_field, (basis_field, basis) in BASIS_OF.items():
        if value_field in given and basis_field not in given:
            new = new.assign(**{basis_field: basis})
            given.append(basis_field)
            if value_field == "households" and "households_method" not in given:
                new = new.assign(households_method="")
                given.append("households_method")
    return new, given


def merge_by_id(
    existing: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    id_field: str,
    given: Iterable[str],
    fill_blank: Iterable[str] = (),
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, int, int]:
    """Add the rows of ``new`` with new ids and update the others in the fields ``given``.

    Parameters
    ----------
    existing, new : GeoDataFrame
        The project's layer and the prepared file (same CRS, ``new`` indexed by file line).
    id_field : str
        The layer's id field.
    given : iterable of str
        Fields the file gives; an updated row keeps its other fields, and its geometry where
        the file row has none. Updating ``households`` or ``era`` without their basis sets the
        basis to ``surveyed`` / ``known`` (:data:`BASIS_OF`).
    fill_blank : iterable of str
        Fields taken from ``new`` only where the existing row has none (cells filled from the
        location, :func:`place_by_location`).

    Returns
    -------
    (GeoDataFrame, GeoDataFrame, int, int)
        The merged layer; its rows that come from the file, indexed by the file's labels (what
        to validate, with the file's line numbers); the numbers updated and added.
    """
    new, given = _with_basis(new, [c for c in given if c in new.columns and c != new.geometry.name])
    fill_blank = [c for c in fill_blank if c in new.columns and c not in given]
    ids = pd.Series(_text_or_none(existing[id_field]), index=existing.index)
    position = {v: k for k, v in enumerate(ids) if v is not None}
    merged = existing.copy()
    for column in [*given, *fill_blank]:
        if column not in merged.columns:
            merged[column] = None
        if merged[column].dtype != object and new[column].dtype == object:
            merged[column] = merged[column].astype(object)
    blank = {c: null_mask(merged[c]) for c in fill_blank}
    geom = merged.geometry.name
    added_rows, updated, touched, labels = [], 0, [], []
    new_ids = _text_or_none(new[id_field])
    has_geom = ~(new.geometry.isna() | new.geometry.is_empty).to_numpy()
    for k, (label, key) in enumerate(zip(new.index, new_ids, strict=True)):
        if key is not None and key in position:
            pos = position[key]
            for column in given:
                merged.iat[pos, merged.columns.get_loc(column)] = new.at[label, column]
            for column in fill_blank:
                if blank[column][pos]:
                    merged.iat[pos, merged.columns.get_loc(column)] = new.at[label, column]
            if has_geom[k]:
                merged.iat[pos, merged.columns.get_loc(geom)] = new.geometry.iloc[k]
            updated += 1
            touched.append(pos)
        else:
            added_rows.append(label)
            touched.append(len(existing) + len(added_rows) - 1)
        labels.append(label)
    if added_rows:
        extra = new.loc[added_rows]
        if extra.geometry.name != geom:
            extra = extra.rename_geometry(geom)
        merged = pd.concat([merged, extra], ignore_index=True)
        merged = gpd.GeoDataFrame(merged, geometry=geom, crs=existing.crs)
    merged = merged.reset_index(drop=True)
    rows = merged.iloc[touched].copy()
    rows.index = pd.Index(labels)
    return merged, rows, updated, len(added_rows)


def _text_or_none(values: pd.Series) -> list[str | None]:
    out = []
    for v in values.astype(object):
        text = None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
        out.append(text or None)
    return out


def _join(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame | None, field: str) -> pd.Series:
    """``field`` of the polygon each point lies in (the first when several), None outside."""
    if polygons is None or field not in polygons.columns or not len(polygons):
        return pd.Series([None] * len(points), index=points.index, dtype=object)
    polys = polygons[[field, polygons.geometry.name]].copy()
    if polys.crs is not None and points.crs is not None and not polys.crs.equals(points.crs):
        polys = polys.to_crs(points.crs)
    polys = polys[~(polys.geometry.isna() | polys.geometry.is_empty)]
    joined = gpd.sjoin(points, polys, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    values = joined[field].reindex(points.index).astype(object)
    return values.where(values.notna(), None).map(lambda v: None if v is None else str(v))


def place_by_location(
    frame: gpd.GeoDataFrame,
    *,
    communities: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    rows: pd.Index | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Fill blank ``community_id``, ``street_code`` and ``district_code`` from the location.

    A point (or a polygon's representative point) inside a community takes its id, and the
    community's street and district where those are blank; otherwise the street and district
    polygons it lies in. Only ``rows`` (labels; default all) are filled, only blank cells.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The frame, and one row per filled cell: ``row, field, value`` (label, field, code).
    """
    out = frame.copy()
    rows = out.index if rows is None else rows
    geoms = out.loc[rows].geometry
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    labels = rows[present]
    points = gpd.GeoDataFrame(
        geometry=out.loc[labels].geometry.representative_point(), index=labels, crs=out.crs
    )
    found = {"community_id": _join(points, communities, "community_id")}
    for field, polygons in (("street_code", streets), ("district_code", districts)):
        by_polygon = _join(points, polygons, field)
        by_community = pd.Series([None] * len(points), index=points.index, dtype=object)
        if communities is not None and field in communities.columns:
            lookup = dict(
                zip(
                    communities["community_id"].astype(str),
                    communities[field].astype(object),
                    strict=False,
                )
            )
            by_community = found["community_id"].map(lambda c, lookup=lookup: lookup.get(c))
        found[field] = by_community.where(by_community.notna(), by_polygon)
    filled = []
    for field in PLACE_FIELDS:
        if field not in out.columns:
            out[field] = None
        out[field] = out[field].astype(object)
        blank = pd.Series(null_mask(out[field]), index=out.index)
        for label in labels:
            value = found[field].get(label)
            if blank[label] and value is not None and str(value) != "nan":
                out.at[label, field] = str(value)
                filled.append({"row": label, "field": field, "value": str(value)})
    return out, pd.DataFrame(filled, columns=["row", "field", "value"])
