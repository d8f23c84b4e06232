"""Condition type `disposition_in`: the charge's final disposition is one of these.

Its SQL evaluator is disposition_in.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Disposition, S, Strict


class DispositionIn(Strict):
    """The charge's final disposition."""

    type: Literal["disposition_in"]
    dispositions: list[Disposition]


IS_TIME_CONDITION = False
COLUMNS = {"dispositions": S}
EXAMPLE = {"type": "disposition_in", "dispositions": ["convicted"]}


def describe(row: dict[str, Any]) -> str:
    return f"disposition in {row['dispositions']}"
