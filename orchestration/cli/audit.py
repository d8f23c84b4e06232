"""`cleanslate explain | trace | diff | reproduce`: questions to the audit tables of a warehouse
(orchestration/audit/ answers them; this module passes the options and prints)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from orchestration.cli.common import existing_warehouse, fail, note, refusals
from orchestration.cli.run import run_clearance
from orchestration.launch import environment, preflight
from orchestration.launch.lock import warehouse_lock


def explain_command(
    subject: Annotated[str, typer.Option(help="Subject / person id as in the extract.")],
    program: Annotated[str | None, typer.Option(help="Only this law, e.g. us_ca_prop64.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
) -> None:
    """Print every decision about a person as a tree: rule by rule, fact by fact."""
    from orchestration.audit.explain import load, render

    wh = existing_warehouse(warehouse)
    decisions, criteria = load(wh, subject, program)
    if decisions.height == 0:
        fail(f"no decisions for subject {subject!r}" + (f" under {program}" if program else ""))
    typer.echo(render(decisions, criteria))


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

    wh = existing_warehouse(warehouse)
    try:
        chains = [trace.verify(c) for c in trace.load(wh, subject, count, program)]
    except trace.TraceError as e:
        fail(str(e))
    typer.echo(trace.to_json(chains) if as_json else trace.render(chains))


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

    wh = existing_warehouse(warehouse)
    try:
        all_runs = diff.runs(wh)
        before_id = diff.resolve_run(all_runs, from_run, -2)
        after_id = diff.resolve_run(all_runs, to_run, -1)
    except (ValueError, Exception) as e:  # duckdb CatalogException: no audit tables yet
        fail(f"cannot diff: {e}")
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

    wh = existing_warehouse(warehouse)
    target = into.resolve()
    if target == wh or target.exists():
        fail(f"--into {target} exists: reproduce into a new warehouse file")
    try:
        recorded = reproduce.load_run(wh, run)
        before = reproduce.load_decisions(wh, recorded.run_id)
    except reproduce.ReproduceError as e:
        fail(str(e))
    problems = reproduce.check(recorded)
    if problems:
        fail(f"cannot reproduce run {recorded.run_id}:\n  " + "\n  ".join(problems))
    for warning in reproduce.code_warnings(recorded, *git_revision()):
        note(f"warning: {warning}")
    out_dir = (out or target.with_name(f"{target.stem}_exports")).resolve()
    options = Path(recorded.options_file) if recorded.options_file else None
    with refusals():
        preflight.check_out(
            out_dir,
            target,
            [*recorded.extracts, *recorded.supervision, *([options] if options else [])],
        )
    typer.echo(
        f"Reproducing run {recorded.run_id} (as of {recorded.as_of},"
        f" {len(recorded.extracts)} inputs, rules {recorded.rules_dir}) into {target}"
    )
    with (
        refusals(),
        environment.restored_environment("CLEANSLATE_RULES", "CLEANSLATE_WAREHOUSE"),
    ):
        environment.use_rules_dir(recorded.rules_dir)
        forecast = preflight.recorded_forecast(recorded.as_of)
        preflight.check_run(recorded.as_of.isoformat(), options, recorded.extracts, note, forecast)
        environment.use_warehouse(target)
        with warehouse_lock(target, note):
            run_clearance(
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
