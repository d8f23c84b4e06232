"""`cleanslate`: run the clearance job through Dagster.

cleanslate run --extract data/extract.csv --as-of 2025-07-01 [--forecast] [--county "San Joaquin"]
               [--supervision supervision.csv [--supervision-complete]]
               [--options eligibility_options.json] [--out DIR] [--warehouse FILE] [--no-wait]
cleanslate explain --subject ID | trace --subject ID --count CNT_ORDER | diff | reproduce --run ID
cleanslate review import data/exports/<COUNTY>/review.xlsx [--reviewer NAME]
"""

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from orchestration.exports.writers import county_folder, normalize_county
from orchestration.lib.locking import hold_lock, lock_file
from orchestration.settings import (
    DEFAULT_MAX_UNREAD_SHARE,
    PROJECT_ROOT,
    exports_dir,
    rules_dir,
    warehouse_path,
)

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


# `cleanslate run --no-wait` while another run holds the warehouse (EX_TEMPFAIL: try later).
EXIT_BUSY = 75

# Runs launched from the Dagster UI (`make dev`) queue one at a time: DuckDB has one writer.
RUN_QUEUE_YAML = """\
# Clean Slate Warehouse: one run at a time (DuckDB allows one writing process).
run_queue:
  max_concurrent_runs: 1
"""
# keys that already say how runs are queued (adding run_queue beside them is a config error)
_QUEUE_KEYS = ("run_queue", "run_coordinator", "concurrency")
# No usage reports from the project's instance (and no banner about them in every run).
TELEMETRY_YAML = """\
telemetry:
  enabled: false
"""


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=code)


def ensure_dagster_home(home: Path) -> Path:
    """DAGSTER_HOME with a dagster.yaml whose run queue admits one run at a time, telemetry off.

    A missing or empty dagster.yaml gets RUN_QUEUE_YAML and TELEMETRY_YAML; one that says
    nothing about queueing (run_queue, run_coordinator, concurrency) or telemetry gets what it
    lacks appended; what it says is left alone. Written to a temporary name and renamed, so
    runs starting together never see half a file.
    """
    import yaml

    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    text = config.read_text() if config.exists() else ""
    try:
        loaded = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return config  # not ours to repair: Dagster will name the error
    said = loaded if isinstance(loaded, dict) else {}
    missing = [
        part
        for part, keys in ((RUN_QUEUE_YAML, _QUEUE_KEYS), (TELEMETRY_YAML, ("telemetry",)))
        if not any(k in said for k in keys)
    ]
    if not missing:
        return config
    new = (text.rstrip("\n") + "\n\n" if text.strip() else "") + "\n".join(missing)
    tmp = config.with_name(f".dagster.yaml.tmp-{os.getpid()}")
    tmp.write_text(new)
    os.replace(tmp, config)
    return config


@contextmanager
def warehouse_lock(warehouse_file: Path, wait: bool = True) -> Iterator[None]:
    """Hold `<warehouse>.lock` for a whole run (`hold_lock`): two runs on one warehouse never
    overlap; the second waits (and says so) or, with wait=False, fails at once."""
    path = lock_file(warehouse_file)
    started = 0.0

    def busy(holder: str) -> None:
        nonlocal started
        held_by = f" ({holder})" if holder else ""
        if not wait:
            _fail(
                f"another run holds the warehouse {warehouse_file}{held_by}; not waiting"
                " (--no-wait). Run again when it has finished, or leave out --no-wait.",
                code=EXIT_BUSY,
            )
        typer.echo(
            f"Waiting for the run holding the warehouse {warehouse_file}{held_by} to "
            f"finish (lock {path.name}) ...",
            err=True,
        )
        started = time.monotonic()

    def taken() -> None:
        typer.echo(
            f"... the other run finished after {time.monotonic() - started:.0f} s;"
            " starting this one.",
            err=True,
        )

    with hold_lock(path, f"pid {os.getpid()}", busy, taken):
        yield


