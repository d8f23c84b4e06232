"""cleanslate run's console: steps folded into one line per stage, counters, failures."""

import io
import logging

from orchestration import console
from orchestration.console import StageLines, stage_of


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Event:
    def __init__(self, kind: str, step_key: str | None = None):
        self.event_type_value = kind
        self.step_key = step_key


def _record(event=None, message: str = "") -> logging.LogRecord:
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, message, None, None)
    record.dagster_meta = {"dagster_event": event, "orig_message": message}
    return record


def test_steps_are_folded_into_the_stages_of_the_job():
    assert stage_of("doj_extracts") == stage_of("canonical_extracts") == "Ingest"
    assert stage_of("audit__review_outcomes") == "Ingest"
    assert stage_of("rulebook") == "Rules"
    assert stage_of("raw__doj_extract_ge_doj_extract") == "Input checks"
    assert stage_of("warehouse_models") == "Decide (dbt)"
    assert stage_of("fct_decisions_ge_decision_table") == "Decision checks"
    assert stage_of("audit__decision_history") == "Decision checks"
    assert stage_of("exports__staged_files_exports_reconciled") == "Exports"
    assert stage_of("exports__published") == "Publish"


def test_one_line_per_stage_with_its_time_and_last_counter():
    out, clock = io.StringIO(), FakeClock()
    handler = console._StageHandler(StageLines(out=out, live=False, clock=clock))
    for step in ("canonical_extracts", "doj_extracts"):
        handler.emit(_record(Event("STEP_START", step)))
        handler.emit(_record(message=console.PROGRESS + "1,000 DOJ records read"))
        clock.now += 1.5
    handler.emit(_record(message="a log message that is not a counter"))
    handler.emit(_record(Event("STEP_START", "warehouse_models")))
    clock.now += 10
    handler.emit(_record(Event("STEP_FAILURE", "warehouse_models")))
    handler.emit(_record(Event("RUN_FAILURE")))
    assert out.getvalue().splitlines() == [
        "  Ingest           done in 3.0 s  (1,000 DOJ records read)",
        "  Decide (dbt)     FAILED in 10.0 s",
    ]


def test_counters_are_rewritten_in_place_on_a_terminal_only():
    quiet, live = io.StringIO(), io.StringIO()
    for out, is_live in ((quiet, False), (live, True)):
        lines = StageLines(out=out, live=is_live, clock=FakeClock())
        lines.step_started("doj_extracts")
        lines.progress("10 DOJ records read")
        lines.progress("20 DOJ records read")
        lines.finish()
    assert "\r" not in quiet.getvalue() and quiet.getvalue().count("\n") == 1
    assert live.getvalue().count("\r\033[K") == 3  # two counters, then the stage line over them


def test_a_counter_is_reported_at_most_once_a_second_unless_forced(monkeypatch):
    logged = []

    class Log:
        def debug(self, message):
            logged.append(message)

    class Context:
        run_id = "r1"
        log = Log()

    now = [100.0]
    monkeypatch.setattr(console.time, "monotonic", lambda: now[0])
    for text in ("1", "2", "3"):  # at 100.0, 100.4, 100.8: within a second of the first
        console.report(Context(), "rows", text)
        now[0] += 0.4
    now[0] += 1
    console.report(Context(), "rows", "4")  # 102.2
    console.report(Context(), "rows", "5", force=True)  # the final count, at once
    assert logged == [console.PROGRESS + t for t in ("1", "4", "5")]
