"""Blocking quality gates: GE suites on the staged extract and on the decision table.

A failing gate stops everything downstream in the run: no export is written, and the run's
failure names the check and the expectations that failed.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from orchestration.ingest.assets import RAW_EXTRACT
from orchestration.quality.ge import load_suite_spec, run_suite
from orchestration.resources import Warehouse

DECISION_TABLE = AssetKey(["fct_conviction_eligibility"])


def _result(suite: str, frame_rows: int, res) -> AssetCheckResult:
    return AssetCheckResult(
        passed=res.success,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(res.failures) or f"{res.evaluated} expectations met",
        metadata={"suite": suite, "rows": frame_rows, "failed_expectations": len(res.failures)},
    )


@asset_check(asset=RAW_EXTRACT, blocking=True, name="ge_doj_extract")
def ge_doj_extract(warehouse: Warehouse) -> AssetCheckResult:
    """GE suite expectations/doj_extract.json on the staged extract."""
    cols = load_suite_spec("doj_extract")["meta"]["columns"]
    frame = warehouse.query("select " + ", ".join(f'"{c}"' for c in cols) + " from raw.doj_extract")
    return _result("doj_extract", frame.height, run_suite("doj_extract", frame))


@asset_check(asset=DECISION_TABLE, blocking=True, name="ge_decision_table")
def ge_decision_table(warehouse: Warehouse) -> AssetCheckResult:
    """GE suite expectations/fct_conviction_eligibility.json on the decision table."""
    frame = warehouse.query(
        "select subject_id, cnt_order, program, determination, relief, reason_codes, reasons,"
        " missing_facts, is_undecided, rules_version, as_of, source_line"
        " from main.fct_conviction_eligibility"
    )
    return _result(
        "fct_conviction_eligibility", frame.height, run_suite("fct_conviction_eligibility", frame)
    )
