"""Condition type `arrest_charge_not_filed`: this charge has no court case while another charge of
its arrest was filed.

Its SQL evaluator is arrest_charge_not_filed.sql, beside this file."""

from typing import Any, Literal

from orchestration.rules.conditions._common import Strict


class ArrestChargeNotFiled(Strict):
    """This charge has no court case while another charge of its arrest was filed: the arrest
    went to court on other counts (in a DOJ extract, the arrest-step record of a cycle that has
    a court step)."""

    type: Literal["arrest_charge_not_filed"]


IS_TIME_CONDITION = False
COLUMNS = {}
EXAMPLE = {"type": "arrest_charge_not_filed"}


def describe(row: dict[str, Any]) -> str:
    return "not filed itself, while its arrest went to court on other charges"
