"""Repository update files: one record per granted relief, for the state repository to load.

Per program, `<program>_updates.csv` and `<program>_updates.jsonl`. Each ends with a trailer
that carries the record count and the SHA-256 of every byte before the trailer, so the
repository can tell a complete, untouched file from a truncated or altered one:
    CSV:   TRAILER,<record_count>,<sha256>
    JSONL: {"trailer": {"record_count": N, "sha256": "..."}}
"""

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

COLUMNS = (
    "record_id",
    "program",
    "jurisdiction",
    "subject_id",
    "cii_number",
    "charge_ref",
    "case_number",
    "county",
    "statute",
    "offense",
    "conviction_date",
    "relief",
    "order_date",
    "as_of",
    "rules_version",
    "source_file",
    "source_line",
)
ORDER_DATE_PLACEHOLDER = "PENDING_COURT_ORDER"
# the decision rows' columns a record is made from (_records) and chosen by (GRANTED): all the
# kind reads of exp_decisions (with the review's columns), not its 56
READ_COLUMNS = (
    "decision_id",
    "program",
    "jurisdiction",
    "subject_id",
    "cii_number",
    "charge_ref",
    "case_number",
    "county",
    "statute",
    "offense_raw",
    "conviction_date",
    "conviction_date_raw",
    "determination",
    "relief",
    "as_of",
    "rules_version",
    "source_file",
    "source_line",
)


# a decision that grants relief now: eligible, with a relief
GRANTED = (pl.col("determination") == "eligible") & pl.col("relief").is_not_null()


def granted(decisions: pl.DataFrame) -> pl.DataFrame:
    """Decisions that grant relief now, in the files' order."""
    return decisions.filter(GRANTED).sort("program", "subject_id", "charge_ref")


