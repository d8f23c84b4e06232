"""Condition type `grade_in`: the offense grade or class is one of these (unknown when ungraded).

Its SQL evaluator is grade_in.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Grade, S, Strict


class GradeIn(Strict):
    """Offense grade or class (Utah A/B/C/IN, Pennsylvania F1..S); unknown when ungraded."""

    type: Literal["grade_in"]
    grades: list[Grade]


IS_TIME_CONDITION = False
COLUMNS = {"grades": S}
EXAMPLE = {"type": "grade_in", "grades": ["B", "C"]}


def describe(row: dict[str, Any]) -> str:
    return f"grade in {row['grades']}"
