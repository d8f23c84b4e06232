"""Supervision files for CA DOJ subjects: read and staged like a canonical table (every row
staged or rejected with its line), found in the landing folder, fabricated for the demo."""

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from devtools.generate.cli import app as generate_app
from devtools.generate.extract import generate_extract
from devtools.generate.supervision import generate_supervision
from orchestration.cli import app
from orchestration.ingest.canonical_format import TABLES
from orchestration.ingest.canonical_reader import CanonicalFormatError, read_table_file
from orchestration.ingest.recount import count_input_records
from orchestration.ingest.supervision_assets import (
    SOURCE_EXTRACT,
    SupervisionConfig,
    resolve_files,
)

TABLE = TABLES["supervision"]


def _write(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header or list(TABLE.columns))
        w.writerows(rows)
    return path


def _read(path: Path):
    staged, rejects, stats = [], [], None
    for s, r, st in read_table_file(path, TABLE, SOURCE_EXTRACT):
        staged.append(s)
        rejects.append(r)
        stats = st
    return pl.concat(staged), pl.concat(rejects), stats


def test_rows_are_staged_or_rejected_with_their_line(tmp_path):
    path = _write(
        tmp_path / "srf.csv",
        [
            ["12345678", "parole", "DOC", "2015-01-01", "2017-06-30"],
            ["1234567890", "probation", "N/A", "2016-03", "-"],  # a CII; placeholders stay text
            ["", "prcs", "COUNTY", "2018-01-01", ""],  # no person_id: rejected
            ["12345678", "parole", "DOC"],  # wrong number of fields: rejected
            ["  -  ", "prcs", "", "", ""],  # a placeholder id is no id: rejected
        ],
    )
    staged, rejects, stats = _read(path)
    assert staged["source_line"].to_list() == [2, 3]
    assert staged["person_id"].to_list() == ["12345678", "1234567890"]
    assert staged["agency"].to_list() == ["DOC", "N/A"]
    assert set(staged["source_extract"]) == {SOURCE_EXTRACT}
    assert set(staged["source_file"]) == {"srf.csv"}
    assert dict(zip(rejects["source_line"], rejects["error"], strict=True)) == {
        4: "missing required value: person_id",
        5: "wrong number of fields: 3 (expected 5)",
        6: "missing required value: person_id",
    }
    assert set(rejects["table_name"]) == {"supervision"}
    # conservation: staged + rejected = the rows the file holds, recounted from its bytes
    assert stats.staged + stats.rejected == stats.input_records == 5
    assert count_input_records(path, header=True).records == 5


def test_parquet_and_a_header_that_is_not_the_table(tmp_path):
    p = tmp_path / "srf.parquet"
    frame = pl.DataFrame({"person_id": ["1", None], "supervision_type": ["parole", "prcs"]})
    frame.write_parquet(p)
    staged, rejects, stats = _read(p)
    assert staged["person_id"].to_list() == ["1"]
    assert rejects["source_line"].to_list() == [2]
    assert stats.input_records == 2
    bad = _write(tmp_path / "bad.csv", [["1", "x"]], header=["SUBJECT_ID", "type"])
    with pytest.raises(CanonicalFormatError, match="missing: person_id"):
        _read(bad)


def test_files_from_config_or_the_landing_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANSLATE_LANDING", str(tmp_path / "landing"))
    assert resolve_files(SupervisionConfig()) == []  # no supervision/ folder: none
    a = _write(tmp_path / "landing" / "supervision" / "a.csv", [])
    _write(tmp_path / "landing" / "extract.csv", [])  # a DOJ extract: not a supervision file
    assert resolve_files(SupervisionConfig()) == [a.resolve()]
    assert resolve_files(SupervisionConfig(files=[])) == []
    b = _write(tmp_path / "other" / "a.csv", [])
    with pytest.raises(ValueError, match="share a file name"):
        resolve_files(SupervisionConfig(files=[str(a), str(b)]))
    with pytest.raises(FileNotFoundError):
        resolve_files(SupervisionConfig(files=[str(tmp_path / "nope.csv")]))


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    path = tmp_path_factory.mktemp("sv") / "extract.csv"
    generate_extract(path, rows=2000, seed=5)
    return path


def test_generated_supervision_file(extract, tmp_path):
    out = tmp_path / "supervision.csv"
    stats = generate_supervision(extract, out, seed=5)
    again = tmp_path / "again.csv"
    generate_supervision(extract, again, seed=5)
    assert out.read_bytes() == again.read_bytes()  # deterministic
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == list(TABLE.columns)
    assert stats.rows == len(rows) and stats.subjects > 50
    with extract.open() as f:
        reader = csv.DictReader(f)
        subject_ids = set()
        ciis = set()
        for r in reader:
            subject_ids.add(r["SUBJECT_ID"])
            ciis.add(r["CII_NUMBER"])
    ids = [r["person_id"].strip().upper() for r in rows]
    assert sum(i in subject_ids for i in ids) > 0
    assert sum(i in ciis for i in ids) == stats.by_cii > 0
    assert sum(i not in subject_ids and i not in ciis for i in ids) == stats.unmatched + 1
    assert {r["supervision_type"] for r in rows} <= {
        "probation",
        "parole",
        "prcs",
        "mandatory_supervision",
    }
    assert all(r["start_date"] for r in rows)


def test_cli_generate_and_run_arguments(extract, tmp_path):
    runner = CliRunner()
    out = tmp_path / "s.csv"
    result = runner.invoke(
        generate_app,
        ["--format", "supervision", "--extract", str(extract), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "supervision rows" in result.output and out.is_file()
    result = runner.invoke(
        generate_app, ["--format", "supervision", "--rows", "5", "--extract", str(extract),
                       "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code != 0 and "--rows" in result.output
    result = runner.invoke(generate_app, ["--format", "supervision", "--out", str(out)])
    assert result.exit_code != 0 and "--extract" in result.output
    # --supervision-complete needs a file; a missing file stops before anything runs
    base = ["run", "--extract", str(extract), "--as-of", "2025-07-01"]
    result = runner.invoke(app, [*base, "--supervision-complete"])
    assert result.exit_code == 2 and "give one" in result.output
    result = runner.invoke(app, [*base, "--supervision", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "supervision file not found" in result.output
