"""Launching a clearance run from this process: what `cleanslate run` and `cleanslate reproduce`
do before, around and after Dagster. The CLI (orchestration/cli/) parses, calls these and prints.

preflight.py    bad input caught before Dagster starts, one clear line each (`Refused`)
environment.py  the run's environment: rule folder, warehouse, DAGSTER_HOME and its dagster.yaml
lock.py         one run per warehouse: hold `<warehouse>.lock`, wait for it (saying so) or refuse
execute.py      the run config; the clearance job executed in process; what failed
run_log.py      without -v: stage lines on the console, the rest of the run's stdout in a log file
processes.py    child processes (dbt) a failed step left running, stopped
summary.py      what a finished run left: ingest counts, county summaries, decision counts
"""

from collections.abc import Callable

# Where a launcher function sends a line for the user while it works (the CLI: stderr).
Notify = Callable[[str], None]


class Refused(Exception):
    """The run cannot go ahead: `message` is the one line that says why, `code` the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
