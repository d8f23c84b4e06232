"""What the condition types share: the strict base model, `{param: name}` references, the
canonical vocabularies, durations and anchors, the look-back filter (`where`), the column types
of rules.conditions, and the pieces of text their describe() functions have in common.

Not a condition type (the registry skips files whose name starts with `_`)."""

from typing import Annotated, Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

# The vocabularies: one list each (orchestration/lib/vocabularies.py), read by the canonical
# format, the rules and the tests of the dbt models and GE suites.
from orchestration.lib.vocabularies import Disposition, Grade  # noqa: F401 (condition types')
from orchestration.lib.vocabularies import OffenseLevel as Level

# The column types of rules.conditions (orchestration/rules/compile.py TABLES["conditions"]).
S, N, B, D, F = pl.String, pl.Int32, pl.Boolean, pl.Date, pl.Float64


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamRef(Strict):
    """`{param: name}`: the value comes from a parameter (default or county options)."""

    param: str


IntOrParam = int | ParamRef
BoolOrParam = bool | ParamRef
# Dates a condition can compare or count from. disposition_date is the judgment/adjudication
# (or dismissal) date; sentence_end_date the end of every sentence part of the charge;
# supervision_end_date the later of that and the person's supervision periods around it.
DateField = Literal["disposition_date", "arrest_date", "offense_date"]
Anchor = Literal[
    "disposition_date",
    "arrest_date",
    "offense_date",
    "sentence_end_date",
    "supervision_end_date",
    "prison_release_date",
]
DURATION_RE = r"^P(\d+Y)?(\d+M)?(\d+D)?$"  # ISO 8601: P6Y, P180D, P1Y6M
Duration = Annotated[str, Field(pattern=DURATION_RE)]
DurationOrParam = Duration | ParamRef


class ConvictionFilter(Strict):
    """Which of the person's convictions a look-back counts (every field optional)."""

    code_set: str | None = None
    exclude_code_set: str | None = None
    levels: list[Level] | None = None
    exclude_levels: list[Level] | None = None
    grades: list[Grade] | None = None
    min_penalty_years: float | None = None  # statutory maximum >= this
    exclude_traffic: bool = False


# Columns a parameter of these kinds becomes (orchestration/rules/compile.py _condition_row):
# a duration (`wait`, `ignore_older_than`) is years / months / days; `where` (a
# ConvictionFilter) its fields prefixed f_.
WAIT_COLUMNS: dict[str, Any] = {"wait_years": N, "wait_months": N, "wait_days": N}
FILTER_COLUMNS: dict[str, Any] = {
    "f_code_set": S,
    "f_exclude_code_set": S,
    "f_levels": S,
    "f_exclude_levels": S,
    "f_grades": S,
    "f_min_penalty_years": F,
    "f_exclude_traffic": B,
}


def wait_text(row: dict[str, Any]) -> str:
    """The wait of a condition row: `6y`, `1y 6m`, `0d`."""
    parts = [
        (row.get("wait_years"), "y"),
        (row.get("wait_months"), "m"),
        (row.get("wait_days"), "d"),
    ]
    return " ".join(f"{n}{u}" for n, u in parts if n) or "0d"


def filter_text(row: dict[str, Any]) -> str:
    """The look-back filter (f_* columns) of a condition row: ` (in set, level felony)`."""
    bits = []
    if row.get("f_code_set"):
        bits.append(f"in {row['f_code_set']}")
    if row.get("f_exclude_code_set"):
        bits.append(f"not in {row['f_exclude_code_set']}")
    if row.get("f_levels"):
        bits.append(f"level {row['f_levels']}")
    if row.get("f_exclude_levels"):
        bits.append(f"level not {row['f_exclude_levels']}")
    if row.get("f_grades"):
        bits.append(f"grade {row['f_grades']}")
    if row.get("f_min_penalty_years") is not None:
        bits.append(f"punishable by {row['f_min_penalty_years']:g}+ years")
    if row.get("f_exclude_traffic"):
        bits.append("not traffic")
    return " (" + ", ".join(bits) + ")" if bits else ""


def earlier(row: dict[str, Any]) -> str:
    """`earlier ` when the condition counts only what came before this charge."""
    return "earlier " if row.get("must_precede") else ""


# The date comparisons (date_after, date_on_or_after, date_before) share their parameters.
DATE_COLUMNS: dict[str, Any] = {"field": S, "date_value": D}


def date_text(row: dict[str, Any], op: str) -> str:
    """`disposition_date before 2016-11-09`."""
    return f"{row.get('field') or 'disposition_date'} {op} {row['date_value']}"
