"""A supervision file beside a CA DOJ extract: PC 1203.425 decisions that needed supervision
data are decided from it, the facts say where the supervision came from, every row of the file
is staged or rejected, and every staged row is matched (by SUBJECT_ID or CII) or reported."""

import duckdb
import pytest
from typer.testing import CliRunner

from devtools.generate.extract import generate_extract
from devtools.generate.supervision import generate_supervision
from orchestration.cli import app
from orchestration.ingest.recount import count_input_records

pytestmark = pytest.mark.integration

PROGRAM = "us_ca_pc_1203_425"
NO_SUPERVISION = "the source has no supervision records"


def _run(tmp, wh, *extra):
    args = ["run", "--as-of", "2025-07-01", "--extract", str(tmp / "extract.csv")]
    args += ["--out", str(tmp / f"out_{wh}"), "--warehouse", str(tmp / f"{wh}.duckdb")]
    result = CliRunner().invoke(app, [*args, *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _query(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("supervision")
    generate_extract(tmp / "extract.csv", rows=1500, seed=11)
    stats = generate_supervision(tmp / "extract.csv", tmp / "supervision.csv", seed=11)
    without = _run(tmp, "without")
    with_file = _run(
        tmp, "with", "--supervision", str(tmp / "supervision.csv"), "--supervision-complete"
    )
    return tmp, stats, without, with_file


def _decisions(db):
    rows = _query(
        db,
        "select charge_key, determination, decisive_rule, coalesce(missing_facts, ''), facts"
        f" from fct_decisions where program = '{PROGRAM}'",
    )
    return {r[0]: r[1:] for r in rows}


def test_needs_review_for_supervision_becomes_decided(runs):
    tmp, _, _, _ = runs
    before = _decisions(tmp / "without.duckdb")
    after = _decisions(tmp / "with.duckdb")
    assert before.keys() == after.keys()
    waiting_on_supervision = {
        k for k, (det, _, missing, _) in before.items() if NO_SUPERVISION in missing
    }
    assert waiting_on_supervision
    assert all(before[k][0] == "needs_review" for k in waiting_on_supervision)
    # with the file no decision lacks supervision data any more
    assert not [k for k, v in after.items() if NO_SUPERVISION in v[2]]
    decided = [k for k in waiting_on_supervision if after[k][0] != "needs_review"]
    assert len(decided) > len(waiting_on_supervision) / 2
    # the felony route decides on the supervision end, and says where the supervision came from
    felony = [
        v
        for v in after.values()
        if v[1] == "felony_supervision_completed" and v[0] != "needs_review"
    ]
    assert felony
    assert all("supervision_end_date=" in v[3] for v in felony)
    assert any("(supervision: supervision file: " in v[3] for v in felony)
    assert any("supervision file declared complete: no period" in v[3] for v in felony)
    # the supervision bar itself: some people are on supervision now (not_eligible)
    assert any(v[1] == "active_supervision" and v[0] == "not_eligible" for v in after.values())


def test_every_supervision_row_is_staged_rejected_matched_or_reported(runs):
    tmp, stats, _, with_file = runs
    db = tmp / "with.duckdb"
    in_file = count_input_records(tmp / "supervision.csv", header=True).records
    ((staged, rejected),) = _query(
        db,
        "select (select count(*) from raw.doj_supervision),"
        " (select count(*) from raw.doj_supervision_rejects)",
    )
    assert staged + rejected == in_file == stats.rows
    assert rejected == 2  # the rows without a person_id: a blank one and a placeholder one
    by_key = dict(
        _query(
            db,
            "select coalesce(matched_key, unmatched_reason), count(*)"
            " from stg_doj__supervision group by 1",
        )
    )
    assert sum(by_key.values()) == staged  # each staged row once: matched or with a reason
    assert by_key["subject_id"] > 0 and by_key["cii"] == stats.by_cii > 0
    assert by_key["no DOJ subject with this SUBJECT_ID or CII"] == 3
    # the reader rejects a placeholder id, so staging never sees one
    assert "no person_id (blank or a placeholder)" not in by_key
    # the matched rows are the supervision periods of the DOJ subjects
    ((periods,),) = _query(
        db, "select count(*) from int_supervision_unioned where person_key like 'doj:%'"
    )
    assert periods == by_key["subject_id"] + by_key["cii"]
    out = with_file.output
    assert f"Supervision: {in_file} rows: {by_key['subject_id']} matched by SUBJECT_ID," in out
    assert ", 3 matched no subject" in out and ", 2 rejected" in out
    assert "declared complete" in out


def test_the_run_without_a_file_is_unchanged(runs):
    tmp, _, without, _ = runs
    assert "Supervision:" not in without.output
    ((n,),) = _query(tmp / "without.duckdb", "select count(*) from stg_doj__supervision")
    assert n == 0
