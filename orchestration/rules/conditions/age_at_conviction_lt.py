"""Condition type `age_at_conviction_lt`: the person was under `years` on the conviction date.

Its SQL evaluator is age_at_conviction_lt.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import IntOrParam, N, Strict


class AgeAtConvictionLt(Strict):
    """Under `years` on the conviction (disposition) date."""

    type: Literal["age_at_conviction_lt"]
    years: IntOrParam


IS_TIME_CONDITION = False
COLUMNS = {"years": N}
EXAMPLE = {"type": "age_at_conviction_lt", "years": 21}


def describe(row: dict[str, Any]) -> str:
    return f"under {row['years']} on the conviction date"
