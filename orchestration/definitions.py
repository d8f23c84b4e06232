"""The one Dagster entry point: every asset, check, job and resource of the code location."""

from dagster import (
    AssetSelection,
    Definitions,
    colored_console_logger,
    define_asset_job,
    in_process_executor,
)

from orchestration.audit.assets import decision_history
from orchestration.catalog import SIDE_TABLES, with_owners
from orchestration.console import progress_logger
from orchestration.exports.assets import exports_reconciled, published, staged_files
from orchestration.ingest.assets import doj_extracts, staged_plus_rejected_equals_input
from orchestration.ingest.canonical_assets import (
    canonical_extracts,
    canonical_staged_plus_rejected_equals_input,
)
from orchestration.ingest.supervision_assets import (
    doj_supervision,
    supervision_staged_plus_rejected_equals_input,
)
from orchestration.quality.checks import ge_canonical_extract, ge_decision_table, ge_doj_extract
from orchestration.quality.gates import GATES
from orchestration.resources import Warehouse
from orchestration.review.assets import review_outcomes
from orchestration.rules.assets import rulebook
from orchestration.service import (
    SERVICE_ASSETS,
    SERVICE_JOBS,
    SERVICE_SCHEDULES,
    SERVICE_SENSORS,
)
from orchestration.service.assets import DELIVERIES_KEY
from orchestration.transform.assets import warehouse_models
from orchestration.transform.dbt_cli import dbt_resource
from orchestration.transform.project import dbt_project

# The main job: ingest -> rules -> dbt (staging, intermediate, marts) -> gates -> exports.
clearance_job = define_asset_job(
    "clearance",
    # everything but the per-delivery record (landing/deliveries: the service's `delivery` job)
    selection=AssetSelection.all() - AssetSelection.assets(DELIVERIES_KEY),
    description="Ingest extracts, decide eligibility in dbt, gate it, write county files.",
)

defs = Definitions(
    # every asset with owners (its group's, where it names none); dbt's side tables declared
    assets=with_owners(
        [
            doj_extracts,
            canonical_extracts,
            doj_supervision,
            rulebook,
            warehouse_models,
            staged_files,
            published,
            decision_history,
            review_outcomes,
            *SERVICE_ASSETS,
            *SIDE_TABLES,
        ]
    ),
    asset_checks=[
        staged_plus_rejected_equals_input,
        canonical_staged_plus_rejected_equals_input,
        supervision_staged_plus_rejected_equals_input,
        ge_doj_extract,
        ge_canonical_extract,
        ge_decision_table,
        exports_reconciled,
        *GATES,
    ],
    jobs=[clearance_job, *SERVICE_JOBS],
    # the service (docs/deployment.md): landing sensor, monthly statewide run, failure alerts
    sensors=SERVICE_SENSORS,
    schedules=SERVICE_SCHEDULES,
    resources={
        "warehouse": Warehouse(),
        "dbt": dbt_resource(dbt_project),
    },
    # DuckDB allows one writing process: run steps in one process, one at a time.
    executor=in_process_executor,
    # Dagster's console logger, and `cleanslate run`'s stage lines (configured by the CLI only)
    loggers={"console": colored_console_logger, "progress": progress_logger},
)
