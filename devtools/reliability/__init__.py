"""Reliability: hostile inputs with their expected outcomes (see `corpus`).

`corpus.CASES` is a checked-in generator of hostile CA DOJ research-file extracts (truncated,
mis-encoded, duplicated, ...). Each case writes its file(s) deterministically from fabricated
data and states what the pipeline must do with them: quarantine given lines with given reasons
and stage the rest (`Quarantine`), or fail the run with a message naming the problem
(`Failure`). tests/unit/test_hostile_reader.py and tests/integration/test_hostile_corpus.py
hold the pipeline to it.
"""

from devtools.reliability.corpus import (
    AS_OF,
    CASES,
    RUN_OPTIONS,
    Decision,
    Failure,
    FieldValue,
    HostileCase,
    Quarantine,
)

__all__ = [
    "AS_OF",
    "CASES",
    "RUN_OPTIONS",
    "Decision",
    "Failure",
    "FieldValue",
    "HostileCase",
    "Quarantine",
]
