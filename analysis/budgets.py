"""Budgets of the measures: star-rating rewards (Art. 33) and heating of community housing (Art. 32).

Art. 33: 1-3 star communities are rewarded by their district or county (5000/8000/10000 yuan),
4-5 star communities by the city (15000/20000 yuan), every naming round (two years); streets
where under 60% of the communities are star-rated are flagged.
Art. 32: heating of community public-benefit housing is budgeted; in the urban districts (for now
except 阿城) the city and the district pay 50% each, the counties and 阿城 pay alone.
All amounts and shares come from the standard set; the heating price is a project parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.compliance import (
    ComplianceInputError,
    as_code,
    as_standard,
    check_columns,
    check_ids,
    check_numbers,
    is_missing,
    normalize_name,
    problem_row,
    problems_frame,
    resolve_district_classes,
    split_ids,
)
from analysis.standards import Rule, StandardError, StandardSet
from layers.errors import InputValueError

PAYER_LABELS: dict[str, tuple[str, str]] = {
    "city": ("市级", "city"),
    "district": ("区、县(市)", "district / county"),
    "split": ("市、区各半", "city and district share"),
    "": ("", ""),
}


def _first_id(value: object) -> object:
    """First community of a station shared by several committees (Art. 8), for its district."""
    ids = split_ids(value)
    return ids[0] if ids else None


def _rule(standard: StandardSet, check: str) -> Rule:
    rule = standard.first(check)
    if rule is None:
        raise StandardError(
            f"标准 {standard.name} 没有 {check} 规则 / standard {standard.name} has no {check} rule"
        )
    return rule


def _district_names(districts: pd.DataFrame | None) -> pd.DataFrame:
    if districts is None:
        return pd.DataFrame(columns=["district_code", "district"])
    return pd.DataFrame(
        {
            "district_code": as_code(districts["district_code"]).to_numpy(),
            "district": districts["name"].astype(object).to_numpy(),
        }
    )


# -- Art. 33 ---------------------------------------------------------------------------------


@dataclass
class StarRewards:
    """Result of :func:`star_rewards` (amounts per naming round, in yuan).

    Attributes
    ----------
    by_community : DataFrame
        ``community_id, name, district_code, district, street_code, star_rating, reward_yuan,
        payer, rule_id, article``.
    by_district : DataFrame
        Per district: counts per star, ``district_pays_yuan``, ``city_pays_yuan``, ``total_yuan``.
    by_street : DataFrame
        Per street: ``n_communities, n_rated, share_rated, flagged`` (under the minimum share).
    city_total_yuan, district_total_yuan : float
        What the city and all districts/counties together pay.
    """

    by_community: pd.DataFrame
    by_district: pd.DataFrame
    by_street: pd.DataFrame
    city_total_yuan: float
    district_total_yuan: float

    def flagged_streets(self) -> pd.DataFrame:
        """Streets under the minimum star-rated share (Art. 33)."""
        return self.by_street[self.by_street["flagged"]].reset_index(drop=True)


def star_rewards(
    communities: pd.DataFrame,
    districts: pd.DataFrame | None = None,
    *,
    streets: pd.DataFrame | None = None,
    standard: StandardSet | str | None = None,
) -> StarRewards:
    """Art. 33 rewards per community, per payer and district, and the flagged streets.

    Parameters
    ----------
    communities : DataFrame
        Needs ``community_id, district_code, street_code, star_rating`` (empty = not rated,
        otherwise a whole number 0-5).
    districts, streets : DataFrame, optional
        For names only.
    standard : StandardSet or str, optional
        Default ``harbin-2011`` (rule ``check = "star_rewards"``).

    Raises
    ------
    ComplianceInputError
        Rows with a star rating that is not a whole number from 0 to 5, or missing ids.
    """
    std = as_standard(standard)
    rule = _rule(std, "star_rewards")
    rewards = {int(k): float(v) for k, v in rule.param("reward_yuan").items()}
    city_from = int(rule.param("city_pays_from_star"))
    min_share = float(rule.param("street_min_share"))
    _check_star_inputs(communities, max(rewards))
    table, s = _star_table(communities, districts, rule, rewards, city_from)
    t = table.assign(_s=s)
    by_district = _stars_by_district(t, sorted(rewards), districts, rule)
    by_street = _stars_by_street(t, streets, districts, rule, min_share)
    return StarRewards(
        by_community=table,
        by_district=by_district,
        by_street=by_street,
        city_total_yuan=float(by_district["city_pays_yuan"].sum()),
        district_total_yuan=float(by_district["district_pays_yuan"].sum()),
    )


def _check_star_inputs(communities: pd.DataFrame, max_stars: int) -> None:
    """Raise :class:`ComplianceInputError` for missing columns or ids, a star rating that is not
    a whole number from 0 to ``max_stars``, or a missing district or street code."""
    problems = check_columns(
        communities, "communities", ("community_id", "district_code", "street_code", "star_rating")
    )
    if not problems:
        problems += check_ids(communities, "communities", "community_id")
        problems += check_numbers(
            communities,
            "communities",
            "star_rating",
            "community_id",
            integer=True,
            bounds=(0, max_stars),
            allow_missing=True,
        )
        for col in ("district_code", "street_code"):
            for pos, code in enumerate(as_code(communities[col])):
                if code is None:
                    problems.append(
                        problem_row(
                            "communities",
                            pos + 1,
                            communities["community_id"].iloc[pos],
                            col,
                            None,
                            "missing",
                            "缺少代码",
                            "code missing",
                        )
                    )
    if problems:
        raise ComplianceInputError(problems_frame(problems))


def _star_table(
    communities: pd.DataFrame,
    districts: pd.DataFrame | None,
    rule: Rule,
    rewards: dict[int, float],
    city_from: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Reward (``rewards`` per star) and payer (the city from ``city_from`` stars) per
    community, and the star ratings (0 where not rated)."""
    stars = pd.to_numeric(communities["star_rating"], errors="coerce").astype("Float64")
    stars = stars.to_numpy(dtype=float, na_value=np.nan)
    table = pd.DataFrame(
        {
            "community_id": as_code(communities["community_id"]).to_numpy(),
            "name": communities["name"].astype(object).to_numpy()
            if "name" in communities.columns
            else None,
            "district_code": as_code(communities["district_code"]).to_numpy(),
            "street_code": as_code(communities["street_code"]).to_numpy(),
            "star_rating": pd.array(
                [pd.NA if np.isnan(s) else int(s) for s in stars], dtype="Int64"
            ),
        }
    )
    table = table.merge(_district_names(districts), how="left", on="district_code")
    s = table["star_rating"].fillna(0).astype(int).to_numpy()
    table["reward_yuan"] = [rewards.get(int(x), 0.0) if x > 0 else 0.0 for x in s]
    table["payer"] = np.where(s >= city_from, "city", np.where(s > 0, "district", ""))
    table["rule_id"] = rule.id
    table["article"] = rule.article
    table = table[
        [
            "community_id",
            "name",
            "district_code",
            "district",
            "street_code",
            "star_rating",
            "reward_yuan",
            "payer",
            "rule_id",
            "article",
        ]
    ]
    return table, s


