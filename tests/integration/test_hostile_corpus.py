"""The hostile corpus (devtools/reliability/corpus.py) through the whole pipeline.

Every Quarantine case's files go through ONE `cleanslate run` together (distinct file names,
distinct subjects): the run must succeed with exactly the expected rejects per file and line,
the expected staged counts, and the expected decisions. The Failure cases each get their own
run, which must fail with exit code 1 and a message naming the file and the problem.
"""

import csv
import json
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance
from typer.testing import CliRunner

from devtools.reliability.corpus import AS_OF, CASES, RUN_OPTIONS, Failure, Quarantine
from orchestration.cli import app

pytestmark = pytest.mark.integration

QUARANTINE = [c for c in CASES if isinstance(c.expect, Quarantine)]
FAILURES = [c for c in CASES if isinstance(c.expect, Failure)]
SHARED_FOLDERS = {"repository", "report"}


def _expect(case) -> Quarantine:
    assert isinstance(case.expect, Quarantine)
    return case.expect


def _run(tmp: Path, extracts: list[Path], *extra: str):
    args = ["run", "--as-of", AS_OF, "--out", str(tmp / "out")]
    args += ["--warehouse", str(tmp / "wh.duckdb")]
    for e in extracts:
        args += ["--extract", str(e)]
    return CliRunner().invoke(app, [*args, *extra], catch_exceptions=False)


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    extracts = [p for case in QUARANTINE for p in case.build(tmp / "in" / case.name)]
    options = tmp / "options.json"
    options.write_text(json.dumps(RUN_OPTIONS))
    result = _run(tmp, extracts, "--options", str(options))
    assert result.exit_code == 0, result.output
    return tmp, result


def test_rejects_are_exactly_the_expected_lines(corpus_run):
    tmp, _ = corpus_run
    got = {
        (f, ln): err
        for f, ln, err in _query(
            tmp / "wh.duckdb", "select source_file, source_line, error from raw.doj_rejects"
        )
    }
    expected = {
        (f, ln): reason
        for case in QUARANTINE
        for f, lines in _expect(case).rejects.items()
        for ln, reason in lines.items()
    }
    assert got == expected


def test_staged_counts_and_reconciliation(corpus_run, record_property):
    tmp, result = corpus_run
    db = tmp / "wh.duckdb"
    staged = dict(
        _query(db, "select source_file, count(*) from raw.doj_extract group by source_file")
    )
    expected = {f: n for case in QUARANTINE for f, n in _expect(case).staged.items()}
    assert {f: staged.get(f, 0) for f in expected} == expected
    assert set(staged) <= set(expected)
    # the manifest agrees with the tables, file by file (what the reconciliation check reads)
    files = _query(db, "select source_file, input_records, staged, rejected from raw.doj_files")
    record_property("reliability", "corpus")
    record_property("inputs", len(files))
    record_property("runs", 1)
    record_property("rows_lost", sum(i - s - r for _, i, s, r in files))
    for f, input_records, n_staged, n_rejected in files:
        assert n_staged == expected[f], f
        assert input_records == n_staged + n_rejected, f
    assert "Ingested:" in result.output


def test_duplicates_are_reported_in_the_asset_metadata(corpus_run):
    expected = sum(_expect(c).duplicates() for c in QUARANTINE)
    assert expected == 6
    with DagsterInstance.get() as instance:
        extract = instance.get_latest_materialization_event(AssetKey(["raw", "doj_extract"]))
        rejects = instance.get_latest_materialization_event(AssetKey(["raw", "doj_rejects"]))
    assert extract is not None and rejects is not None
    assert extract.asset_materialization.metadata["duplicates"].value == expected
    meta = rejects.asset_materialization.metadata
    assert meta["duplicates"].value == expected
    assert meta["duplicates_by_file"].value == {"duplicate_records.csv": 3, "same_content_b.csv": 3}
    assert meta["by_error"].value["duplicate"] == expected


def test_staged_field_values(corpus_run):
    tmp, _ = corpus_run
    db = tmp / "wh.duckdb"
    for case in QUARANTINE:
        for v in _expect(case).values:
            ((value,),) = _query(
                db,
                f'select "{v.column}" from raw.doj_extract where source_file = '
                f"'{v.file}' and source_line = {v.line}",
            )
            if v.equals is not None:
                assert value == v.equals, (case.name, v)
            if v.length is not None:
                assert len(value) == v.length, (case.name, v)


def test_decisions(corpus_run):
    tmp, _ = corpus_run
    rows = _query(
        tmp / "wh.duckdb",
        "select program, subject_id, cnt_order, determination, decisive_rule, relief, county"
        " from fct_decisions",
    )
    by_key: dict[tuple, list[tuple]] = {}
    for program, subject, cnt, *rest in rows:
        by_key.setdefault((program, subject, cnt), []).append(tuple(rest))
    wrong = {}
    for case in QUARANTINE:
        for d in _expect(case).decisions:
            got = by_key.get((d.program, d.subject, d.cnt_order), [])
            if d.determination is None:
                if got:
                    wrong[(case.name, d.subject)] = (got, "no decision")
                continue
            want = (d.determination, d.decisive_rule, d.relief)
            if [g[:3] for g in got] != [want] or (d.county and got[0][3] != d.county):
                wrong[(case.name, d.subject)] = (got, want, d.county)
    assert not wrong, wrong


def test_conflicting_birth_dates_are_named(corpus_run):
    tmp, _ = corpus_run
    ((missing,),) = _query(
        tmp / "wh.duckdb",
        "select missing_facts from fct_decisions"
        " where program = 'us_ca_prop64' and subject_id = 'CD001'",
    )
    assert "birth date conflicting" in missing


def test_three_spellings_make_one_county_folder(corpus_run):
    tmp, _ = corpus_run
    out = tmp / "out"
    folders = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name not in SHARED_FOLDERS)
    assert folders == ["SACRAMENTO", "SAN JOAQUIN"]
    with (out / "SAN JOAQUIN" / "prop64_convictions.csv").open() as f:
        subjects = sorted(r["subject_id"] for r in csv.DictReader(f))
    assert subjects == ["KS001", "KS002", "KS003"]


@pytest.mark.parametrize("case", FAILURES, ids=[c.name for c in FAILURES])
def test_failure_case_fails_the_run_with_a_clear_message(tmp_path, case, record_property):
    assert isinstance(case.expect, Failure)
    result = _run(tmp_path, case.build(tmp_path / "in"))
    published = (tmp_path / "out").exists()
    record_property("reliability", "corpus")
    record_property("inputs", 1)
    record_property("runs", 1)
    record_property("wrong_published", int(published))
    assert result.exit_code == 1, result.output
    assert case.expect.message in result.output
    assert not published
