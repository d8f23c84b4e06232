"""Personal data stays where it belongs: in restricted tables and exports, never in logs,
Dagster's event log or metadata, error messages, or the analysts' marts."""

import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.ingest.doj_format import INDEX
from orchestration.lib.settings import DBT_PROJECT_DIR
from tests.fixtures.doj import rec, write_extract

pytestmark = pytest.mark.integration

# Fabricated identifiers distinctive enough to find anywhere they leak.
NAME = "QZXWVUTS,PERSONAL K"
DOB = "19610203"
CII = "CII90817263"
SSN = "987-65-4329"
CDL = "Z9876543"
FBI = "FBI5551212Q"
SECRETS = [NAME, "QZXWVUTS", DOB, CII, SSN, CDL, FBI]


def _row(cnt: str, offense: str, **kw) -> list[str]:
    row = rec("S77", cnt, "COURT ACTION", "20140519", offense, name=NAME, dob=DOB, **kw)
    for col, value in (
        ("CII_NUMBER", CII),
        ("PRI_SSN", SSN),
        ("PRI_CDL", CDL),
        ("FBI_NUMBER", FBI),
        ("REQ_SSN", SSN),
    ):
        row[INDEX[col]] = value
    return row


def _files_under(*roots: Path) -> list[Path]:
    return [p for r in roots if r.exists() for p in r.rglob("*") if p.is_file()]


def _leaks(paths: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in paths:
        data = p.read_bytes()
        hits = [s for s in SECRETS if s.encode() in data]
        if hits:
            found[str(p)] = hits
    return found


def test_identifiers_never_reach_logs_event_log_or_analyst_marts(tmp_path, record_property):
    record_property("reliability", "privacy")
    record_property("inputs", 1)
    record_property("runs", 1)
    extract = write_extract(
        tmp_path / "x.csv",
        [
            _row("101002001000", "11357(B)HS-POSSESS", disp="CONVICTED-JAIL", stat="MISDEMEANOR"),
            _row("102002001000", "11358 HS-CULTIVATE", disp="CONVICTED-PROBATION", stat="FELONY"),
        ],
    )
    home = Path(os.environ["DAGSTER_HOME"])
    before = set(_files_under(home, DBT_PROJECT_DIR / "target", DBT_PROJECT_DIR / "logs"))
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--extract",
            str(extract),
            "--as-of",
            "2025-07-01",
            "--verbose",
            "--out",
            str(tmp_path / "out"),
            "--warehouse",
            str(tmp_path / "wh.duckdb"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    # the run's console output (Dagster's whole log at --verbose, dbt's output)
    assert not [s for s in SECRETS if s in result.output]
    # Dagster's storage (event log, run and compute logs) and dbt's logs and artifacts
    new = [
        p
        for p in _files_under(home, DBT_PROJECT_DIR / "target", DBT_PROJECT_DIR / "logs")
        if p not in before or p.name in ("dbt.log",)
    ]
    assert any(p.suffix == ".db" for p in new), "Dagster's event log was not scanned"
    assert _leaks(new) == {}
    # the analysts' mart is pseudonymous; the restricted decision table is not
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        mart = con.execute("select * from analytics.fct_decisions_pseudonymized").fetchall()
        names = con.execute("select person_name from main.int_persons_unioned").fetchall()
    finally:
        con.close()
    assert mart and not [s for s in SECRETS if any(s in str(v) for row in mart for v in row)]
    assert names == [(NAME,)]  # kept where the court documents need it
    # files holding personal data are the owner's only
    assert (tmp_path / "wh.duckdb").stat().st_mode & 0o077 == 0
    for p in _files_under(tmp_path / "out"):
        assert p.stat().st_mode & 0o077 == 0, p


def test_a_failing_run_names_the_problem_without_the_data(tmp_path, record_property):
    record_property("reliability", "privacy")
    record_property("inputs", 1)
    record_property("runs", 1)
    # a conviction whose CNT_ORDER is malformed in most records fails the GE gate
    rows = [_row("X" + str(i), "11357 HS", disp="CONVICTED", stat="FELONY") for i in range(5)]
    extract = write_extract(tmp_path / "bad.csv", rows)
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--extract",
            str(extract),
            "--as-of",
            "2025-07-01",
            "--verbose",
            "--out",
            str(tmp_path / "out"),
            "--warehouse",
            str(tmp_path / "wh.duckdb"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "ge_doj_extract" in result.output and "CNT_ORDER" in result.output
    assert not [s for s in SECRETS if s in result.output]
