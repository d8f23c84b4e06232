"""Condition type `has_other_conviction`: the person has at least `min_count` other convictions
matching.

Its SQL evaluator is has_other_conviction.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import (
    FILTER_COLUMNS,
    B,
    BoolOrParam,
    ConvictionFilter,
    N,
    S,
    Strict,
    earlier,
    filter_text,
)


class HasOtherConviction(Strict):
    """Another conviction of the same person matches (optionally earlier, same section); unknown
    when none certainly does but one may: a date, level or grade not recorded, or a statute not
    read (no code abbreviation, an offense text that reads to no statute, no offense text) where
    a code set, an exclude set or the same section is asked."""

    type: Literal["has_other_conviction"]
    code_set: str | None = None
    where: ConvictionFilter | None = None
    must_precede: BoolOrParam = True
    same_section: bool = False
    min_count: int = 1


IS_TIME_CONDITION = False
COLUMNS = {"code_set": S, "must_precede": B, "same_section": B, "min_count": N, **FILTER_COLUMNS}
EXAMPLE = {
    "type": "has_other_conviction",
    "code_set": "serious",
    "where": {"levels": ["felony"]},
    "must_precede": True,
    "same_section": True,
    "min_count": 2,
}


def describe(row: dict[str, Any]) -> str:
    same = " of the same section" if row.get("same_section") else ""
    cs = f" in {row['code_set']}" if row.get("code_set") else ""
    return (
        f"at least {row['min_count']} {earlier(row)}other conviction(s){same}{cs}{filter_text(row)}"
    )
