"""Condition type `probation_revoked`: the charge's probation was revoked.

Its SQL evaluator is probation_revoked.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Strict


class ProbationRevoked(Strict):
    type: Literal["probation_revoked"]


IS_TIME_CONDITION = False
COLUMNS = {}
EXAMPLE = {"type": "probation_revoked"}


def describe(row: dict[str, Any]) -> str:
    return "probation revoked"
