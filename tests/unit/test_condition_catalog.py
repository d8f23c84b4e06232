"""The condition catalog keeps its two halves in step: one folder, orchestration/rules/conditions/,
holds per condition type `<type>.py` (parameters, description, time condition, columns) and
`<type>.sql` (the dbt macro condition__<type> that evaluates it). Nothing lists the types by hand;
these tests make sure the Python registry, the SQL files and dbt's parsed manifest agree.

The manifest is dbt_project/target/manifest.json (`make manifest` refreshes it).
"""

import json
import re
from pathlib import Path

import polars as pl
import pytest

from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.rules import conditions, schema
from orchestration.rules.compile import TABLES, _condition_row, compile_condition_types
from orchestration.rules.conditions import FOLDER, TYPES, CatalogError, ConditionType
from orchestration.transform.project import dbt_project

MACRO_RE = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(")
SQL_FILES = sorted(p for p in FOLDER.glob("*.sql") if not p.name.startswith("_"))
EVALUATED = {t.name for t in TYPES.values() if t.compiles_to is None}
# the columns compile.py writes itself, before the types' argument columns
BASE_COLUMNS = [c for c in TABLES["conditions"] if c not in conditions.COLUMNS]


def _macros(path: Path) -> list[str]:
    return MACRO_RE.findall(path.read_text())


def test_every_type_has_both_files():
    py = {p.stem for p in FOLDER.glob("*.py") if not p.stem.startswith("_")}
    sql = {p.stem for p in SQL_FILES}
    assert py == set(TYPES)
    assert sql == EVALUATED, "a <type>.sql without its <type>.py, or the other way round"
    # a type with no SQL of its own says what it is written as, and that type has SQL
    for t in TYPES.values():
        if t.compiles_to is not None:
            assert t.compiles_to in EVALUATED, t.name


def test_each_sql_file_defines_its_own_evaluator():
    for path in SQL_FILES:
        evaluators = [m for m in _macros(path) if m.startswith(conditions.MACRO_PREFIX)]
        assert evaluators == [f"condition__{path.stem}"], path.name
    for path in FOLDER.glob("_*.sql"):  # shared SQL is no condition type
        assert not [m for m in _macros(path) if m.startswith(conditions.MACRO_PREFIX)], path.name


def test_the_registry_the_sql_and_the_dbt_manifest_agree():
    in_files = {
        m.removeprefix("condition__")
        for p in FOLDER.glob("*.sql")
        for m in _macros(p)
        if m.startswith("condition__")
    }
    manifest = json.loads(dbt_project.manifest_path.read_text())
    in_manifest = {
        m["name"].removeprefix("condition__")
        for m in manifest["macros"].values()
        if m["name"].startswith("condition__")
        and (DBT_PROJECT_DIR / m["original_file_path"]).resolve().parent == FOLDER.resolve()
    }
    described = {t.name for t in TYPES.values() if callable(t.describe)}
    assert EVALUATED == in_files
    assert in_files == in_manifest, "dbt_project/target/manifest.json is stale: make manifest"
    assert described == set(TYPES)
    # nothing else in the project defines an evaluator
    elsewhere = [
        m["original_file_path"]
        for m in manifest["macros"].values()
        if m["name"].startswith("condition__")
        and (DBT_PROJECT_DIR / m["original_file_path"]).resolve().parent != FOLDER.resolve()
    ]
    assert not elsewhere


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_type_describes_its_example(name):
    t = TYPES[name]
    condition = t.model.model_validate(t.example)  # the example is a valid condition
    row = _condition_row(condition, {})
    text = t.describe(row)
    assert isinstance(text, str) and text.strip(), name
    assert conditions.describe(name, row) == text
    assert t.description, f"{name}: give the parameter class a docstring"


@pytest.mark.parametrize("name", sorted(EVALUATED))
def test_a_type_declares_the_columns_its_parameters_are_written_to(name):
    t = TYPES[name]
    row = _condition_row(t.model.model_validate(t.example), {})
    written = {k for k, v in row.items() if v is not None}
    undeclared = sorted(written - set(t.columns))
    assert not undeclared, f"{name}.py: add {undeclared} to COLUMNS"


def test_the_conditions_table_has_every_types_columns():
    assert list(TABLES["conditions"]) == BASE_COLUMNS + list(conditions.COLUMNS)
    assert BASE_COLUMNS == [
        "program",
        "rule_id",
        "condition_seq",
        "condition_type",
        "is_negated",
        "is_time_condition",
        "description",
    ]
    for t in TYPES.values():
        for column, dtype in t.columns.items():
            assert TABLES["conditions"][column] == dtype, (t.name, column)


def test_two_types_sharing_a_column_must_agree_on_its_type():
    def fake(name: str, columns: dict) -> ConditionType:
        return ConditionType(name, None, str, False, columns, {}, None, None)  # type: ignore[arg-type]

    types = {"a": fake("a", {"years": pl.Int32}), "b": fake("b", {"years": pl.Float64})}
    with pytest.raises(CatalogError, match="column years: a makes it Int32, b Float64"):
        conditions._merged_columns(types)


def _frame_columns() -> set[str]:
    """The facts of the frame's `cc` rows: the select list of charge_fact_columns
    (dbt_project/macros/evaluate_conditions.sql), which every way of building `cc` uses."""
    text = (DBT_PROJECT_DIR / "macros" / "evaluate_conditions.sql").read_text()
    start = text.index("{% macro charge_fact_columns() %}")
    cc = text[start : text.index("{% endmacro %}", start)]
    picked = set(re.findall(r"\b[kcsp]\.(\w+)", cc))
    named = set(re.findall(r"\bas (\w+),?\s*$", cc, re.M))  # `... as name` or `... as name,`
    return picked | named | set(BASE_COLUMNS) | {"charge_key"}  # the candidate's key


@pytest.mark.parametrize("name", sorted(EVALUATED))
def test_the_sql_reads_only_the_frame_and_its_own_columns(name):
    """cc.<column> in <type>.sql is a fact of the frame or a column <type>.py declares, so a new
    parameter is declared where its SQL is."""
    used = set(re.findall(r"\bcc\.(\w+)", (FOLDER / f"{name}.sql").read_text()))
    unknown = used - _frame_columns() - set(TYPES[name].columns)
    assert not unknown, f"{name}.sql reads cc.{sorted(unknown)}: declare them in {name}.py COLUMNS"


def test_each_evaluator_ends_with_its_cond_cte_and_helper_ctes_are_unique():
    ctes: list[str] = []
    for path in SQL_FILES:
        text = path.read_text()
        names = re.findall(r"^(\w+) as (?:\{\{.*\}\} )?\($", text, re.M)
        if names:
            assert names[-1] == f"cond_{path.stem}", path.name
        else:  # the date comparisons: two CTEs from _shared.sql's date_comparison
            assert f"date_comparison('{path.stem}'" in text, path.name
        ctes += names
    assert len(ctes) == len(set(ctes)), sorted({c for c in ctes if ctes.count(c) > 1})


def test_time_conditions_are_unchanged():
    assert set(schema.TIME_CONDITIONS) == {
        "waiting_period",
        "sentence_completed",
        "no_conviction_in_window",
        "no_conviction_within_years",
    }
    assert set(conditions.TIME_CONDITIONS) == set(schema.TIME_CONDITIONS)


def test_the_schema_builds_its_condition_union_from_the_catalog():
    assert schema.CONDITION_TYPES == tuple(TYPES)
    assert "section_in" in schema.CONDITION_TYPES
    # the classes keep their names in the schema module
    assert schema.WaitingPeriod is TYPES["waiting_period"].model
    assert schema.SectionIn is TYPES["section_in"].model
    with pytest.raises(AttributeError):
        _ = schema.NoSuchCondition
    rule = schema.Rule.model_validate(
        {
            "id": "r",
            "when": [TYPES["waiting_period"].example, {"not": TYPES["flag_is"].example}],
            "outcome": "not_eligible",
            "reason": "x",
            "cite": ["c"],
        }
    )
    assert isinstance(rule.when[0], schema.WaitingPeriod)
    assert isinstance(rule.when[1].not_, TYPES["flag_is"].model)


def test_the_condition_types_table_is_the_catalog():
    rows = {r["condition_type"]: r for r in compile_condition_types()}
    assert list(rows) == list(TYPES)
    assert rows["section_in"]["compiles_to"] == "statute_in_set"
    assert rows["section_in"]["evaluator"] == "condition__statute_in_set"
    assert rows["waiting_period"]["is_time_condition"]
    assert rows["waiting_period"]["parameter_columns"] == "anchors,wait_years,wait_months,wait_days"
    assert rows["statute_in_set"]["description"] == "The charge's statute is in a named code set."
    for r in rows.values():
        assert r["evaluator"].removeprefix("condition__") in EVALUATED
        assert r["description"]
    frame = pl.DataFrame(list(rows.values()), schema=TABLES["condition_types"], orient="row")
    assert frame.height == len(TYPES)


@pytest.mark.parametrize("part", ["fine", "parole", "mandatory_supervision", "prcs"])
def test_has_sentence_type_refuses_a_part_its_sql_does_not_read(part):
    """has_sentence_type.sql reads prison, jail and probation only: any other part would always
    read as false, so a rule naming one is refused at load."""
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(schema.Condition)
    adapter.validate_python({"type": "has_sentence_type", "sentence_types": ["prison"]})
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "has_sentence_type", "sentence_types": [part]})
