"""Choosing the districts to compare: the project's districts, by name, short name or code."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.compliance import as_code, normalize_name
from geo_app.project import Project, ProjectError


def district_table(project: Project) -> pd.DataFrame:
    """``district_code, name, communities, households`` of every district of the project
    (from the ``districts`` layer, else the codes of the communities), by code."""
    comm = project.layer("communities") if project.has_layer("communities") else None
    if project.has_layer("districts"):
        d = project.layer("districts")
        table = pd.DataFrame(
            {
                "district_code": as_code(d["district_code"]).astype(str).to_numpy(),
                "name": d["name"].astype(str).to_numpy()
                if "name" in d.columns
                else as_code(d["district_code"]).astype(str).to_numpy(),
            }
        )
    elif comm is not None and "district_code" in comm.columns:
        codes = sorted(set(as_code(comm["district_code"]).dropna().astype(str)))
        table = pd.DataFrame({"district_code": codes, "name": codes})
    else:
        raise ProjectError(
            "项目没有区县图层,也没有社区的区县代码 / the project has no districts layer and no "
            "district codes on its communities"
        )
    table = table.drop_duplicates("district_code")
    if comm is not None and "district_code" in comm.columns:
        codes = as_code(comm["district_code"]).astype(str)
        hh = pd.to_numeric(comm.get("households"), errors="coerce")
        hh = hh if hh is not None else pd.Series(0.0, index=comm.index)
        stats = pd.DataFrame({"code": codes, "hh": hh.fillna(0.0)}).groupby("code")
        table["communities"] = table["district_code"].map(stats.size()).fillna(0).astype(int)
        table["households"] = table["district_code"].map(stats["hh"].sum()).fillna(0.0)
    else:
        table["communities"] = 0
        table["households"] = 0.0
    return table.sort_values("district_code", ignore_index=True)


def resolve_districts(table: pd.DataFrame, districts: Sequence[str] | None) -> pd.DataFrame:
    """Rows of ``table`` (:func:`district_table`) for ``districts`` given by name (道里区),
    short name (道里) or code (230102), in the given order; all districts with communities
    when ``None``.

    Raises
    ------
    ProjectError
        Naming the unknown districts and listing the valid names.
    """
    if districts is None:
        return table[table["communities"] > 0].reset_index(drop=True)
    rows, unknown = [], []
    for want in districts:
        key = str(want).strip()
        hit = table[
            (table["district_code"] == key)
            | (table["name"] == key)
            | (table["name"].map(normalize_name) == normalize_name(key))
        ]
        if not len(hit):
            unknown.append(key)
        elif hit.index[0] not in rows:
            rows.append(hit.index[0])
    if unknown:
        valid = "、".join(table["name"].astype(str))
        raise ProjectError(
            f"未知区县:{'、'.join(unknown)}。可选:{valid} / unknown district(s): "
            f"{', '.join(unknown)}. Valid names: {valid}"
        )
    if not rows:
        raise ProjectError("请至少选择一个区县 / choose at least one district")
    return table.loc[rows].reset_index(drop=True)


def default_districts(table: pd.DataFrame, n: int = 2) -> list[str]:
    """Names of the ``n`` districts with the most households (the page's first choice)."""
    pool = table[table["communities"] > 0] if "communities" in table.columns else table
    pool = pool.sort_values(["households", "district_code"], ascending=[False, True])
    return [str(v) for v in pool["name"].head(n)]
