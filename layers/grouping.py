"""Grouping OpenStreetMap residential areas into communities (社区居委会).

An OSM import gives one "community" per ``landuse=residential`` area (``community_source``
``osm_residential``), while the measures count residents' committees. :func:`group_areas`
merges the areas into communities, either

* ``by="street"``: one community per street (街道), or
* by a committee table (:func:`read_committee_table`): one row per committee with the ids or
  names of its residential areas (``、`` / ``,`` separated), or one row per (committee, area).

A grouped community has the union of its areas' shapes, the sum of their households (the basis
says how many areas had no mapped housing), the street and district of most of its area, and
``community_source`` ``osm_grouped``. :attr:`Grouping.membership` records which area went to
which community, so the grouping can be shown and redone from the areas kept aside.

Examples
--------
>>> table = pd.DataFrame({"committee": ["红旗社区"], "areas": ["osm_w1、osm_w2"]})
>>> committee_rows(table)[["committee", "area"]].values.tolist()
[['红旗社区', 'osm_w1'], ['红旗社区', 'osm_w2']]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import InputValueError

GROUP_PREFIX = "grp_"
"""Prefix of the ids of grouped communities that the table does not give."""

MEMBERSHIP_COLUMNS: list[str] = [
    "area_id",
    "area_name",
    "community_id",
    "community_name",
    "method",
    "matched_by",
]
"""Columns of :attr:`Grouping.membership`."""

COMMITTEE_COLUMNS: dict[str, tuple[str, ...]] = {
    "committee": ("committee", "居委会", "居委会名称", "社区名称", "社区", "name", "名称"),
    "committee_id": ("committee_id", "社区编号", "居委会编号", "community_id"),
    "area": (
        "areas",
        "area",
        "居住区",
        "居住区编号",
        "居住区名称",
        "小区",
        "小区名称",
        "residential_areas",
        "area_id",
        "area_name",
    ),
}
"""Accepted headers of a committee table (normalised: lower case, no spaces)."""

_SEPARATORS = re.compile(r"[,,、;;\n]")


class GroupingError(InputValueError):
    """A committee table or a grouping the areas cannot take (a message the planner can act on)."""


@dataclass
class Grouping:
    """Result of :func:`group_areas`.

    Attributes
    ----------
    communities : GeoDataFrame
        The grouped communities followed by the areas no group took (unchanged).
    membership : DataFrame
        :data:`MEMBERSHIP_COLUMNS`: one row per grouped area.
    unmatched : list of str
        Entries of the committee table that match no area.
    """

    communities: gpd.GeoDataFrame
    membership: pd.DataFrame
    unmatched: list[str]


def _norm(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)).strip().lower())


def _column(frame: pd.DataFrame, role: str) -> str | None:
    wanted = {_norm(n) for n in COMMITTEE_COLUMNS[role]}
    for column in frame.columns:
        if _norm(column) in wanted:
            return column
    return None


def committee_rows(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (committee, area) of a committee table: ``committee, committee_id, area``.

    Raises
    ------
    GroupingError
        Without a committee column or an area column.
    """
    committee, area = _column(table, "committee"), _column(table, "area")
    if committee is None or area is None:
        raise GroupingError(
            "居委会表须有“居委会名称”和“居住区”(编号或名称)两列;现有列:"
            f"{', '.join(map(str, table.columns))} / the committee table needs a committee "
            "name column and a residential-area column (ids or names); columns: "
            f"{', '.join(map(str, table.columns))}"
        )
    cid = _column(table, "committee_id")
    rows = []
    for _, r in table.iterrows():
        name = r[committee]
        if pd.isna(name) or not str(name).strip():
            continue
        ident = None if cid is None or pd.isna(r[cid]) else str(r[cid]).strip() or None
        for part in _SEPARATORS.split("" if pd.isna(r[area]) else str(r[area])):
            if part.strip():
                rows.append(
                    {"committee": str(name).strip(), "committee_id": ident, "area": part.strip()}
                )
    return pd.DataFrame(rows, columns=["committee", "committee_id", "area"])


def read_committee_table(path: str | Path) -> pd.DataFrame:
    """Read a committee table (CSV in UTF-8 or GBK, or XLSX) as text cells."""
    path = Path(path)
    if not path.exists():
        raise GroupingError(f"文件不存在:{path} / file not found: {path}")
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=str)
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise GroupingError(f"无法识别文件 {path.name} 的编码 / unknown encoding of {path.name}")
    from io import StringIO

    return pd.read_csv(StringIO(text), dtype=str)


def _majority(values: pd.Series, weights: np.ndarray) -> object:
    frame = pd.DataFrame({"v": values.astype(object).to_numpy(), "w": weights})
    frame = frame[frame["v"].notna()]
    if frame.empty:
        return None
    return frame.groupby("v", sort=True)["w"].sum().idxmax()


