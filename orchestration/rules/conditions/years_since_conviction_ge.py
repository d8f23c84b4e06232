"""Condition type `years_since_conviction_ge`: the conviction is at least `years` old on the as-of
date.

Its SQL evaluator is years_since_conviction_ge.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import IntOrParam, N, Strict


class YearsSinceConvictionGe(Strict):
    type: Literal["years_since_conviction_ge"]
    years: IntOrParam


IS_TIME_CONDITION = False
COLUMNS = {"years": N}
EXAMPLE = {"type": "years_since_conviction_ge", "years": 21}


def describe(row: dict[str, Any]) -> str:
    return f"conviction at least {row['years']} years before the as-of date"
