"""Condition type `has_sentence_type`: the charge was sentenced to one of these (prison, jail,
probation, ...).

Its SQL evaluator is has_sentence_type.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import S, Strict


class HasSentenceType(Strict):
    """The charge was sentenced to prison, jail or probation (one of `sentence_types`)."""

    type: Literal["has_sentence_type"]
    # Only the sentence parts the SQL reads (has_prison / has_jail / has_probation of the
    # charge). Fine, parole, mandatory supervision and PRCS were accepted here once and then
    # always read as false: a rule naming them is refused until the evaluator reads them.
    sentence_types: list[Literal["prison", "jail", "probation"]]


IS_TIME_CONDITION = False
COLUMNS = {"sentence_types": S}
EXAMPLE = {"type": "has_sentence_type", "sentence_types": ["prison", "jail"]}


def describe(row: dict[str, Any]) -> str:
    return f"sentenced to {row['sentence_types']}"
