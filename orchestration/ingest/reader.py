"""Read CA DOJ research-file extracts into typed-as-text polars frames, keeping every record.

Every non-blank line after the optional header is one input record. It is either staged (95
fields, valid UTF-8, balanced quotes) or rejected with its file, line number and the reason, so
staged + rejected = input records, always. Files are read in chunks (flat memory at any size)
and each chunk is checked with vectorised polars expressions before polars parses its good lines.
Quoted fields may contain commas; a record cannot span lines (DOJ writes none), so an
unterminated quote is rejected rather than allowed to swallow the next lines.
"""

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from orchestration.ingest.doj_format import COLUMNS, FIELD_COUNT, HEADER_PREFIX

CHUNK_BYTES = 32 * 1024 * 1024
LINEAGE_COLUMNS = {"source_file": pl.String, "source_line": pl.Int64, "source_sha256": pl.String}
STAGED_SCHEMA = {**dict.fromkeys(COLUMNS, pl.String), **LINEAGE_COLUMNS}
REJECT_SCHEMA = {
    **LINEAGE_COLUMNS,
    "error": pl.String,
    "field_count": pl.Int32,
    "byte_length": pl.Int64,
}
# A quoted field: "..." with "" as an escaped quote inside.
QUOTED_FIELD = r'"(?:[^"]|"")*"'


@dataclass
class FileStats:
    source_file: str
    sha256: str = ""
    has_header: bool = False
    input_records: int = 0
    staged: int = 0
    rejected: int = 0
    blank_lines: int = 0
    bytes: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _lines(path: Path, chunk_bytes: int) -> Iterator[tuple[int, list[bytes]]]:
    """Yield (line number of the first line, lines) per chunk; lines never split."""
    line_no = 1
    rest = b""
    with path.open("rb") as f:
        while True:
            block = f.read(chunk_bytes)
            if not block:
                break
            data = rest + block
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            rest = data[cut + 1 :]
            lines = data[:cut].split(b"\n")
            yield line_no, lines
            line_no += len(lines)
    if rest:
        yield line_no, [rest]


def _check_chunk(
    first_line: int, lines: list[bytes], field_count: int = FIELD_COUNT
) -> pl.DataFrame:
    """One row per line: line number, text (null if not UTF-8) and the error, if any."""
    raw = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    try:
        texts: list[str | None] = b"\n".join(raw).decode("utf-8").split("\n") if raw else []
    except UnicodeDecodeError:
        # Slow path, only for a chunk that holds a bad line: find which ones.
        texts = []
        for ln in raw:
            try:
                texts.append(ln.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(None)
    frame = pl.DataFrame(
        {
            "source_line": pl.int_range(first_line, first_line + len(raw), eager=True),
            "text": pl.Series(texts, dtype=pl.String),
            "byte_length": pl.Series([len(r) for r in raw], dtype=pl.Int64),
        }
    )
    unquoted = pl.col("text").str.replace_all(QUOTED_FIELD, "")
    return frame.with_columns(
        # ASCII whitespace only, exactly as bytes.strip() in the recount check.
        is_blank=pl.col("text").str.strip_chars(" \t\r\n\x0b\x0c").str.len_bytes() == 0,
        field_count=(unquoted.str.count_matches(",", literal=True) + 1).cast(pl.Int32),
        bad_quote=unquoted.str.contains('"', literal=True),
    ).with_columns(
        error=pl.when(pl.col("text").is_null())
        .then(pl.lit("undecodable bytes (not UTF-8)"))
        .when(pl.col("bad_quote"))
        .then(pl.lit("unbalanced quote"))
        .when(pl.col("field_count") != field_count)
        .then(
            pl.format(
                f"wrong number of fields: {{}} (expected {field_count})", pl.col("field_count")
            )
        )
    )


def read_extract(
    path: Path, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, FileStats]]:
    """Yield (staged, rejects, running stats) per chunk of one extract file."""
    stats = FileStats(source_file=path.name, sha256=sha256_of(path), bytes=path.stat().st_size)
    for first_line, lines in _lines(path, chunk_bytes):
        checked = _check_chunk(first_line, lines)
        if (
            first_line == 1
            and checked.height
            and (checked["text"][0] or "").lstrip("\ufeff").startswith(HEADER_PREFIX)
        ):
            # The header row is dropped unparsed (a trailing comma there is harmless).
            stats.has_header = True
            checked = checked.slice(1)
        blank = checked.filter(pl.col("is_blank") & pl.col("text").is_not_null())
        stats.blank_lines += blank.height
        checked = checked.filter(~(pl.col("is_blank") & pl.col("text").is_not_null()))
        good = checked.filter(pl.col("error").is_null())
        bad = checked.filter(pl.col("error").is_not_null())

        staged = _parse_good(good)
        staged = staged.with_columns(
            source_file=pl.lit(path.name),
            source_line=good["source_line"],
            source_sha256=pl.lit(stats.sha256),
        ).select(list(STAGED_SCHEMA))
        rejects = bad.select(
            source_file=pl.lit(path.name),
            source_line=pl.col("source_line"),
            source_sha256=pl.lit(stats.sha256),
            error=pl.col("error"),
            field_count=pl.when(pl.col("text").is_not_null()).then(pl.col("field_count")),
            byte_length=pl.col("byte_length"),
        )
        stats.input_records += checked.height
        stats.staged += staged.height
        stats.rejected += rejects.height
        for err in rejects["error"].to_list():
            kind = err.split(":")[0]
            stats.errors[kind] = stats.errors.get(kind, 0) + 1
        yield staged, rejects.cast(REJECT_SCHEMA), stats  # type: ignore[arg-type]


def _parse_good(good: pl.DataFrame, columns: tuple[str, ...] = COLUMNS) -> pl.DataFrame:
    if good.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    payload = "\n".join(good["text"].to_list()).encode("utf-8") + b"\n"
    df = pl.read_csv(
        io.BytesIO(payload),
        has_header=False,
        new_columns=list(columns),
        schema=dict.fromkeys(columns, pl.String),
        quote_char='"',
        empty_string_is_null=False,
    )
    if df.height != good.height:  # the checks above make this impossible; fail loudly if not
        raise RuntimeError(f"parsed {df.height} records from {good.height} checked lines")
    return df
