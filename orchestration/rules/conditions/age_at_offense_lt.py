"""Condition type `age_at_offense_lt`: the person was under `years` at the offense.

Its SQL evaluator is age_at_offense_lt.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import IntOrParam, N, Strict


class AgeAtOffenseLt(Strict):
    """Under `years` at the offense (arrest date when there is no offense date)."""

    type: Literal["age_at_offense_lt"]
    years: IntOrParam


IS_TIME_CONDITION = False
COLUMNS = {"years": N}
EXAMPLE = {"type": "age_at_offense_lt", "years": 21}


def describe(row: dict[str, Any]) -> str:
    return f"under {row['years']} at the offense"
