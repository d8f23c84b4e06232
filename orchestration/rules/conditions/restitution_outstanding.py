"""Condition type `restitution_outstanding`: the charge's case shows unpaid restitution.

Its SQL evaluator is restitution_outstanding.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Strict


class RestitutionOutstanding(Strict):
    """The charge's case shows unpaid restitution (unknown when the balance is not recorded)."""

    type: Literal["restitution_outstanding"]


IS_TIME_CONDITION = False
COLUMNS = {}
EXAMPLE = {"type": "restitution_outstanding"}


def describe(row: dict[str, Any]) -> str:
    return "restitution outstanding"
