"""Condition type `has_active_supervision`: the person is under supervision on the as-of date.

Its SQL evaluator is has_active_supervision.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import S, Strict


class HasActiveSupervision(Strict):
    """The person is under supervision on the as-of date (unknown when the source has no
    supervision data, or when a period may or may not run on that date: a partial or unknown
    start or end date straddling it, or, with `agencies`, an agency not recorded)."""

    type: Literal["has_active_supervision"]
    agencies: list[str] | None = None


IS_TIME_CONDITION = False
COLUMNS = {"agencies": S}
EXAMPLE = {"type": "has_active_supervision", "agencies": ["CDCR", "probation"]}


def describe(row: dict[str, Any]) -> str:
    return f"under supervision on the as-of date ({row.get('agencies') or 'any agency'})"
