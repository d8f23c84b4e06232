"""Condition type `level_in`: felony / misdemeanor / infraction / summary is one of these.

Its SQL evaluator is level_in.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Level, S, Strict


class LevelIn(Strict):
    """Felony / misdemeanor / infraction / summary (CA DOJ: CONV_STAT_DESCR, else OFFENSE_TOC)."""

    type: Literal["level_in"]
    levels: list[Level]


IS_TIME_CONDITION = False
COLUMNS = {"levels": S}
EXAMPLE = {"type": "level_in", "levels": ["misdemeanor", "infraction"]}


def describe(row: dict[str, Any]) -> str:
    return f"level in {row['levels']}"