def _check_out(out_dir: Path, warehouse_file: Path, inputs: list[Path]) -> None:
    """--out is replaced by the run's set: refuse, before anything is written, a folder holding
    files this project did not publish, the checkout, the warehouse, DAGSTER_HOME or an input
    (orchestration/exports/publish.py: check_out_dir)."""
    from orchestration.exports.publish import check_out_dir

    refused = check_out_dir(out_dir, warehouse_file, inputs)
    if refused:
        _fail(f"--out {refused}")


def _preflight(
    as_of: str, options: Path | None, extracts: list[Path], forecast: bool = False
) -> None:
    """Catch bad input before Dagster starts, with one clear line each."""
    from orchestration.settings import run_settings_problem

    problem = run_settings_problem()  # a variable of the wrong type, no pseudonym key
    if problem:
        _fail(problem)
    from orchestration.rules.load import RuleFileError, load_code_inference, load_rules_dir
    from orchestration.rules.options import check_options, read_options_file, resolve_parameters

    try:
        date.fromisoformat(as_of)
    except ValueError:
        _fail(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}")
    for p in extracts:
        if not p.exists():
            _fail(f"extract not found: {p}")
        if p.is_dir() and not any((p / f"persons{s}").exists() for s in (".csv", ".parquet")):
            _fail(f"{p}: a folder must be a canonical extract (persons.csv or persons.parquet)")
    try:
        programs = load_rules_dir(rules_dir())
        load_code_inference(rules_dir())  # a broken table stops the run here, as a rule file does
        _check_as_of(programs, as_of, forecast)
        if options is not None:
            opts = read_options_file(options)
            for warning in check_options(programs, opts):
                typer.echo(f"warning: {warning}", err=True)
            for loaded in programs:
                for warning in resolve_parameters(loaded, opts).warnings:
                    typer.echo(f"warning: {warning}", err=True)
    except RuleFileError as e:
        _fail(str(e))


def _preflight_supervision(files: list[Path], complete: bool) -> None:
    """--supervision files exist and are files; --supervision-complete needs one."""
    for p in files:
        if not p.is_file():
            _fail(f"supervision file not found: {p}")
        if p.suffix.lower() not in (".csv", ".parquet"):
            _fail(f"{p}: a supervision file is a .csv or .parquet (canonical supervision table)")
    names = [p.name for p in files]
    if len(set(names)) != len(names):
        _fail("two --supervision files share a file name: rename one")
    if complete and not files:
        _fail("--supervision-complete says the --supervision files are complete: give one")


def _check_as_of(programs: list, as_of: str, forecast: bool) -> None:
    """The as-of date against today and the laws' effective dates (orchestration/rules/as_of.py;
    the rulebook asset makes the same check for UI runs): a date after today needs --forecast,
    a date no law is in effect on is refused; laws not in effect get one note line."""
    from orchestration.rules.as_of import AsOfError, check_as_of

    try:
        notes = check_as_of(programs, date.fromisoformat(as_of), forecast)
    except AsOfError as e:
        _fail(str(e))
    for note in notes:
        typer.echo(f"note: {note}", err=True)


def _forecast_notice(as_of: str) -> None:
    """The console line of a forecast run (it wrote no court documents)."""
    typer.echo(
        f"Forecast as of {as_of}: no court documents written, no repository updates"
        " (decisions as of a future date;"
        " the report and manifest.json say forecast)."
    )


def _recorded_forecast(as_of: date) -> bool:
    """A recorded run as of a date after today can only have been a forecast (a run without
    --forecast refuses such a date), so `reproduce` repeats it as one."""
    from orchestration.rules.as_of import is_future

    return is_future(as_of)


