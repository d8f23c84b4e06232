"""Run a Great Expectations suite from expectations/ on a polars frame; summarise without values."""

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from orchestration.lib import collector
from orchestration.lib.settings import EXPECTATIONS_DIR


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    success: bool
    failures: list[str]  # "expectation(column): N unexpected - why", no values
    evaluated: int


def load_suite_spec(name: str, folder: Path = EXPECTATIONS_DIR) -> dict:
    return json.loads((folder / f"{name}.json").read_text())


def run_suite(name: str, frame: pl.DataFrame, folder: Path = EXPECTATIONS_DIR) -> SuiteResult:
    # GX imports PySpark when it is installed (the Spark engine's), which warns about pandas 3
    # on every run; the suites run on pandas, not Spark.
    warnings.filterwarnings("ignore", message="PySpark does not yet", category=FutureWarning)
    import great_expectations as gx  # slow import (~3 s): only when a check runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    spec = load_suite_spec(name, folder)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_def = (
        ctx.data_sources.add_pandas("frames")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all")
    )
    suite = ctx.suites.add(
        gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"])
    )
    # GX 1.x has no polars support; pandas it is.
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame.to_pandas()})
    try:
        result = batch.validate(suite)
    finally:
        _release(ctx, batch)
    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        target = cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", []))
        count = (r.result or {}).get("unexpected_count")
        why = (cfg.meta or {}).get("why", "")
        error = (r.exception_info or {}).get("exception_message") if not count else None
        detail = f"{count} unexpected" if count is not None else f"error: {error}"
        failures.append(f"{cfg.type}({target}): {detail} - {why}")
    return SuiteResult(
        suite=name, success=bool(result.success), failures=failures, evaluated=len(result.results)
    )


def _release(ctx, batch) -> None:
    """Let go of the suite's pandas copy of the frame. GX keeps the context it made as its
    process-wide project and the batch in its execution engine's cache: at 1M rows the decision
    table's copy (~0.6 GiB with its Arrow buffers) stayed alive through the exports."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    batch.data.execution_engine.batch_manager.reset_batch_cache()
    ctx.data_sources.delete("frames")
    project_manager.set_project(None)  # (get_project would build one)
    # GX's objects hold one another in cycles: in a large run they are collected now, not
    # whenever the collector next walks the oldest generation (which it makes rare)
    collector.release()
