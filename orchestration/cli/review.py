"""`cleanslate review import`: a review workbook's marks into the warehouse
(orchestration/review/import_workbook.py reads and checks them; this module prints)."""

from pathlib import Path
from typing import Annotated

import typer

from orchestration.cli.common import existing_warehouse, fail, note, refusals
from orchestration.launch.lock import warehouse_lock


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

    wh = existing_warehouse(warehouse)
    path = file.resolve()
    if not path.is_file():
        fail(f"no workbook at {path}")
    try:
        with refusals(), warehouse_lock(wh, note):
            result = import_review(wh, path, reviewer)
    except ReviewImportError as e:
        fail(str(e))
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
        note(f"warning: {warning}")
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