@app.command("run")
def run_command(
    extract: Annotated[list[Path], typer.Option(help="Extract file (repeat for several).")],
    as_of: Annotated[str, typer.Option("--as-of", help="Decide eligibility as of YYYY-MM-DD.")],
    forecast: Annotated[
        bool,
        typer.Option(
            "--forecast",
            help="Allow an --as-of date after today: a forecast, which writes no court"
            " documents and says so in the report and manifest.json.",
        ),
    ] = False,
    county: Annotated[str | None, typer.Option(help="Export this county only.")] = None,
    options: Annotated[
        Path | None, typer.Option(help="County eligibility-options JSON (the earlier tool's).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Export folder.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
    rules: Annotated[
        Path | None, typer.Option(help="Rule-file folder (default rules/): try an amendment.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Dagster's log.")] = False,
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait",
            help=f"Fail at once (exit {EXIT_BUSY}) if another run holds the warehouse, "
            "instead of waiting for it.",
        ),
    ] = False,
    max_unread_share: Annotated[
        float,
        typer.Option(
            "--max-unread-share",
            min=0.0,
            max=1.0,
            help="Stop the run when more than this share (0-1) of an input's conviction"
            " records have an offense text that reads to no statute.",
        ),
    ] = DEFAULT_MAX_UNREAD_SHARE,
    expect_empty: Annotated[
        bool,
        typer.Option(
            "--expect-empty",
            help="Publish even when an input gives no decision or a county that had"
            " decisions in the published set gets none.",
        ),
    ] = False,
    supervision: Annotated[
        list[Path] | None,
        typer.Option(
            "--supervision",
            help="Supervision file for the CA DOJ subjects (canonical `supervision` columns,"
            " CSV or Parquet; person_id = SUBJECT_ID or CII). Repeat for several.",
        ),
    ] = None,
    supervision_complete: Annotated[
        bool,
        typer.Option(
            "--supervision-complete",
            help="The --supervision files list every supervision period of every DOJ"
            " subject (e.g. the whole Supervised Release File): a subject without a row has"
            " none recorded. Without it such a subject stays needs_review.",
        ),
    ] = False,
) -> None:
    """Materialize the whole graph (ingest, rules, dbt, gates, exports) through Dagster."""
    extracts = [p.resolve() for p in extract]
    supervision_files = [p.resolve() for p in supervision or []]
    _preflight_supervision(supervision_files, supervision_complete)
    if rules is not None:
        os.environ["CLEANSLATE_RULES"] = str(rules.resolve())
    _preflight(as_of, options, extracts, forecast)
    warehouse_file = (warehouse or warehouse_path()).resolve()
    out_dir = (out or exports_dir()).resolve()
    _check_out(
        out_dir,
        warehouse_file,
        extracts + supervision_files + ([options.resolve()] if options else []),
    )
    # The dbt profile and the Warehouse resource both read this; set it before Dagster loads.
    os.environ["CLEANSLATE_WAREHOUSE"] = str(warehouse_file)
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
    # defaults (runs and event logs stored under DAGSTER_HOME) + one queued UI run at a time
    ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))
    # One run per warehouse at a time, from ingest to the decisions printed at the end.
    from orchestration.quality.gates import gate_run_config

    with warehouse_lock(warehouse_file, wait=not no_wait):
        _run(
            extracts, as_of, county, options, out_dir, warehouse_file, verbose,
            gates=gate_run_config(max_unread_share, expect_empty),
            forecast=forecast,
            supervision=supervision_files,
            supervision_complete=supervision_complete,
        )  # fmt: skip
    if forecast:
        _forecast_notice(as_of)


