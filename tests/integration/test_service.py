"""The service on real PostgreSQL storage: drop an extract, the landing sensor requests exactly
one run, the run (the `delivery` job, its own executor and warehouse lock) succeeds and is
stored in PostgreSQL with its partition; the same bytes dropped again start nothing.

The PostgreSQL 15 server is a throwaway one (initdb in a temporary folder, a free port), stopped
at the end. The instance is deploy/dagster.yaml itself, with DAGSTER_PG_* pointing at it.
"""

import shutil
import socket
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import pytest
from dagster import DagsterInstance, RunRequest, build_schedule_context, build_sensor_context
from dagster._core.definitions.reconstruct import reconstructable
from dagster._core.execution.api import execute_job

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.service.assets import DELIVERIES_KEY
from orchestration.service.deliveries import DELIVERIES, archive_dir, load_deliveries
from orchestration.service.schedules import statewide_monthly
from orchestration.service.sensors import landing_sensor
from tests.fixtures.doj import rec, write_extract

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")
CONV = "CONVICTED-PROBATION"
ROWS = [
    rec("S1", "101001001000", "ARREST/DETAINED/CITED", "20140501", "11357(B)HS-POSSESS MARIJUANA",
        toc="M"),
    rec("S1", "101002001000", "COURT ACTION", "20140519", "11357(B)HS-POSSESS MARIJUANA",
        disp=CONV, stat="MISDEMEANOR"),
    rec("S2", "101002001000", "COURT ACTION", "20140211", "11358 HS-CULTIVATE CANNABIS",
        disp=CONV, stat="FELONY", sent=("PROBATION", "6", "M")),
    rec("S3", "101002001000", "COURT ACTION", "19910411", "11359 HS-POSSESS FOR SALE",
        disp=CONV, stat="FELONY"),
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True)


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL 15 on 127.0.0.1:<free port>; yields the DAGSTER_PG_* values."""
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL 15 binaries (or runuser) not installed")
    root = Path(tempfile.mkdtemp(prefix="cleanslate-pg-"))  # /tmp: reachable by postgres
    shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "pg.log"),
                 "-o", f"-h 127.0.0.1 -p {port} -k {root}", "-w", "start")  # fmt: skip
    try:
        con = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("create role dagster login password 'dagster'")
            cur.execute("create database dagster owner dagster")
        con.close()
        yield {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(port),
            "DAGSTER_PG_USER": "dagster",
            "DAGSTER_PG_PASSWORD": "dagster",
            "DAGSTER_PG_DB": "dagster",
        }
    finally:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def delivery_job_def():
    """The `delivery` job as the daemon's run worker loads it (a reconstructable pointer)."""
    from orchestration.definitions import defs

    return defs.resolve_job_def("delivery")


def _run(instance: DagsterInstance, request: RunRequest):
    """Execute a sensor's run request as a launched run would: the job's own executor."""
    tags = {
        **request.tags,
        "dagster/partition": request.partition_key,
        "dagster/sensor_name": "landing_sensor",
        "dagster/run_key": request.run_key,
    }
    return execute_job(
        reconstructable(delivery_job_def), instance, run_config=request.run_config, tags=tags
    )


def test_drop_a_file_one_run_on_postgres_and_no_rerun(tmp_path, monkeypatch, postgres):
    for k, v in postgres.items():
        monkeypatch.setenv(k, v)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("CLEANSLATE_LANDING", str(landing))
    monkeypatch.delenv("CLEANSLATE_ARCHIVE", raising=False)
    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("CLEANSLATE_EXPORTS", str(tmp_path / "exports"))

    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"

        # drop a file (and its marker): exactly one run request, one partition
        write_extract(landing / "doj_2025_06.csv", ROWS)
        (landing / "doj_2025_06.csv.done").touch()
        first = landing_sensor(build_sensor_context(instance=instance))
        assert len(first.run_requests) == 1
        request = first.run_requests[0]
        for add in first.dynamic_partitions_requests:  # what the daemon does with the result
            instance.add_dynamic_partitions(add.partitions_def_name, list(add.partition_keys))
        assert instance.get_dynamic_partitions(DELIVERIES.name) == [request.partition_key]

        # the run succeeds, holding the warehouse lock, and records the delivery
        with _run(instance, request) as result:
            assert result.success, [e.message for e in result.all_events if e.is_failure]
            run_id = result.run_id
        assert instance.get_materialized_partitions(DELIVERIES_KEY) == {request.partition_key}
        [delivery] = load_deliveries(archive_dir())
        assert delivery.processed and delivery.key == request.partition_key
        assert (tmp_path / "exports" / "manifest.json").exists()
        assert "Dagster run" in (tmp_path / "warehouse.duckdb.lock").read_text()

        # the run and its events are in PostgreSQL
        con = psycopg2.connect(
            host="127.0.0.1",
            port=int(postgres["DAGSTER_PG_PORT"]),
            user="dagster",
            password="dagster",
            dbname="dagster",
        )
        with con, con.cursor() as cur:
            cur.execute("select pipeline_name, status from runs where run_id = %s", [run_id])
            assert cur.fetchone() == ("delivery", "SUCCESS")
            cur.execute(
                "select value from run_tags where run_id = %s and key = 'dagster/partition'",
                [run_id],
            )
            assert cur.fetchone() == (request.partition_key,)
            cur.execute("select count(*) from event_logs where run_id = %s", [run_id])
            assert cur.fetchone()[0] > 50
        con.close()

        # the same bytes again, under another name and complete: nothing is requested
        shutil.copyfile(delivery.path, landing / "doj_2025_06_resent.csv")
        (landing / "doj_2025_06_resent.csv.done").touch()
        cursor = first.cursor
        for _ in range(2):
            again = landing_sensor(build_sensor_context(instance=instance, cursor=cursor))
            assert again.run_requests == []
            cursor = again.cursor
        assert "same content as delivery" in again.skip_reason.skip_message
        assert instance.get_dynamic_partitions(DELIVERIES.name) == [request.partition_key]
        assert len(instance.get_run_records()) == 1

        # the monthly statewide run would read the processed delivery
        when = datetime(2025, 8, 1, 2, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
        monthly = statewide_monthly(build_schedule_context(instance, scheduled_execution_time=when))
        assert monthly.run_config["ops"]["doj_extracts"]["config"]["extracts"] == [
            str(delivery.path)
        ]
