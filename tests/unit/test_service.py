"""The service without a server: the landing sensor tick by tick, the monthly schedule, alerts,
the production dagster.yaml and `make serve`'s checks."""

import http.server
import json
import os
import shutil
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from dagster import (
    DagsterInstance,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    job,
    op,
)

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.service import alerts, serve
from orchestration.service.deliveries import (
    DELIVERIES,
    Delivery,
    archive_dir,
    current_extracts,
    load_deliveries,
    mark_processed,
    partition_key,
    source_of,
)
from orchestration.service.jobs import delivery_job, statewide_job
from orchestration.service.schedules import statewide_monthly
from orchestration.service.sensors import LandingCursor, evaluate_landing, landing_sensor
from tests.fixtures.doj import rec, write_extract

LA = ZoneInfo("America/Los_Angeles")
ROWS = [
    rec("S1", "101002001000", "COURT ACTION", "20140519", "11357(B)HS-POSSESS MARIJUANA",
        disp="CONVICTED-PROBATION", stat="MISDEMEANOR"),
    rec("S2", "101002001000", "COURT ACTION", "20140211", "11358 HS-CULTIVATE CANNABIS",
        disp="CONVICTED-PROBATION", stat="FELONY"),
]  # fmt: skip


@pytest.fixture
def landing(tmp_path, monkeypatch):
    folder = tmp_path / "landing"
    folder.mkdir()
    monkeypatch.setenv("CLEANSLATE_LANDING", str(folder))
    monkeypatch.delenv("CLEANSLATE_ARCHIVE", raising=False)
    monkeypatch.setenv("CLEANSLATE_EXPORTS", str(tmp_path / "exports"))
    monkeypatch.setenv("CLEANSLATE_TIMEZONE", "America/Los_Angeles")
    return folder


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "instance").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "instance")) as inst:
        yield inst


def tick(instance, cursor=None):
    """Evaluate the sensor once and apply its partition requests, as the daemon does."""
    result = landing_sensor(build_sensor_context(instance=instance, cursor=cursor))
    for req in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
    return result


def test_delivery_names_keys_and_sources():
    sha = "0123456789abcdef" * 4
    assert partition_key("DOJ 2025-06.csv", sha) == "doj_2025-06.csv-0123456789ab"
    assert source_of("doj_2025_06.csv", "doj") == "doj:doj"
    assert source_of("doj_2025_07.csv", "doj") == "doj:doj"
    assert source_of("DOJ-Research-06-30-2025.dat", "doj") == "doj:doj_research"
    assert source_of("doj_34_20250701.csv", "doj") == "doj:doj_34"  # a county code stays
    assert source_of("ut_courts_2025-07", "canonical") == "canonical:ut_courts"
    assert source_of("2025.csv", "doj") == "doj:extract"


def test_a_dropped_file_requests_exactly_one_run(landing, instance):
    write_extract(landing / "doj_2025_06.csv", ROWS)
    first = tick(instance)
    assert first.run_requests == [] and "waiting" in first.skip_reason.skip_message
    assert (landing / "doj_2025_06.csv").exists()  # not taken while it might still grow

    second = tick(instance, first.cursor)
    assert len(second.run_requests) == 1
    request = second.run_requests[0]
    key = request.partition_key
    assert key.startswith("doj_2025_06.csv-")
    assert second.dynamic_partitions_requests[0].partition_keys == [key]
    archived = archive_dir() / key / "doj_2025_06.csv"
    assert archived.exists() and not (landing / "doj_2025_06.csv").exists()
    ops = request.run_config["ops"]
    assert ops["doj_extracts"]["config"]["extracts"] == [str(archived)]
    assert ops["canonical_extracts"]["config"]["extracts"] == []
    assert ops["rulebook"]["config"]["as_of"] == request.tags["cleanslate/as_of"]
    assert request.run_key.startswith("delivery:")
    assert delivery_job.name == "delivery" and second.cursor

    third = tick(instance, second.cursor)
    assert third.run_requests == []  # nothing new


