"""Condition type `count_convictions`: the person's convictions matching `where`, this one included,
number at least `at_least`.

Its SQL evaluator is count_convictions.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import (
    FILTER_COLUMNS,
    B,
    ConvictionFilter,
    IntOrParam,
    N,
    Strict,
    filter_text,
)


class CountConvictions(Strict):
    """The person's convictions matching `where` (this one included) number at least `at_least`.

    distinct_by_episode counts convictions of one criminal episode once. Unknown when the
    convictions that may match (a level, grade or penalty not recorded, or a statute not read
    where `where` names a code set or an exclude set) decide whether the count is reached.
    """

    type: Literal["count_convictions"]
    where: ConvictionFilter = ConvictionFilter()
    at_least: IntOrParam
    distinct_by_episode: bool = False


IS_TIME_CONDITION = False
COLUMNS = {"at_least": N, "distinct_by_episode": B, **FILTER_COLUMNS}
EXAMPLE = {
    "type": "count_convictions",
    "where": {"levels": ["felony"], "exclude_traffic": True},
    "at_least": 2,
    "distinct_by_episode": True,
}


def describe(row: dict[str, Any]) -> str:
    by = " separate episodes" if row.get("distinct_by_episode") else " convictions"
    return f"at least {row['at_least']}{by}{filter_text(row)}"
