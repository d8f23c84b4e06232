"""Run a Great Expectations suite from expectations/ on a polars frame; summarise without values."""

import json
import warnings
from collections.abc import Iterable
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


# GX validates a pandas copy of what it checks: a suite reads its table this many rows at a
# time (about 0.3 GiB for the extract's columns), so its memory does not grow with the rows.
BATCH_ROWS = 250_000

# Expectations GX judges row by row: their counts add up over batches. The one that compares
# rows, compound uniqueness, is exact when the batches are cut by a hash of (a part of) its key.
ROW_WISE = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_in_set",
}
KEYED = {"expect_compound_columns_to_be_unique"}


def batch_key(spec: dict) -> list[str]:
    """The columns a suite's batches are cut by (its `meta.batch_key`), after checking that
    every expectation gives the same answer in such batches as on the whole table."""
    key = list(spec.get("meta", {}).get("batch_key") or [])
    if not key:
        raise ValueError(f"suite {spec['name']}: meta.batch_key names no column")
    for e in spec["expectations"]:
        if e["type"] in ROW_WISE:
            continue
        if e["type"] in KEYED and set(key) <= set(e["kwargs"]["column_list"]):
            continue  # rows that compare equal share the key, hence the batch
        raise ValueError(
            f"suite {spec['name']}: {e['type']} cannot be judged batch by batch on {key}"
        )
    return key


@dataclass
class _Tally:
    """One expectation's results summed over the batches."""

    config: object = None  # GX's ExpectationConfiguration (type, kwargs, meta)
    element: int = 0
    missing: int = 0
    unexpected: int = 0
    counted: bool = True  # every batch gave its counts
    passed: bool = True  # every batch passed
    error: str | None = None

    def add(self, r) -> None:
        self.config = self.config or r.expectation_config
        self.passed = self.passed and bool(r.success)
        res = r.result or {}
        if res.get("unexpected_count") is None or res.get("element_count") is None:
            self.counted = False
            self.error = self.error or (r.exception_info or {}).get("exception_message")
            return
        self.element += res["element_count"]
        self.missing += res.get("missing_count") or 0
        self.unexpected += res["unexpected_count"]

    def success(self, batches: int) -> bool:
        if batches == 1 or not self.counted:
            return self.passed  # GX's own verdict (nothing to add up: any failure fails)
        considered = self.element - self.missing
        if self.element == 0 or considered == 0:
            return True  # vacuously, as GX judges a batch with nothing to consider
        mostly = self.config.kwargs.get("mostly")
        # GX's rule (expectation.py _mostly_success), on the whole table's counts
        return (considered - self.unexpected) / considered >= (1.0 if mostly is None else mostly)

    def failure(self) -> str:
        """ "expectation(column): N unexpected - why", no values."""
        cfg = self.config
        target = cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", []))
        detail = f"{self.unexpected} unexpected" if self.counted else f"error: {self.error}"
        return f"{cfg.type}({target}): {detail} - {(cfg.meta or {}).get('why', '')}"


def run_suite(
    name: str,
    frames: pl.DataFrame | Iterable[pl.DataFrame],
    folder: Path = EXPECTATIONS_DIR,
) -> SuiteResult:
    """Validate a table given whole (a frame) or in batches (frames one after the other): the
    verdict and the counts are the whole table's, provided the batches were cut by the suite's
    `batch_key` (a second batch is refused for a suite that cannot be judged so)."""
    # GX imports PySpark when it is installed (the Spark engine's), which warns about pandas 3
    # on every run; the suites run on pandas, not Spark.
    warnings.filterwarnings("ignore", message="PySpark does not yet", category=FutureWarning)
    import great_expectations as gx  # slow import (~3 s): only when a check runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    spec = load_suite_spec(name, folder)
    if isinstance(frames, pl.DataFrame):
        frames = [frames]
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
    tallies: dict[str, _Tally] = {}
    batches = 0
    try:
        for frame in frames:
            if batches == 1:
                batch_key(spec)  # a second batch: the suite must allow it
            batches += 1
            # GX 1.x has no polars support; pandas it is.
            batch = batch_def.get_batch(batch_parameters={"dataframe": frame.to_pandas()})
            del frame
            result = batch.validate(suite)
            for r in result.results:
                tallies.setdefault(r.expectation_config.id, _Tally()).add(r)
            del result
            _drop_batch(batch)
    finally:
        _release(ctx)
    if batches == 0:
        raise ValueError(f"suite {name}: no batch to validate")
    failures = [t.failure() for t in tallies.values() if not t.success(batches)]
    return SuiteResult(suite=name, success=not failures, failures=failures, evaluated=len(tallies))


def _drop_batch(batch) -> None:
    """GX keeps the batch it validated in its execution engine's cache: let go of it before the
    next batch is made."""
    batch.data.execution_engine.batch_manager.reset_batch_cache()


def _release(ctx) -> None:
    """Let go of the suite's pandas copies. GX keeps the context it made as its process-wide
    project (and each batch in its execution engine's cache, dropped batch by batch): at 1M rows
    the decision table's copy (~0.6 GiB with its Arrow buffers) stayed alive through the
    exports."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    ctx.data_sources.delete("frames")
    project_manager.set_project(None)  # (get_project would build one)
    # GX's objects hold one another in cycles: in a large run they are collected now, not
    # whenever the collector next walks the oldest generation (which it makes rare)
    collector.release()
