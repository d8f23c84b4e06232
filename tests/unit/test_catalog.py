"""What the Dagster UI shows: groups by stage, owners, code versions, checks, table metadata."""

import json
import time

import duckdb
from dagster import AssetCheckKey, AssetKey

from orchestration.catalog import COLUMN_SCHEMA, ROW_COUNT, table_metadata
from orchestration.definitions import defs
from orchestration.exports.assets import EXPORT_READS
from orchestration.lib.settings import PROJECT_ROOT
from orchestration.resources import Warehouse
from orchestration.transform.assets import describe_test

STAGES = {"ingest", "rules", "staging", "intermediate", "marts", "exports", "audit", "landing"}


def _graph():
    return defs.get_repository_def().asset_graph


def test_every_asset_has_a_stage_group_owners_and_a_description():
    graph = _graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.group_name in STAGES, name
        assert node.owners, name
        assert (node.description or "").strip(), name
    assert graph.get(AssetKey("stg_doj__events")).group_name == "staging"
    assert graph.get(AssetKey(["rules", "programs"])).owners == [
        "team:policy",
        "team:data-engineering",
    ]


def test_python_and_dbt_assets_carry_code_versions():
    graph = _graph()
    for key in (
        ["raw", "doj_extract"],
        ["raw", "canonical_charges"],
        ["rules", "programs"],
        ["fct_decisions"],
        ["exports", "staged_files"],
        ["audit", "decision_history"],
    ):
        assert graph.get(AssetKey(key)).code_version, key


def test_table_assets_declare_column_schemas():
    graph = _graph()
    for key in (["raw", "doj_extract"], ["rules", "conditions"], ["fct_decisions"]):
        value = graph.get(AssetKey(key)).metadata[COLUMN_SCHEMA]
        schema = getattr(value, "schema", value)  # TableSchema, or its metadata value
        assert schema.columns, key


def test_conservation_tests_are_checks_on_the_models_they_guard():
    checks = _graph().asset_check_keys
    assert (
        AssetCheckKey(
            AssetKey("int_charges_assembled"), "assert_every_staged_record_reaches_the_charges"
        )
        in checks
    )
    assert (
        AssetCheckKey(AssetKey("fct_decisions"), "assert_one_decision_per_scoped_charge") in checks
    )


def test_exports_depend_on_every_table_they_read():
    parents = _graph().get(AssetKey(["exports", "staged_files"])).parent_keys
    assert set(EXPORT_READS) <= parents


def test_describe_test():
    generic = {"test_metadata": {"name": "not_null"}, "column_name": "charge_key"}
    assert describe_test(generic) == "dbt not_null test on column `charge_key`."
    per_model = {"test_metadata": {"name": "not_null_columns", "kwargs": {"columns": ["a", "b"]}}}
    assert describe_test(per_model) == "dbt not_null_columns test on columns `a`, `b`."
    singular = {
        "name": "assert_x",
        "raw_code": "-- Conservation: every record\n-- reaches a charge.\n"
        "{{ config(meta={}) }}\nselect 1",
    }
    assert describe_test(singular) == "Conservation: every record reaches a charge."


def test_table_metadata_counts_rows_and_reads_the_schema(tmp_path):
    db = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table t as select range as id, 'x' as label from range(5)")
    con.execute("create view v as select * from t where id > 1")
    con.close()
    meta = table_metadata(
        Warehouse(path=str(db)),
        {"t": ("main", "t"), "v": ("main", "v"), "gone": ("main", "nope")},
        {"t": {"id": "The key."}},
    )
    assert set(meta) == {"t", "v"}  # a relation dbt skipped is left out
    assert meta["t"][ROW_COUNT] == 5
    assert meta["v"][ROW_COUNT] == 3
    columns = meta["t"][COLUMN_SCHEMA].columns
    assert [(c.name, c.type, c.description) for c in columns] == [
        ("id", "bigint", "The key."),
        ("label", "varchar", None),
    ]
    # no budget left for views: the schema still, no count
    meta = table_metadata(Warehouse(path=str(db)), {"v": ("main", "v")}, view_seconds=0)
    assert ROW_COUNT not in meta["v"] and meta["v"][COLUMN_SCHEMA].columns


def test_a_slow_view_is_given_up_within_the_budget(tmp_path):
    """A view whose count runs for long (the lineage view statewide ran for minutes) is
    interrupted when the views' budget is spent: its schema, no count, and the run goes on."""
    db = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "create view slow as select a.range as a from range(200000) a, range(200000) b"
        " where a.range + b.range = -1"
    )
    con.close()
    started = time.monotonic()
    meta = table_metadata(Warehouse(path=str(db)), {"slow": ("main", "slow")}, view_seconds=0.5)
    assert time.monotonic() - started < 10
    assert ROW_COUNT not in meta["slow"] and meta["slow"][COLUMN_SCHEMA].columns


def test_the_views_that_recompute_every_decision_are_never_counted():
    """dbt meta `on_demand`: the condition views and the lineage view are left uncounted
    (transform/assets.py passes them to table_metadata as on_demand)."""
    manifest = json.loads((PROJECT_ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    on_demand = {
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("meta", {}).get("on_demand")
    }
    assert {"fct_decision_lineage", "int_rule_conditions_evaluated", "fct_decision_criteria"} <= (
        on_demand
    )
