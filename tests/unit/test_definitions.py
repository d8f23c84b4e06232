"""The one Definitions entry point loads, and its graph is wired end to end."""

from dagster import AssetKey

from orchestration.definitions import defs


def test_definitions_load_and_the_graph_is_connected():
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "raw/doj_extract",
        "raw/doj_rejects",
        "rules/rules",
        "stg_doj__events",
        "int_charge_codes_normalized",
        "fct_decisions",
        "exports/staged_files",
        "exports/published",
        "audit/decision_history",
    } <= keys
    # dbt sources resolve to the Python assets that write them: lineage has no gaps
    assert AssetKey(["raw", "doj_extract"]) in graph.get(AssetKey("stg_doj__events")).parent_keys
    assert (
        AssetKey(["rules", "conditions"])
        in graph.get(AssetKey("stg_rules__conditions")).parent_keys
    )
    # the export reads the decision table, which the blocking GE gate checks
    export = graph.get(AssetKey(["exports", "staged_files"]))
    assert AssetKey("fct_decisions") in export.parent_keys
    assert (
        AssetKey(["exports", "staged_files"])
        in graph.get(AssetKey(["exports", "published"])).parent_keys
    )
    # the prosecutor's imported reviews feed the court documents and the review models
    reviews = AssetKey(["audit", "review_outcomes"])
    assert reviews in export.parent_keys
    assert reviews in graph.get(AssetKey("int_review_latest")).parent_keys
    assert AssetKey("int_review_latest") in graph.get(AssetKey("rpt_review_throughput")).parent_keys
    checks = {c.name for c in graph.asset_check_keys}
    assert {
        "ge_doj_extract",
        "ge_canonical_extract",
        "ge_decision_table",
        "exports_reconciled",
        "staged_plus_rejected_equals_input",
        "canonical_staged_plus_rejected_equals_input",
    } <= checks
    job = defs.resolve_job_def("clearance")
    assert job.executor_def.name == "in_process"