def test_identical_bytes_are_not_reprocessed_under_any_name(landing, instance):
    write_extract(landing / "doj_2025_06.csv", ROWS)
    (landing / "doj_2025_06.csv.done").touch()
    first = tick(instance)
    assert len(first.run_requests) == 1  # the marker says it is complete: no second tick
    key = first.run_requests[0].partition_key
    assert (archive_dir() / key / "doj_2025_06.csv.done").exists()

    # the same bytes again: under the same name, and under another name
    src = archive_dir() / key / "doj_2025_06.csv"
    shutil.copyfile(src, landing / "doj_2025_06.csv")
    shutil.copyfile(src, landing / "resent_2025_06.csv")
    cursor = first.cursor
    for _ in range(3):
        result = tick(instance, cursor)
        assert result.run_requests == []
        cursor = result.cursor
    assert f"same content as delivery {key}" in result.skip_reason.skip_message
    assert (landing / "resent_2025_06.csv").exists()  # a copy is left alone, not deleted
    # even with the cursor lost, the archive knows the content
    assert tick(instance, None).run_requests == []
    assert tick(instance, tick(instance, None).cursor).run_requests == []
    assert instance.get_dynamic_partitions(DELIVERIES.name) == [key]


def test_a_file_still_being_written_is_not_taken(landing, instance):
    path = landing / "doj_2025_06.csv"
    write_extract(path, ROWS[:1])
    (landing / "doj_2025_07.csv.part").write_text("partial")  # temporary names are ignored
    cursor = None
    for more in ROWS[1:] * 2:  # grows between ticks
        result = tick(instance, cursor)
        assert result.run_requests == []
        cursor = result.cursor
        with path.open("a") as f:
            f.write(",".join(more) + "\n")
    result = tick(instance, cursor)
    assert result.run_requests == []  # changed since the last tick
    result = tick(instance, result.cursor)
    assert len(result.run_requests) == 1  # unchanged for a whole tick: complete
    assert (landing / "doj_2025_07.csv.part").exists()


def test_a_file_changed_while_hashed_waits(landing, monkeypatch):
    path = landing / "doj.csv"
    write_extract(path, ROWS)
    from orchestration.service import sensors

    real = sensors.content_digest

    def growing(p):
        digest = real(p)
        with Path(p).open("a") as f:
            f.write("\n")
        return digest

    monkeypatch.setattr(sensors, "content_digest", growing)
    (landing / "doj.csv.done").touch()
    result = evaluate_landing(LandingCursor(), landing, archive_dir(), datetime.now(LA))
    assert result.run_requests == [] and path.exists()


def test_a_canonical_folder_is_one_delivery(landing, instance):
    folder = landing / "ut_courts_2025-07"
    folder.mkdir()
    (folder / "persons.csv").write_text("person_id,state\nP1,UT\n")
    (folder / "charges.csv").write_text("charge_id,person_id\nC1,P1\n")
    (landing / "not_an_extract").mkdir()  # no persons file: ignored
    (landing / "ut_courts_2025-07.done").touch()
    result = tick(instance)
    assert len(result.run_requests) == 1
    request = result.run_requests[0]
    archived = archive_dir() / request.partition_key / "ut_courts_2025-07"
    assert request.run_config["ops"]["canonical_extracts"]["config"]["extracts"] == [str(archived)]
    assert request.tags["cleanslate/source"] == "canonical:ut_courts"
    assert sorted(p.name for p in archived.iterdir()) == ["charges.csv", "persons.csv"]


def test_a_run_reads_the_latest_processed_delivery_of_every_source(landing, instance):
    deliveries = []
    for name, rows in (("doj_2025_05.csv", ROWS[:1]), ("doj_2025_06.csv", ROWS)):
        write_extract(landing / name, rows)
        (landing / f"{name}.done").touch()
        deliveries.append(tick(instance).run_requests[0].partition_key)
    folder = landing / "pa_aopc"
    folder.mkdir()
    (folder / "persons.csv").write_text("person_id,state\nP1,PA\n")
    (landing / "pa_aopc.done").touch()
    result = tick(instance)
    pa = result.run_requests[0]
    # nothing processed yet: a run reads its own delivery only
    assert pa.run_config["ops"]["doj_extracts"]["config"]["extracts"] == []

    by_key = {d.key: d for d in load_deliveries(archive_dir())}
    mark_processed(by_key[deliveries[0]], {"run_id": "r1"})
    mark_processed(by_key[deliveries[1]], {"run_id": "r2"})
    current = current_extracts(load_deliveries(archive_dir()), new=by_key[pa.partition_key])
    assert [d.key for d in current] == [pa.partition_key, deliveries[1]]  # June replaces May


