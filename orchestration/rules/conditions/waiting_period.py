"""Condition type `waiting_period`: at least `wait` has passed since the anchor (a time condition).

Its SQL evaluator is waiting_period.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import (
    WAIT_COLUMNS,
    Anchor,
    DurationOrParam,
    S,
    Strict,
    wait_text,
)


class WaitingPeriod(Strict):
    """At least `wait` has passed since the anchor (the later one, if several) on the as-of date.

    A time condition: when it is the only thing standing in the way, the decision is
    not_yet_eligible with eligible_on = anchor + wait.
    """

    type: Literal["waiting_period"]
    since: Anchor | list[Anchor]
    wait: DurationOrParam


IS_TIME_CONDITION = True
COLUMNS = {"anchors": S, **WAIT_COLUMNS}
EXAMPLE = {
    "type": "waiting_period",
    "since": ["disposition_date", "sentence_end_date"],
    "wait": "P1Y6M",
}


def describe(row: dict[str, Any]) -> str:
    return f"{wait_text(row)} since {row['anchors'].replace(',', ' / ')}"
