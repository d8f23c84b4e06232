"""Condition type `date_before`: a date of the charge (disposition, arrest or offense date) is
before a literal date.

Its SQL evaluator is date_before.sql, beside this file."""

from datetime import date
from typing import Any, Literal

from orchestration.rules.conditions._common import DATE_COLUMNS, DateField, Strict, date_text


class DateBefore(Strict):
    type: Literal["date_before"]
    date: date
    field: DateField = "disposition_date"


IS_TIME_CONDITION = False
COLUMNS = DATE_COLUMNS
EXAMPLE = {"type": "date_before", "date": "2016-11-09", "field": "offense_date"}


def describe(row: dict[str, Any]) -> str:
    return date_text(row, "before")
