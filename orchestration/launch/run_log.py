"""Without -v, a run prints one line per stage and keeps the rest of its stdout (dbt's per-node
log, which dagster-dbt echoes) in a log file beside the warehouse, named on failure."""

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def run_log_path(warehouse_file: Path) -> Path:
    """Where a run without -v keeps what it did not print (dbt's per-node log), per warehouse."""
    return warehouse_file.parent / f".{warehouse_file.name}.run.log"


@contextmanager
def quiet_stdout(run_log: Path, verbose: bool) -> Iterator[None]:
    """Without -v, stage lines on the console and the rest of the run's stdout (dagster-dbt
    echoes every dbt event there) in run_log, readable by its owner only."""
    from orchestration import console

    if verbose:
        yield
        return
    console.target = console.StageLines(out=sys.stdout, live=sys.stdout.isatty())
    fd = os.open(run_log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older log may have had other modes
    try:
        with open(fd, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            yield
    finally:
        console.target.finish()  # a stage cut short by a failure still gets its line
        console.target = None
