"""The one Dagster entry point: each stage's definitions (its own `definitions.py`) merged, plus
what they share: the `clearance` job, the resources, the executor and the loggers."""

import dagster as dg

from orchestration.audit.definitions import defs as audit_defs
from orchestration.console import progress_logger
from orchestration.exports.definitions import defs as exports_defs
from orchestration.ingest.definitions import defs as ingest_defs
from orchestration.quality.definitions import defs as quality_defs
from orchestration.resources import Warehouse
from orchestration.review.definitions import defs as review_defs
from orchestration.rules.definitions import defs as rules_defs
from orchestration.service.assets import DELIVERIES_KEY
from orchestration.service.definitions import defs as service_defs
from orchestration.transform.dbt_cli import dbt_resource
from orchestration.transform.definitions import defs as transform_defs
from orchestration.transform.project import dbt_project

# Each stage's definitions, in the order data flows through them (tests/unit/test_definitions.py
# holds every asset to exactly one of them).
STAGES = {
    "ingest": ingest_defs,
    "rules": rules_defs,
    "transform": transform_defs,
    "quality": quality_defs,
    "exports": exports_defs,
    "audit": audit_defs,
    "review": review_defs,
    "service": service_defs,
}

# The main job: ingest -> rules -> dbt (staging, intermediate, marts) -> gates -> exports.
clearance_job = dg.define_asset_job(
    "clearance",
    # everything but the per-delivery record (landing/deliveries: the service's `delivery` job)
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(DELIVERIES_KEY),
    description="Ingest extracts, decide eligibility in dbt, gate it, write county files.",
)

shared = dg.Definitions(
    jobs=[clearance_job],
    resources={
        "warehouse": Warehouse(),
        "dbt": dbt_resource(dbt_project),
    },
    # DuckDB allows one writing process: run steps in one process, one at a time.
    executor=dg.in_process_executor,
    # Dagster's console logger, and `cleanslate run`'s stage lines (configured by the CLI only)
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)

defs = dg.Definitions.merge(*STAGES.values(), shared)
