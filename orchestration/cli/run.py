"""`cleanslate run`: the clearance job on the given inputs, and what it decided.

The launcher (orchestration/launch/) checks the inputs, sets up the environment, holds the
warehouse lock and executes the job; this module passes the options and prints.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

from orchestration.cli.common import note, refusals
from orchestration.launch import environment, preflight, summary
from orchestration.launch.lock import EXIT_BUSY, warehouse_lock
from orchestration.lib.settings import DEFAULT_MAX_UNREAD_SHARE, exports_dir, warehouse_path


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
    with refusals():
        preflight.check_supervision(supervision_files, supervision_complete)
        if rules is not None:
            environment.use_rules_dir(rules.resolve())
        preflight.check_run(as_of, options, extracts, note, forecast)
        warehouse_file = (warehouse or warehouse_path()).resolve()
        out_dir = (out or exports_dir()).resolve()
        preflight.check_out(
            out_dir,
            warehouse_file,
            extracts + supervision_files + ([options.resolve()] if options else []),
        )
        # defaults (runs and event logs stored under DAGSTER_HOME) + one queued UI run at a time
        environment.use_warehouse(warehouse_file)
        from orchestration.quality.gates import gate_run_config

        # One run per warehouse at a time, from ingest to the decisions printed at the end.
        with warehouse_lock(warehouse_file, note, wait=not no_wait):
            run_clearance(
                extracts, as_of, county, options, out_dir, warehouse_file, verbose,
                gates=gate_run_config(max_unread_share, expect_empty),
                forecast=forecast,
                supervision=supervision_files,
                supervision_complete=supervision_complete,
            )  # fmt: skip
    if forecast:
        typer.echo(
            f"Forecast as of {as_of}: no court documents written, no repository updates"
            " (decisions as of a future date;"
            " the report and manifest.json say forecast)."
        )


def run_clearance(
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
    """Execute the clearance job (the caller holds the warehouse lock) and print the outcome:
    what failed (exit 1), or what was ingested, exported and decided."""
    from orchestration.launch.execute import clearance_run_config, execute_clearance

    run_config = clearance_run_config(
        extracts, as_of, county, options, out_dir, verbose,
        gates=gates,
        forecast=forecast,
        supervision=supervision,
        supervision_complete=supervision_complete,
    )  # fmt: skip
    run = execute_clearance(run_config, warehouse_file, verbose)
    result = run.result
    if not run.succeeded:
        typer.echo(f"Run {result.run_id} FAILED: no export was written.", err=True)
        if not verbose:
            typer.echo(f"  the run's log (dbt's, per node): {run.run_log}", err=True)
        for pid, command in run.stopped:
            typer.echo(
                f"  stopped pid {pid} ({command}), left running by the failed step", err=True
            )
        for e in run.failed_checks:
            desc = e.description or ""
            typer.echo(
                f"  check failed: {e.check_name} on {e.asset_key.to_user_string()}: {desc}",
                err=True,
            )
        for step_key, msg in run.step_failures():
            typer.echo(f"  step failed: {step_key}: {msg}", err=True)
        if run.ran_out_of_memory():
            from orchestration.lib.settings import settings

            typer.echo(
                "  DuckDB ran out of memory in dbt's build under CLEANSLATE_DUCKDB_MEMORY="
                f"{settings().duckdb_memory}: raise it (docs/scaling.md says what each size"
                " needs: 3GB for 10M rows) or lower CLEANSLATE_DBT_THREADS",
                err=True,
            )
        raise typer.Exit(code=1)

    typer.echo(f"Run {result.run_id} succeeded (Dagster UI: make dev).")
    for i in summary.ingested(result):
        if i.source == "doj":
            typer.echo(
                f"Ingested:  {i.input_records} DOJ records: {i.staged} "
                f"staged, {i.rejected} rejected (table raw.doj_rejects)"
            )
        if i.source == "canonical":
            typer.echo(
                f"Ingested:  {i.input_records} canonical rows: {i.staged}"
                f" staged, {i.rejected} rejected (table raw.canonical_rejects)"
            )
        if i.source == "supervision":
            _print_supervision(warehouse_file, i.input_records)
    typer.echo(f"Warehouse: {warehouse_file}  (table fct_decisions)")
    typer.echo(f"Exports:   {out_dir}")
    counties = summary.county_summaries(out_dir, county)
    for folder, s in counties:
        typer.echo(
            f"  {folder}: {s['convictions']} convictions {json.dumps(s['by_determination'])}"
            f", relief {json.dumps(s['by_relief'])}, {s['subjects_with_relief']} people with relief"
        )
    total = summary.determination_totals(counties)
    typer.echo(f"Exported:  {sum(total.values())} Prop 64 convictions {json.dumps(total)}")
    _print_decisions(warehouse_file)


def _print_supervision(warehouse_file: Path, rows: int) -> None:
    """How the supervision files' rows matched the DOJ subjects (counts only)."""
    m = summary.supervision_matches(warehouse_file)
    typer.echo(
        f"Supervision: {rows} rows: {m.by_subject_id} matched by SUBJECT_ID, {m.by_cii} by CII"
        f" ({m.people} subjects), {m.unmatched} matched no subject (stg_doj__supervision."
        f"unmatched_reason), {m.rejected} rejected (raw.doj_supervision_rejects); "
        + (
            "declared complete: a subject without a row has no supervision recorded"
            if m.complete
            else "not declared complete: subjects without a row stay unknown"
        )
    )


def _print_decisions(warehouse_file: Path) -> None:
    """Counts per law and determination, straight from the decision table."""
    by_program, unread = summary.decision_counts(warehouse_file)
    typer.echo("Decisions: (table fct_decisions; why: cleanslate explain --subject ID)")
    for (program, title), counts in by_program.items():
        shown = ", ".join(f"{n:,} {d.replace('_', ' ')}" for d, n in counts.items())
        typer.echo(f"  {title} ({program}): {sum(counts.values()):,} decisions: {shown}")
    if unread:
        typer.echo(
            f"Unread:    {unread} conviction records whose offense text reads to no statute"
            " (table rpt_charge_codes_unparsed)"
        )
