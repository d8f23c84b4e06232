"""Condition type `subject_deceased`: the person is recorded as deceased.

Its SQL evaluator is subject_deceased.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Strict


class SubjectDeceased(Strict):
    type: Literal["subject_deceased"]


IS_TIME_CONDITION = False
COLUMNS = {}
EXAMPLE = {"type": "subject_deceased"}


def describe(row: dict[str, Any]) -> str:
    return "person is deceased"
