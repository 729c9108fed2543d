"""The one district list of every page: all divisions of the project, by code, with counts.

Every page that lets a planner pick a district (explorer, compliance, coverage, site selection,
surveillance, compare, reports) takes its options from :func:`district_options`, so the same
18 Harbin divisions (道里区 ... 五常市) appear everywhere in the same order, with the same names
and short names (道里), whether or not a division has communities yet.
"""

from __future__ import annotations

import pandas as pd

from layers.districts import HARBIN_DISTRICTS, short_name

COLUMNS: tuple[str, ...] = (
    "district_code",
    "name",
    "short_name",
    "communities",
    "scattered",
    "households",
)


def _code(values: pd.Series) -> pd.Series:
    """District codes as text ("230102", also from 230102.0)."""
    text = values.astype(str).str.strip()
    return text.str.replace(r"\.0$", "", regex=True)


def _names(districts: pd.DataFrame | None) -> dict[str, str]:
    """``{code: name}`` of the districts layer (empty without one)."""
    if districts is None or "district_code" not in districts.columns:
        return {}
    codes = _code(districts["district_code"])
    names = districts["name"].astype(str) if "name" in districts.columns else codes
    return dict(zip(codes, names, strict=True))


def _counts(communities: pd.DataFrame | None) -> pd.DataFrame:
    """Communities, scattered communities and households per district code."""
    if communities is None or "district_code" not in communities.columns:
        return pd.DataFrame(columns=["communities", "scattered", "households"])
    management = communities.get("management", pd.Series("", index=communities.index))
    households = pd.to_numeric(
        communities.get("households", pd.Series(0.0, index=communities.index)), errors="coerce"
    )
    frame = pd.DataFrame(
        {
            "code": _code(communities["district_code"]),
            "scattered": management.astype(str).eq("scattered"),
            "households": households.fillna(0.0),
        }
    )
    return frame.groupby("code").agg(
        communities=("scattered", "size"),
        scattered=("scattered", "sum"),
        households=("households", "sum"),
    )


def district_options(
    districts: pd.DataFrame | None = None, communities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """All districts a planner may pick: ``district_code, name, short_name, communities,
    scattered, households``, sorted by code.

    The districts of the ``districts`` layer; without one, Harbin's 18 divisions
    (:data:`layers.districts.HARBIN_DISTRICTS`) and any other code the communities carry.
    Counts are 0 for a district without communities.
    """
    names = _names(districts)
    if not names:
        names = dict(HARBIN_DISTRICTS)
        if communities is not None and "district_code" in communities.columns:
            for code in _code(communities["district_code"]).dropna().unique():
                names.setdefault(str(code), str(code))
    counts = _counts(communities).reindex(list(names)).fillna(0)
    table = pd.DataFrame(
        {
            "district_code": list(names),
            "name": [names[c] or HARBIN_DISTRICTS.get(c, c) for c in names],
            "communities": counts["communities"].astype(int).to_numpy(),
            "scattered": counts["scattered"].astype(int).to_numpy(),
            "households": counts["households"].astype(float).to_numpy(),
        }
    )
    table["short_name"] = table["name"].map(short_name)
    return table[list(COLUMNS)].sort_values("district_code", ignore_index=True)


def option_names(options: pd.DataFrame) -> dict[str, str]:
    """``{district_code: name}`` of :func:`district_options` (for a select box)."""
    return dict(zip(options["district_code"].astype(str), options["name"], strict=True))