def _run(
    extracts: list[Path],
    as_of: str,
    county: str | None,
    options: Path | None,
    out_dir: Path,
    warehouse_file: Path,
    verbose: bool,
    gates: dict[str, dict] | None = None,
    forecast: bool = False,
    supervision: list[Path] | None = None,
    supervision_complete: bool = False,
) -> None:
    from dagster import DagsterInstance

    _unsynced_sqlite_run_history()

    from orchestration.definitions import defs

    # -v: Dagster's log and dbt's per-node log; otherwise one line per stage (console.py)
    loggers: dict = {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}
    if not verbose:
        loggers["progress"] = {}
    run_config = {
        "loggers": loggers,
        "ops": {
            # files are CA DOJ research-file extracts; folders are canonical extracts
            "doj_extracts": {"config": {"extracts": [str(p) for p in extracts if p.is_file()]}},
            "canonical_extracts": {
                "config": {"extracts": [str(p) for p in extracts if p.is_dir()]}
            },
            # supervision files for the DOJ subjects (--supervision, --supervision-complete)
            "doj_supervision": {
                "config": {
                    "files": [str(p) for p in supervision or []],
                    "complete": supervision_complete,
                }
            },
            "rulebook": {
                "config": {
                    "as_of": as_of,
                    "options_file": str(options.resolve()) if options else None,
                    "forecast": forecast,  # --forecast: a future as-of, no court documents
                }
            },
            "exports__staged_files": {"config": {"out_dir": str(out_dir), "county": county}},
            # the run gates' settings (--max-unread-share, --expect-empty); defaults otherwise
            **(gates or {}),
        },
    }
    job = defs.resolve_job_def("clearance")
    children_before = _child_processes()
    run_log = run_log_path(warehouse_file)
    with DagsterInstance.get() as instance, _quiet_stdout(run_log, verbose):
        result = job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
    # A step that fails while dbt runs leaves dbt writing to the warehouse: stop it before the
    # warehouse lock is released, so the next run finds the warehouse free and consistent.
    leftover = {p: c for p, c in _child_processes().items() if p not in children_before}
    stopped = _stop_processes(leftover)
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    if not result.success or failed_checks:
        typer.echo(f"Run {result.run_id} FAILED: no export was written.", err=True)
        if not verbose:
            typer.echo(f"  the run's log (dbt's, per node): {run_log}", err=True)
        for pid, command in stopped:
            typer.echo(
                f"  stopped pid {pid} ({command}), left running by the failed step", err=True
            )
        for e in failed_checks:
            desc = e.description or ""
            typer.echo(
                f"  check failed: {e.check_name} on {e.asset_key.to_user_string()}: {desc}",
                err=True,
            )
        for event in result.all_events:
            if event.event_type_value == "STEP_FAILURE":
                err = event.step_failure_data.error
                while err is not None and err.cause is not None:  # the root cause says why
                    err = err.cause
                msg = err.message.strip().splitlines()[0] if err else "unknown error"
                typer.echo(f"  step failed: {event.step_key}: {msg}", err=True)
        raise typer.Exit(code=1)

    typer.echo(f"Run {result.run_id} succeeded (Dagster UI: make dev).")
    for mat in result.get_asset_materialization_events():
        meta = mat.materialization.metadata
        key = mat.asset_key.to_user_string()
        if key == "raw/doj_extract" and meta["files"].value:
            typer.echo(
                f"Ingested:  {meta['input_records'].value} DOJ records: {meta['staged'].value} "
                f"staged, {meta['rejected'].value} rejected (table raw.doj_rejects)"
            )
        if key == "raw/canonical_rejects" and meta["extracts"].value:
            typer.echo(
                f"Ingested:  {meta['input_records'].value} canonical rows: {meta['staged'].value}"
                f" staged, {meta['rejected'].value} rejected (table raw.canonical_rejects)"
            )
        if key == "raw/doj_supervision" and meta["files"].value:
            _print_supervision(warehouse_file, meta["input_records"].value)
    typer.echo(f"Warehouse: {warehouse_file}  (table fct_decisions)")
    typer.echo(f"Exports:   {out_dir}")
    counties = [county_folder(normalize_county(county))] if county else None
    total: dict[str, int] = {}
    # the set's own summaries (its manifest's): files a user keeps in the folder are not ours
    ours = {f["file"] for f in json.loads((out_dir / "manifest.json").read_text())["files"]}
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        summary_file = folder / "summary.json"
        if (counties and folder.name not in counties) or f"{folder.name}/summary.json" not in ours:
            continue
        s = json.loads(summary_file.read_text())
        for k, v in s["by_determination"].items():
            total[k] = total.get(k, 0) + v
        typer.echo(
            f"  {folder.name}: {s['convictions']} convictions {json.dumps(s['by_determination'])}"
            f", relief {json.dumps(s['by_relief'])}, {s['subjects_with_relief']} people with relief"
        )
    typer.echo(f"Exported:  {sum(total.values())} Prop 64 convictions {json.dumps(total)}")
    _print_decisions(warehouse_file)


