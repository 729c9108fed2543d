"""Metrics of each input of :func:`analysis.compare.district_metrics`.

Each function returns ``{metric id: Series indexed by district code}``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.compliance import as_code


def _codes(frame: pd.DataFrame) -> pd.Series:
    return as_code(frame["district_code"]).astype(object)


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _ratio(num: pd.Series, den: pd.Series, scale: float = 1.0) -> pd.Series:
    num, den = num.astype(float), den.astype(float)
    return (num * scale / den.where(den > 0)).astype(float)


def _size_metrics(communities: pd.DataFrame) -> dict[str, pd.Series]:
    t = pd.DataFrame(
        {
            "code": _codes(communities).to_numpy(),
            "households": _num(communities, "households").to_numpy(),
            "population": _num(communities, "population").to_numpy(),
        }
    )
    g = t.groupby("code")
    out = {"communities": g.size().astype(float)}
    for col in ("households", "population"):
        if col in communities.columns:
            out[col] = g[col].sum(min_count=1)
    return out


def _compliance_metrics(table: pd.DataFrame, rooms_per_station: int) -> dict[str, pd.Series]:
    t = pd.DataFrame(
        {
            "code": _codes(table).to_numpy(),
            "assessed": table["status"].astype(str).isin(["compliant", "below"]).to_numpy(),
            "undecided": (table["status"].astype(str) == "undecided").to_numpy(),
            "compliant": (table["status"].astype(str) == "compliant").to_numpy(),
            "below": (table["status"].astype(str) == "below").to_numpy(),
            "shortfall": _num(table, "shortfall_m2").fillna(0.0).to_numpy(),
            "provided": _num(table, "provided_m2").fillna(0.0).to_numpy(),
            "households": _num(table, "households").fillna(0.0).to_numpy(),
        }
    )
    has_station = (
        table["has_station"] if "has_station" in table.columns else pd.Series(pd.NA, table.index)
    )
    applies = has_station.notna().to_numpy()
    missing = _num(table, "n_missing_rooms").fillna(0.0).to_numpy()
    t["rooms_applicable"] = np.where(applies, float(rooms_per_station), 0.0)
    t["rooms_present"] = np.where(applies, rooms_per_station - missing, 0.0)
    g = t.groupby("code")
    s = g[
        [
            "assessed",
            "undecided",
            "compliant",
            "below",
            "shortfall",
            "provided",
            "households",
            "rooms_applicable",
            "rooms_present",
        ]
    ].sum()
    return {
        "compliance_rate": _ratio(s["compliant"], s["assessed"]),
        "communities_below": s["below"].astype(float),
        "communities_undecided": s["undecided"].astype(float),
        "shortfall_m2": s["shortfall"].where(s["assessed"] > 0).astype(float),
        "shortfall_m2_per_100_households": _ratio(
            s["shortfall"].where(s["assessed"] > 0), s["households"], 100.0
        ),
        "housing_m2_per_100_households": _ratio(s["provided"], s["households"], 100.0),
        "art8_room_completeness": _ratio(s["rooms_present"], s["rooms_applicable"]),
        "art8_one_station_breaches": _flag_count(table, "one_station_ok", False),
        "art33_two_failed_terms": _flag_count(table, "two_failed_terms", True),
        "_households": s["households"],
    }


def _flag_count(table: pd.DataFrame, column: str, value: bool) -> pd.Series:
    """Per district: rows whose nullable flag ``column`` equals ``value``; NaN for a district
    where the flag is unknown everywhere (e.g. no ratings table)."""
    if column not in table.columns:
        return pd.Series(dtype=float)
    flag = table[column].astype(object)
    known = flag.map(lambda v: v is not None and v is not pd.NA and v == v).to_numpy(bool)
    hit = flag.map(lambda v: v is not None and v is not pd.NA and v == v and v == value)
    t = pd.DataFrame({"code": _codes(table).to_numpy(), "known": known, "hit": hit.to_numpy(bool)})
    s = t.groupby("code")[["known", "hit"]].sum()
    return s["hit"].astype(float).where(s["known"] > 0)


def _coverage_metrics_of(
    coverage: pd.DataFrame, distances: Sequence[float]
) -> dict[str, pd.Series]:
    nearest = _num(coverage, "nearest_m").to_numpy()
    hh = _num(coverage, "households").fillna(0.0).to_numpy()
    t = pd.DataFrame({"code": _codes(coverage).to_numpy(), "households": hh})
    for d in distances:
        with np.errstate(invalid="ignore"):
            t[f"c{d}"] = np.where(nearest <= d, hh, 0.0)
    s = t.groupby("code").sum()
    out = {}
    for d in distances:
        out[f"covered_households_{int(d)}m"] = s[f"c{d}"].astype(float)
        out[f"covered_share_{int(d)}m"] = _ratio(s[f"c{d}"], s["households"])
    return out


def _truthy(values: pd.Series) -> np.ndarray:
    def one(v: object) -> bool:
        if isinstance(v, str):
            return v.strip().lower() in ("true", "1", "yes", "y", "是", "闲置")
        try:
            return bool(v) and not pd.isna(v)
        except (TypeError, ValueError):
            return bool(v)

    return np.array([one(v) for v in values], dtype=bool)


def _boiler_metrics(boilers: pd.DataFrame) -> dict[str, pd.Series]:
    idle = _truthy(boilers["idle"]) if "idle" in boilers.columns else np.ones(len(boilers), bool)
    t = pd.DataFrame(
        {
            "code": _codes(boilers).to_numpy(),
            "n": idle.astype(float),
            "area": np.where(idle, _num(boilers, "usable_area_m2").fillna(0.0).to_numpy(), 0.0),
        }
    )
    s = t.groupby("code").sum()
    return {"idle_boiler_rooms": s["n"], "idle_boiler_area_m2": s["area"]}


def _star_metrics(stars: pd.DataFrame) -> dict[str, pd.Series]:
    rating = _num(stars, "star_rating").fillna(0.0).to_numpy()
    reward = _num(stars, "reward_yuan").fillna(0.0).to_numpy()
    payer = stars["payer"].astype(str).to_numpy() if "payer" in stars.columns else ""
    t = pd.DataFrame(
        {
            "code": _codes(stars).to_numpy(),
            "n": 1.0,
            "rated": (rating > 0).astype(float),
            "reward": reward,
            "district": np.where(payer == "district", reward, 0.0),
            "city": np.where(payer == "city", reward, 0.0),
        }
    )
    s = t.groupby("code").sum()
    return {
        "star_rated_share": _ratio(s["rated"], s["n"]),
        "art33_reward_yuan": s["reward"],
        "art33_district_pays_yuan": s["district"],
        "art33_city_pays_yuan": s["city"],
    }


def _heating_metrics(heating: pd.DataFrame) -> dict[str, pd.Series]:
    t = pd.DataFrame(heating).assign(code=_codes(heating).to_numpy()).groupby("code")
    return {
        "art32_heating_m2": t["heated_m2"].sum().astype(float),
        "art32_heating_cost_yuan": t["cost_yuan"].sum().astype(float),
        "art32_heating_city_yuan": t["city_pays_yuan"].sum().astype(float),
        "art32_heating_district_yuan": t["district_pays_yuan"].sum().astype(float),
    }


def _surveillance_metrics(
    by_community: pd.DataFrame, management: str | None = "scattered"
) -> dict[str, pd.Series]:
    t = pd.DataFrame(
        {
            "code": _codes(by_community).to_numpy(),
            "total": _num(by_community, "cameras_total").fillna(0.0).to_numpy(),
            "working": _num(by_community, "cameras_working").fillna(0.0).to_numpy(),
        }
    )
    s = t.groupby("code").sum()
    out = {"camera_working_rate": _ratio(s["working"], s["total"])}
    if management is not None and "management" in by_community.columns:
        keep = (by_community["management"].astype(str) == management).to_numpy()
    else:
        keep = np.ones(len(by_community), dtype=bool)
    sc = pd.DataFrame(
        {
            "code": t["code"].to_numpy()[keep],
            "length": _num(by_community, "public_length_m").fillna(0.0).to_numpy()[keep],
            "cov_length": _num(by_community, "covered_length_m").fillna(0.0).to_numpy()[keep],
            "area": _num(by_community, "public_area_m2").fillna(0.0).to_numpy()[keep],
            "cov_area": _num(by_community, "covered_area_m2").fillna(0.0).to_numpy()[keep],
        }
    )
    g = sc.groupby("code").sum()
    by_length = _ratio(g["cov_length"], g["length"])
    by_area = _ratio(g["cov_area"], g["area"])
    # Art. 20 asks for every public place: lines and areas each, so the lower share counts
    # (a watched street does not hide an unwatched courtyard)
    both = pd.concat([by_length.where(g["length"] > 0), by_area.where(g["area"] > 0)], axis=1)
    out["public_space_camera_coverage"] = both.min(axis=1, skipna=True)
    return out
