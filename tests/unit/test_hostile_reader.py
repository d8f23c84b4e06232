"""The hostile corpus through the DOJ reader alone: exact rejects, staged counts, recount.

Duplicates are the ingest asset's business (SQL across files): here they are still staged, as
`Quarantine.reader_*` says. The whole pipeline runs the corpus in
tests/integration/test_hostile_corpus.py.
"""

from pathlib import Path

import polars as pl
import pytest

from devtools.reliability.corpus import BY_NAME, CASES, Failure, Quarantine
from orchestration.ingest.reader import read_extract
from orchestration.ingest.recount import count_input_records

QUARANTINE = [c for c in CASES if isinstance(c.expect, Quarantine)]


def _read(path: Path, chunk_bytes: int):
    staged, rejects, stats = [], [], None
    for s, r, running in read_extract(path, chunk_bytes=chunk_bytes):
        staged.append(s)
        rejects.append(r)
        stats = running
    return pl.concat(staged), pl.concat(rejects), stats


@pytest.mark.parametrize("chunk_bytes", [100, 32 * 1024 * 1024])
@pytest.mark.parametrize("case", QUARANTINE, ids=[c.name for c in QUARANTINE])
def test_quarantine_case_through_the_reader(tmp_path, case, chunk_bytes, record_property):
    expect = case.expect
    assert isinstance(expect, Quarantine)
    paths = case.build(tmp_path)
    assert sorted(p.name for p in paths) == sorted(expect.staged)
    record_property("reliability", "corpus")
    record_property("inputs", len(paths))
    lost = 0
    for path in paths:
        staged, rejects, stats = _read(path, chunk_bytes)
        lost += count_input_records(path).records - staged.height - rejects.height
        record_property("rows_lost", lost)
        name = path.name
        got = dict(zip(rejects["source_line"], rejects["error"], strict=True))
        assert got == expect.reader_rejects(name), name
        assert stats.staged == staged.height == expect.reader_staged(name), name
        assert stats.rejected == rejects.height
        assert stats.blank_lines == expect.blank_lines.get(name, 0), name
        assert stats.input_records == stats.staged + stats.rejected
        assert count_input_records(path).records == stats.input_records, name
        # every staged record is attributable, and lines are never staged twice
        assert staged["SUBJECT_ID"].str.contains(r"\S").all()
        assert staged["source_line"].is_unique().all()
        assert not set(staged["source_line"]) & set(got)
        for v in (v for v in expect.values if v.file == name):
            (value,) = staged.filter(pl.col("source_line") == v.line)[v.column].to_list()
            if v.equals is not None:
                assert value == v.equals, (name, v)
            if v.length is not None:
                assert len(value) == v.length, (name, v)


def test_corpus_is_deterministic(tmp_path):
    for case in CASES:
        a = {p.name: p.read_bytes() for p in case.build(tmp_path / "a" / case.name)}
        b = {p.name: p.read_bytes() for p in case.build(tmp_path / "b" / case.name)}
        assert a == b, case.name


def test_quarantine_file_names_are_distinct_across_cases(tmp_path):
    names = [n for c in QUARANTINE for n in c.expect.staged]  # type: ignore[union-attr]
    assert len(names) == len(set(names))


def test_empty_and_header_only_files_have_no_records(tmp_path):
    for name in ("empty_file", "header_only"):
        case = BY_NAME[name]
        assert isinstance(case.expect, Failure)
        (path,) = case.build(tmp_path)
        staged, rejects, stats = _read(path, 1 << 20)  # the reader reports; the asset fails
        assert (stats.input_records, staged.height, rejects.height) == (0, 0, 0)
        assert count_input_records(path).records == 0


def test_truncated_last_record_is_rejected_with_its_line(tmp_path):
    """No final newline and too few fields: the last line is a reject, not lost."""
    (path, _) = BY_NAME["truncated_last_record"].build(tmp_path)
    assert not path.read_bytes().endswith(b"\n")
    _staged, rejects, _stats = _read(path, 64)
    assert rejects.select("source_line", "error", "field_count").rows() == [
        (4, "wrong number of fields: 40 (expected 95)", 40)
    ]


def test_one_megabyte_field_is_staged_at_small_chunks(tmp_path):
    """A line longer than the chunk is read whole (the chunk grows until the newline)."""
    (path,) = BY_NAME["one_mb_field"].build(tmp_path)
    staged, rejects, _ = _read(path, 4096)
    assert rejects.height == 0
    assert staged["COMMENT_TEXT"].str.len_chars().to_list() == [1 << 20, 0]


def test_bom_is_removed_header_or_not(tmp_path):
    paths = {p.name: p for p in BY_NAME["utf8_bom"].build(tmp_path)}
    _, _, with_header = _read(paths["utf8_bom_header.csv"], 1 << 20)
    assert with_header.has_header
    staged, _, without = _read(paths["utf8_bom_no_header.csv"], 1 << 20)
    assert not without.has_header
    assert not any("\ufeff" in v for v in staged.row(0) if isinstance(v, str))


def test_bom_in_the_middle_is_data_whatever_the_chunking(tmp_path):
    """polars drops a BOM at the start of its input: the reader must not depend on which
    record opens a chunk, so a BOM inside the file stays where it is, at any chunk size."""
    from devtools.reliability.corpus import _misd, line, write

    path = write(
        tmp_path / "mid_bom.csv",
        line(_misd("MB1", record_id="R1")),
        b"\xef\xbb\xbf" + line(_misd("MB2", record_id="R2")),
    )
    for chunk in (64, 1 << 20):
        staged, _, _ = _read(path, chunk)
        assert staged["RECORD_ID"].to_list() == ["R1", "\ufeffR2"], chunk
