"""Condition type `has_registration`: the person has a pc_290 / sex_offender / narcotics
registration.

Its SQL evaluator is has_registration.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import B, BoolOrParam, S, Strict, earlier


class HasRegistration(Strict):
    """The person has a registration: pc_290 (CA DOJ registration events) or sex_offender."""

    type: Literal["has_registration"]
    registration: Literal["pc_290", "sex_offender", "narcotics"]
    must_precede: BoolOrParam = True
    active_only: bool = False


IS_TIME_CONDITION = False
COLUMNS = {"registration": S, "must_precede": B, "active_only": B}
EXAMPLE = {
    "type": "has_registration",
    "registration": "pc_290",
    "must_precede": False,
    "active_only": True,
}


def describe(row: dict[str, Any]) -> str:
    active = "active " if row.get("active_only") else ""
    return f"{earlier(row)}{active}{row['registration']} registration"