def test_an_interrupted_tick_puts_the_extract_back(landing):
    incoming = archive_dir() / ".incoming-doj.csv-0123456789ab"
    incoming.mkdir(parents=True)
    write_extract(incoming / "doj.csv", ROWS)
    (incoming / "delivery.json").write_text("{}")
    result = evaluate_landing(LandingCursor(), landing, archive_dir(), datetime.now(LA))
    assert (landing / "doj.csv").exists() and not incoming.exists()
    assert result.run_requests == [] and "interrupted" in result.notes[0]


def test_cursor_survives_garbage():
    assert LandingCursor.parse("not json") == LandingCursor()
    assert LandingCursor.parse(None) == LandingCursor()
    c = LandingCursor(seen={"a": "1:2"}, copies={"b": ["1:2", "k"]}, requested=["k"])
    assert LandingCursor.parse(c.serialize()) == c


def test_monthly_schedule_runs_statewide_as_of_the_scheduled_date(landing, instance):
    when = datetime(2025, 8, 1, 2, 0, tzinfo=LA)
    skipped = statewide_monthly(build_schedule_context(instance, scheduled_execution_time=when))
    assert isinstance(skipped, SkipReason)  # nothing processed yet

    write_extract(landing / "doj_2025_07.csv", ROWS)
    (landing / "doj_2025_07.csv.done").touch()
    key = tick(instance).run_requests[0].partition_key
    delivery = Delivery.load(archive_dir() / key)
    mark_processed(delivery, {"run_id": "r1"})

    request = statewide_monthly(build_schedule_context(instance, scheduled_execution_time=when))
    assert isinstance(request, RunRequest)
    ops = request.run_config["ops"]
    assert ops["rulebook"]["config"]["as_of"] == "2025-08-01"
    assert ops["doj_extracts"]["config"]["extracts"] == [str(delivery.path)]
    assert ops["exports__staged_files"]["config"] == {
        "out_dir": os.environ["CLEANSLATE_EXPORTS"],
        "county": None,
    }
    assert request.run_key == "statewide:2025-08-01"
    # 02:00 UTC on the 1st is still the 31st in California
    utc = datetime(2025, 9, 1, 2, 0, tzinfo=ZoneInfo("UTC"))
    late = statewide_monthly(build_schedule_context(instance, scheduled_execution_time=utc))
    assert late.run_config["ops"]["rulebook"]["config"]["as_of"] == "2025-08-31"
    assert statewide_monthly.cron_schedule == "0 2 1 * *"
    assert statewide_monthly.execution_timezone == "America/Los_Angeles"
    assert statewide_monthly.job_name == statewide_job.name == "statewide"


