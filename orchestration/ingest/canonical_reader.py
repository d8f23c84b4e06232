"""Read a canonical extract folder (docs/canonical-format.md): one CSV or Parquet per table.

Same guarantees as the DOJ reader: every row is staged or rejected with file, line and reason.
CSV files go through the same line checks (field count from the header, UTF-8, quotes);
rows missing a required value are rejected too.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from orchestration.ingest.canonical_format import TABLES, Table
from orchestration.ingest.reader import (  # the DOJ reader's chunks and checks
    CHUNK_BYTES,
    _check_chunk,
    _lines,
    _parse_good,
    sha256_of,
)

LINEAGE = {
    "source_extract": pl.String,
    "source_file": pl.String,
    "source_line": pl.Int64,
    "source_sha256": pl.String,
}
REJECT_SCHEMA = {**LINEAGE, "table_name": pl.String, "error": pl.String}


class CanonicalFormatError(ValueError):
    """The folder or a file's header does not follow the canonical format."""


@dataclass
class TableStats:
    table: str
    path: str | None
    present: bool
    sha256: str | None = None
    input_records: int = 0
    staged: int = 0
    rejected: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def is_canonical_extract(path: Path) -> bool:
    return path.is_dir()


def table_file(folder: Path, table: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        p = folder / f"{table}{suffix}"
        if p.is_file():
            return p
    return None


def staged_schema(table: Table) -> dict[str, pl.DataType]:
    return {**dict.fromkeys(table.columns, pl.String), **LINEAGE}


# A cell that says "no value" (docs/placeholders.md): the same pattern as dbt's clean_text
# (macros/cleaning.sql placeholder_pattern), over the trimmed, space-collapsed cell; a test keeps
# the two in step. A required value written as a placeholder is missing, not a key.
PLACEHOLDER_PATTERN = r"^(?:-[- ]*|[Nn][Uu][Ll][Ll]|[Nn]/[Aa]|#[Nn]/[Aa])$"


def _is_blank(col: str) -> pl.Expr:
    text = pl.col(col).str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.col(col).is_null() | (text == "") | text.str.contains(PLACEHOLDER_PATTERN)


def _required_errors(frame: pl.DataFrame, table: Table) -> pl.Expr:
    expr = pl.lit(None, dtype=pl.String)
    for col in reversed(table.required):
        blank = _is_blank(col)
        expr = pl.when(blank).then(pl.lit(f"missing required value: {col}")).otherwise(expr)
    return expr


def read_table(
    folder: Path, table: Table, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, TableStats]]:
    """Yield (staged, rejects, running stats) for one table of an extract folder."""
    path = table_file(folder, table.name)
    if path is None:
        if not table.optional_file:
            raise CanonicalFormatError(f"{folder}: {table.name}.csv (or .parquet) is required")
        yield (
            pl.DataFrame(schema=staged_schema(table)),
            pl.DataFrame(schema=REJECT_SCHEMA),
            TableStats(table=table.name, path=None, present=False),
        )
        return
    yield from read_table_file(path, table, folder.name, chunk_bytes)


def read_table_file(
    path: Path, table: Table, extract: str, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, TableStats]]:
    """Yield (staged, rejects, running stats) for one file holding `table`, whatever its name
    (a canonical extract's `<table>.csv`, or a supervision file handed to a DOJ run).
    `extract` is the source_extract lineage value of its rows."""
    stats = TableStats(table=table.name, path=str(path), present=True)
    stats.sha256 = sha256_of(path)
    lineage = {
        "source_extract": pl.lit(extract),
        "source_file": pl.lit(path.name),
        "source_sha256": pl.lit(stats.sha256),
    }
    for frame, bad in _frames(path, table, chunk_bytes):
        # rows missing a required value are rejected as well
        frame = frame.with_columns(_error=_required_errors(frame, table))
        missing = frame.filter(pl.col("_error").is_not_null())
        frame = frame.filter(pl.col("_error").is_null()).drop("_error")
        rejects = pl.concat(
            [
                bad.select("source_line", "error"),
                missing.select("source_line", error=pl.col("_error")),
            ]
        ).select(
            **lineage,
            source_line=pl.col("source_line"),
            table_name=pl.lit(table.name),
            error=pl.col("error"),
        )
        staged = frame.with_columns(**lineage).select(list(staged_schema(table)))
        stats.input_records += staged.height + rejects.height
        stats.staged += staged.height
        stats.rejected += rejects.height
        for err in rejects["error"].to_list():
            kind = err.split(":")[0]
            stats.errors[kind] = stats.errors.get(kind, 0) + 1
        yield staged, rejects.select(list(REJECT_SCHEMA)).cast(REJECT_SCHEMA), stats  # type: ignore[arg-type]


def _frames(
    path: Path, table: Table, chunk_bytes: int
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """(rows with source_line, rejected (source_line, error)) per chunk, columns in spec order."""
    if path.suffix == ".parquet":
        df = pl.read_parquet(path)
        _check_header(path, list(df.columns), table)
        df = df.select(
            [
                pl.col(c).cast(pl.String) if c in df.columns else pl.lit(None, pl.String).alias(c)
                for c in table.columns
            ]
        ).with_columns(source_line=pl.int_range(1, df.height + 1, dtype=pl.Int64))
        yield df, pl.DataFrame(schema={"source_line": pl.Int64, "error": pl.String})
        return
    header: list[str] | None = None
    for first_line, lines in _lines(path, chunk_bytes):
        if header is None:
            header = [
                h.strip().lstrip("\ufeff")
                for h in lines[0].decode("utf-8", "replace").rstrip("\r").split(",")
            ]
            _check_header(path, header, table)
            lines = lines[1:]
            first_line += 1
        checked = _check_chunk(first_line, lines, field_count=len(header))
        checked = checked.filter(~(pl.col("is_blank") & pl.col("text").is_not_null()))
        good = checked.filter(pl.col("error").is_null())
        bad = checked.filter(pl.col("error").is_not_null()).select("source_line", "error")
        parsed = _parse_good(good, tuple(header))
        frame = (
            parsed.select(
                [
                    pl.col(c) if c in header else pl.lit(None, pl.String).alias(c)
                    for c in table.columns
                ]
            )
            .with_columns(
                # CSV blanks are unknown values
                [
                    pl.when(pl.col(c).str.strip_chars() == "")
                    .then(None)
                    .otherwise(pl.col(c))
                    .alias(c)
                    for c in table.columns
                ]
            )
            .with_columns(source_line=good["source_line"])
        )
        yield frame, bad


def _check_header(path: Path, header: list[str], table: Table) -> None:
    missing = [c for c in table.required if c not in header]
    unknown = [c for c in header if c not in table.columns]
    if missing or unknown:
        raise CanonicalFormatError(
            f"{path}: columns do not match the canonical {table.name} table"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + f" (expected: {', '.join(table.columns)})"
        )


def read_extract_folder(
    folder: Path,
) -> Iterator[tuple[str, pl.DataFrame, pl.DataFrame, TableStats]]:
    """(table name, staged, rejects, running stats) for every table of the format."""
    if not (folder / "persons.csv").exists() and not (folder / "persons.parquet").exists():
        raise CanonicalFormatError(
            f"{folder}: not a canonical extract (no persons.csv or persons.parquet)"
        )
    for table in TABLES.values():
        for staged, rejects, stats in read_table(folder, table):
            yield table.name, staged, rejects, stats
