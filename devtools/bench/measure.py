"""Measure one `cleanslate run` as a user runs it: wall time, peak memory of the process tree,
and each step's time from the Dagster event log.

Peak memory is the largest *sum* of resident set sizes over the whole tree (the CLI, dbt's
subprocess and anything they start), sampled every 50 ms; /usr/bin/time would only give the
largest single process.
"""

import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

RUN_ID = re.compile(r"Run ([0-9a-f-]{36}) succeeded")


@dataclass
class RunMeasure:
    wall_s: float
    peak_rss_bytes: int
    run_id: str
    steps: dict[str, float] = field(default_factory=dict)


def tree_rss(root: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (gone processes count zero)."""
    total = 0
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_measured(
    argv: list[str], env: dict[str, str], log_file: Path, check: bool = True
) -> tuple[float, int, str]:
    """Run argv, sampling the tree's memory; returns (wall seconds, peak bytes, output).
    check=False: a failing command is measured too (the caller reads its output)."""
    peak = 0
    with log_file.open("w") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        root = psutil.Process(proc.pid)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(root))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    output = log_file.read_text(errors="replace")
    if code != 0 and check:
        sys.stderr.write(output[-4000:])
        raise RuntimeError(f"{' '.join(argv[:2])} exited {code}; log: {log_file}")
    return wall, peak, output


def step_times(dagster_home: Path, run_id: str) -> dict[str, float]:
    """Seconds per Dagster step (STEP_START to STEP_SUCCESS), plus the run's own span."""
    import os

    from dagster import DagsterEventType, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    times: dict[str, float] = {}
    with DagsterInstance.get() as instance:
        records = instance.all_logs(run_id)
        started: dict[str, float] = {}
        for r in records:
            event = r.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == DagsterEventType.STEP_START:
                started[event.step_key] = r.timestamp
            elif event.event_type == DagsterEventType.STEP_SUCCESS:
                times[event.step_key] = r.timestamp - started[event.step_key]
        if records:
            span = records[-1].timestamp - records[0].timestamp
            times["(dagster run, first to last event)"] = span
    return times


def summarize(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)
