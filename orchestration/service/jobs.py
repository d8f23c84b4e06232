"""The service's jobs: `delivery` (one partition per delivery) and `statewide` (monthly).

Both run every step in one process (DuckDB allows one writer) and hold `<warehouse>.lock` for
the whole run, the lock `cleanslate run` takes: a service run and a command-line run on the
same warehouse take turns instead of failing on DuckDB's file lock. The production instance
(deploy/dagster.yaml) also runs one run at a time and retries a failed run from its failed
step (`dagster/max_retries`, CLEANSLATE_MAX_RETRIES, default 2).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import AssetSelection, Executor, define_asset_job, executor, in_process_executor

from orchestration.lib.locking import hold_lock, lock_file
from orchestration.lib.settings import settings, warehouse_path
from orchestration.service.assets import DELIVERIES_KEY
from orchestration.service.deliveries import DELIVERIES


@contextmanager
def hold_warehouse_lock(log, run_id: str) -> Iterator[None]:
    """flock `<warehouse>.lock` (as `cleanslate run` does); wait, and say so, while held."""
    path = lock_file(warehouse_path().resolve())
    with hold_lock(
        path,
        f"pid {os.getpid()} (Dagster run {run_id})",
        lambda holder: log.info(
            f"waiting for the warehouse lock {path.name}, held by {holder or 'a run'}"
        ),
        lambda: log.info("warehouse lock taken; starting"),
    ):
        yield


class _WarehouseLockedExecutor(Executor):
    def __init__(self, inner: Executor):
        self._inner = inner

    @property
    def retries(self):
        return self._inner.retries

    @property
    def step_dependency_config(self):
        return self._inner.step_dependency_config

    def execute(self, plan_context, execution_plan):
        with hold_warehouse_lock(plan_context.log, plan_context.run_id):
            yield from self._inner.execute(plan_context, execution_plan)


@executor(
    name="in_process_warehouse_lock",
    config_schema=in_process_executor.config_schema.config_type,
)
def warehouse_locked_executor(init_context):
    """The in-process executor, holding `<warehouse>.lock` for the whole run."""
    return _WarehouseLockedExecutor(in_process_executor.executor_creation_fn(init_context))


def run_tags() -> dict[str, str]:
    return {"dagster/max_retries": str(settings().max_retries)}


delivery_job = define_asset_job(
    "delivery",
    selection=AssetSelection.all(),
    partitions_def=DELIVERIES,
    executor_def=warehouse_locked_executor,
    tags=run_tags(),
    description="One delivery (a partition): ingest it with the latest delivery of every other "
    "source, decide, gate, publish, then record the delivery as processed. Started by the "
    "landing sensor.",
)

statewide_job = define_asset_job(
    "statewide",
    selection=AssetSelection.all() - AssetSelection.assets(DELIVERIES_KEY),
    executor_def=warehouse_locked_executor,
    tags=run_tags(),
    description="Every county, on the latest processed delivery of every source, as of the "
    "scheduled date. Started by the monthly schedule.",
)
