"""Audit: every run's decisions kept, with the rule files' hashes and the code's git revision.

dbt rebuilds the decision table on each run; this asset appends a copy of it to
audit.decisions, keyed by the Dagster run id, with one row per run in audit.runs. That is what
`cleanslate diff` compares ("how many people does this amendment reach").
"""

import json
import subprocess
import sys
from datetime import UTC, datetime

import polars as pl
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.audit.reproduce import RUN_EXTRA_SCHEMA, add_missing_columns, run_extras
from orchestration.catalog import OWNERS, ROW_COUNT, code_version
from orchestration.lib.settings import PROJECT_ROOT, rules_dir
from orchestration.quality.checks import DECISION_TABLE
from orchestration.resources import Warehouse

HISTORY_COLUMNS = (
    "program",
    "charge_key",
    "person_key",
    "subject_id",
    "charge_ref",
    "county",
    "determination",
    "relief",
    "eligible_on",
    "decisive_rule",
    "reason_codes",
    "rules_version",
    "decision_id",  # reproduce compares these two as well
    "reasons",
    # what a review was made on: `cleanslate review import` tells a decision that changed since
    # the workbook from a row whose digest was edited
    "decision_digest",
)


def git_revision() -> tuple[str, bool]:
    """(commit, dirty) of the project's code; ("unknown", False) outside a git checkout."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
        return rev, bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        # A container image has no .git: its build stamps the revision (Dockerfile).
        from orchestration.lib.settings import settings

        return settings().git_revision, False


@asset(
    key=AssetKey(["audit", "decision_history"]),
    deps=[DECISION_TABLE, AssetKey(["rules", "programs"]), AssetKey(["rules", "code_inference"])],
    group_name="audit",
    owners=OWNERS["audit"],
    code_version=code_version(sys.modules[__name__]),
    kinds={"duckdb"},
    description="Every run's decisions (audit.decisions) and run record (audit.runs).",
)
def decision_history(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    run_id = context.run_id
    revision, dirty = git_revision()
    programs = warehouse.query(
        "select program, rules_version, rule_file, rule_file_sha256, options_file_sha256,"
        " as_of_date from rules.programs order by program"
    )
    # the decisions are copied by DuckDB, table to table: read into Python first, the 6.2M
    # decisions of a 10M-row extract took the process to ~10 GiB
    decisions_sql = (
        f"select {', '.join(HISTORY_COLUMNS)}, $1::varchar as run_id from main.fct_decisions"
    )
    decided = int(warehouse.query("select count(*) as n from main.fct_decisions")["n"][0])
    # the code inference tables change decisions too: recorded beside the rule files (key
    # "code_inference:<file>"), so `reproduce` checks them and `diff` lists their versions
    inference_files = warehouse.query(
        "select distinct table_file, table_file_sha256, table_version from rules.code_inference"
        " order by table_file"
    )
    run = pl.DataFrame(
        [
            {
                "run_id": run_id,
                "recorded_at": datetime.now(UTC).replace(tzinfo=None),
                "as_of": programs["as_of_date"][0] if programs.height else None,
                "git_revision": revision,
                "git_dirty": dirty,
                "rule_files": json.dumps(
                    {
                        r["program"]: {
                            "file": r["rule_file"],
                            "sha256": r["rule_file_sha256"],
                            "version": r["rules_version"],
                        }
                        for r in programs.iter_rows(named=True)
                    }
                    | {
                        f"code_inference:{r['table_file']}": {
                            "file": r["table_file"],
                            "sha256": r["table_file_sha256"],
                            "version": r["table_version"],
                        }
                        for r in inference_files.iter_rows(named=True)
                    },
                    sort_keys=True,
                ),
                "options_sha256": programs["options_file_sha256"][0] if programs.height else None,
                "decisions": decided,
                # what `cleanslate reproduce` needs: inputs, options file, rules folder, county
                **run_extras(warehouse, context.run.run_config, rules_dir()),
            }
        ],
        schema={
            "run_id": pl.String,
            "recorded_at": pl.Datetime,
            "as_of": pl.Date,
            "git_revision": pl.String,
            "git_dirty": pl.Boolean,
            "rule_files": pl.String,
            "options_sha256": pl.String,
            "decisions": pl.Int64,
            **RUN_EXTRA_SCHEMA,
        },
    )
    with warehouse.connect() as con:
        con.execute("begin transaction")
        con.execute("create schema if not exists audit")
        con.register("_run", run)
        con.execute("create table if not exists audit.runs as select * from _run limit 0")
        con.execute(
            "create table if not exists audit.decisions as"
            f" select * from ({decisions_sql}) limit 0",
            [run_id],
        )
        add_missing_columns(con)  # a warehouse recorded by an older version
        # a re-executed run replaces its own rows
        con.execute("delete from audit.runs where run_id = ?", [run_id])
        con.execute("delete from audit.decisions where run_id = ?", [run_id])
        con.execute("insert into audit.runs by name select * from _run")
        con.execute(f"insert into audit.decisions by name {decisions_sql}", [run_id])
        (recorded,) = con.execute("select count(*) from audit.decisions").fetchone()
        con.execute("commit")
    return MaterializeResult(
        metadata={
            "run_id": run_id,
            "git_revision": revision,
            "git_dirty": dirty,
            "decisions": decided,
            ROW_COUNT: recorded,  # audit.decisions: every run's decisions
        }
    )
