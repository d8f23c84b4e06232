"""The clearance job executed in this process: its run config, the run, what failed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.launch import run_history
from orchestration.launch.processes import child_processes, stop_processes
from orchestration.launch.run_log import quiet_stdout, run_log_path
from orchestration.lib.run_config import clearance_ops

if TYPE_CHECKING:
    from dagster import AssetCheckEvaluation, ExecuteInProcessResult


def clearance_run_config(
    extracts: list[Path],
    as_of: str,
    county: str | None,
    options: Path | None,
    out_dir: Path,
    verbose: bool,
    gates: dict[str, dict] | None = None,
    forecast: bool = False,
    supervision: list[Path] | None = None,
    supervision_complete: bool = False,
) -> dict:
    """The run config of one clearance run: its loggers and every configurable op."""
    # -v: Dagster's log and dbt's per-node log; otherwise one line per stage (console.py)
    loggers: dict = {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}
    if not verbose:
        loggers["progress"] = {}
    ops = clearance_ops(
        # files are CA DOJ research-file extracts; folders are canonical extracts
        doj=[p for p in extracts if p.is_file()],
        canonical=[p for p in extracts if p.is_dir()],
        as_of=as_of,
        out_dir=out_dir,
        options_file=str(options.resolve()) if options else None,
        county=county,
        forecast=forecast,  # --forecast: a future as-of, no court documents
        # --supervision, --supervision-complete: none unless named (never the landing folder's)
        supervision=supervision or [],
        supervision_complete=supervision_complete,
    )
    # the run gates' settings (--max-unread-share, --expect-empty); defaults otherwise
    return {"loggers": loggers, "ops": {**ops, **(gates or {})}}


OUT_OF_MEMORY = "Out of Memory Error"


@dataclass(frozen=True)
class Executed:
    """A finished clearance run: Dagster's result, where its log went, what was stopped."""

    result: ExecuteInProcessResult
    run_log: Path
    stopped: list[tuple[int, str]]  # (pid, command) a failed step left running, stopped

    @property
    def failed_checks(self) -> list[AssetCheckEvaluation]:
        return [e for e in self.result.get_asset_check_evaluations() if not e.passed]

    @property
    def succeeded(self) -> bool:
        return self.result.success and not self.failed_checks

    def ran_out_of_memory(self) -> bool:
        """Whether DuckDB stopped a dbt model at its memory limit (dbt's log says which): the
        error's own advice names DuckDB's setting, not the project's."""
        try:
            with self.run_log.open(encoding="utf-8", errors="replace") as log:
                return any(OUT_OF_MEMORY in line for line in log)
        except OSError:
            return False

    def step_failures(self) -> list[tuple[str, str]]:
        """(step key, the first line of the root cause's message) of every failed step."""
        failures = []
        for event in self.result.all_events:
            if event.event_type_value == "STEP_FAILURE":
                err = event.step_failure_data.error
                while err is not None and err.cause is not None:  # the root cause says why
                    err = err.cause
                msg = err.message.strip().splitlines()[0] if err else "unknown error"
                failures.append((event.step_key, msg))
        return failures


def execute_clearance(run_config: dict, warehouse_file: Path, verbose: bool) -> Executed:
    """Execute the `clearance` job in this process, on the DAGSTER_HOME instance."""
    from dagster import DagsterInstance

    run_history.install()

    from orchestration.definitions import defs
    from orchestration.transform.in_process import stop_running

    job = defs.resolve_job_def("clearance")
    children_before = child_processes()
    run_log = run_log_path(warehouse_file)
    try:
        with DagsterInstance.get() as instance, quiet_stdout(run_log, verbose):
            result = job.execute_in_process(
                run_config=run_config, instance=instance, raise_on_error=False
            )
    finally:
        run_history.release()
    # A step that fails while dbt runs leaves dbt writing to the warehouse: stop it before the
    # warehouse lock is released, so the next run finds the warehouse free and consistent.
    leftover = {p: c for p, c in child_processes().items() if p not in children_before}
    stopped = stop_processes(leftover)
    # ... or, built in this process (transform/in_process.py), its thread
    stopped += [(os.getpid(), f"{command}, in this process") for command in stop_running()]
    return Executed(result, run_log, stopped)