def run_log_path(warehouse_file: Path) -> Path:
    """Where a run without -v keeps what it did not print (dbt's per-node log), per warehouse."""
    return warehouse_file.parent / f".{warehouse_file.name}.run.log"


@contextmanager
def _quiet_stdout(run_log: Path, verbose: bool) -> Iterator[None]:
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


def _unsynced_sqlite_run_history() -> None:
    """Dagster's default (SQLite) run storage opens, commits with fsync and closes a database
    for every event: about 500 events a run, 10-14 s of a 100-row run on this machine class
    (py-spy; docs/benchmarks.md). In this process, skip the fsync (a per-connection setting;
    changing the journal mode would need a lock that other connections may hold). What that
    risks is the Dagster run history of a run cut short by an OS crash, never the warehouse
    (DuckDB has its own WAL) nor the audit tables inside it. A production instance keeps its
    history in PostgreSQL (deploy/dagster.yaml) and is unaffected.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("pragma synchronous = off")
            cursor.close()


def _child_processes() -> dict[int, str]:
    """This process's live children, pid -> command (Linux /proc; empty where there is none)."""
    me = os.getpid()
    found: dict[int, str] = {}
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        state, ppid = stat[stat.rfind(")") + 2 :].split()[:2]
        if int(ppid) == me and state not in ("Z", "X"):
            argv = [a for a in cmdline.decode("utf-8", "replace").split("\0") if a]
            if len(argv) > 1 and Path(argv[0]).name.startswith("python"):
                argv = argv[1:]  # a script: name the script, not the interpreter
            found[int(entry.name)] = " ".join([Path(argv[0]).name, *argv[1:3]]) if argv else "?"
    return found


def _stop_processes(pids: dict[int, str], grace_seconds: float = 30.0) -> list[tuple[int, str]]:
    """Interrupt (SIGINT: dbt cancels its queries), then kill what is left after the grace."""
    import signal

    if not pids:
        return []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and pids.keys() & _child_processes().keys():
        time.sleep(0.2)
    for pid in pids.keys() & _child_processes().keys():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pids.keys() & _child_processes().keys():
        time.sleep(0.05)  # gone (or a zombie, which holds no lock) within moments
    return sorted(pids.items())


def _print_supervision(warehouse_file: Path, rows: int) -> None:
    """How the supervision files' rows matched the DOJ subjects (counts only)."""
    import duckdb

    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        by_subject_id, by_cii, unmatched, people = con.execute(
            "select count(*) filter (where matched_key = 'subject_id'),"
            " count(*) filter (where matched_key = 'cii'),"
            " count(*) filter (where matched_key is null), count(distinct person_key)"
            " from main.stg_doj__supervision"
        ).fetchone()
        (rejected,) = con.execute("select count(*) from raw.doj_supervision_rejects").fetchone()
        (complete,) = con.execute(
            "select coalesce(bool_or(complete), false) from raw.doj_supervision_files"
        ).fetchone()
    finally:
        con.close()
    typer.echo(
        f"Supervision: {rows} rows: {by_subject_id} matched by SUBJECT_ID, {by_cii} by CII"
        f" ({people} subjects), {unmatched} matched no subject (stg_doj__supervision."
        f"unmatched_reason), {rejected} rejected (raw.doj_supervision_rejects); "
        + (
            "declared complete: a subject without a row has no supervision recorded"
            if complete
            else "not declared complete: subjects without a row stay unknown"
        )
    )


