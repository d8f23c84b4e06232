"""Condition type `has_sentence_type`: the charge was sentenced to one of these (prison, jail,
probation, ...).

Its SQL evaluator is has_sentence_type.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import S, Strict


class HasSentenceType(Strict):
    type: Literal["has_sentence_type"]
    sentence_types: list[
        Literal["prison", "jail", "probation", "fine", "parole", "mandatory_supervision", "prcs"]
    ]


IS_TIME_CONDITION = False
COLUMNS = {"sentence_types": S}
EXAMPLE = {"type": "has_sentence_type", "sentence_types": ["prison", "jail"]}


def describe(row: dict[str, Any]) -> str:
    return f"sentenced to {row['sentence_types']}"
