"""`cleanslate generate`: write a fabricated CA DOJ research-file extract.

The console script's app lives in `orchestration/cli.py`; it wires this command in with
`register(app)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orchestration.generate.extract import generate_extract


def _split_counties(values: list[str] | None) -> list[str] | None:
    """`--counties "A,B"` and repeated `--counties A --counties B` both work (and mix)."""
    if not values:
        return None
    names = [name.strip() for value in values for name in value.split(",")]
    names = [name for name in names if name]
    if not names:
        raise typer.BadParameter("no county names given", param_hint="--counties")
    return names


def generate_command(
    *,
    rows: Annotated[int, typer.Option("--rows", min=0, help="Exact number of data rows.")],
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="RNG seed (same seed, same bytes).")
    ] = 0,
    out: Annotated[
        Path, typer.Option("--out", dir_okay=False, help="Output CSV path (written atomically).")
    ],
    counties: Annotated[
        list[str] | None,
        typer.Option(
            "--counties",
            help='County names as DOJ writes them: "A,B" or repeated. Default: 6 CA counties.',
        ),
    ] = None,
    no_header: Annotated[
        bool, typer.Option("--no-header", help="Omit the RECORD_ID,... header line.")
    ] = False,
) -> None:
    """Write a fabricated (no real people) DOJ research-file extract; print counts only."""
    try:
        stats = generate_extract(
            out, rows=rows, seed=seed, counties=_split_counties(counties), header=not no_header
        )
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(
        f"wrote {stats.rows} rows, {stats.subjects} subjects, "
        f"{stats.convictions} convictions to {out}"
    )


def register(app: typer.Typer) -> None:
    """Add the `generate` command to the `cleanslate` app."""
    app.command("generate")(generate_command)
