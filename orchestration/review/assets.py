"""The prosecutor's reviews as an asset: audit.review_outcomes, upstream of the court documents.

`cleanslate review import` writes the table between runs (it is not a step of the run); this
asset makes sure it exists and records, at the start of each run, how many reviews the run
will use (counts only: no names, notes or marks of a record). In the UI it sits before
int_review_latest / rpt_review_throughput (a dbt source) and exports/staged_files, so the
lineage shows the reviews reaching the court documents.
"""

import sys

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from orchestration.catalog import COLUMN_SCHEMA, OWNERS, ROW_COUNT, code_version, polars_schema
from orchestration.resources import Warehouse
from orchestration.review import store

REVIEW_OUTCOMES = AssetKey(["audit", "review_outcomes"])


@asset(
    key=REVIEW_OUTCOMES,
    group_name="audit",
    owners=OWNERS["audit"],
    code_version=code_version(sys.modules[__name__], store),
    kinds={"duckdb"},
    description="The prosecutor's marks imported from the review workbooks (`cleanslate review"
    " import`; audit.review_outcomes, every import kept, and audit.review_imports): the latest"
    " review of an unchanged decision decides whether an eligible charge is filed.",
)
def review_outcomes(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    with warehouse.connect() as con:
        store.ensure_tables(con)
        (imports,) = con.execute(f"select count(*) from {store.IMPORTS}").fetchone()
        (marks,) = con.execute(f"select count(*) from {store.OUTCOMES}").fetchone()
        latest = dict(
            con.execute(
                f"select review_mark, count(*) from ({store.latest_sql(con)}) group by all"
            ).fetchall()
        )
    context.log.info(f"{imports} review imports, {marks} marks, {sum(latest.values())} decisions")
    return MaterializeResult(
        metadata={
            "imports": imports,
            "decisions_reviewed": sum(latest.values()),
            **{f"latest_{mark}": latest.get(mark, 0) for mark in store.MARKS},
            ROW_COUNT: marks,
            COLUMN_SCHEMA: polars_schema(store.OUTCOME_SCHEMA),
        }
    )
