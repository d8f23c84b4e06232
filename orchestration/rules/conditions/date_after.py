"""Condition type `date_after`: a date of the charge (disposition, arrest or offense date) is after
a literal date.

Its SQL evaluator is date_after.sql, beside this file."""

from datetime import date
from typing import Any, Literal

from orchestration.rules.conditions._common import DATE_COLUMNS, DateField, Strict, date_text


class DateAfter(Strict):
    """A date of the charge is strictly after a date."""

    type: Literal["date_after"]
    date: date
    field: DateField = "disposition_date"


IS_TIME_CONDITION = False
COLUMNS = DATE_COLUMNS
EXAMPLE = {"type": "date_after", "date": "2016-11-09", "field": "offense_date"}


def describe(row: dict[str, Any]) -> str:
    return date_text(row, "after")
