"""The extract reader: every record staged or rejected with its line, at any chunk size."""

from pathlib import Path

import polars as pl
import pytest

from orchestration.ingest.reader import read_extract
from orchestration.ingest.recount import count_input_records
from tests.fixtures.doj import rec, write_extract


def _read(path: Path, chunk_bytes: int = 1 << 20):
    staged, rejects, stats = [], [], None
    for s, r, running in read_extract(path, chunk_bytes=chunk_bytes):
        staged.append(s)
        rejects.append(r)
        stats = running
    return pl.concat(staged), pl.concat(rejects), stats


def _extract(tmp_path: Path, header: bool = True) -> Path:
    rows = [
        rec(
            "1",
            "101002001000",
            "COURT ACTION",
            "20140519",
            "11357 HS-POSSESS",
            name="SMITH,ANNA B",
            disp="CONVICTED-JAIL",
        ),
        rec("2", "101002001000", "COURT ACTION", "19900000", "11358 HS", name='O"NEIL,"PAT"'),
        rec("3", "101002001000", "COURT ACTION", "20150100", "11359 HS"),
    ]
    path = write_extract(tmp_path / "x.csv", rows, header=header)
    with path.open("ab") as f:
        f.write(b"a,b,c\n")  # line 5 with header: 3 fields
        f.write(b"   \n")  # blank: not a record
        f.write(b",".join([b""] * 94) + b",\xff\xfe\n")  # 95 fields, not UTF-8
        f.write(b'x,"unterminated' + b"," * 93 + b"\n")  # unbalanced quote
        f.write(b",".join([b"q"] * 96) + b"\r\n")  # 96 fields, CRLF
        last = ",".join(rec("4", "101002001000", "COURT ACTION", "20100101", "11360 HS", name="X"))
        f.write(last.encode() + b"\r\n")  # good, CRLF
    return path


@pytest.mark.parametrize("chunk_bytes", [64, 1000, 1 << 20])
def test_every_record_is_staged_or_rejected_with_its_line(tmp_path, chunk_bytes):
    path = _extract(tmp_path)
    staged, rejects, stats = _read(path, chunk_bytes)
    assert stats.has_header
    assert stats.input_records == stats.staged + stats.rejected == 8
    assert stats.blank_lines == 1
    assert staged["source_line"].to_list() == [2, 3, 4, 10]
    assert staged["SUBJECT_ID"].to_list() == ["1", "2", "3", "4"]
    assert staged["PRI_NAME"].to_list()[:2] == ["SMITH,ANNA B", 'O"NEIL,"PAT"']
    assert staged["END_OF_REC"].to_list() == ["", "", "", ""]  # CRLF stripped
    assert staged["source_sha256"].unique().to_list() == [stats.sha256]
    got = dict(zip(rejects["source_line"], rejects["error"], strict=True))
    assert got == {
        5: "wrong number of fields: 3 (expected 95)",
        7: "undecodable bytes (not UTF-8)",
        8: "unbalanced quote",
        9: "wrong number of fields: 96 (expected 95)",
    }
    assert count_input_records(path).records == stats.input_records


def test_header_is_optional(tmp_path):
    staged, _rejects, stats = _read(_extract(tmp_path, header=False))
    assert not stats.has_header
    assert staged["source_line"].to_list()[0] == 1
    assert stats.input_records == 8


def test_header_with_trailing_comma_is_dropped_unparsed(tmp_path):
    path = tmp_path / "h.csv"
    write_extract(path, [rec("1", "101002001000", "COURT ACTION", "20100101", "11357 HS")])
    text = path.read_text().split("\n", 1)
    path.write_text(text[0] + ",\n" + text[1])
    _staged, _rejects, stats = _read(path)
    assert (stats.has_header, stats.staged, stats.rejected) == (True, 1, 0)


def test_all_columns_are_text(tmp_path):
    staged, _, _ = _read(_extract(tmp_path))
    assert set(staged.select(pl.exclude("source_line")).dtypes) == {pl.String}
    assert staged["PRI_DOB"][0] == "19700101"  # never parsed into a date here
