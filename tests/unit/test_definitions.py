"""The one Definitions entry point loads, merges the stages, and its graph is wired end to end."""

from dagster import AssetCheckKey, AssetKey, AssetsDefinition, Definitions

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


def _asset_keys(stage_defs) -> set[AssetKey]:
    keys: set[AssetKey] = set()
    for a in stage_defs.assets or []:
        keys |= set(a.keys) if isinstance(a, AssetsDefinition) else {a.key}
    return keys


def _check_keys(stage_defs) -> set[AssetCheckKey]:
    keys: set[AssetCheckKey] = set()
    for a in [*(stage_defs.assets or []), *(stage_defs.asset_checks or [])]:
        if isinstance(a, AssetsDefinition):  # an asset's own checks (dbt tests) or a check's
            keys |= set(a.check_keys)
    return keys


def _names(items) -> set[str]:
    return {i.name for i in items or []}


def test_the_entry_point_is_the_stages_merged_plus_what_they_share():
    """Each stage's `defs` (orchestration/<stage>/definitions.py) holds its own assets, checks,
    jobs, sensors and schedules; every asset and check is defined in exactly one stage, and the
    merged code location has all of them, the `clearance` job and the shared resources,
    executor and loggers, and nothing else."""
    import orchestration.definitions as entry_point
    from orchestration.definitions import STAGES

    # Dagster loads the module's one Definitions object: the stages' are not module-level names
    assert [n for n, v in vars(entry_point).items() if isinstance(v, Definitions)] == ["defs"]

    assert set(STAGES) == {
        "ingest", "rules", "transform", "quality", "exports", "audit", "review", "service"
    }  # fmt: skip
    owner: dict[AssetKey, str] = {}
    check_owner: dict[AssetCheckKey, str] = {}
    for stage, stage_defs in STAGES.items():
        for key in _asset_keys(stage_defs):
            assert key not in owner, f"{key} is defined by {owner[key]} and {stage}"
            owner[key] = stage
        for key in _check_keys(stage_defs):
            assert key not in check_owner, f"{key} is defined by {check_owner[key]} and {stage}"
            check_owner[key] = stage
        # what the stages share is the entry point's alone
        assert not stage_defs.resources and not stage_defs.loggers and not stage_defs.executor

    repo = defs.get_repository_def()
    assert set(repo.asset_graph.get_all_asset_keys()) == set(owner)
    assert set(repo.asset_graph.asset_check_keys) == set(check_owner)
    stage_jobs = set().union(*(_names(d.jobs) for d in STAGES.values()))
    assert stage_jobs == {"delivery", "statewide"}
    assert {j.name for j in repo.get_all_jobs()} - {"__ASSET_JOB"} == stage_jobs | {"clearance"}
    assert _names(repo.sensor_defs) == {"landing_sensor", "run_failure_alerts"}
    assert _names(repo.sensor_defs) == set().union(*(_names(d.sensors) for d in STAGES.values()))
    assert _names(repo.schedule_defs) == {"statewide_monthly"}
    assert _names(repo.schedule_defs) == set().union(
        *(_names(d.schedules) for d in STAGES.values())
    )
    assert set(repo.get_top_level_resources()) == {"warehouse", "dbt"}
    assert set(defs.loggers) == {"console", "progress"}
    assert defs.executor.name == "in_process"

    # a few landmarks: each asset lives in its stage's package
    assert owner[AssetKey(["raw", "doj_extract"])] == "ingest"
    assert owner[AssetKey(["rules", "rules"])] == "rules"
    assert owner[AssetKey("fct_decisions")] == "transform"
    assert owner[AssetKey(["exports", "published"])] == "exports"
    assert owner[AssetKey(["audit", "decision_history"])] == "audit"
    assert owner[AssetKey(["audit", "review_outcomes"])] == "review"
    assert owner[AssetKey(["landing", "deliveries"])] == "service"
    assert {k.name for k, s in check_owner.items() if s == "quality"} >= {
        "ge_doj_extract", "ge_decision_table", "county_would_vanish"
    }  # fmt: skip
