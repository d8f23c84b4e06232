"""The run report from its dbt models (issue 16): the rpt_* models built by dbt on a small
warehouse (hand-made exp_decisions / exp_convictions / exp_input_files tables, nothing else), the
report built from their rows as the report kind builds it, and its figures checked by hand (a
few people) and against independent polars computations on the decision rows (900 fabricated
people). The decision-set reference is streamed from the warehouse: the same digest as
publish.decision_set_digest of the same rows, for every county and for one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.exports.file_kinds.base import RunContext
from orchestration.exports.file_kinds.report import Report, report_rows
from orchestration.exports.load import ExportFrames, ExportSource
from orchestration.exports.publish import decision_set_digest, decision_set_digest_from
from orchestration.exports.report import (
    ALL_PROGRAMS,
    ANY_PROGRAM,
    NOT_RECORDED,
    REPORT_MODELS,
    build_report_data,
)
from orchestration.exports.writers import normalize_county
from orchestration.lib.settings import DBT_PROJECT_DIR
from tests.unit.test_exports_report import AS_OF, PROGRAMS, _fabricate, _row, _run

pytestmark = pytest.mark.integration

P64, PC, P851 = "us_ca_prop64", "us_ca_pc_1203_425", "us_ca_pc_851_93"

DECISION_COLUMNS = {
    "decision_id": pl.String,
    "charge_key": pl.String,
    "person_key": pl.String,
    "program": pl.String,
    "county": pl.String,
    "jurisdiction": pl.String,
    "section": pl.String,
    "determination": pl.String,
    "relief": pl.String,
    "eligible_on": pl.Date,
    "as_of": pl.Date,
    "rules_version": pl.String,
    "gender": pl.String,
    "race": pl.String,
}


def build_models(tmp_path: Path, decisions: pl.DataFrame, convictions: pl.DataFrame) -> Path:
    """A warehouse holding only the exports tables the rpt_ models read, then the models."""
    path = tmp_path / "wh.duckdb"
    decisions = decisions.with_columns(
        (pl.col("program") + "|" + pl.col("charge_key")).alias("decision_id")
    ).select([pl.col(c).cast(t) for c, t in DECISION_COLUMNS.items()])
    inputs = pl.DataFrame(
        {
            "source_system": ["doj", "canonical"],
            "file": ["extract.csv", "ut_courts/charges.csv"],
            "sha256": ["ab" * 32, "cd" * 32],
            "records": [4000, 900],
            "rejected": [3, 0],
            "unread_offense_texts": [12, None],
        },
        schema_overrides={"unread_offense_texts": pl.Int64},
    )
    con = duckdb.connect(str(path))
    try:
        for name, frame in (
            ("exp_decisions", decisions),
            ("exp_convictions", convictions),
            ("exp_input_files", inputs),
        ):
            con.register("frame", frame.to_arrow())
            con.execute(f"create table main.{name} as select * from frame")
            con.unregister("frame")
    finally:
        con.close()
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(dbt),
            "run",
            "--select",
            *REPORT_MODELS,
            "--profiles-dir",
            ".",
            "--project-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            "CLEANSLATE_WAREHOUSE": str(path),
            "DBT_TARGET": "dev",
            "CLEANSLATE_DBT_THREADS": "2",
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    return path


def _report(path: Path, county: str | None = None) -> dict:
    source = ExportSource(path, "1GB")
    run = {
        **_run(),
        "decision_set": decision_set_digest_from(source, county)[:12],
    }
    return build_report_data(report_rows(source, county), run)


# --------------------------------------------------------------------------------------------
# By hand: seven people, two counties


def _hand() -> tuple[pl.DataFrame, pl.DataFrame]:
    conv = pl.DataFrame(
        [
            ("A", "A1", True),
            ("A", "A2", False),  # both dismissed by Prop 64: clear
            ("B", "B1", True),
            ("B", "B2", False),  # felony reduced, misdemeanor left
            ("C", "C1", False),  # Prop 64 in YOLO ...
            ("C", "C2", False),  # ... and 1203.425 in ALPINE: clear, in neither county alone
            ("D", "D1", True),
            ("D", "D2", None),  # felony dismissed, unknown level not
            ("E", "E1", False),  # arrest relief only: still on record
            ("F", "F1", True),  # not yet eligible: not counted
            ("G", "G1", True),  # reduced: no felony, but the conviction stays on record
            ("H", "H1", False),  # on record, never decided
        ],
        schema={"person_key": pl.String, "charge_key": pl.String, "is_felony": pl.Boolean},
        orient="row",
    )
    rows = [
        _row("A", "A1", P64, "eligible", "dismiss", felony=True),
        _row("A", "A2", P64, "eligible", "dismiss", felony=False),
        _row("B", "B1", P64, "eligible", "reduce", felony=True, race="BLACK"),
        _row("B", "B2", P64, "not_eligible", None, felony=False, race="BLACK"),
        _row("C", "C1", P64, "eligible", "dismiss", race=" "),
        {**_row("C", "C2", PC, "eligible", "conviction_relief", race=None), "county": "alpine"},
        _row("D", "D1", P64, "eligible", "dismiss", felony=True, gender="M"),
        _row("D", "D2", P64, "needs_review", None, gender="X"),
        _row("E", "E1", P851, "eligible", "arrest_relief"),
        {
            **_row("F", "F1", PC, "not_yet_eligible", "conviction_relief", felony=True),
            "eligible_on": date(2025, 9, 15),
            "county": "Alpine ",
        },
        _row("G", "G1", P64, "eligible", "reduce", felony=True),
    ]
    return pl.DataFrame(rows, schema_overrides={"eligible_on": pl.Date, "as_of": pl.Date}), conv


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    decisions, convictions = _hand()
    return decisions, build_models(tmp_path_factory.mktemp("hand"), decisions, convictions)


def test_people_by_hand_every_county(hand):
    _, path = hand
    m = _report(path)["metrics"]
    people = m["people"]
    assert people[ANY_PROGRAM] == {
        "label": ANY_PROGRAM,
        "people": 7,  # C once, though decided in two counties
        "with_relief": 6,  # A B C D E G (F only not yet)
        "no_conviction": 2,  # A, and C with both laws
        "no_felony": 3,  # A (dismissed), B and G (reduced); D has an unknown level left
    }
    assert (people[P64]["no_conviction"], people[P64]["no_felony"]) == (1, 3)
    assert (people[PC]["no_conviction"], people[PC]["no_felony"]) == (0, 0)
    assert people[P851]["with_relief"] == 1
    assert (m["people_with_conviction"], m["people_with_felony"]) == (8, 5)  # H is on record
    assert m["decisions"] == 11 and m["charges"] == 11
    assert m["upcoming"][PC]["2025-09"] == 1 and m["upcoming_people"]["2025-09"] == 1
    race = {r["group"]: r for r in m["disparity"]["race"][ALL_PROGRAMS]}
    assert (race["WHITE"]["people"], race["BLACK"]["people"], race[NOT_RECORDED]["people"]) == (
        5,
        1,
        1,  # C: blank and missing
    )
    gender = {
        r["group"]: (r["people"], r["with_relief"]) for r in m["disparity"]["gender"][ALL_PROGRAMS]
    }
    # D: one M row and one X row, a tie: alphabetical, "M" -> Male
    assert gender == {"Female": (6, 5), "Male": (1, 1)}


def test_people_by_hand_one_county(hand):
    _, path = hand
    yolo = _report(path, "YOLO")["metrics"]
    alpine = _report(path, normalize_county(" alpine"))["metrics"]
    # C is in both counties' people, once in the all-counties row; no county clears C alone
    assert yolo["people"][ANY_PROGRAM]["people"] == 6  # A B C D E G
    assert alpine["people"][ANY_PROGRAM]["people"] == 2  # C F
    assert yolo["people"][ANY_PROGRAM]["no_conviction"] == 1  # A
    assert alpine["people"][ANY_PROGRAM]["no_conviction"] == 0
    assert yolo["by_county_program_determination"].keys() == {
        "YOLO|us_ca_prop64",
        "YOLO|us_ca_pc_851_93",
    }
    assert alpine["decisions"] == 2 and alpine["upcoming_people"]["2025-09"] == 1
    # the people on record are the whole record's, as today
    assert alpine["people_with_conviction"] == 8


def test_decision_set_digest_streamed_is_the_digest_of_the_rows(hand):
    decisions, path = hand
    source = ExportSource(path, "1GB")
    rows = decisions.with_columns(
        (pl.col("program") + "|" + pl.col("charge_key")).alias("decision_id")
    )
    assert decision_set_digest_from(source, None) == decision_set_digest(rows)
    alpine = rows.filter(pl.col("county").str.strip_chars().str.to_uppercase() == "ALPINE")
    assert alpine.height == 2
    assert decision_set_digest_from(source, "ALPINE") == decision_set_digest(alpine)
    assert decision_set_digest_from(source, "NOWHERE") == decision_set_digest(rows.clear())


def test_the_report_kind_reads_the_models_not_the_decisions(hand, tmp_path):
    _, path = hand
    source = ExportSource(path, "1GB")
    empty = pl.DataFrame()
    frames = ExportFrames(source, programs=empty)
    run = {**_run(), "report": {"quality": _run()["quality"]}}
    ctx = RunContext(as_of=AS_OF, forecast=False, programs={}, county=None, run=run)
    kind = Report()
    prepared = kind.prepare(frames, empty, ctx)
    written = kind.write(tmp_path, None, [], ctx, prepared)
    assert "report/report.html" in written.files
    html = (tmp_path / "report" / "report.html").read_text()
    assert "11 decisions on 11 charges of 7 people" in html
    assert decision_set_digest_from(source, None)[:12] in html
    assert "decisions" not in vars(frames)  # the lazy decision frame was never read


# --------------------------------------------------------------------------------------------
# Against polars on 900 fabricated people


@pytest.fixture(scope="module")
def fabricated(tmp_path_factory):
    decisions, convictions = _fabricate()
    path = build_models(tmp_path_factory.mktemp("fab"), decisions, convictions)
    return decisions, convictions, _report(path)


def test_counts_by_program_determination_county_and_section(fabricated):
    decisions, _, data = fabricated
    m = data["metrics"]
    expected = decisions.group_by(["program", "determination"]).len()
    for r in expected.iter_rows(named=True):
        assert m["by_program_determination"][r["program"]][r["determination"]] == r["len"]
    assert m["decisions"] == decisions.height
    assert m["charges"] == decisions["charge_key"].n_unique()
    yolo = decisions.filter((pl.col("county") == "YOLO") & (pl.col("program") == P64))
    for r in yolo.group_by("determination").len().iter_rows(named=True):
        assert (
            m["by_county_program_determination"]["YOLO|us_ca_prop64"][r["determination"]]
            == (r["len"])
        )
    assert "FRESNO|us_ca_prop64" in m["by_county_program_determination"]
    assert f"{NOT_RECORDED}|us_ca_prop64" in m["by_county_program_determination"]
    n459 = decisions.filter(pl.col("section") == "459").height
    assert sum(m["by_section_determination"]["US-CA|459"].values()) == n459


def test_people_against_polars(fabricated):
    decisions, convictions, data = fabricated
    m = data["metrics"]["people"]
    relief = pl.col("determination").eq("eligible") & pl.col("relief").is_not_null()
    for program in (*PROGRAMS, None):
        d = decisions if program is None else decisions.filter(pl.col("program") == program)
        got = m[ANY_PROGRAM if program is None else program]
        assert got["people"] == d["person_key"].n_unique()
        assert got["with_relief"] == d.filter(relief)["person_key"].n_unique()
        eligible = d.filter(pl.col("determination") == "eligible")
        removed = set(
            eligible.filter(pl.col("relief").is_in(["dismiss", "conviction_relief"]))["charge_key"]
        )
        cleared = set(
            eligible.filter(pl.col("relief").is_in(["dismiss", "conviction_relief", "reduce"]))[
                "charge_key"
            ]
        )
        no_conviction = no_felony = 0
        for _, group in convictions.group_by("person_key"):
            charges = group.rows(named=True)
            if all(c["charge_key"] in removed for c in charges):
                no_conviction += 1
            if any(c["is_felony"] for c in charges) and all(
                c["is_felony"] is False or c["charge_key"] in cleared for c in charges
            ):
                no_felony += 1
        assert (got["no_conviction"], got["no_felony"]) == (no_conviction, no_felony), program
    assert data["metrics"]["people_with_conviction"] == convictions["person_key"].n_unique()


def test_upcoming_against_polars(fabricated):
    decisions, _, data = fabricated
    m = data["metrics"]
    nye = decisions.filter(pl.col("determination") == "not_yet_eligible")
    window = nye.filter(
        (pl.col("eligible_on") >= date(2025, 7, 1)) & (pl.col("eligible_on") < date(2027, 7, 1))
    ).with_columns(pl.col("eligible_on").dt.strftime("%Y-%m").alias("month"))
    for r in window.group_by(["program", "month"]).len().iter_rows(named=True):
        assert m["upcoming"][r["program"]][r["month"]] == r["len"]
    for r in window.group_by("month").agg(pl.col("person_key").n_unique()).iter_rows(named=True):
        assert m["upcoming_people"][r["month"]] == r["person_key"]
    before = nye.filter(pl.col("eligible_on") < date(2025, 7, 1))
    assert m["upcoming_people"]["Before 2025-07"] == before["person_key"].n_unique() > 0
    undated = nye.filter(pl.col("eligible_on").is_null()).height
    assert sum(m["upcoming"][p]["No date known"] for p in PROGRAMS) == undated > 0
    table = next(
        t for s in data["sections"] for t in s["tables"] if t["title"].startswith("Not-yet")
    )
    assert table["rows"][-1][-2:] == [f"{nye.height:,}", f"{nye['person_key'].n_unique():,}"]


def test_disparity_against_polars(fabricated):
    decisions, _, data = fabricated
    relief = pl.col("determination").eq("eligible") & pl.col("relief").is_not_null()
    # one race per fabricated person: no ties to break
    people = (
        decisions.group_by("person_key")
        .agg(pl.col("race").first(), relief.any().alias("relief"))
        .with_columns(
            pl.when(pl.col("race").is_null() | (pl.col("race") == ""))
            .then(pl.lit(NOT_RECORDED))
            .otherwise(pl.col("race"))
            .alias("race")
        )
    )
    rows = {r["group"]: r for r in data["metrics"]["disparity"]["race"][ALL_PROGRAMS]}
    for g in people.group_by("race").agg(pl.len(), pl.col("relief").sum()).iter_rows(named=True):
        assert (rows[g["race"]]["people"], rows[g["race"]]["with_relief"]) == (
            g["len"],
            g["relief"],
        )
    assert rows["PACIFIC ISLANDER"]["suppressed"]
    genders = {r["group"] for r in data["metrics"]["disparity"]["gender"][ALL_PROGRAMS]}
    assert genders == {"Male", "Female", "X (nonbinary)", NOT_RECORDED}


def test_decision_set_digest_of_the_fabricated_rows(fabricated, tmp_path):
    decisions, _, data = fabricated
    rows = decisions.with_columns(
        (pl.col("program") + "|" + pl.col("charge_key")).alias("decision_id")
    )
    assert data["meta"]["decision_set"] == decision_set_digest(rows)[:12]
