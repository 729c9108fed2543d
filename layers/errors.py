"""The errors a planner can fix, as one family.

Every error the software raises because of the planner's input (a file, a value, a missing
layer, a choice that does not fit the data) derives from :class:`PlannerError`; those that come
with a row-by-row table of problems derive from :class:`InputProblemsError`. The command line
and the app catch the planner errors only and show their message; any other exception is a bug
and is shown as one, with its traceback.

The concrete errors live next to the code that raises them (``layers.io_base.LayerFileError``,
``analysis.compliance.ComplianceInputError``, ...). They keep :class:`ValueError` as a second base
where they always had it, so callers that caught ``ValueError`` keep working.
"""

from __future__ import annotations

import pandas as pd


class PlannerError(Exception):
    """An error caused by the input, with a message the planner can act on (中文 / English)."""


class InputProblemsError(PlannerError, ValueError):
    """Input rows the analysis cannot use, listed row by row in :attr:`problems`.

    Parameters
    ----------
    problems : pandas.DataFrame
        One row per problem. Subclasses fix the columns (at least ``message_zh`` and
        ``message_en``); ``row`` is the 1-based row number in the layer where there is one.
    message : str
        The summary shown to the planner.
    """

    def __init__(self, problems: pd.DataFrame, message: str) -> None:
        self.problems = problems
        super().__init__(message)


class InputValueError(PlannerError, ValueError):
    """A value given by the planner (a parameter, an option, a cell) that cannot be used."""


class UnknownNameError(PlannerError, KeyError):
    """A name the planner gave (a district, a layer, a field, a metric) that does not exist."""

    def __str__(self) -> str:
        # KeyError quotes its message; a planner reads it plain
        return str(self.args[0]) if self.args else ""
