"""Every condition type of the rule schema has its dbt unit tests (issue 15).

dbt_project/models/intermediate/condition_unit_tests/_unit__<type>.yml holds the unit tests of
one condition type on int_rule_conditions_evaluated, named test_cond_<type>__<case>: at least
__met (true), __not_met (false) and __unknown (NULL with its missing fact), plus __edge_...
cases. A type that cannot be unknown is listed below with the reason, and its file says so.
dbt runs them (`dbt test --select test_type:unit`, tests/integration/test_dbt_unit_tests.py);
this test only checks that they are there and well-formed. Each test names its type in
`overrides: {vars: {unit_condition_types: [<type>]}}`: the evaluator then compiles with that
type's SQL only (a fourth of the time of compiling every type, for each of ~100 tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.rules.schema import CONDITION_TYPES

FOLDER = (
    Path(__file__).resolve().parents[2]
    / "dbt_project"
    / "models"
    / "intermediate"
    / "condition_unit_tests"
)
MODEL = "int_rule_conditions_evaluated"
# section_in compiles to statute_in_set (a code set of its own): no SQL of its own.
TYPES = [t for t in CONDITION_TYPES if t != "section_in"]
OUTCOMES = ("met", "not_met", "unknown")

# Types whose value is never NULL, with the reason (their file's tests say "cannot be unknown").
CANNOT_BE_UNKNOWN = {
    "disposition_in": "disposition is never NULL (int_charges_assembled's not_null test); "
    "a charge without a final disposition has the value `unknown` or `pending`",
    "arrest_has_conviction": "is_convicted and disposition are never NULL; a count without a "
    "final disposition is not a conviction",
    "arrest_has_court_action": "case_key NULL means not filed: whether a charge was filed is "
    "always known",
    "arrest_charge_not_filed": "case_key NULL means not filed, and the arrest's filings are "
    "always counted",
    "subject_deceased": "not recorded as deceased is false by design (a record cannot say "
    "someone is alive)",
}


def _tests(condition_type: str) -> list[dict[str, Any]]:
    path = FOLDER / f"_unit__{condition_type}.yml"
    assert path.is_file(), f"no unit tests for condition type {condition_type}: {path}"
    doc = yaml.safe_load(path.read_text())
    assert doc.get("version") == 2, path
    tests = doc.get("unit_tests") or []
    assert tests, f"{path.name} has no unit_tests"
    return tests


def _condition_rows(test: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        row
        for given in test["given"]
        if given["input"] == "ref('stg_rules__conditions')"
        for row in given.get("rows") or []
    ]


def test_the_cannot_be_unknown_list_names_condition_types():
    assert set(CANNOT_BE_UNKNOWN) <= set(TYPES), sorted(set(CANNOT_BE_UNKNOWN) - set(TYPES))


def test_no_file_for_a_type_that_does_not_exist():
    files = {p.stem.removeprefix("_unit__") for p in FOLDER.glob("*.yml")}
    assert files <= set(TYPES), sorted(files - set(TYPES))


@pytest.mark.parametrize("condition_type", TYPES)
def test_condition_type_has_unit_tests(condition_type: str):
    tests = _tests(condition_type)
    prefix = f"test_cond_{condition_type}__"
    names = [t["name"] for t in tests]
    assert all(n.startswith(prefix) for n in names), names
    assert len(set(names)) == len(names), names
    for t in tests:
        assert t["model"] == MODEL, t["name"]
        assert t.get("description"), f"{t['name']}: no description"
        # each test is about its own type, and sets `not` as the rule compiler does
        conditions = _condition_rows(t)
        assert conditions, f"{t['name']}: no stg_rules__conditions rows"
        for row in conditions:
            assert row["condition_type"] == condition_type, (t["name"], row)
            assert row.get("is_negated") in (True, False), (t["name"], row)
        # the evaluator compiles with this type only (condition_types_in_use): a wrong or
        # missing name would leave the type without its SQL, and the test would not test it
        overrides = (t.get("overrides") or {}).get("vars") or {}
        assert overrides.get("unit_condition_types") == [condition_type], (
            f"{t['name']}: overrides: {{vars: {{unit_condition_types: [{condition_type}]}}}}"
        )
        # and asserts the value of every row it expects
        rows = t["expect"]["rows"]
        assert rows and all("value" in r for r in rows), t["name"]

    cases = {n.removeprefix(prefix) for n in names}
    needed = [o for o in OUTCOMES if not (o == "unknown" and condition_type in CANNOT_BE_UNKNOWN)]
    missing = [o for o in needed if o not in cases]
    assert not missing, f"{condition_type}: no test {', '.join(prefix + o for o in missing)}"
    if condition_type in CANNOT_BE_UNKNOWN:
        assert "unknown" not in cases, (
            f"{condition_type} has an __unknown test: drop it from the list"
        )
        assert any("cannot be unknown" in t["description"].lower() for t in tests), (
            f"{condition_type}: no test description says it cannot be unknown "
            f"({CANNOT_BE_UNKNOWN[condition_type]})"
        )


def test_negation_is_tested():
    """`not`: not true = false, not unknown = unknown (one type is enough: the same SQL)."""
    negated = [
        t["name"]
        for c in TYPES
        for t in _tests(c)
        if any(row["is_negated"] for row in _condition_rows(t))
    ]
    assert negated