def test_production_instance_config():
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.yaml").read_text())
    db = config["storage"]["postgres"]["postgres_db"]
    assert db["hostname"] == {"env": "DAGSTER_PG_HOST"}
    assert db["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    assert db["scheme"] == "postgresql+psycopg2"  # SQLAlchemy 2.1 would pick psycopg 3
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_retries"]["enabled"] and config["run_retries"]["max_retries"] >= 1
    assert config["telemetry"] == {"enabled": False}
    for j in (delivery_job, statewide_job):
        assert j.tags["dagster/max_retries"] == "2"
        assert j.executor_def.name == "in_process_warehouse_lock"


def test_service_definitions_are_registered():
    from orchestration.definitions import defs

    assert defs.resolve_sensor_def("landing_sensor").job_name == "delivery"
    assert defs.resolve_sensor_def("run_failure_alerts")
    assert defs.resolve_schedule_def("statewide_monthly")
    clearance = defs.resolve_job_def("clearance")
    assert clearance.partitions_def is None  # the command line and `make dev` are unchanged
    assert defs.resolve_job_def("delivery").partitions_def == DELIVERIES


@op
def _fails():
    raise ValueError("record of DOE,JANE Q born 19700101 does not parse")


@job
def _failing_job():
    _fails()


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_failure_alert_names_the_run_but_no_personal_data(tmp_path, instance, monkeypatch):
    result = _failing_job.execute_in_process(
        instance=instance, raise_on_error=False, tags={"dagster/partition": "doj.csv-0123"}
    )
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    alert = alerts.build_alert(run, instance)
    assert alert["run_id"] == result.run_id and alert["failed_steps"] == ["_fails"]
    assert alert["partition"] == "doj.csv-0123" and alert["severity"] == "error"
    text = json.dumps(alert)
    assert "DOE" not in text and "19700101" not in text and "parse" not in text

    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CLEANSLATE_ALERT_LOG", str(tmp_path / "alerts.jsonl"))
    monkeypatch.setenv("CLEANSLATE_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/")
    try:
        assert alerts.send_alert(alert) == []
        assert alerts.send_alert({**alert, "will_retry": True}) == []  # logged only
    finally:
        server.shutdown()
    assert [r["alert"]["run_id"] for r in _Hook.received] == [result.run_id]
    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["job"] == "_failing_job"
    assert oct((tmp_path / "alerts.jsonl").stat().st_mode & 0o777) == "0o600"

    monkeypatch.setenv("CLEANSLATE_ALERT_WEBHOOK", "http://127.0.0.1:9/")  # nothing listens
    assert alerts.send_alert(alert) == ["webhook: URLError"]
    assert json.loads((tmp_path / "alerts.jsonl").read_text().splitlines()[-1])["undelivered"]


def test_serve_prepares_the_instance_and_checks_postgres(tmp_path, monkeypatch):
    home = tmp_path / "home"
    assert serve.prepare_instance(home) == []
    assert (home / "dagster.yaml").read_text() == (PROJECT_ROOT / "deploy/dagster.yaml").read_text()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    assert "differs" in serve.prepare_instance(home)[0]  # an operator's edits are kept
    for var in serve.PG_VARS:
        monkeypatch.delenv(var, raising=False)
    assert "DAGSTER_PG_HOST" in serve.check_postgres()
    monkeypatch.setenv("DAGSTER_PG_HOST", "127.0.0.1")
    monkeypatch.setenv("DAGSTER_PG_PORT", "9")  # nothing listens
    monkeypatch.setenv("DAGSTER_PG_USER", "dagster")
    monkeypatch.setenv("DAGSTER_PG_DB", "dagster")
    assert "cannot connect" in serve.check_postgres(timeout=2)
    cmds = serve.commands("127.0.0.1", 3000, 4000)
    assert cmds["daemon"][1:3] == ["run", "-w"] and "3000" in cmds["webserver"]


def test_service_runs_wait_for_the_warehouse_lock(tmp_path, monkeypatch):
    import fcntl
    import logging
    import time

    from orchestration.lib.locking import lock_file
    from orchestration.service.jobs import hold_warehouse_lock

    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    lock = lock_file((tmp_path / "wh.duckdb").resolve())
    held = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)  # a `cleanslate run` holds the warehouse
    os.pwrite(held, b"pid 1, since earlier\n", 0)
    events = []

    def service_run():
        with hold_warehouse_lock(logging.getLogger("test"), "run-1234"):
            events.append(("ran", time.monotonic()))

    worker = threading.Thread(target=service_run)
    worker.start()
    time.sleep(0.5)
    assert events == []  # waiting
    released = time.monotonic()
    os.close(held)
    worker.join(timeout=10)
    assert events and events[0][1] >= released
    assert "Dagster run run-1234" in lock.read_text()


def test_a_spawned_run_worker_has_a_main_file(tmp_path):
    """Run workers are spawned from `python -m dagster api grpc`: a bare __main__, which makes
    pyspark (imported by Great Expectations) exit the process. Importing the package fixes it."""
    import subprocess
    import sys

    pkg = tmp_path / "spawner"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "child.py").write_text(
        "import sys\n"
        "def work(queue):\n"
        "    bare = not hasattr(sys.modules['__main__'], '__file__')\n"
        "    import orchestration  # noqa: F401\n"
        "    queue.put((bare, hasattr(sys.modules['__main__'], '__file__')))\n"
    )
    (pkg / "__main__.py").write_text(
        "import multiprocessing as mp\n"
        "from spawner.child import work\n"
        "if __name__ == '__main__':\n"
        "    ctx = mp.get_context('spawn')\n"
        "    q = ctx.Queue()\n"
        "    p = ctx.Process(target=work, args=(q,))\n"
        "    p.start()\n"
        "    print(q.get(timeout=60))\n"
        "    p.join()\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}:{PROJECT_ROOT}"}
    out = subprocess.run(
        [sys.executable, "-m", "spawner"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "(True, True)", out.stderr
