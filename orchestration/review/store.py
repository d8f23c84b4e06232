"""The prosecutor's review in the warehouse: what was imported, and which review applies now.

    audit.review_outcomes   one row per mark imported (append-only: every import is kept)
    audit.review_imports    one row per imported workbook file (its SHA-256, reviewer, counts)
    audit.review_workbooks  one row per review workbook a run wrote (its decision set), so an
                            import can tell a workbook of this warehouse from any other

A decision's review is its latest imported mark (the highest import_seq). It *applies* while
the decision's digest (fct_decisions.decision_digest) is the one the reviewer saw; a decision
that changed since is reviewed again. The same rule is dbt's int_review_latest /
rpt_review_throughput (for analysts); the exports, `explain` and `trace` use `latest_sql` here
so they read the DuckDB file on every engine.

audit.review_outcomes is a dbt source: the dbt on-run-start hook creates it, empty, when it is
missing (dbt_project/macros/audit_reviews.sql, same columns: keep the two in step).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from orchestration.lib import vocabularies

if TYPE_CHECKING:  # the export workers read this module: no Dagster to import there
    from orchestration.resources import Warehouse

# mark code (the vocabulary REVIEW_MARKS) -> the wording in the workbook's "Reviewer decision"
# column
MARKS: dict[str, str] = {
    mark: mark.replace("_", " ").capitalize() for mark in vocabularies.REVIEW_MARKS
}
# Fail closed: an eligible decision the prosecutor disagreed with, or asked for more
# information on, is not filed: it leaves the court documents and the repository updates and
# is listed in the county's reviewed_out.csv instead.
LEFT_OUT = ("disagree", "needs_more_information")

OUTCOMES = "audit.review_outcomes"
IMPORTS = "audit.review_imports"
WORKBOOKS = "audit.review_workbooks"

OUTCOME_SCHEMA: dict[str, Any] = {
    "import_id": pl.String,
    "import_seq": pl.Int64,
    "row_seq": pl.Int32,
    "decision_id": pl.String,
    "program": pl.String,
    "charge_key": pl.String,
    "decision_digest": pl.String,
    "mark": pl.String,
    "note": pl.String,
    "reviewer": pl.String,
    "file_name": pl.String,
    "file_sha256": pl.String,
    "sheet": pl.String,
    "sheet_row": pl.Int32,
    "imported_at": pl.Datetime("us"),
}
IMPORT_SCHEMA: dict[str, Any] = {
    "import_id": pl.String,
    "import_seq": pl.Int64,
    "file_name": pl.String,
    "file_sha256": pl.String,
    "reviewer": pl.String,
    "imported_at": pl.Datetime("us"),
    "county": pl.String,
    "as_of": pl.Date,
    "decision_set_sha256": pl.String,
    "workbook_run_id": pl.String,
    "rows_read": pl.Int64,
    "recorded": pl.Int64,
    "unchanged": pl.Int64,
    "stale": pl.Int64,
    "edited": pl.Int64,
    "unmarked": pl.Int64,
}
WORKBOOK_SCHEMA: dict[str, Any] = {
    "run_id": pl.String,
    "out_dir": pl.String,
    "file": pl.String,
    "county": pl.String,
    "as_of": pl.Date,
    "decision_set_sha256": pl.String,
    "decisions": pl.Int64,
    "prefilled": pl.Int64,
    "staged_at": pl.Datetime("us"),
    "published_at": pl.Datetime("us"),
}
_SQL_TYPES = {
    pl.String: "varchar",
    pl.Int64: "bigint",
    pl.Int32: "integer",
    pl.Date: "date",
}


def _ddl(table: str, schema: dict[str, Any]) -> str:
    columns = ", ".join(
        f"{name} {_SQL_TYPES.get(dtype, 'timestamp')}"  # type: ignore[call-overload]
        for name, dtype in schema.items()
    )
    return f"create table if not exists {table} ({columns})"


DDL = {
    OUTCOMES: _ddl(OUTCOMES, OUTCOME_SCHEMA),
    IMPORTS: _ddl(IMPORTS, IMPORT_SCHEMA),
    WORKBOOKS: _ddl(WORKBOOKS, WORKBOOK_SCHEMA),
}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists audit")
    for ddl in DDL.values():
        con.execute(ddl)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    (n,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(n)


def latest_sql(con: duckdb.DuckDBPyConnection) -> str:
    """A query of each reviewed decision's latest review: decision_id, review_mark,
    review_note, reviewer, reviewed_at, reviewed_digest, review_file_sha256, reviews (how many
    marks were recorded for it). Empty (same columns) in a warehouse without reviews yet."""
    if not _exists(con, OUTCOMES):
        return (
            "select cast(null as varchar) as decision_id, cast(null as varchar) as review_mark,"
            " cast(null as varchar) as review_note, cast(null as varchar) as reviewer,"
            " cast(null as timestamp) as reviewed_at, cast(null as varchar) as reviewed_digest,"
            " cast(null as varchar) as review_file_sha256, cast(null as bigint) as reviews"
            " where false"
        )
    return f"""
        select decision_id, mark as review_mark, note as review_note, reviewer,
               imported_at as reviewed_at, decision_digest as reviewed_digest,
               file_sha256 as review_file_sha256,
               count(*) over (partition by decision_id) as reviews
        from {OUTCOMES}
        qualify row_number() over (
            partition by decision_id order by import_seq desc, row_seq desc) = 1
    """


# the review columns the exports read, beside the decision's own (REVIEW_COLUMNS_SQL's names)
REVIEW_COLUMNS = (
    "review_mark",
    "review_note",
    "reviewer",
    "reviewed_on",
    "review_applies",
)


def review_columns_sql(decision: str = "d", review: str = "r") -> str:
    """The review columns of a decision joined (left) with its latest review: review_applies is
    true while the decision is the one reviewed, false when it changed since, NULL unreviewed."""
    return (
        f"{review}.review_mark, {review}.review_note, {review}.reviewer,"
        f" cast({review}.reviewed_at as date) as reviewed_on,"
        f" case when {review}.decision_id is not null"
        f" then {review}.reviewed_digest = {decision}.decision_digest end as review_applies"
    )


def left_out(frame: pl.DataFrame) -> pl.Series:
    """Per row: an eligible decision whose review applies and says it is not to be filed."""
    if "review_mark" not in frame.columns:
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    return frame.select(
        (
            (pl.col("determination") == "eligible")
            & pl.col("review_applies").fill_null(False)
            & pl.col("review_mark").is_in(list(LEFT_OUT))
        ).fill_null(False)
    ).to_series()


def agreed(frame: pl.DataFrame) -> pl.Series:
    """Per row: the review applies and agrees."""
    if "review_mark" not in frame.columns:
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    return frame.select(
        (pl.col("review_applies").fill_null(False) & (pl.col("review_mark") == "agree")).fill_null(
            False
        )
    ).to_series()


def reviews_of(con: duckdb.DuckDBPyConnection, decisions: pl.DataFrame) -> dict[str, dict]:
    """decision_id -> its latest review (with review_applies against the given decisions'
    decision_digest), for `explain` and `trace`."""
    if decisions.height == 0 or "decision_digest" not in decisions.columns:
        return {}
    con.register("_review_wanted", decisions.select("decision_id", "decision_digest"))
    try:
        rows = con.execute(
            f"select w.decision_id, {review_columns_sql('w', 'r')}, r.reviewed_at, r.reviews"
            f" from _review_wanted w join ({latest_sql(con)}) r using (decision_id)"
        ).pl()
    finally:
        con.unregister("_review_wanted")
    return {r["decision_id"]: r for r in rows.iter_rows(named=True)}


def describe(review: dict | None) -> str | None:
    """One line for `explain` / `trace`: the mark, who, when, whether it applies, the note."""
    if not review or not review.get("review_mark"):
        return None
    mark = MARKS.get(review["review_mark"], review["review_mark"]).upper()
    who = review.get("reviewer") or "reviewer not recorded"
    applies = (
        "applies"
        if review.get("review_applies")
        else "does not apply: the decision changed since; to be reviewed again"
    )
    text = f"{mark} by {who} on {review.get('reviewed_on')} [{applies}]"
    if review.get("review_note"):
        text += f": {review['review_note']}"
    return text


# --------------------------------------------------------------------------------------------
# The run's review workbooks (provenance for the import)


def record_workbooks(warehouse: Warehouse, run_id: str, out_dir: Path, books: pl.DataFrame) -> int:
    """The run's review workbooks (file, county, as_of, decision_set_sha256, decisions,
    prefilled), not yet published; a re-executed run replaces its own rows."""
    now = datetime.now(UTC).replace(tzinfo=None)
    frame = books.with_columns(
        run_id=pl.lit(run_id, pl.String),
        out_dir=pl.lit(str(out_dir), pl.String),
        staged_at=pl.lit(now, WORKBOOK_SCHEMA["staged_at"]),
        published_at=pl.lit(None, WORKBOOK_SCHEMA["published_at"]),
    ).select([pl.col(c).cast(t) for c, t in WORKBOOK_SCHEMA.items()])
    with warehouse.connect() as con:
        con.execute("begin transaction")
        ensure_tables(con)
        con.register("_review_workbooks", frame)
        con.execute(f"delete from {WORKBOOKS} where run_id = ?", [run_id])
        con.execute(f"insert into {WORKBOOKS} by name select * from _review_workbooks")
        con.execute("commit")
    return frame.height


def mark_workbooks_published(warehouse: Warehouse, run_id: str) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        con.execute("begin transaction")
        ensure_tables(con)
        con.execute(f"update {WORKBOOKS} set published_at = ? where run_id = ?", [now, run_id])
        con.execute("commit")
