"""Condition type `arrest_has_court_action`: some charge of the same arrest was filed in court.

Its SQL evaluator is arrest_has_court_action.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Strict


class ArrestHasCourtAction(Strict):
    """Some charge of the same arrest was filed in court (criminal proceedings initiated)."""

    type: Literal["arrest_has_court_action"]


IS_TIME_CONDITION = False
COLUMNS = {}
EXAMPLE = {"type": "arrest_has_court_action"}


def describe(row: dict[str, Any]) -> str:
    return "a charge of the arrest was filed in court"
