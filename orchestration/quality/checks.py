"""Blocking quality gates: GE suites on the staged extract and on the decision table.

A failing gate stops everything downstream in the run: no export is written, and the run's
failure names the check and the expectations that failed.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from orchestration.ingest.assets import RAW_EXTRACT
from orchestration.ingest.canonical_reader import PLACEHOLDER_PATTERN
from orchestration.quality.ge import load_suite_spec, run_suite
from orchestration.resources import Warehouse

DECISION_TABLE = AssetKey(["fct_decisions"])
CANONICAL_CHARGES = AssetKey(["raw", "canonical_charges"])


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


@asset_check(
    asset=CANONICAL_CHARGES,
    blocking=True,
    name="ge_canonical_extract",
    additional_deps=[AssetKey(["raw", "canonical_dispositions"])],
)
def ge_canonical_extract(warehouse: Warehouse) -> AssetCheckResult:
    """GE suite expectations/canonical_extract.json on staged canonical charges + dispositions."""

    # Codes read as staging reads them (dbt's clean_text): whitespace collapsed, trimmed, any
    # letter case, a placeholder (N/A, NULL, dashes) or an empty cell NULL (unknown). The gate
    # judges the values the warehouse will use: "Convicted" or a level of "N/A" is no reason to
    # stop a run, "convictd" is.
    def code(col: str, case: str) -> str:
        cleaned = f"trim(regexp_replace({col}, '\\s+', ' ', 'g'))"
        return (
            f"{case}(case when regexp_matches({cleaned}, '{PLACEHOLDER_PATTERN}') then null"
            f" else nullif({cleaned}, '') end)"
        )

    frame = warehouse.query(
        "select c.source_extract, c.source_file, c.source_line, c.charge_id, c.person_id,"
        f" c.statute, {code('c.level', 'lower')} as level, {code('c.grade', 'upper')} as grade,"
        f" {code('d.disposition', 'lower')} as disposition, d.disposition_date"
        " from raw.canonical_charges c left join raw.canonical_dispositions d"
        "   on d.source_extract = c.source_extract and d.charge_id = c.charge_id"
    )
    return _result("canonical_extract", frame.height, run_suite("canonical_extract", frame))


@asset_check(asset=DECISION_TABLE, blocking=True, name="ge_decision_table")
def ge_decision_table(warehouse: Warehouse) -> AssetCheckResult:
    """GE suite expectations/fct_decisions.json on the decision table."""
    frame = warehouse.query(
        "select charge_key, program, determination, relief, reason_codes, reasons,"
        " missing_facts, is_undecided, rules_version, as_of, source_line,"
        " eligible_on, charge_determination, charge_eligible_on"
        " from main.fct_decisions"
    )
    return _result("fct_decisions", frame.height, run_suite("fct_decisions", frame))