def _merge(members: gpd.GeoDataFrame, community_id: str, name: str, crs: str) -> dict:
    """One grouped community from its member areas (see the module)."""
    weights = members.to_crs(crs).area.to_numpy() if len(members) else np.zeros(0)
    basis = members.get("households_basis", pd.Series("surveyed", index=members.index))
    missing = basis.astype(object).eq("missing").to_numpy()
    known = pd.to_numeric(members["households"], errors="coerce").where(~missing)
    n_missing = int(missing.sum())
    if known.notna().any():
        hh_basis = "estimated" if basis.astype(object).eq("estimated").any() else "surveyed"
        method = "buildings" if hh_basis == "estimated" else ""
        if n_missing:
            hh_basis = "estimated"
            method = f"buildings; {n_missing} of {len(members)} areas without mapped housing"
        households = int(known.sum())
    else:
        hh_basis, method, households = "missing", "", 0
    population = pd.to_numeric(members.get("population"), errors="coerce")
    era_basis = members.get("era_basis", pd.Series("known", index=members.index))
    return {
        "community_id": community_id,
        "name": name,
        "street_code": _majority(members["street_code"], weights),
        "district_code": _majority(members["district_code"], weights),
        "kind": _majority(members["kind"], weights),
        "era": _majority(members["era"], weights),
        "management": _majority(members["management"], weights)
        if "management" in members.columns
        else None,
        "households": households,
        "population": int(population.sum()) if population is not None else 0,
        "households_basis": hh_basis,
        "households_method": method,
        "era_basis": "assumed" if era_basis.astype(object).eq("assumed").any() else "known",
        "community_source": "osm_grouped",
        "n_areas": len(members),
        "geometry": shapely.union_all(members.geometry.to_numpy()),
    }


def _street_groups(areas: gpd.GeoDataFrame, streets: pd.DataFrame | None):
    names = {}
    if streets is not None and "street_code" in streets.columns:
        names = dict(zip(streets["street_code"].astype(str), streets["name"], strict=False))
    for code, members in areas.groupby(areas["street_code"].astype(str), sort=True):
        if code in ("None", "nan", ""):
            continue
        name = f"{names.get(code, code)}(居住区归并)"
        yield f"{GROUP_PREFIX}{code}", name, members, "street_code"


def _table_groups(areas: gpd.GeoDataFrame, table: pd.DataFrame, unmatched: list[str]):
    rows = committee_rows(table)
    if rows.empty:
        raise GroupingError("居委会表没有数据行 / the committee table has no rows")
    by_id = {str(i): k for k, i in enumerate(areas["community_id"])}
    by_name: dict[str, list[int]] = {}
    for k, name in enumerate(areas["name"].astype(str)):
        by_name.setdefault(_norm(name), []).append(k)
    taken: set[int] = set()
    for number, (committee, group) in enumerate(rows.groupby("committee", sort=False), start=1):
        picks, how = [], []
        for area in group["area"]:
            if area in by_id:
                picks.append(by_id[area])
                how.append("id")
            elif _norm(area) in by_name:
                picks += by_name[_norm(area)]
                how += ["name"] * len(by_name[_norm(area)])
            else:
                unmatched.append(f"{committee}: {area}")
        keep = [(p, h) for p, h in zip(picks, how, strict=True) if p not in taken]
        if not keep:
            continue
        taken.update(p for p, _ in keep)
        ident = group["committee_id"].dropna()
        cid = str(ident.iloc[0]) if len(ident) else f"{GROUP_PREFIX}{number:04d}"
        members = areas.iloc[[p for p, _ in keep]]
        yield cid, committee, members, ",".join(h for _, h in keep)


def group_areas(
    areas: gpd.GeoDataFrame,
    *,
    by: str = "street",
    table: pd.DataFrame | None = None,
    streets: pd.DataFrame | None = None,
    metric_crs: str = "EPSG:3857",
) -> Grouping:
    """Group residential areas into communities (see the module).

    Parameters
    ----------
    areas : GeoDataFrame
        Residential areas with the communities schema (``community_id``, ``name``,
        ``street_code``, ``district_code``, ``kind``, ``era``, ``households`` ...).
    by : {"street", "table"}
        The rule; ``"table"`` needs ``table``.
    table : DataFrame, optional
        A committee table (:func:`committee_rows` reads its columns).
    streets : DataFrame, optional
        Street names for the names of street groups.
    metric_crs : str
        CRS in which areas are weighed (majority street and district).

    Raises
    ------
    GroupingError
        Unknown ``by``, no table for ``by="table"``, a table without the needed columns or
        matching no area.
    """
    if by not in ("street", "table"):
        raise GroupingError(f"归并方式应为 street 或 table:{by!r} / by must be street or table")
    if by == "table" and table is None:
        raise GroupingError("按居委会表归并须给出表格 / grouping by table needs the table")
    areas = areas.reset_index(drop=True)
    unmatched: list[str] = []
    groups = (
        _street_groups(areas, streets) if by == "street" else _table_groups(areas, table, unmatched)
    )
    records, members_rows, used = [], [], set()
    for cid, name, members, matched in groups:
        records.append(_merge(members, cid, name, metric_crs))
        how = matched.split(",") if by == "table" else [matched] * len(members)
        for (_, m), h in zip(members.iterrows(), how, strict=True):
            members_rows.append([m["community_id"], m["name"], cid, name, by, h])
            used.add(m["community_id"])
    if by == "table" and not records:
        raise GroupingError(
            "居委会表中的居住区一个也没有找到(按编号或名称)/ no residential area of the "
            "committee table was found (by id or name)"
        )
    grouped = gpd.GeoDataFrame(records, geometry="geometry", crs=areas.crs)
    rest = areas[~areas["community_id"].isin(used)]
    communities = pd.concat([grouped, rest], ignore_index=True)
    communities = gpd.GeoDataFrame(communities, geometry="geometry", crs=areas.crs)
    membership = pd.DataFrame(members_rows, columns=MEMBERSHIP_COLUMNS)
    return Grouping(communities, membership, unmatched)