def _print_decisions(warehouse_file: Path) -> None:
    """Counts per law and determination, straight from the decision table."""
    import duckdb

    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        rows = con.execute(
            "select d.program, p.title, d.determination, count(*) from main.fct_decisions d"
            " left join main.stg_rules__programs p on p.program = d.program"
            " group by all order by 1, 3"
        ).fetchall()
        (unread,) = con.execute(
            "select count(*) from main.int_charges_assembled"
            " where is_convicted and parse_status <> 'parsed'"
        ).fetchone()
    finally:
        con.close()
    by_program: dict[tuple[str, str], dict[str, int]] = {}
    for program, title, determination, n in rows:
        by_program.setdefault((program, title or program), {})[determination] = n
    typer.echo("Decisions: (table fct_decisions; why: cleanslate explain --subject ID)")
    for (program, title), counts in by_program.items():
        shown = ", ".join(f"{n:,} {d.replace('_', ' ')}" for d, n in counts.items())
        typer.echo(f"  {title} ({program}): {sum(counts.values()):,} decisions: {shown}")
    if unread:
        typer.echo(
            f"Unread:    {unread} conviction records whose offense text reads to no statute"
            " (table rpt_charge_codes_unparsed)"
        )


@app.command("explain")
def explain_command(
    subject: Annotated[str, typer.Option(help="Subject / person id as in the extract.")],
    program: Annotated[str | None, typer.Option(help="Only this law, e.g. us_ca_prop64.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
) -> None:
    """Print every decision about a person as a tree: rule by rule, fact by fact."""
    from orchestration.audit.explain import load, render

    wh = _existing_warehouse(warehouse)
    decisions, criteria = load(wh, subject, program)
    if decisions.height == 0:
        _fail(f"no decisions for subject {subject!r}" + (f" under {program}" if program else ""))
    typer.echo(render(decisions, criteria))


@app.command("trace")
def trace_command(
    subject: Annotated[str, typer.Option(help="Subject / person id as in the extract.")],
    count: Annotated[
        str,
        typer.Option(
            help="The charge: DOJ CNT_ORDER (e.g. 101002001000); for canonical extracts the"
            " charge_id."
        ),
    ],
    program: Annotated[str | None, typer.Option(help="Only this law, e.g. us_ca_prop64.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Follow one decision from its source line to the published files, checking each link."""
    from orchestration.audit import trace

    wh = _existing_warehouse(warehouse)
    try:
        chains = [trace.verify(c) for c in trace.load(wh, subject, count, program)]
    except trace.TraceError as e:
        _fail(str(e))
    typer.echo(trace.to_json(chains) if as_json else trace.render(chains))


@app.command("diff")
def diff_command(
    from_run: Annotated[
        str | None, typer.Option("--from", help="Run id (or prefix); default: the previous run.")
    ] = None,
    to_run: Annotated[
        str | None, typer.Option("--to", help="Run id (or prefix); default: the latest run.")
    ] = None,
    program: Annotated[str | None, typer.Option(help="Only this law.")] = None,
    limit: Annotated[int, typer.Option(help="How many changed decisions to list.")] = 20,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
) -> None:
    """Who changed determination between two runs (e.g. before and after a rule amendment)."""
    import polars as pl

    from orchestration.audit import diff

    wh = _existing_warehouse(warehouse)
    try:
        all_runs = diff.runs(wh)
        before_id = diff.resolve_run(all_runs, from_run, -2)
        after_id = diff.resolve_run(all_runs, to_run, -1)
    except (ValueError, Exception) as e:  # duckdb CatalogException: no audit tables yet
        _fail(f"cannot diff: {e}")
    for label, rid in (("from", before_id), ("to", after_id)):
        r = all_runs.filter(pl.col("run_id") == rid).row(0, named=True)
        dirty = " (uncommitted changes)" if r["git_dirty"] else ""
        typer.echo(
            f"{label:>4}: run {rid} as of {r['as_of']}, code {r['git_revision'][:12]}"
            f"{dirty}, rules {', '.join(json.loads(r['rule_files']))}"
        )
        for prog, info in sorted(json.loads(r["rule_files"]).items()):
            typer.echo(f"        {prog}: {info['version']}")
    changes = diff.compare(diff.load_decisions(wh, before_id), diff.load_decisions(wh, after_id))
    if program:
        changes = changes.filter(pl.col("program") == program)
    people = changes["subject_id"].n_unique()
    typer.echo(f"Changed: {changes.height} decisions, {people} people")
    for r in diff.summarize(changes).iter_rows(named=True):
        typer.echo(
            f"  {r['program']}: {r['determination_before']} -> {r['determination_after']}"
            f" (now {r['decisive_rule_after'] or '-'}):"
            f" {r['charges']} charges, {r['people']} people"
        )
    for r in changes.head(limit).iter_rows(named=True):
        typer.echo(
            f"    {r['program']} subject {r['subject_id']}: {r['determination_before']}"
            f" -> {r['determination_after']} ({r['decisive_rule_before'] or '-'} ->"
            f" {r['decisive_rule_after'] or '-'})"
        )


@app.command("reproduce")
def reproduce_command(
    run: Annotated[str, typer.Option("--run", help="Recorded run id (or a unique prefix).")],
    into: Annotated[
        Path, typer.Option("--into", help="New warehouse file for the re-run (must not exist).")
    ],
    warehouse: Annotated[
        Path | None, typer.Option(help="The warehouse that recorded the run.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Export folder of the re-run (default: beside --into).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Dagster's log.")] = False,
) -> None:
    """Re-run a recorded run (same inputs, rules, options, as-of date) into a new warehouse and
    check that every decision comes out the same."""
    from orchestration.audit import reproduce
    from orchestration.audit.assets import git_revision

    wh = _existing_warehouse(warehouse)
    target = into.resolve()
    if target == wh or target.exists():
        _fail(f"--into {target} exists: reproduce into a new warehouse file")
    try:
        recorded = reproduce.load_run(wh, run)
        before = reproduce.load_decisions(wh, recorded.run_id)
    except reproduce.ReproduceError as e:
        _fail(str(e))
    problems = reproduce.check(recorded)
    if problems:
        _fail(f"cannot reproduce run {recorded.run_id}:\n  " + "\n  ".join(problems))
    for warning in reproduce.code_warnings(recorded, *git_revision()):
        typer.echo(f"warning: {warning}", err=True)
    out_dir = (out or target.with_name(f"{target.stem}_exports")).resolve()
    options = Path(recorded.options_file) if recorded.options_file else None
    _check_out(
        out_dir,
        target,
        [*recorded.extracts, *recorded.supervision, *([options] if options else [])],
    )
    typer.echo(
        f"Reproducing run {recorded.run_id} (as of {recorded.as_of},"
        f" {len(recorded.extracts)} inputs, rules {recorded.rules_dir}) into {target}"
    )
    saved = {k: os.environ.get(k) for k in ("CLEANSLATE_RULES", "CLEANSLATE_WAREHOUSE")}
    os.environ["CLEANSLATE_RULES"] = str(recorded.rules_dir)
    try:
        forecast = _recorded_forecast(recorded.as_of)
        _preflight(recorded.as_of.isoformat(), options, recorded.extracts, forecast)
        os.environ["CLEANSLATE_WAREHOUSE"] = str(target)
        os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
        ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))
        with warehouse_lock(target):
            _run(
                recorded.extracts,
                recorded.as_of.isoformat(),
                recorded.county,
                options,
                out_dir,
                target,
                verbose,
                forecast=forecast,
                supervision=recorded.supervision,
                supervision_complete=recorded.supervision_complete,
            )
        new_id = reproduce.latest_run_id(target)
        after = reproduce.load_decisions(target, new_id)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    differences = reproduce.compare(before, after)
    if differences:
        typer.echo(f"NOT reproduced: run {new_id} differs from run {recorded.run_id}:", err=True)
        for line in differences:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(code=1)
    typer.echo(
        f"reproduced: {after.height} decisions identical"
        f" (run {recorded.run_id} -> run {new_id} in {target})"
    )


review_app = typer.Typer(
    no_args_is_help=True,
    help="The prosecutor's review: read the marks of a review workbook back into the warehouse.",
)
app.add_typer(review_app, name="review")


@review_app.command("import")
def review_import_command(
    file: Annotated[Path, typer.Argument(help="A review workbook (review.xlsx) with marks.")],
    reviewer: Annotated[
        str | None,
        typer.Option(
            help="Who reviewed (default: the workbook's last author, else your login name)."
        ),
    ] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
) -> None:
    """Record the workbook's marks (Agree / Disagree / Needs more information) and notes in
    audit.review_outcomes. Each row is checked against the decision it was written for: a row
    whose decision changed since, or that was edited, is reported and not recorded. The next
    run files only what the review did not keep out."""
    from orchestration.review.import_workbook import ReviewImportError, import_review
    from orchestration.review.store import MARKS

    wh = _existing_warehouse(warehouse)
    path = file.resolve()
    if not path.is_file():
        _fail(f"no workbook at {path}")
    try:
        with warehouse_lock(wh):
            result = import_review(wh, path, reviewer)
    except ReviewImportError as e:
        _fail(str(e))
    wb = result.workbook
    if result.already:
        a = result.already
        when = f"{a['imported_at']:%Y-%m-%d %H:%M}"
        typer.echo(
            f"{path.name} (sha256 {wb.sha256[:12]}) was imported on {when} UTC by"
            f" {a['reviewer']} ({a['recorded']} marks recorded): nothing recorded again."
        )
        return
    for warning in wb.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(
        f"Imported {path.name} (sha256 {wb.sha256[:12]}) by {result.reviewer} into {wh}\n"
        f"  workbook: county {wb.county}, decisions as of {wb.as_of}, decision set"
        f" {(wb.digest or '')[:12]} (run {result.workbook_run_id})"
    )
    by_mark = {label: sum(r.mark == code for r in result.record) for code, label in MARKS.items()}
    typer.echo(
        f"  recorded: {len(result.record)} marks ("
        + ", ".join(f"{n} {label}" for label, n in by_mark.items())
        + ")"
    )
    typer.echo(f"  already recorded (unchanged marks): {len(result.unchanged)}")
    typer.echo(f"  rows without a mark: {result.unmarked}")
    if result.notes_without_mark:
        rows = result.notes_without_mark
        typer.echo(
            f"  notes without a mark, not recorded: {len(rows)} ("
            + ", ".join(r.where for r in rows[:5])
            + (", ..." if len(rows) > 5 else "")
            + "): add a mark and import again"
        )
    for title, reported in (
        ("not recorded, the decision changed since the workbook", result.stale),
        ("not recorded, the row was edited", result.edited),
    ):
        if reported:
            typer.echo(f"  {title}: {len(reported)}")
            for r, why in reported[:20]:
                typer.echo(f"    {r.where}: {why}")
            if len(reported) > 20:
                typer.echo(f"    ... and {len(reported) - 20} more")
    typer.echo(
        "The next `cleanslate run` files what the review agreed with or did not mark, and lists"
        " what it disagreed with or asked more information on in reviewed_out.csv."
    )


def _existing_warehouse(warehouse: Path | None) -> Path:
    wh = (warehouse or warehouse_path()).resolve()
    if not wh.exists():
        _fail(f"no warehouse at {wh}: run `cleanslate run` first (or pass --warehouse)")
    return wh


def main() -> None:
    from orchestration.settings import SettingsError

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SettingsError as e:  # a variable of the wrong type: one line naming it, no traceback
        typer.echo(f"error: {e}", err=True)
        sys.exit(2)
