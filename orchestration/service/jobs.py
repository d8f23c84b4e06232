"""The service's jobs: `delivery` (one partition per delivery) and `statewide` (monthly).

Both run every step in one process (DuckDB allows one writer) and hold `<warehouse>.lock` for
the whole run, the lock `cleanslate run` takes: a service run and a command-line run on the
same warehouse take turns instead of failing on DuckDB's file lock. The production instance
(deploy/dagster.yaml) also runs one run at a time and retries a failed run from its failed
step (`dagster/max_retries`, CLEANSLATE_MAX_RETRIES, default 2).
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from dagster import AssetSelection, Executor, define_asset_job, executor, in_process_executor

from orchestration.cli import lock_file
from orchestration.service.assets import DELIVERIES_KEY
from orchestration.service.deliveries import DELIVERIES
from orchestration.settings import warehouse_path


@contextmanager
def hold_warehouse_lock(log, run_id: str) -> Iterator[None]:
    """flock `<warehouse>.lock` (as `cleanslate run` does); wait, and say so, while held."""
    path = lock_file(warehouse_path().resolve())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            log.info(f"waiting for the warehouse lock {path.name}, held by {holder or 'a run'}")
            fcntl.flock(fd, fcntl.LOCK_EX)
            log.info("warehouse lock taken; starting")
        since = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} (Dagster run {run_id}), since {since}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


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
    return {"dagster/max_retries": os.environ.get("CLEANSLATE_MAX_RETRIES", "2")}


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
