"""Read CA DOJ research-file extracts into typed-as-text polars frames, keeping every record.

Every non-blank line after the optional header is one input record. It is either staged (95
fields, valid UTF-8, no NUL byte, well-formed quotes, a SUBJECT_ID) or rejected with its file,
line number and the reason, so staged + rejected = input records, always. Files are read in
chunks (flat memory at any size) and each chunk is checked with vectorised polars expressions
before polars parses its good lines. Quoted fields may contain commas; a record cannot span
lines (DOJ writes none), so an unterminated quote is rejected rather than allowed to swallow the
next lines. A field is quoted whole or not at all: `"a"b` made polars raise, and `a "b,c" d` is
one field to the count but two to polars, so such lines are rejected ("misplaced quote"), as is
`a"b"c` for the same rule. A UTF-8 byte-order mark at the start of the file is dropped, header
or not; CRLF and LF endings may be mixed (a lone CR is not a line end).

Exact duplicate records are not this module's business: the ingest asset quarantines them in
SQL once every file is staged (orchestration/ingest/assets.py).
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from orchestration.ingest.doj_format import COLUMNS, FIELD_COUNT, HEADER_PREFIX
from orchestration.lib.hashing import sha256_of

# 8 MB: a chunk's polars frames take ~30x its bytes while it is checked and split (at 32 MB
# reading 1M records peaked at 1.3 GiB, at 8 MB 0.5 GiB, in no more time)
CHUNK_BYTES = 8 * 1024 * 1024
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
# A well-formed line: comma-separated fields, each quoted whole or free of quotes.
WELL_FORMED = rf'^(?:{QUOTED_FIELD}|[^",]*)(?:,(?:{QUOTED_FIELD}|[^",]*))*$'
UTF8_BOM = b"\xef\xbb\xbf"
MISSING_SUBJECT = "missing SUBJECT_ID"


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


def _lines(path: Path, chunk_bytes: int) -> Iterator[tuple[int, list[bytes]]]:
    """Yield (line number of the first line, lines) per chunk; lines never split. A UTF-8
    byte-order mark at the start of the file is removed from the first line."""
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
            if line_no == 1:
                lines[0] = lines[0].removeprefix(UTF8_BOM)
            yield line_no, lines
            line_no += len(lines)
    if rest:
        yield line_no, [rest.removeprefix(UTF8_BOM) if line_no == 1 else rest]


def _check_chunk(
    first_line: int, lines: list[bytes], field_count: int = FIELD_COUNT
) -> pl.DataFrame:
    """One row per line: line number, text (null if not UTF-8) and the error, if any."""
    try:
        # Fast path: one decode of the whole chunk, lines split inside polars (no Python
        # object per line). A lone trailing CR per line is a CRLF ending and is dropped.
        text = b"\n".join(lines).decode("utf-8") if lines else None
    except UnicodeDecodeError:
        text = None
    if text is not None:
        line_texts = pl.Series("text", [text]).str.split("\n").explode().str.strip_suffix("\r")
        frame = pl.DataFrame(
            {
                "source_line": pl.int_range(first_line, first_line + len(lines), eager=True),
                "text": line_texts,
            }
        ).with_columns(byte_length=pl.col("text").str.len_bytes().cast(pl.Int64))
    else:
        # Slow path, only for a chunk that holds a bad line: find which ones.
        raw = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
        texts: list[str | None] = []
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
        has_nul=pl.col("text").str.contains("\x00", literal=True),
        bad_quote=unquoted.str.contains('"', literal=True),
        well_formed=pl.col("text").str.contains(WELL_FORMED),
    ).with_columns(
        error=pl.when(pl.col("text").is_null())
        .then(pl.lit("undecodable bytes (not UTF-8)"))
        .when(pl.col("has_nul"))
        .then(pl.lit("NUL byte in record"))
        .when(pl.col("bad_quote"))
        .then(pl.lit("unbalanced quote"))
        .when(~pl.col("well_formed"))
        .then(pl.lit("misplaced quote (a field is quoted only in part)"))
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
    """Yield (staged, rejects, running stats) per chunk of one extract file; at least once,
    so an empty file still reports its stats (input_records = 0)."""
    stats = FileStats(source_file=path.name, sha256=sha256_of(path), bytes=path.stat().st_size)
    yielded = False
    for first_line, lines in _lines(path, chunk_bytes):
        checked = _check_chunk(first_line, lines)
        # Recognised on the bytes (BOM already gone), exactly as the recount does.
        if first_line == 1 and lines and lines[0].startswith(HEADER_PREFIX.encode()):
            # The header row is dropped unparsed (a trailing comma there is harmless).
            stats.has_header = True
            checked = checked.slice(1)
        blank = checked.filter(pl.col("is_blank") & pl.col("text").is_not_null())
        stats.blank_lines += blank.height
        checked = checked.filter(~(pl.col("is_blank") & pl.col("text").is_not_null()))
        good = checked.filter(pl.col("error").is_null())
        bad = checked.filter(pl.col("error").is_not_null())

        parsed = _parse_good(good).with_columns(
            source_file=pl.lit(path.name),
            source_line=good["source_line"],
            source_sha256=pl.lit(stats.sha256),
            _byte_length=good["byte_length"],
        )
        # A record nobody can be attributed to is rejected, not staged (the GE suite still
        # guards SUBJECT_ID). Same test as its regex there: no non-whitespace character.
        no_subject = ~parsed["SUBJECT_ID"].str.contains(r"\S").fill_null(False)
        staged = parsed.filter(~no_subject).select(list(STAGED_SCHEMA))
        rejects = pl.concat(
            [
                bad.select(
                    source_line=pl.col("source_line"),
                    error=pl.col("error"),
                    field_count=pl.when(pl.col("text").is_not_null()).then(pl.col("field_count")),
                    byte_length=pl.col("byte_length"),
                ),
                parsed.filter(no_subject).select(
                    source_line=pl.col("source_line"),
                    error=pl.lit(MISSING_SUBJECT),
                    field_count=pl.lit(FIELD_COUNT, dtype=pl.Int32),
                    byte_length=pl.col("_byte_length"),
                ),
            ]
        ).sort("source_line")
        rejects = rejects.select(
            source_file=pl.lit(path.name, dtype=pl.String),
            source_line=pl.col("source_line"),
            source_sha256=pl.lit(stats.sha256, dtype=pl.String),
            error=pl.col("error"),
            field_count=pl.col("field_count"),
            byte_length=pl.col("byte_length"),
        )
        stats.input_records += checked.height
        stats.staged += staged.height
        stats.rejected += rejects.height
        for err in rejects["error"].to_list():
            kind = err.split(":")[0]
            stats.errors[kind] = stats.errors.get(kind, 0) + 1
        yielded = True
        yield staged, rejects.cast(REJECT_SCHEMA), stats  # type: ignore[arg-type]
    if not yielded:  # an empty file: no chunk at all
        yield pl.DataFrame(schema=STAGED_SCHEMA), pl.DataFrame(schema=REJECT_SCHEMA), stats


def _parse_good(good: pl.DataFrame, columns: tuple[str, ...] = COLUMNS) -> pl.DataFrame:
    if good.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    # A header line first: polars drops a byte-order mark at the start of its input, which
    # must not depend on which record happens to open a chunk.
    body = good["text"].str.join("\n").item()  # one string, not a Python object per line
    payload = (",".join(columns) + "\n" + body + "\n").encode("utf-8")
    df = pl.read_csv(
        io.BytesIO(payload),
        has_header=True,
        schema=dict.fromkeys(columns, pl.String),
        quote_char='"',
        empty_string_is_null=False,
    )
    if df.height != good.height:  # the checks above make this impossible; fail loudly if not
        raise RuntimeError(f"parsed {df.height} records from {good.height} checked lines")
    return df
