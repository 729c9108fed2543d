"""Art. 33: communities below the star-rated standard in two consecutive terms.

Art. 33: "全市每两年命名一批“星级和谐社区”……对连续两届达不到“星级和谐社区”标准的社区,对其党
组织书记进行调整,对其居委会主任依法罢免". A ``ratings`` table holds one row per community and
term (``community_id, term, stars, rated_at``); a term left empty is derived from ``rated_at``
with the naming round of ``round_years`` years counted from ``first_round_year``. A term is
failed when ``stars`` is below ``min_stars`` or when the community has no record for a term
that was held (every term from the first to the last of the table: it was not named, i.e. not
rated); a community whose last ``consecutive_terms`` terms all failed is flagged, also one
never named at all.

Examples
--------
>>> t = pd.DataFrame({"community_id": ["C1", "C1"], "term": [1, 2], "stars": [0, 0]})
>>> failed_terms(t).loc[0, "two_failed"]  # doctest: +SKIP
True
"""

from __future__ import annotations

import pandas as pd

from analysis.compliance.checks import (
    ComplianceInputError,
    as_code,
    check_columns,
    check_numbers,
    is_missing,
    problem_row,
    problems_frame,
)
from analysis.standards import StandardError, StandardSet, load_standard

FAILED_TERMS_COLUMNS: list[str] = [
    "community_id",
    "n_terms",
    "last_term",
    "last_stars",
    "failed_terms",
    "unrated_terms",
    "n_consecutive_failed",
    "two_failed",
    "rule_id",
    "article",
]
"""Columns of :func:`failed_terms`."""


def _term_of(term: object, rated_at: object, first_year: int, round_years: int) -> int | None:
    if not is_missing(term):
        return int(float(term))
    if is_missing(rated_at):
        return None
    year = pd.to_datetime(str(rated_at), errors="coerce")
    if pd.isna(year):
        return None
    return (int(year.year) - first_year) // round_years + 1


def validate_ratings(ratings: pd.DataFrame, standard: StandardSet) -> pd.DataFrame:
    """Row-by-row problems of a ratings table (empty frame when all is well)."""
    rule = standard.first("failed_terms")
    problems = check_columns(ratings, "ratings", ("community_id", "stars"))
    if problems or rule is None:
        return problems_frame(problems)
    problems += check_numbers(
        ratings, "ratings", "stars", "community_id", integer=True, bounds=(0, 5)
    )
    if "term" in ratings.columns:
        problems += check_numbers(
            ratings,
            "ratings",
            "term",
            "community_id",
            integer=True,
            bounds=(1, None),
            allow_missing=True,
        )
    first, step = int(rule.param("first_round_year")), int(rule.param("round_years"))
    terms = ratings["term"].tolist() if "term" in ratings.columns else [None] * len(ratings)
    dates = ratings["rated_at"].tolist() if "rated_at" in ratings.columns else [None] * len(terms)
    for pos, (cid, term, date) in enumerate(
        zip(as_code(ratings["community_id"]), terms, dates, strict=True)
    ):
        if cid is None:
            problems.append(
                problem_row(
                    "ratings",
                    pos + 1,
                    None,
                    "community_id",
                    None,
                    "missing",
                    "缺少社区编号",
                    "community id missing",
                )
            )
        try:
            known = _term_of(term, date, first, step)
        except (TypeError, ValueError):
            known = 0
        if known is None:
            problems.append(
                problem_row(
                    "ratings",
                    pos + 1,
                    cid,
                    "term",
                    date,
                    "missing",
                    "缺少届次,评定日期也无法推算届次",
                    "term missing and no rated_at date to derive it from",
                )
            )
    return problems_frame(problems)


