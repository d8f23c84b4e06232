"""Repository update files and the atomic publication of a run's file set."""

import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from orchestration.exports.publish import owner_only, publish, staging_dir, write_manifest
from orchestration.exports.repository import (
    READ_COLUMNS,
    iter_repository_csv,
    iter_repository_jsonl,
    read_repository_csv,
    read_repository_jsonl,
    write_repository_files,
)


def _decisions() -> pl.DataFrame:
    base = {
        "program": "us_ut_clean_slate",
        "jurisdiction": "US-UT",
        "cii_number": None,
        "case_number": "k1",
        "county": "SALT LAKE",
        "statute": "UT:76:6-602",
        "offense_raw": "76-6-602",
        "conviction_date": date(2016, 6, 30),
        "conviction_date_raw": "2016-06-30",
        "as_of": date(2025, 7, 1),
        "rules_version": "v",
        "source_file": "charges.csv",
    }
    rows = [
        {
            **base,
            "decision_id": "a",
            "charge_key": "a",
            "subject_id": "P1",
            "charge_ref": "c1",
            "source_line": 2,
            "determination": "eligible",
            "relief": "expunge",
        },
        {
            **base,
            "decision_id": "b",
            "charge_key": "b",
            "subject_id": "P2",
            "charge_ref": "c2",
            "source_line": 3,
            "determination": "not_yet_eligible",
            "relief": "expunge",
        },
        {
            **base,
            "decision_id": "c",
            "charge_key": "c",
            "subject_id": "P3",
            "charge_ref": "c3",
            "source_line": 4,
            "determination": "eligible",
            "relief": "expunge",
            "program": "us_pa_clean_slate",
        },
    ]
    return pl.DataFrame(rows)


def test_one_record_per_granted_relief_with_a_verified_trailer(tmp_path):
    out = write_repository_files(tmp_path, "us_ut_clean_slate", _decisions())
    assert out["records"] == 1  # not_yet and other programs are not granted here
    rows, trailer = read_repository_csv(tmp_path / "us_ut_clean_slate_updates.csv")
    assert [r["record_id"] for r in rows] == ["a"] and trailer["record_count"] == 1
    assert rows[0]["order_date"] == "PENDING_COURT_ORDER"
    jrows, jtrailer = read_repository_jsonl(tmp_path / "us_ut_clean_slate_updates.jsonl")
    assert jrows[0]["relief"] == "expunge" and jtrailer["record_count"] == 1


def test_a_tampered_file_fails_its_checksum(tmp_path):
    write_repository_files(tmp_path, "us_ut_clean_slate", _decisions())
    path = tmp_path / "us_ut_clean_slate_updates.csv"
    path.write_text(path.read_text().replace("P1", "P9"))
    with pytest.raises(ValueError, match="checksum"):
        read_repository_csv(path)


def test_empty_program_still_has_a_trailer(tmp_path):
    out = write_repository_files(tmp_path, "us_ca_pc_851_93", _decisions())
    assert out["records"] == 0
    rows, trailer = read_repository_jsonl(tmp_path / "us_ca_pc_851_93_updates.jsonl")
    assert rows == [] and trailer["record_count"] == 0


# offense texts a county's extract could hold
ODD_OFFENSES = [
    '11357(A) HS, "MJ"',
    "line\nbreak",
    "cr\rreturn",
    "  spaced  ",
    "ÑOÑO – ü",
    "",
    None,
]


def _awkward_granted() -> pl.DataFrame:
    """Granted decisions with ODD_OFFENSES, in the files' order."""
    rows = [
        {
            **_decisions().row(0, named=True),
            "decision_id": f"d{i}",
            "subject_id": f"P{i // 3}",
            "charge_ref": f"c{i}",
            "source_line": 10 + i,
            "offense_raw": offense,
            "case_number": None if i == 2 else f"k{i}",
        }
        for i, offense in enumerate(ODD_OFFENSES)
    ]
    return pl.DataFrame(rows)


def test_records_are_read_back_one_at_a_time_and_verified_after_the_last(tmp_path):
    """The reconciliation reads a repository file as a stream (at 10M rows a Prop 64 file is
    ~1M records, 0.5 GB of JSON, and reading it whole took the run to ~8 GiB): the same
    records as the file holds, quoted line breaks and all, and the trailer still checked."""
    import csv
    import io
    import json

    write_repository_files(tmp_path, "us_ut_clean_slate", _awkward_granted())
    csv_path = tmp_path / "us_ut_clean_slate_updates.csv"
    jsonl_path = tmp_path / "us_ut_clean_slate_updates.jsonl"
    body = csv_path.read_bytes().rstrip(b"\n").rpartition(b"\n")[0] + b"\n"
    whole = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    assert len(whole) == len(ODD_OFFENSES)
    assert list(iter_repository_csv(csv_path)) == whole
    lines = jsonl_path.read_text(encoding="utf-8").split("\n")[:-2]
    assert list(iter_repository_jsonl(jsonl_path)) == [json.loads(x) for x in lines]

    # one record dropped (the trailer's count and checksum no longer hold): the error comes
    # after the records, so a reader that counts them cannot take them for the file's
    text = jsonl_path.read_text(encoding="utf-8").split("\n")
    jsonl_path.write_text("\n".join(text[1:]), encoding="utf-8")
    with pytest.raises(ValueError, match="trailer says 7 records, file has 6"):
        list(iter_repository_jsonl(jsonl_path))
    data = csv_path.read_bytes()
    csv_path.write_bytes(data.replace(b"c3", b"c9", 1))
    with pytest.raises(ValueError, match="checksum"):
        list(iter_repository_csv(csv_path))
    csv_path.write_bytes(data.rpartition(b"TRAILER")[0])
    with pytest.raises(ValueError, match="no trailer"):
        list(iter_repository_csv(csv_path))


