"""Condition type `no_conviction_within_years`: no matching conviction, this one included, in the
`years` before the as-of date (a time condition).

Its SQL evaluator is no_conviction_within_years.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import (
    FILTER_COLUMNS,
    ConvictionFilter,
    IntOrParam,
    N,
    Strict,
    filter_text,
)


class NoConvictionWithinYears(Strict):
    """No conviction matching `where` (this one included) in the `years` before the as-of date.

    A time condition: eligible_on = the latest such conviction + years.
    """

    type: Literal["no_conviction_within_years"]
    years: IntOrParam
    where: ConvictionFilter = ConvictionFilter()


IS_TIME_CONDITION = True
COLUMNS = {"years": N, **FILTER_COLUMNS}
EXAMPLE = {
    "type": "no_conviction_within_years",
    "years": 10,
    "where": {
        "min_penalty_years": 1.0,
        "exclude_levels": ["infraction"],
        "grades": ["F1", "F2"],
        "code_set": "drug",
        "exclude_code_set": "minor",
    },
}


def describe(row: dict[str, Any]) -> str:
    return f"no conviction{filter_text(row)} in the {row['years']} years before as-of"
