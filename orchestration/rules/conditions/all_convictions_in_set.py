"""Condition type `all_convictions_in_set`: every conviction on the person's record is in the code
set.

Its SQL evaluator is all_convictions_in_set.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import S, Strict


class AllConvictionsInSet(Strict):
    """Every conviction on the person's record, this one included, is in the code set (unknown
    when none is certainly outside it but one may be: a section with no code, or an offense text
    that reads to no statute; true when the record holds no conviction at all)."""

    type: Literal["all_convictions_in_set"]
    code_set: str


IS_TIME_CONDITION = False
COLUMNS = {"code_set": S}
EXAMPLE = {"type": "all_convictions_in_set", "code_set": "cannabis"}


def describe(row: dict[str, Any]) -> str:
    return f"every conviction in {row['code_set']}"
