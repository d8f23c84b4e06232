"""The one Dagster entry point: each stage's definitions (its own `definitions.py`) merged, plus
what they share: the `clearance` job, the resources, the executor and the loggers."""

import dagster as dg

from orchestration.audit import definitions as audit
from orchestration.console import progress_logger
from orchestration.exports import definitions as exports
from orchestration.ingest import definitions as ingest
from orchestration.quality import definitions as quality
from orchestration.resources import Warehouse
from orchestration.review import definitions as review
from orchestration.rules import definitions as rules
from orchestration.service import definitions as service
from orchestration.service.assets import DELIVERIES_KEY
from orchestration.transform import definitions as transform
from orchestration.transform.dbt_cli import dbt_resource
from orchestration.transform.project import dbt_project

# Each stage's definitions, in the order data flows through them (tests/unit/test_definitions.py
# holds every asset to exactly one of them). A dict, not module-level names: Dagster loads a
# module that holds one Definitions object, `defs`.
STAGES = {
    "ingest": ingest.defs,
    "rules": rules.defs,
    "transform": transform.defs,
    "quality": quality.defs,
    "exports": exports.defs,
    "audit": audit.defs,
    "review": review.defs,
    "service": service.defs,
}

# The main job: ingest -> rules -> dbt (staging, intermediate, marts) -> gates -> exports.
clearance_job = dg.define_asset_job(
    "clearance",
    # everything but the per-delivery record (landing/deliveries: the service's `delivery` job)
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(DELIVERIES_KEY),
    description="Ingest extracts, decide eligibility in dbt, gate it, write county files.",
)

defs = dg.Definitions.merge(
    *STAGES.values(),
    # what the stages share
    dg.Definitions(
        jobs=[clearance_job],
        resources={
            "warehouse": Warehouse(),
            "dbt": dbt_resource(dbt_project),
        },
        # DuckDB allows one writing process: run steps in one process, one at a time.
        executor=dg.in_process_executor,
        # Dagster's console logger, and `cleanslate run`'s stage lines (configured by the CLI)
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    ),
)
