"""Conservation checks stop the run when data would be lost between stages."""

import csv

import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.ingest.canonical_format import TABLES

pytestmark = pytest.mark.integration


def _write(folder, table, rows):
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{table}.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(TABLES[table].columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_a_charge_that_would_vanish_stops_the_run(tmp_path, record_property):
    """A charge of a person missing from persons.csv would drop out of the join: the
    conservation test fails the dbt build, so nothing is exported."""
    ext = tmp_path / "ut_orphan"
    _write(ext, "persons", [{"person_id": "P1", "state": "UT", "dob": "1980-01-01"}])
    _write(ext, "cases", [{"case_id": "k1", "person_id": "P1", "case_status": "closed"}])
    _write(
        ext,
        "charges",
        [
            {
                "charge_id": "c1",
                "person_id": "P1",
                "case_id": "k1",
                "statute": "76-6-602",
                "level": "misdemeanor",
                "grade": "B",
            },
            {
                "charge_id": "c2",
                "person_id": "P404",
                "case_id": "k1",
                "statute": "76-6-602",
                "level": "misdemeanor",
                "grade": "B",
            },
        ],
    )
    _write(
        ext,
        "dispositions",
        [
            {"charge_id": "c1", "disposition": "convicted", "disposition_date": "2016-06-30"},
            {"charge_id": "c2", "disposition": "convicted", "disposition_date": "2016-06-30"},
        ],
    )
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--extract",
            str(ext),
            "--as-of",
            "2025-07-01",
            "--out",
            str(tmp_path / "out"),
            "--warehouse",
            str(tmp_path / "wh.duckdb"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "assert_every_staged_record_reaches_the_charges" in result.output
    published = (tmp_path / "out").exists()
    record_property("reliability", "conservation")
    record_property("inputs", 1)
    record_property("runs", 1)
    record_property("wrong_published", int(published))
    assert not published


def test_a_lost_record_stops_the_run(tmp_path, monkeypatch, record_property):
    """If ingest ever dropped a record, the recount from the file's bytes would not match
    staged + quarantined: the blocking check fails and nothing is exported."""
    import orchestration.ingest.assets as ingest
    from devtools.generate.extract import generate_extract

    extract = tmp_path / "x.csv"
    generate_extract(extract, rows=200, seed=3)
    real = ingest.read_extract

    def lossy(path, *args, **kwargs):
        for staged, rejects, stats in real(path, *args, **kwargs):
            yield staged.head(staged.height - 1), rejects, stats  # one record silently lost

    monkeypatch.setattr(ingest, "read_extract", lossy)
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--extract",
            str(extract),
            "--as-of",
            "2025-07-01",
            "--out",
            str(tmp_path / "out"),
            "--warehouse",
            str(tmp_path / "wh.duckdb"),
        ],
        catch_exceptions=False,
    )
    published = (tmp_path / "out").exists()
    record_property("reliability", "conservation")
    record_property("inputs", 1)
    record_property("runs", 1)
    record_property("wrong_published", int(published))
    assert result.exit_code == 1
    assert "staged_plus_rejected_equals_input" in result.output
    assert "200 input records" in result.output
    assert not published
