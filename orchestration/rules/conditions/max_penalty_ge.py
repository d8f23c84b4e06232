"""Condition type `max_penalty_ge`: the statutory maximum of the offense is at least `years`.

Its SQL evaluator is max_penalty_ge.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import F, Strict


class MaxPenaltyGe(Strict):
    """The statutory maximum of the offense is at least `years` (unknown when not recorded)."""

    type: Literal["max_penalty_ge"]
    years: float


IS_TIME_CONDITION = False
# `years` is a float: compile writes it to penalty_years (the integer `years` of other types
# stays in years).
COLUMNS = {"penalty_years": F}
EXAMPLE = {"type": "max_penalty_ge", "years": 2.5}


def describe(row: dict[str, Any]) -> str:
    return f"punishable by {row['penalty_years']:g} years or more"
