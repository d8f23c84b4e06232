"""The warehouse's keys recomputed in Python, each by the recipe its dbt model uses.

decision_id: fct_decisions.sql, `md5(program || '|' || charge_key)`: the review import checks a
workbook row against it and `reproduce` fills it in for runs recorded before it existed.
row_hash: dbt_project/macros/audit_lineage.sql `staged_row_hash`: `trace` shows auditors the hash
of the source record a decision came from. tests/unit/test_keys.py holds each to its SQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def decision_id(program: str | None, charge_key: str | None) -> str | None:
    """fct_decisions' decision_id (None when either part is missing, as SQL's md5 of NULL)."""
    if program is None or charge_key is None:
        return None
    return hashlib.md5(f"{program}|{charge_key}".encode()).hexdigest()


def row_hash(fields: Sequence[str | None]) -> str:
    """md5 of a staged record: its fields joined with '|', None as ''."""
    return hashlib.md5("|".join("" if f is None else f for f in fields).encode()).hexdigest()
