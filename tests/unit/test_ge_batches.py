"""The GE gates read their table in batches (a hash of the suite's batch key) so that GX's pandas
copy does not grow with the rows. The verdict and the counts must be those of the whole table:
compound uniqueness within a batch, `mostly` judged on the counts summed over the batches."""

import json

import duckdb
import polars as pl
import pytest

from orchestration.lib.settings import EXPECTATIONS_DIR
from orchestration.quality import checks, ge
from orchestration.quality.checks import ge_decision_table, ge_doj_extract
from orchestration.resources import Warehouse

SHA = "a" * 64


def _doj_rows(n: int, bad_cnt_order: set[int], duplicated: set[int]) -> list[tuple]:
    rows = []
    for line in range(1, n + 1):
        cnt = "x" if line in bad_cnt_order else f"{line:012d}"
        rows.append((f"S{line}", cnt, "20150301", "CONVICTED", "x.dat", line, SHA))
        if line in duplicated:
            rows.append((f"S{line}", cnt, "20150301", "CONVICTED", "x.dat", line, SHA))
    return rows


def _doj_warehouse(tmp_path, rows: list[tuple]) -> Warehouse:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute(
        'create table raw.doj_extract ("SUBJECT_ID" varchar, "CNT_ORDER" varchar,'
        ' "STP_EVENT_DATE" varchar, "DISP_DESCR" varchar, source_file varchar,'
        " source_line bigint, source_sha256 varchar)"
    )
    con.executemany("insert into raw.doj_extract values (?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()
    return Warehouse(path=str(path))


def _gate_both_ways(monkeypatch, gate, wh, batch_rows: int):
    monkeypatch.setattr(checks, "BATCH_ROWS", 10**9)
    whole = gate(warehouse=wh)
    monkeypatch.setattr(checks, "BATCH_ROWS", batch_rows)
    batched = gate(warehouse=wh)
    return whole, batched


def test_mostly_is_judged_on_the_whole_table_not_batch_by_batch(tmp_path, monkeypatch):
    # 2 malformed CNT_ORDER of 200: 99% well formed, the suite's `mostly: 0.99` holds. In a batch
    # of ~50 rows, one malformed value is 98%: a batch judged alone would fail the run.
    wh = _doj_warehouse(tmp_path, _doj_rows(200, bad_cnt_order={7, 150}, duplicated=set()))
    whole, batched = _gate_both_ways(monkeypatch, ge_doj_extract, wh, batch_rows=50)
    assert batched.metadata["batches"].value == 4
    assert whole.passed and batched.passed, batched.description
    assert whole.description == batched.description == "7 expectations met"


def test_too_many_malformed_values_fail_batched_as_whole(tmp_path, monkeypatch):
    wh = _doj_warehouse(tmp_path, _doj_rows(200, bad_cnt_order={7, 90, 150}, duplicated=set()))
    whole, batched = _gate_both_ways(monkeypatch, ge_doj_extract, wh, batch_rows=50)
    assert not whole.passed and not batched.passed
    assert "CNT_ORDER): 3 unexpected" in batched.description
    assert whole.description == batched.description


def test_a_record_staged_twice_is_found_in_whichever_batch(tmp_path, monkeypatch):
    wh = _doj_warehouse(tmp_path, _doj_rows(300, bad_cnt_order=set(), duplicated={3, 111, 298}))
    whole, batched = _gate_both_ways(monkeypatch, ge_doj_extract, wh, batch_rows=40)
    assert batched.metadata["batches"].value == 8
    assert batched.metadata["rows"].value == 303
    assert not batched.passed
    # GX counts every row of a duplicated key: 3 keys x 2 rows
    assert "expect_compound_columns_to_be_unique(source_file,source_line): 6 unexpected" in (
        batched.description
    )
    assert whole.description == batched.description


def test_a_batch_that_loses_rows_fails_the_gate(tmp_path, monkeypatch):
    wh = _doj_warehouse(tmp_path, _doj_rows(100, bad_cnt_order=set(), duplicated=set()))
    monkeypatch.setattr(checks, "BATCH_ROWS", 30)
    real = Warehouse.query

    def lossy(self, sql, params=None):
        frame = real(self, sql, params)
        return frame.head(-1) if "hash(" in sql else frame

    monkeypatch.setattr(Warehouse, "query", lossy)
    result = ge_doj_extract(warehouse=wh)
    assert not result.passed
    assert "read 96 rows in 4 batches of 100: not all checked" in result.description


def _decisions(n: int) -> pl.DataFrame:
    rows = []
    for i in range(n):
        determination = ["eligible", "not_eligible", "not_yet_eligible", "needs_review"][i % 4]
        rows.append(
            {
                "charge_key": f"k{i}",
                "program": "us_ca_prop64",
                "determination": determination,
                "relief": "dismiss" if determination in ("eligible", "not_yet_eligible") else None,
                "reason_codes": "r1",
                "reasons": "A reason [HS 11361.8]",
                "missing_facts": "a fact" if determination == "needs_review" else None,
                "is_undecided": determination == "needs_review",
                "rules_version": "v1",
                "as_of": "2025-07-01",
                "source_line": i + 1,
                "eligible_on": "2026-01-01" if determination == "not_yet_eligible" else None,
                "charge_determination": determination,
                "charge_eligible_on": (
                    "2026-01-01" if determination == "not_yet_eligible" else None
                ),
            }
        )
    return pl.DataFrame(rows)


def test_the_decision_table_gate_batched_finds_what_it_finds_whole(tmp_path, monkeypatch):
    frame = _decisions(120)
    # a second decision for one conviction and law; an eligible one without its relief; a
    # not-yet-eligible one without its date (conditional expectations: GX's row_condition)
    frame = pl.concat([frame, frame.slice(5, 1)])
    frame = frame.with_columns(
        relief=pl.when(pl.col("charge_key") == "k8").then(None).otherwise(pl.col("relief")),
        eligible_on=pl.when(pl.col("charge_key") == "k10")
        .then(None)
        .otherwise(pl.col("eligible_on")),
    )
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.register("f", frame.to_arrow())
    con.execute("create table main.fct_decisions as select * from f")
    con.close()
    whole, batched = _gate_both_ways(
        monkeypatch, ge_decision_table, Warehouse(path=str(path)), batch_rows=25
    )
    assert batched.metadata["batches"].value == 5
    assert not batched.passed
    for failing in (
        "charge_key,program): 2 unexpected",
        "relief): 1 unexpected",
        "eligible_on): 1 unexpected",
    ):
        assert failing in batched.description
    assert whole.description == batched.description


def test_every_suite_can_be_judged_in_batches():
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        spec = json.loads(path.read_text())
        key = ge.batch_key(spec)
        assert key, path.name


@pytest.mark.parametrize(
    "expectation",
    [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        # uniqueness on a key the batches are not cut by: duplicates could sit in two batches
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["a", "c"]}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "a"}},
    ],
)
def test_an_expectation_that_compares_across_batches_is_refused(tmp_path, expectation):
    spec = {"name": "t", "meta": {"batch_key": ["a", "b"]}, "expectations": [expectation]}
    with pytest.raises(ValueError, match="cannot be judged batch by batch"):
        ge.batch_key(spec)
    (tmp_path / "t.json").write_text(json.dumps(spec))
    frame = pl.DataFrame({"a": [1, 2], "b": [1, 2], "c": [1, 2]})
    assert ge.run_suite("t", frame, folder=tmp_path).success  # whole: fine
    with pytest.raises(ValueError, match="cannot be judged batch by batch"):
        ge.run_suite("t", [frame.head(1), frame.tail(1)], folder=tmp_path)
