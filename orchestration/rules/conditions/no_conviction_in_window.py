"""Condition type `no_conviction_in_window`: no other matching conviction in the `wait` after the
anchor (a time condition).

Its SQL evaluator is no_conviction_in_window.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import (
    FILTER_COLUMNS,
    WAIT_COLUMNS,
    Anchor,
    ConvictionFilter,
    DurationOrParam,
    S,
    Strict,
    filter_text,
    wait_text,
)


class NoConvictionInWindow(Strict):
    """No other conviction matching `where` in the `wait` after the anchor (time condition)."""

    type: Literal["no_conviction_in_window"]
    since: Anchor
    wait: DurationOrParam
    where: ConvictionFilter = ConvictionFilter()


IS_TIME_CONDITION = True
COLUMNS = {"anchors": S, **WAIT_COLUMNS, **FILTER_COLUMNS}
EXAMPLE = {
    "type": "no_conviction_in_window",
    "since": "supervision_end_date",
    "wait": "P4Y",
    "where": {"levels": ["felony"]},
}


def describe(row: dict[str, Any]) -> str:
    return f"no conviction{filter_text(row)} within {wait_text(row)} after {row['anchors']}"