def _stars_by_district(
    t: pd.DataFrame, star_levels: list[int], districts: pd.DataFrame | None, rule: Rule
) -> pd.DataFrame:
    """Counts per star and what the district and the city pay, per district."""
    agg = {
        "n_communities": ("community_id", "size"),
        "n_rated": ("_s", lambda x: int((x > 0).sum())),
    }
    for k in star_levels:
        agg[f"n_{k}_star"] = ("_s", lambda x, k=k: int((x == k).sum()))
    by_district = t.groupby(["district_code"], sort=True).agg(**agg).reset_index()
    pays = t.pivot_table(
        index="district_code", columns="payer", values="reward_yuan", aggfunc="sum", fill_value=0.0
    )
    by_district["district_pays_yuan"] = (
        by_district["district_code"].map(pays.get("district", pd.Series(dtype=float))).fillna(0.0)
    )
    by_district["city_pays_yuan"] = (
        by_district["district_code"].map(pays.get("city", pd.Series(dtype=float))).fillna(0.0)
    )
    by_district["total_yuan"] = by_district["district_pays_yuan"] + by_district["city_pays_yuan"]
    by_district = by_district.merge(_district_names(districts), how="left", on="district_code")
    by_district["rule_id"] = rule.id
    by_district["article"] = rule.article
    front = ["district_code", "district"]
    by_district = by_district[front + [c for c in by_district.columns if c not in front]]
    return by_district


