"""`python -m devtools.generate`: write a fabricated extract.

`--format doj` (default): a CA DOJ research-file CSV (`--out` is a file).
`--format canonical --state UT|PA|CA`: a canonical extract folder (docs/canonical-format.md;
`--out` is a folder, `--file-format csv|parquet`).
`--format supervision --extract EXTRACT.csv`: a supervision file (canonical `supervision`
columns) for the subjects of a DOJ extract, keyed by SUBJECT_ID or CII (`--out` is a file; no
`--rows`: one row per supervision period the extract's convictions imply).

A development tool, not part of the runtime `cleanslate` CLI: run it from the repository root
(`python -m` puts the root on sys.path), e.g. `make demo-inputs`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from devtools.generate.canonical import GENERATED_STATES, generate_canonical
from devtools.generate.extract import generate_extract
from devtools.generate.supervision import generate_supervision


class ExtractFormat(StrEnum):
    doj = "doj"
    canonical = "canonical"
    supervision = "supervision"


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


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
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows",
            min=0,
            help="doj: exact number of data rows. canonical: about this many charges."
            " Required for both; not for supervision.",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="RNG seed (same seed, same bytes).")
    ] = 0,
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="doj: output CSV file; canonical: output folder (written atomically)."
        ),
    ],
    counties: Annotated[
        list[str] | None,
        typer.Option(
            "--counties",
            help='doj only. County names as DOJ writes them: "A,B" or repeated. '
            "Default: 6 CA counties.",
        ),
    ] = None,
    no_header: Annotated[
        bool, typer.Option("--no-header", help="doj only. Omit the RECORD_ID,... header line.")
    ] = False,
    placeholder: Annotated[
        str | None,
        typer.Option(
            "--placeholder",
            help='doj only. Write this in every empty cell, e.g. "  -  " as the earlier'
            " tool's test data did.",
        ),
    ] = None,
    extract_format: Annotated[
        ExtractFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="doj: CA DOJ research file; canonical: canonical extract folder;"
            " supervision: supervision file for a DOJ extract's subjects.",
        ),
    ] = ExtractFormat.doj,
    extract: Annotated[
        Path | None,
        typer.Option(
            "--extract",
            help="supervision only (required): the DOJ extract whose subjects it covers.",
        ),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help=f"canonical only (required): {' / '.join(GENERATED_STATES)}."),
    ] = None,
    file_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--file-format",
            case_sensitive=False,
            help="canonical only: csv (default) or parquet files.",
        ),
    ] = None,
) -> None:
    """Write a fabricated (no real people) DOJ or canonical extract; print counts only."""
    if extract_format is ExtractFormat.supervision:
        if placeholder is not None:
            raise typer.BadParameter("only with --format doj", param_hint="'--placeholder'")
        _generate_supervision(rows, seed, out, extract, state, file_format, counties, no_header)
        return
    if extract is not None:
        raise typer.BadParameter("only with --format supervision", param_hint="'--extract'")
    if rows is None:
        raise typer.BadParameter("required with --format doj or canonical", param_hint="'--rows'")
    if extract_format is ExtractFormat.canonical:
        if placeholder is not None:
            raise typer.BadParameter("only with --format doj", param_hint="'--placeholder'")
        _generate_canonical(rows, seed, out, state, file_format, counties, no_header)
        return
    if state is not None:
        raise typer.BadParameter("only with --format canonical", param_hint="'--state'")
    if file_format is not None:
        raise typer.BadParameter("only with --format canonical", param_hint="'--file-format'")
    if out.is_dir():
        raise typer.BadParameter(f"File {str(out)!r} is a directory.", param_hint="'--out'")
    try:
        stats = generate_extract(
            out,
            rows=rows,
            seed=seed,
            counties=_split_counties(counties),
            header=not no_header,
            placeholder=placeholder,
        )
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(
        f"wrote {stats.rows} rows, {stats.subjects} subjects, "
        f"{stats.convictions} convictions to {out}"
    )


def _generate_canonical(
    rows: int,
    seed: int,
    out: Path,
    state: str | None,
    file_format: FileFormat | None,
    counties: list[str] | None,
    no_header: bool,
) -> None:
    states = ", ".join(GENERATED_STATES)
    if state is None or not state.strip():
        raise typer.BadParameter(
            f"required with --format canonical (one of {states})", param_hint="'--state'"
        )
    if state.strip().upper() not in GENERATED_STATES:
        raise typer.BadParameter(
            f"{state!r} is not a generated state (one of {states})", param_hint="'--state'"
        )
    if counties:
        raise typer.BadParameter("only with --format doj", param_hint="'--counties'")
    if no_header:
        raise typer.BadParameter("only with --format doj", param_hint="'--no-header'")
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(
            f"{str(out)!r} is a file; canonical extracts are folders", param_hint="'--out'"
        )
    fmt = (file_format or FileFormat.csv).value
    try:
        stats = generate_canonical(out, rows=rows, seed=seed, state=state, fmt=fmt)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(
        f"wrote {stats.state} canonical extract ({stats.file_format}): "
        + ", ".join(f"{n} {name}" for name, n in stats.table_counts().items())
        + f"; {stats.notable['convictions']} convictions to {out}"
    )


def _generate_supervision(
    rows: int | None,
    seed: int,
    out: Path,
    extract: Path | None,
    state: str | None,
    file_format: FileFormat | None,
    counties: list[str] | None,
    no_header: bool,
) -> None:
    if extract is None or not extract.is_file():
        raise typer.BadParameter(
            "required with --format supervision: the DOJ extract file whose subjects it covers",
            param_hint="'--extract'",
        )
    for given, hint in (
        (rows is not None, "--rows"),
        (state is not None, "--state"),
        (file_format is not None, "--file-format"),
        (bool(counties), "--counties"),
        (no_header, "--no-header"),
    ):
        if given:
            raise typer.BadParameter("not with --format supervision", param_hint=f"'{hint}'")
    if out.is_dir():
        raise typer.BadParameter(f"File {str(out)!r} is a directory.", param_hint="'--out'")
    stats = generate_supervision(extract, out, seed=seed)
    typer.echo(
        f"wrote {stats.rows} supervision rows for {stats.subjects} subjects"
        f" ({stats.by_cii} keyed by CII, {stats.open_periods} open periods,"
        f" {stats.unmatched} matching no subject, 1 without person_id) to {out}"
    )


app = typer.Typer(add_completion=False)
app.command()(generate_command)
