"""Art. 33: communities below the star-rated standard in two consecutive terms.

Art. 33: "全市每两年命名一批“星级和谐社区”……对连续两届达不到“星级和谐社区”标准的社区,对其党
组织书记进行调整,对其居委会主任依法罢免". A ``ratings`` table holds one row per community and
term (``community_id, term, stars, rated_at``); a term left empty is derived from ``rated_at``
with the naming round of ``round_years`` years counted from ``first_round_year``. A term is
failed when ``stars`` is below ``min_stars``; a community whose last ``consecutive_terms``
recorded, consecutive terms all failed is flagged.

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


def failed_terms(ratings: pd.DataFrame, standard: StandardSet | str | None = None) -> pd.DataFrame:
    """Per community of ``ratings``: its terms, the failed ones and the Art. 33 flag.

    Parameters
    ----------
    ratings : DataFrame
        ``community_id, stars`` and ``term`` and/or ``rated_at`` (see module docstring).
    standard : StandardSet or str, optional
        Default ``harbin-2011`` (rule ``check = "failed_terms"``).

    Returns
    -------
    DataFrame
        :data:`FAILED_TERMS_COLUMNS`; ``failed_terms`` lists the failed terms (``"2,3"``),
        ``n_consecutive_failed`` the failed terms in a row up to the last recorded term.

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
    t = t.drop_duplicates(["community_id", "term"], keep="last").sort_values(
        ["community_id", "term"], kind="stable"
    )
    rows = []
    for cid, g in t.groupby("community_id", sort=True):
        term_list = g["term"].to_numpy(int)
        failed = g["stars"].to_numpy(int) < need
        streak = 0
        for k in range(len(term_list) - 1, -1, -1):
            if not failed[k] or (k < len(term_list) - 1 and term_list[k + 1] - term_list[k] != 1):
                break
            streak += 1
        rows.append(
            {
                "community_id": cid,
                "n_terms": int(len(term_list)),
                "last_term": int(term_list[-1]),
                "last_stars": int(g["stars"].iloc[-1]),
                "failed_terms": ",".join(str(x) for x in term_list[failed]),
                "n_consecutive_failed": int(streak),
                "two_failed": bool(streak >= run_length),
                "rule_id": rule.id,
                "article": rule.article,
            }
        )
    return pd.DataFrame(rows, columns=FAILED_TERMS_COLUMNS)


def two_failed_column(community_ids: pd.Series, table: pd.DataFrame | None) -> pd.array:
    """The ``two_failed_terms`` column of a per-community table (NA without a rating)."""
    if table is None:
        return pd.array([pd.NA] * len(community_ids), dtype="boolean")
    flags = dict(zip(table["community_id"], table["two_failed"], strict=True))
    return pd.array([flags.get(c, pd.NA) for c in community_ids], dtype="boolean")
