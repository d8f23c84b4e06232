"""Condition type `flag_is`: the source flags the charge as domestic violence / traffic.

Its SQL evaluator is flag_is.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import S, Strict


class FlagIs(Strict):
    """A flag the source sets on the charge: domestic violence, traffic."""

    type: Literal["flag_is"]
    flag: Literal["dv", "traffic"]


IS_TIME_CONDITION = False
COLUMNS = {"flag": S}
EXAMPLE = {"type": "flag_is", "flag": "dv"}


def describe(row: dict[str, Any]) -> str:
    return f"flagged {row['flag']}"
