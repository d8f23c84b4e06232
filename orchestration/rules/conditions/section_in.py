"""Condition type `section_in`: the charge's section is one of a list: compiled into a
statute_in_set.

No SQL of its own (COMPILES_TO below)."""

from typing import Annotated, Any, Literal

from pydantic import Field

from orchestration.rules.conditions._common import ParamRef, Strict


class SectionIn(Strict):
    """The charge's section is one of a list (usually a county policy parameter)."""

    type: Literal["section_in"]
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}:[A-Z0-9]+$")]
    sections: list[str] | ParamRef


IS_TIME_CONDITION = False
# No SQL of its own: orchestration/rules/compile.py turns the list into a generated code set
# ("param:<name>", or "<rule>:<seq>" for a literal list) and writes a statute_in_set condition.
COMPILES_TO = "statute_in_set"
COLUMNS = {}
EXAMPLE = {"type": "section_in", "code": "CA:HS", "sections": ["11357", "11358"]}


def describe(row: dict[str, Any]) -> str:
    sections = row.get("sections") or ""
    return f"section in {sections.replace(',', ', ') or '(none)'}"