def _stars_by_street(
    t: pd.DataFrame,
    streets: pd.DataFrame | None,
    districts: pd.DataFrame | None,
    rule: Rule,
    min_share: float,
) -> pd.DataFrame:
    """Share of star-rated communities per street, flagged under ``min_share``."""
    by_street = (
        t.groupby(["street_code", "district_code"], sort=True)
        .agg(n_communities=("community_id", "size"), n_rated=("_s", lambda x: int((x > 0).sum())))
        .reset_index()
    )
    by_street["share_rated"] = (by_street["n_rated"] / by_street["n_communities"]).round(4)
    by_street["min_share"] = min_share
    by_street["flagged"] = by_street["n_rated"] < min_share * by_street["n_communities"] - 1e-9
    if streets is not None and "street_code" in streets.columns:
        names = pd.DataFrame(
            {
                "street_code": as_code(streets["street_code"]).to_numpy(),
                "street": streets["name"].astype(object).to_numpy(),
            }
        ).drop_duplicates("street_code")
        by_street = by_street.merge(names, how="left", on="street_code")
    else:
        by_street["street"] = None
    by_street = by_street.merge(_district_names(districts), how="left", on="district_code")
    by_street["rule_id"] = rule.id
    by_street["article"] = rule.article
    by_street = by_street[
        [
            "street_code",
            "street",
            "district_code",
            "district",
            "n_communities",
            "n_rated",
            "share_rated",
            "min_share",
            "flagged",
            "rule_id",
            "article",
        ]
    ]
    return by_street


# -- Art. 32 ---------------------------------------------------------------------------------


@dataclass
class HeatingCosts:
    """Result of :func:`heating_costs` (yuan per heating season).

    Attributes
    ----------
    by_district : DataFrame
        ``district_code, district, district_class, heated_m2, price_yuan_per_m2, cost_yuan,
        payer, city_share, city_pays_yuan, district_pays_yuan, rule_id, article``.
    city_total_yuan, district_total_yuan, total_yuan : float
    """

    by_district: pd.DataFrame
    city_total_yuan: float
    district_total_yuan: float
    total_yuan: float


