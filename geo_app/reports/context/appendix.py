"""The appendix: the rules of the standard set and the articles the report cites."""

from __future__ import annotations

from analysis.standards import StandardSet
from geo_app.reports import departments as dep
from geo_app.reports.context._format import lbl, table
from geo_app.reports.context.model import ReportTable

APPENDIX_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("rule", False),
    ("article", False),
    ("text", False),
)


def appendix_table(standard: StandardSet, lang: str) -> ReportTable:
    """Every rule of ``standard`` and the cited articles that are not rules (Art. 10, 13, 31)."""
    rows = [
        [
            f"{rule.title(lang)} ({rule.id})",
            rule.article_zh if lang == "zh" else rule.article,
            rule.text(lang),
        ]
        for rule in standard.rules.values()
    ]
    for key, (art_zh, art_en, text_zh, text_en) in dep.ARTICLES.items():
        rows.append(
            [
                lbl(f"article.{key}", lang),
                art_zh if lang == "zh" else art_en,
                text_zh if lang == "zh" else text_en,
            ]
        )
    return table(
        "appendix",
        lang,
        APPENDIX_COLUMNS,
        rows,
        note=lbl("note.appendix", lang, standard=standard.title(lang)),
    )
