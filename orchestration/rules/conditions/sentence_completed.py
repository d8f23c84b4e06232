"""Condition type `sentence_completed`: every sentence part of the charge has ended (a time
condition).

Its SQL evaluator is sentence_completed.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Strict


class SentenceCompleted(Strict):
    """Every sentence part of the charge has ended (a time condition: eligible_on = its end)."""

    type: Literal["sentence_completed"]


IS_TIME_CONDITION = True
COLUMNS = {}
EXAMPLE = {"type": "sentence_completed"}


def describe(row: dict[str, Any]) -> str:
    return "sentence completed"
