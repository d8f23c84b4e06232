"""Condition type `statute_in_set`: the charge's statute is in a named code set.

Its SQL evaluator is statute_in_set.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import S, Strict


class StatuteInSet(Strict):
    """The charge's statute is in a named code set."""

    type: Literal["statute_in_set"]
    code_set: str


IS_TIME_CONDITION = False
COLUMNS = {"code_set": S}
EXAMPLE = {"type": "statute_in_set", "code_set": "cannabis"}


def describe(row: dict[str, Any]) -> str:
    return f"statute in {row['code_set']}"
