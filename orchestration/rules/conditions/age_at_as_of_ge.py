"""Condition type `age_at_as_of_ge`: the person is at least `years` old on the as-of date.

Its SQL evaluator is age_at_as_of_ge.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import IntOrParam, N, Strict


class AgeAtAsOfGe(Strict):
    type: Literal["age_at_as_of_ge"]
    years: IntOrParam


IS_TIME_CONDITION = False
COLUMNS = {"years": N}
EXAMPLE = {"type": "age_at_as_of_ge", "years": 21}


def describe(row: dict[str, Any]) -> str:
    return f"aged {row['years']} or older on the as-of date"
