"""What `cleanslate run` prints: one line per stage, a live counter on long stages.

The run's Dagster events reach the `progress` logger (a Dagster logger the CLI configures for its
own runs; runs from the UI keep Dagster's console logger only). It folds the steps into stages
(ingest, rules, input checks, dbt, decision checks, exports, publish) and prints one line when a
stage ends, with its time and counters. Long stages report progress with `report(context, ...)`:
a debug log message (throttled to one a second) that the logger shows as a counter on a
terminal, in place, and that nothing else prints. Counters carry counts only, never values.

Without `-v` the CLI sends everything else written to stdout during the run (dbt's per-node log,
which dagster-dbt echoes) to a log file beside the warehouse, named on failure.
"""

import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from dagster import logger

PROGRESS = "progress: "  # prefix of the counter messages (debug level)

# (stage, pattern over the step key), first match wins; a step no pattern names is its own stage
STAGES: list[tuple[str, re.Pattern[str]]] = [
    # the extracts, and the prosecutor's imported reviews (inputs too)
    ("Ingest", re.compile(r"^(canonical_extracts|doj_extracts|doj_supervision)$|^audit__review_")),
    ("Rules", re.compile(r"^rulebook$|^rules__")),
    ("Input checks", re.compile(r"^raw__")),
    ("Decide (dbt)", re.compile(r"^warehouse_models$")),
    ("Exports", re.compile(r"^exports__staged_files")),
    ("Publish", re.compile(r"^exports__published")),
    ("Decision checks", re.compile(r".")),  # the gates, GE suite and audit history of the run
]


def stage_of(step_key: str) -> str:
    return next(name for name, pattern in STAGES if pattern.search(step_key))


_last_report: dict[tuple[str, str], float] = {}


def report(context, counter: str, text: str, *, force: bool = False) -> None:
    """A progress counter of the running step (e.g. counter "rows", text "200,000 rows read"),
    at most once a second per step and counter unless forced (the final count)."""
    key = (context.run_id, counter)
    now = time.monotonic()
    if not force and now - _last_report.get(key, 0.0) < 1.0:
        return
    _last_report[key] = now
    context.log.debug(f"{PROGRESS}{text}")


@dataclass
class StageLines:
    """Folds step events into stage lines, written to `out`."""

    out: TextIO
    live: bool  # a terminal: counters are rewritten in place
    clock: Callable[[], float] = time.monotonic
    stage: str | None = None
    started: float = 0.0
    steps: int = 0
    failed: list[str] = field(default_factory=list)
    counter: str = ""

    def step_started(self, step_key: str) -> None:
        stage = stage_of(step_key)
        if stage != self.stage:
            self.finish()
            self.stage, self.started, self.steps, self.counter = stage, self.clock(), 0, ""
        self.steps += 1

    def step_failed(self, step_key: str) -> None:
        self.failed.append(step_key)

    def progress(self, text: str) -> None:
        self.counter = text
        if self.live and self.stage:
            self.out.write(f"\r\033[K  {self.stage:<16} {text}")
            self.out.flush()

    def finish(self) -> None:
        if self.stage is None:
            return
        seconds = self.clock() - self.started
        status = "FAILED" if self.failed else "done"
        detail = f"  ({self.counter})" if self.counter else ""
        line = f"  {self.stage:<16} {status} in {seconds:.1f} s{detail}"
        self.out.write(("\r\033[K" if self.live else "") + line + "\n")
        self.out.flush()
        self.stage, self.failed = None, []


class _StageHandler(logging.Handler):
    def __init__(self, lines: StageLines):
        super().__init__(logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        message = str(meta.get("orig_message") or "")
        try:
            if event is None:
                if message.startswith(PROGRESS):
                    self.lines.progress(message[len(PROGRESS) :])
                return
            kind = event.event_type_value
            if kind == "STEP_START":
                self.lines.step_started(event.step_key)
            elif kind == "STEP_FAILURE":
                self.lines.step_failed(event.step_key)
            elif kind in ("RUN_SUCCESS", "RUN_FAILURE", "PIPELINE_SUCCESS", "PIPELINE_FAILURE"):
                self.lines.finish()
        except Exception:  # printing must never fail a run
            self.handleError(record)


# Set by the CLI before a run: where stage lines go (its stdout before any redirection).
target: StageLines | None = None


@logger(description="cleanslate run's console: one line per stage, counters on long stages.")
def progress_logger(_init_context) -> logging.Logger:
    log = logging.getLogger("cleanslate.progress")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.handlers = [_StageHandler(target or StageLines(out=sys.stdout, live=False))]
    return log
