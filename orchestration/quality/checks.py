"""Blocking quality gates: GE suites on the staged extract and on the decision table.

A failing gate stops everything downstream in the run: no export is written, and the run's
failure names the check and the expectations that failed.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from orchestration.ingest.assets import RAW_EXTRACT
from orchestration.ingest.canonical_reader import PLACEHOLDER_PATTERN
from orchestration.quality.ge import BATCH_ROWS, batch_key, load_suite_spec, run_suite
from orchestration.resources import Warehouse

DECISION_TABLE = AssetKey(["fct_decisions"])
CANONICAL_CHARGES = AssetKey(["raw", "canonical_charges"])


def _gate(suite: str, warehouse: Warehouse, select: str) -> AssetCheckResult:
    """Run a suite on the rows of `select`, read in batches of about BATCH_ROWS cut by a hash of
    the suite's batch key, so that GX's pandas copy stays the same size at any row count. Every
    row is read once (hash() is never NULL); a count that does not add up fails the gate."""
    key = ", ".join(f'"{c}"' for c in batch_key(load_suite_spec(suite)))
    rows = int(warehouse.query(f"select count(*) as n from ({select})")["n"][0])
    parts = max(1, -(-rows // BATCH_ROWS))
    read: list[int] = []

    def batches():
        for part in range(parts):
            frame = warehouse.query(
                f"select * from ({select}) where hash({key}) % $1::ubigint = $2::ubigint",
                [parts, part],
            )
            read.append(frame.height)
            yield frame
            del frame  # before the next batch is read

    res = run_suite(suite, batches())
    failures = list(res.failures)
    if sum(read) != rows:
        failures.append(f"read {sum(read)} rows in {parts} batches of {rows}: not all checked")
    return AssetCheckResult(
        passed=not failures,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(failures) or f"{res.evaluated} expectations met",
        metadata={
            "suite": suite,
            "rows": rows,
            "batches": parts,
            "failed_expectations": len(failures),
        },
    )


@asset_check(asset=RAW_EXTRACT, blocking=True, name="ge_doj_extract")
def ge_doj_extract(warehouse: Warehouse) -> AssetCheckResult:
    """GE suite expectations/doj_extract.json on the staged extract."""
    cols = load_suite_spec("doj_extract")["meta"]["columns"]
    select = "select " + ", ".join(f'"{c}"' for c in cols) + " from raw.doj_extract"
    return _gate("doj_extract", warehouse, select)


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

    select = (
        "select c.source_extract, c.source_file, c.source_line, c.charge_id, c.person_id,"
        f" c.statute, {code('c.level', 'lower')} as level, {code('c.grade', 'upper')} as grade,"
        f" {code('d.disposition', 'lower')} as disposition, d.disposition_date"
        " from raw.canonical_charges c left join raw.canonical_dispositions d"
        "   on d.source_extract = c.source_extract and d.charge_id = c.charge_id"
    )
    return _gate("canonical_extract", warehouse, select)


@asset_check(asset=DECISION_TABLE, blocking=True, name="ge_decision_table")
def ge_decision_table(warehouse: Warehouse) -> AssetCheckResult:
    """GE suite expectations/fct_decisions.json on the decision table."""
    select = (
        "select charge_key, program, determination, relief, reason_codes, reasons,"
        " missing_facts, is_undecided, rules_version, as_of, source_line,"
        " eligible_on, charge_determination, charge_eligible_on"
        " from main.fct_decisions"
    )
    return _gate("fct_decisions", warehouse, select)
