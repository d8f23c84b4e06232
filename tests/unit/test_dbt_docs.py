"""The marts are documented: every output column, the grain, and the exports as exposures.

Reads dbt_project/target/manifest.json (tests/conftest.py builds it when missing; `make manifest`
refreshes it). The output columns of each marts model come from its SQL (the final select's
names, parsed with sqlglot), so a column added to the SQL without a description fails here.
tests/integration/test_analyst_guide.py checks the same against a real catalog.
"""

import json
import re

import pytest
import sqlglot

from orchestration.transform.project import dbt_project

MARTS = {
    "fct_decisions",
    "fct_decision_criteria",
    "fct_decision_lineage",
    "rpt_charge_codes_unparsed",
    "rpt_review_throughput",
    "rpt_decision_counts",
    "rpt_people",
    "rpt_people_on_record",
    "rpt_upcoming_eligibility",
    "rpt_disparity",
    "rpt_input_files",
    "fct_decisions_pseudonymized",
    "mart_decisions",  # deprecated view of fct_decisions_pseudonymized, removed next release
    "fct_conviction_eligibility",  # deprecated view of fct_decisions, removed next release
}
EXPORT_KINDS = {
    "court_documents",
    "review_workbooks",
    "repository_update_files",
    "gogen_prop64_bundle",
    "run_report",
    "county_prop64_files",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def marts_models(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    }


def output_columns(raw_sql: str) -> list[str]:
    """The final select's column names; Jinja is replaced by plain SQL first."""
    sql = re.sub(r"\{\{\s*ref\(\s*'(\w+)'\s*\)\s*\}\}", r"\1", raw_sql)
    sql = re.sub(r"\{\{\s*config\(.*?\)\s*\}\}", "", sql, flags=re.S)
    # a `{% set name %}...{% endset %}` block (an expression used more than once)
    sql = re.sub(r"\{%-?\s*set \w+\s*-?%\}.*?\{%-?\s*endset\s*-?%\}", "", sql, flags=re.S)
    # evaluate_conditions(...) and deciding_rule_evaluations(...) write CTEs, ending with
    # `evaluated` (the deciding rule's facts)
    sql = re.sub(
        r"\{\{\s*(evaluate_conditions|deciding_rule_evaluations)\(.*?\)\s*\}\}",
        "evaluated as (select 1)",
        sql,
    )
    sql = re.sub(r"\{\{.*?\}\}", "null", sql, flags=re.S)
    names = sqlglot.parse_one(sql, read="duckdb").named_selects
    assert names and "*" not in names, names
    return names


def test_the_marts_are_the_ones_this_test_knows(manifest):
    assert set(marts_models(manifest)) == MARTS


@pytest.mark.parametrize("model", sorted(MARTS))
def test_every_output_column_is_documented(manifest, model):
    node = marts_models(manifest)[model]
    columns = output_columns(node["raw_code"])
    documented = {
        name.lower(): (c.get("description") or "").strip() for name, c in node["columns"].items()
    }
    undocumented = [c for c in columns if not documented.get(c.lower())]
    assert not undocumented, f"{model}: describe {undocumented} in its YAML"
    stale = sorted(set(documented) - {c.lower() for c in columns})
    assert not stale, f"{model}: the YAML documents columns the SQL does not have: {stale}"


@pytest.mark.parametrize("model", sorted(MARTS))
def test_every_marts_model_states_its_grain(manifest, model):
    description = marts_models(manifest)[model]["description"]
    assert re.search(r"\bgrain\b", description, re.I), f"{model}: say 'Grain: one row per ...'"


@pytest.mark.parametrize(
    ("old_name", "new_name", "schema"),
    [
        ("mart_decisions", "fct_decisions_pseudonymized", "analytics"),
        ("fct_conviction_eligibility", "fct_decisions", None),
    ],
)
def test_renamed_mart_keeps_its_old_name_as_a_deprecated_view(manifest, old_name, new_name, schema):
    """Renamed in this release (README): the old name answers for one release, as a view with the
    same columns, schema and grants, and says it goes."""
    marts = marts_models(manifest)
    old, new = marts[old_name], marts[new_name]
    assert (old["config"]["materialized"], new["config"]["materialized"]) == ("view", "table")
    assert old["depends_on"]["nodes"] == [new["unique_id"]]
    assert output_columns(old["raw_code"]) == output_columns(new["raw_code"])
    assert old["schema"] == new["schema"]
    if schema:
        assert old["schema"] == schema
    assert old["config"]["grants"] == new["config"]["grants"]
    assert "DEPRECATED" in old["description"] and "next release" in old["description"]
    assert new_name in old["description"]


def test_every_export_kind_is_an_exposure(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == EXPORT_KINDS
    fct = "model.clean_slate.fct_decisions"
    for name, e in exposures.items():
        assert e["type"] in {"application", "analysis"}, name
        assert e["owner"]["email"] == "data-team@example.org", name
        assert "OUT/" in e["description"], f"{name}: name the folder/file pattern"
        assert fct in e["depends_on"]["nodes"], name