def _first_term(valid_from: object, first: int, step: int) -> int:
    """The first term a community established on ``valid_from`` takes part in (1 if unknown):
    terms that ended before that date do not count."""
    if is_missing(valid_from):
        return 1
    when = pd.to_datetime(str(valid_from).strip(), errors="coerce", format="mixed")
    if pd.isna(when):
        return 1
    return max((int(when.year) - first) // step + 1, 1)


def _community_row(
    cid: str, stars: dict[int, int], held: range, start: int, need: int, run_length: int
) -> dict:
    """The Art. 33 row of one community: every held term from ``start`` on, a term without a
    record counting as not rated (failed)."""
    terms = [k for k in held if k >= start]
    failed = [k for k in terms if stars.get(k, -1) < need]
    streak = 0
    for k in reversed(terms):
        if k not in failed:
            break
        streak += 1
    recorded = sorted(stars)
    return {
        "community_id": cid,
        "n_terms": len(recorded),
        "last_term": recorded[-1] if recorded else pd.NA,
        "last_stars": stars[recorded[-1]] if recorded else pd.NA,
        "failed_terms": ",".join(str(k) for k in failed),
        "unrated_terms": ",".join(str(k) for k in terms if k not in stars),
        "n_consecutive_failed": streak,
        "two_failed": streak >= run_length,
    }


def failed_terms(
    ratings: pd.DataFrame,
    standard: StandardSet | str | None = None,
    communities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per community: its terms, the failed ones and the Art. 33 flag.

    Every term from the first to the last of ``ratings`` was held (the city names a batch
    every two years); a community without a record for a held term was not named in it and
    failed it. With ``communities`` every community of that layer is assessed, also one never
    named at all; a term that ended before its ``valid_from`` (Art. 7) does not count.

    Parameters
    ----------
    ratings : DataFrame
        ``community_id, stars`` and ``term`` and/or ``rated_at`` (see module docstring).
    standard : StandardSet or str, optional
        Default ``harbin-2011`` (rule ``check = "failed_terms"``).
    communities : DataFrame, optional
        The communities layer (``community_id``, optional ``valid_from``).

    Returns
    -------
    DataFrame
        :data:`FAILED_TERMS_COLUMNS`; ``failed_terms`` lists the failed terms (``"2,3"``),
        ``unrated_terms`` those without a record, ``n_consecutive_failed`` the failed terms in
        a row up to the last held term.

    Raises
    ------
    ComplianceInputError
        Rows without a community id, stars outside 0-5, or no term and no date.
    StandardError
        When the standard set has no ``failed_terms`` rule.
    """
    std = (
        standard if isinstance(standard, StandardSet) else load_standard(standard or "harbin-2011")
    )
    rule = std.first("failed_terms")
    if rule is None:
        raise StandardError(
            f"标准 {std.name} 没有 failed_terms 规则 / standard {std.name} has no failed_terms rule"
        )
    problems = validate_ratings(ratings, std)
    if len(problems):
        raise ComplianceInputError(problems)
    first, step = int(rule.param("first_round_year")), int(rule.param("round_years"))
    need, run_length = int(rule.param("min_stars")), int(rule.param("consecutive_terms"))
    terms = ratings["term"].tolist() if "term" in ratings.columns else [None] * len(ratings)
    dates = ratings["rated_at"].tolist() if "rated_at" in ratings.columns else [None] * len(terms)
    t = pd.DataFrame(
        {
            "community_id": as_code(ratings["community_id"]).to_numpy(),
            "term": [_term_of(a, b, first, step) for a, b in zip(terms, dates, strict=True)],
            "stars": pd.to_numeric(ratings["stars"]).astype(int).to_numpy(),
        }
    )
    # one rating per community and term: the latest row of a term wins
    t = t.drop_duplicates(["community_id", "term"], keep="last")
    held = range(int(t["term"].min()), int(t["term"].max()) + 1) if len(t) else range(0)
    stars = {
        cid: dict(zip(g["term"].astype(int), g["stars"].astype(int), strict=True))
        for cid, g in t.groupby("community_id", sort=True)
    }
    starts: dict[str, int] = {}
    if communities is not None and "community_id" in communities.columns:
        since = (
            communities["valid_from"].tolist()
            if "valid_from" in communities.columns
            else [None] * len(communities)
        )
        for cid, v in zip(as_code(communities["community_id"]), since, strict=True):
            if cid is not None:
                starts[cid] = _first_term(v, first, step)
    ids = list(dict.fromkeys([*starts, *sorted(stars)]))
    rows = [
        _community_row(cid, stars.get(cid, {}), held, starts.get(cid, 1), need, run_length)
        for cid in ids
    ]
    out = pd.DataFrame(rows, columns=[c for c in FAILED_TERMS_COLUMNS if c not in _RULE_COLS])
    for col in ("last_term", "last_stars"):
        out[col] = out[col].astype("Int64")
    out["two_failed"] = out["two_failed"].astype(bool)
    out["rule_id"] = rule.id
    out["article"] = rule.article
    return out[FAILED_TERMS_COLUMNS]


_RULE_COLS = ("rule_id", "article")


def two_failed_column(community_ids: pd.Series, table: pd.DataFrame | None) -> pd.array:
    """The ``two_failed_terms`` column of a per-community table (NA without a rating)."""
    if table is None:
        return pd.array([pd.NA] * len(community_ids), dtype="boolean")
    flags = dict(zip(table["community_id"], table["two_failed"], strict=True))
    return pd.array([flags.get(c, pd.NA) for c in community_ids], dtype="boolean")
