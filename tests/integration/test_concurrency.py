"""Two `cleanslate run` processes on one warehouse: the second waits for the first (flock on
<warehouse>.lock), both succeed, the warehouse opens and holds one run's decisions; with
--no-wait the second fails at once with a message naming the run that holds the warehouse."""

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from devtools.generate.extract import generate_extract
from orchestration.launch.environment import RUN_QUEUE_YAML, TELEMETRY_YAML, ensure_dagster_home
from orchestration.launch.lock import EXIT_BUSY
from orchestration.lib.locking import lock_file

pytestmark = pytest.mark.integration

CLEANSLATE = Path(sys.executable).parent / "cleanslate"
WAITING = "Waiting for the run holding the warehouse"


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [str(CLEANSLATE), *args], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_two_runs_on_one_warehouse_take_turns(tmp_path, record_property):
    record_property("reliability", "concurrency")
    record_property("inputs", 1)
    record_property("runs", 3)  # two runs that take turns, and one refused with --no-wait
    generate_extract(tmp_path / "doj.csv", rows=300, seed=31)
    wh = tmp_path / "wh.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}  # shared by both
    args = [
        "run",
        "--as-of",
        "2025-07-01",
        "--extract",
        str(tmp_path / "doj.csv"),
        "--out",
        str(tmp_path / "out"),
        "--warehouse",
        str(wh),
    ]
    started = time.monotonic()
    first = _start(args, env, tmp_path / "first.log")
    # the first run holds the lock once its pid is in the lock file
    _wait_for(
        lambda: lock_file(wh).exists() and f"pid {first.pid}," in lock_file(wh).read_text(),
        120,
        "the first run to take the warehouse lock",
    )
    second = _start(args, env, tmp_path / "second.log")
    impatient = subprocess.run(
        [str(CLEANSLATE), *args, "--no-wait"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.poll() is None, "the first run ended before --no-wait was tried"
    assert impatient.returncode == EXIT_BUSY, impatient.stdout + impatient.stderr
    assert "another run holds the warehouse" in impatient.stderr
    assert f"pid {first.pid}" in impatient.stderr and "--no-wait" in impatient.stderr

    assert first.wait(timeout=900) == 0, (tmp_path / "first.log").read_text()
    assert second.wait(timeout=900) == 0, (tmp_path / "second.log").read_text()
    elapsed = time.monotonic() - started
    first_log, second_log = ((tmp_path / f"{n}.log").read_text() for n in ("first", "second"))
    assert WAITING not in first_log
    assert WAITING in second_log and f"pid {first.pid}" in second_log, second_log
    assert "the other run finished after" in second_log
    print(f"\ntwo runs one after the other: {elapsed:.0f} s")

    # one warehouse, readable, two recorded runs with the same decisions as the table's
    con = duckdb.connect(str(wh), read_only=True)
    try:
        table = con.execute(
            "select program, charge_key, determination, relief, eligible_on from main.fct_decisions"
        ).pl()
        history = con.execute(
            "select run_id, program, charge_key, determination, relief, eligible_on"
            " from audit.decisions"
        ).pl()
        runs = con.execute("select run_id, decisions from audit.runs").fetchall()
    finally:
        con.close()
    assert len(runs) == 2 and all(n == table.height for _, n in runs)
    keys = ["program", "charge_key"]
    for run_id, _ in runs:
        one = history.filter(pl.col("run_id") == run_id).drop("run_id")
        assert one.sort(keys).equals(table.sort(keys))
    assert table.height > 0
    # dagster.yaml: written once (both runs raced to it), one queued UI run at a time
    assert (tmp_path / "dagster_home" / "dagster.yaml").read_text() == FRESH


FRESH = RUN_QUEUE_YAML + "\n" + TELEMETRY_YAML


def test_dagster_yaml_gets_the_run_queue_and_telemetry_off_once(tmp_path):
    home = tmp_path / "home"
    ensure_dagster_home(home)
    assert (home / "dagster.yaml").read_text() == FRESH
    assert yaml.safe_load(FRESH) == {
        "run_queue": {"max_concurrent_runs": 1},
        "telemetry": {"enabled": False},
    }
    ensure_dagster_home(home)
    assert (home / "dagster.yaml").read_text() == FRESH
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")  # the user's choice
    ensure_dagster_home(home)
    text = (home / "dagster.yaml").read_text()
    assert text.startswith("telemetry:\n  enabled: true") and text.endswith(RUN_QUEUE_YAML)
    (home / "dagster.yaml").write_text("run_coordinator:\n  module: x\n  class: Y\n")
    ensure_dagster_home(home)  # queueing already configured: left alone
    text = (home / "dagster.yaml").read_text()
    assert "run_queue" not in text and text.endswith(TELEMETRY_YAML)
