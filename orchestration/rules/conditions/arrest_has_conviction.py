"""Condition type `arrest_has_conviction`: some charge of the same arrest ended in a conviction.

Its SQL evaluator is arrest_has_conviction.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Strict


class ArrestHasConviction(Strict):
    """Some charge of the same arrest ended in a conviction."""

    type: Literal["arrest_has_conviction"]


IS_TIME_CONDITION = False
COLUMNS = {}
EXAMPLE = {"type": "arrest_has_conviction"}


def describe(row: dict[str, Any]) -> str:
    return "a charge of the arrest ended in conviction"
