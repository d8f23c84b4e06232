"""Condition type `has_pending_case`: another charge of the person is pending.

Its SQL evaluator is has_pending_case.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import (
    WAIT_COLUMNS,
    B,
    DurationOrParam,
    Level,
    S,
    Strict,
)


class HasPendingCase(Strict):
    """Another charge of the person is pending (no final disposition, or an open case)."""

    type: Literal["has_pending_case"]
    exclude_traffic: bool = False
    levels: list[Level] | None = None
    ignore_older_than: DurationOrParam | None = None


IS_TIME_CONDITION = False
# ignore_older_than is written to wait_years / wait_months / wait_days, as a wait is.
COLUMNS = {"exclude_traffic": B, "levels": S, **WAIT_COLUMNS}
EXAMPLE = {
    "type": "has_pending_case",
    "exclude_traffic": True,
    "levels": ["felony", "misdemeanor"],
    "ignore_older_than": "P3Y",
}


def describe(row: dict[str, Any]) -> str:
    return "another charge pending" + (" (not traffic)" if row.get("exclude_traffic") else "")