def heating_costs(
    facilities: pd.DataFrame,
    communities: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    standard: StandardSet | str | None = None,
    price_yuan_per_m2: float | None = None,
    district_classes: Mapping[str, str] | None = None,
) -> HeatingCosts:
    """Art. 32 yearly heating cost of community housing per district, split city/district.

    The heated area of a district is the usable area of its facilities of the rule's
    ``heated_kinds`` (public-benefit housing and stations). A district whose class is in
    ``split_classes`` and which is not in ``sole_payer_districts`` (阿城, by code or name) shares
    the cost with the city (``city_share``); the others pay alone.

    Parameters
    ----------
    facilities, communities, districts : DataFrame
        The layers (facilities are placed in a district through their ``community_id``).
    standard : StandardSet or str, optional
        Default ``harbin-2011`` (rule ``check = "heating_split"``).
    price_yuan_per_m2 : float, optional
        Heating price per m2 and season; default the rule's ``price_yuan_per_m2`` (an assumption
        to be replaced by the project parameter ``heating_price_yuan_per_m2``).
    district_classes : dict, optional
        Project overrides of district classes (双城).

    Raises
    ------
    ComplianceInputError
        Missing/negative areas of heated facilities, facilities outside known communities,
        invalid district classes.
    """
    std = as_standard(standard)
    rule = _rule(std, "heating_split")
    price = (
        float(rule.param("price_yuan_per_m2")) if price_yuan_per_m2 is None else price_yuan_per_m2
    )
    if isinstance(price, bool) or not isinstance(price, int | float) or not np.isfinite(price):
        raise InputValueError(
            f"供热价格应为数值,得到 {price!r} / the heating price must be a number, got {price!r}"
        )
    if price < 0:
        raise InputValueError(
            f"供热价格不能为负:{price} / the heating price cannot be negative: {price}"
        )
    city_share = float(rule.param("city_share"))
    if city_share > 1:
        raise StandardError(
            f"市级分担比例不能大于1:{city_share} / the city share cannot exceed 1: {city_share}"
        )
    kinds = list(rule.param("heated_kinds"))

    dist, problems = resolve_district_classes(districts, district_classes)
    problems += check_columns(facilities, "facilities", ("facility_id", "kind", "usable_area_m2"))
    problems += check_columns(communities, "communities", ("community_id", "district_code"))
    if not problems:
        heated = facilities["kind"].astype(object).isin(kinds)
        problems += check_numbers(
            facilities, "facilities", "usable_area_m2", "facility_id", mask=heated
        )
        district_of = dict(
            zip(
                as_code(communities["community_id"]),
                as_code(communities["district_code"]),
                strict=True,
            )
        )
        known = set(dist["district_code"].dropna())
        fac_comm = (
            as_code(facilities["community_id"])
            if "community_id" in facilities.columns
            else pd.Series([None] * len(facilities))
        )
        fac_comm = fac_comm.map(_first_id)
        for pos, (cid, h) in enumerate(zip(fac_comm, heated, strict=True)):
            if not h:
                continue
            code = district_of.get(cid) if cid is not None else None
            if code is None or code not in known:
                problems.append(
                    problem_row(
                        "facilities",
                        pos + 1,
                        facilities["facility_id"].iloc[pos],
                        "community_id",
                        cid,
                        "unknown_community",
                        "无法确定所属区县(社区缺失或不在社区/区县图层中)",
                        "cannot place the facility in a district (community missing or unknown)",
                    )
                )
    if problems:
        raise ComplianceInputError(problems_frame(problems))

    heated_rows = facilities[facilities["kind"].astype(object).isin(kinds)]
    codes = as_code(heated_rows["community_id"]).map(_first_id).map(district_of)
    area = (
        pd.to_numeric(heated_rows["usable_area_m2"]).astype(float).groupby(codes.to_numpy()).sum()
        if len(heated_rows)
        else pd.Series(dtype=float)
    )
    out = dist[["district_code", "district", "district_class"]].copy()
    out["heated_m2"] = out["district_code"].map(area).fillna(0.0).astype(float).round(2)
    out["price_yuan_per_m2"] = float(price)
    out["cost_yuan"] = (out["heated_m2"] * price).round(2)
    sole = {str(v).strip() for v in rule.param("sole_payer_districts")}
    sole_norm = {normalize_name(v) for v in sole}
    is_sole = out["district_code"].isin(sole) | out["district"].map(
        lambda n: not is_missing(n) and (n in sole or normalize_name(n) in sole_norm)
    )
    split = out["district_class"].isin(rule.param("split_classes")) & ~is_sole
    out["payer"] = np.where(split, "split", "district")
    out["city_share"] = np.where(split, city_share, 0.0)
    out["city_pays_yuan"] = (out["cost_yuan"] * out["city_share"]).round(2)
    out["district_pays_yuan"] = (out["cost_yuan"] - out["city_pays_yuan"]).round(2)
    out["rule_id"] = rule.id
    out["article"] = rule.article
    return HeatingCosts(
        by_district=out.reset_index(drop=True),
        city_total_yuan=round(float(out["city_pays_yuan"].sum()), 2),
        district_total_yuan=round(float(out["district_pays_yuan"].sum()), 2),
        total_yuan=round(float(out["cost_yuan"].sum()), 2),
    )