def test_batches_write_the_same_bytes_as_the_whole_frame(tmp_path):
    """The file kind streams a program's rows in batches (in SQL's order); the files must be
    the ones the whole frame gives, trailer and all, with quoting and line breaks kept."""
    frame = _awkward_granted()
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    write_repository_files(whole, "us_ut_clean_slate", frame)
    batches = [frame.slice(0, 2), frame.slice(2, 0), frame.slice(2, 5)]
    out = write_repository_files(parts, "us_ut_clean_slate", iter(batches))
    assert out["records"] == 7
    for name in out["files"]:
        assert (parts / name).read_bytes() == (whole / name).read_bytes(), name
    raw = (parts / "us_ut_clean_slate_updates.csv").read_bytes()
    # RFC 4180 quoting, by hand: commas, quotes, LF and a lone CR inside quotes
    for quoted in (b'"11357(A) HS, ""MJ"""', b'"line\nbreak"', b'"cr\rreturn"', b",  spaced  ,"):
        assert quoted in raw, quoted
    rows, trailer = read_repository_csv(parts / "us_ut_clean_slate_updates.csv")
    assert trailer["record_count"] == 7
    assert [r["offense"] for r in rows] == [o or "" for o in ODD_OFFENSES]  # CSV: None is ""
    jrows, _ = read_repository_jsonl(parts / "us_ut_clean_slate_updates.jsonl")
    assert [r["offense"] for r in jrows][-1] is None and jrows[2]["case_number"] is None


def test_the_columns_the_kind_reads_make_the_same_files(tmp_path):
    """The file kind reads only READ_COLUMNS of exp_decisions (DuckDB sorts a program's rows
    before the first batch: every column made that ~0.26 GiB more at 1M rows): the files from
    those columns are the files from every column, a CII number included."""
    frame = _awkward_granted().with_columns(
        cii_number=pl.format("A{}", pl.int_range(pl.len())),
        person_name=pl.lit("not printed"),
        decision_digest=pl.lit("not printed either"),
    )
    whole, narrow = tmp_path / "whole", tmp_path / "narrow"
    write_repository_files(whole, "us_ut_clean_slate", frame)
    out = write_repository_files(narrow, "us_ut_clean_slate", frame.select(READ_COLUMNS))
    assert out["records"] == frame.height
    for name in out["files"]:
        assert (narrow / name).read_bytes() == (whole / name).read_bytes(), name
    assert b"A3" in (narrow / "us_ut_clean_slate_updates.csv").read_bytes()


def test_a_write_that_fails_midway_leaves_no_file(tmp_path):
    """No trailer vouching for part of a program: the files are removed when a batch fails."""

    def batches():
        yield _awkward_granted().slice(0, 3)
        raise OSError("warehouse read failed")

    with pytest.raises(OSError, match="read failed"):
        write_repository_files(tmp_path, "us_ut_clean_slate", batches())
    assert list(tmp_path.iterdir()) == []


def _make_set(root: Path, marker: str) -> None:
    (root / "X").mkdir(parents=True)
    (root / "X" / "f.csv").write_text(marker)


def test_publish_swaps_the_whole_set(tmp_path):
    out = tmp_path / "exports"
    _make_set(out, "old")
    write_manifest(out, {"X/f.csv": 1}, {"run_id": "run1", "generated_at": "2025-07-01"})
    staging = staging_dir(out, "run2")
    _make_set(staging, "new")
    write_manifest(staging, {"X/f.csv": 1}, {"run_id": "run2"})
    owner_only(staging)
    publish(staging, out)
    assert (out / "X" / "f.csv").read_text() == "new"
    assert (out / "manifest.json").exists()
    assert not staging.exists()
    # the old set is not deleted: it is kept in the history beside the published folder
    assert sorted(p.name for p in tmp_path.iterdir()) == [".exports.history", "exports"]
    (kept,) = (tmp_path / ".exports.history").iterdir()
    assert (kept / "X" / "f.csv").read_text() == "old"
    assert (out / "X" / "f.csv").stat().st_mode & 0o077 == 0


def test_an_unpublished_staging_set_leaves_the_old_one(tmp_path):
    out = tmp_path / "exports"
    _make_set(out, "old")
    staging = staging_dir(out, "run3")
    _make_set(staging, "half")  # a run that failed its checks never calls publish()
    assert (out / "X" / "f.csv").read_text() == "old"


def test_first_publication(tmp_path):
    staging = staging_dir(tmp_path / "exports", "r1")
    _make_set(staging, "first")
    publish(staging, tmp_path / "exports")
    assert (tmp_path / "exports" / "X" / "f.csv").read_text() == "first"
    assert os.listdir(tmp_path) == ["exports"]