def _records(rows: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in rows.iter_rows(named=True):
        out.append(
            {
                "record_id": r["decision_id"],
                "program": r["program"],
                "jurisdiction": r["jurisdiction"],
                "subject_id": r["subject_id"],
                "cii_number": r.get("cii_number"),
                "charge_ref": r["charge_ref"],
                "case_number": r["case_number"],
                "county": r["county"],
                "statute": r["statute"],
                "offense": r["offense_raw"],
                "conviction_date": r["conviction_date"].isoformat()
                if r["conviction_date"]
                else r["conviction_date_raw"],
                "relief": r["relief"],
                "order_date": ORDER_DATE_PLACEHOLDER,
                "as_of": r["as_of"].isoformat() if isinstance(r["as_of"], date) else r["as_of"],
                "rules_version": r["rules_version"],
                "source_file": r["source_file"],
                "source_line": r["source_line"],
            }
        )
    return out


def _csv_field(value: Any) -> str:
    text = "" if value is None else str(value)
    # the csv module's minimal quoting, and a lone CR too: csv.writer leaves a field holding
    # one unquoted when the line end is LF, and every reader takes it for the end of a record
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_line(values: Iterable[Any]) -> str:
    return ",".join(_csv_field(v) for v in values) + "\n"


class _TrailedFile:
    """One update file written a batch of records at a time, its SHA-256 kept as it goes: the
    trailer is written last, from the count and the hash (nothing but a batch is held)."""

    def __init__(self, path: Path, head: bytes = b"") -> None:
        self.path = path
        self._f = path.open("wb")
        self._sha = hashlib.sha256()
        self.records = 0
        self._write(head)

    def _write(self, data: bytes) -> None:
        self._f.write(data)
        self._sha.update(data)

    def add(self, data: bytes, records: int) -> None:
        self._write(data)
        self.records += records

    def close(self, trailer: str) -> None:
        """`trailer` is formatted with the record count and the hash of the body."""
        self._f.write(trailer.format(n=self.records, sha=self._sha.hexdigest()).encode())
        self._f.close()

    def discard(self) -> None:
        """A write that failed: no file, rather than one whose trailer vouches for part of it."""
        self._f.close()
        self.path.unlink(missing_ok=True)


def write_repository_files(
    out_dir: Path, program: str, decisions: pl.DataFrame | Iterable[pl.DataFrame]
) -> dict:
    """Write both files for one program; return the record count and the files' names.

    decisions: a frame, or batches of frames in the files' order (program, subject_id,
    charge_ref: UnitRows.ordered in SQL, so a statewide program is never held whole); only
    the rows granted relief under `program` are written (`granted`)."""
    if isinstance(decisions, pl.DataFrame):
        decisions = [granted(decisions)]  # one frame: sorted here
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_file = _TrailedFile(out_dir / f"{program}_updates.csv", _csv_line(COLUMNS).encode())
    jsonl_file = _TrailedFile(out_dir / f"{program}_updates.jsonl")
    try:
        for batch in decisions:
            records = _records(batch.filter((pl.col("program") == program) & GRANTED))
            body = "".join(_csv_line(rec[c] for c in COLUMNS) for rec in records)
            csv_file.add(body.encode("utf-8"), len(records))
            jbody = "".join(json.dumps(rec, sort_keys=True) + "\n" for rec in records)
            jsonl_file.add(jbody.encode("utf-8"), len(records))
    except BaseException:
        csv_file.discard()
        jsonl_file.discard()
        raise
    csv_file.close("TRAILER,{n},{sha}\n")
    jsonl_file.close('{{"trailer": {{"record_count": {n}, "sha256": "{sha}"}}}}\n')
    return {
        "records": csv_file.records,
        "files": [csv_file.path.name, jsonl_file.path.name],
    }


def read_repository_csv(path: Path) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Parse a repository CSV and verify its trailer; raise ValueError when it does not hold."""
    rows = list(iter_repository_csv(path))
    return rows, _trailer_of(path)[1]


def read_repository_jsonl(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Parse a repository JSONL file and verify its trailer; ValueError when it does not hold."""
    rows = list(iter_repository_jsonl(path))
    return rows, _trailer_of(path)[1]


def iter_repository_csv(path: Path) -> Iterator[dict[str, str]]:
    """A repository CSV's records one at a time, in bounded memory (a 10M-row extract's Prop 64
    file holds ~1M); the trailer's count and checksum are verified after the last record
    (ValueError then: a caller counting records must not trust them before the end)."""
    return _read_records(path, csv.DictReader)


def iter_repository_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """A repository JSONL file's records one at a time, verified as iter_repository_csv."""
    return _read_records(path, lambda lines: (json.loads(x) for x in lines if x.rstrip("\r\n")))


def _read_records(path: Path, parse: Callable[[Iterator[str]], Iterable[Any]]) -> Iterator[Any]:
    """The records `parse` makes of the body's lines (the bytes before the trailer line, read a
    line at a time and hashed as they go), then the trailer checked against them."""
    body_len, trailer = _trailer_of(path)
    sha = hashlib.sha256()

    def lines() -> Iterator[str]:
        left = body_len
        with path.open("rb") as f:
            while left > 0:
                raw = f.readline(left)  # not into the trailer
                if not raw:
                    break
                left -= len(raw)
                sha.update(raw)
                yield raw.decode("utf-8")  # a quoted newline in a CSV field: csv joins them

    records = 0
    for record in parse(lines()):
        records += 1
        yield record
    if trailer["record_count"] != records:
        raise ValueError(
            f"{path.name}: trailer says {trailer['record_count']} records, file has {records}"
        )
    if sha.hexdigest() != trailer["sha256"]:
        raise ValueError(f"{path.name}: checksum does not match the records")


def _trailer_of(path: Path) -> tuple[int, dict[str, Any]]:
    """(bytes before the trailer line, {"record_count", "sha256"}) read from the file's end."""
    with path.open("rb") as f:
        size = f.seek(0, io.SEEK_END)
        f.seek(max(0, size - 65536))  # a trailer line is ~100 bytes
        tail_start = f.tell()
        tail = f.read()
    head, newline, last = tail.rstrip(b"\n").rpartition(b"\n")
    if not newline and tail_start > 0:
        raise ValueError(f"{path.name}: no trailer")
    body_len = tail_start + len(head) + len(newline)
    if path.suffix == ".jsonl":
        trailer = json.loads(last)["trailer"]
        return body_len, {"record_count": int(trailer["record_count"]), "sha256": trailer["sha256"]}
    tag, _, rest = last.decode().partition(",")
    count, _, sha = rest.partition(",")
    if tag != "TRAILER" or not count.isdigit():
        raise ValueError(f"{path.name}: no trailer")
    return body_len, {"record_count": int(count), "sha256": sha}
