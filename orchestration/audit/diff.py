"""`cleanslate diff`: who changed determination between two recorded runs, and why."""

from pathlib import Path

import duckdb
import polars as pl


def runs(warehouse: Path) -> pl.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select run_id, recorded_at, as_of, git_revision, git_dirty, rule_files, decisions"
            " from audit.runs order by recorded_at"
        ).pl()
    finally:
        con.close()


def resolve_run(all_runs: pl.DataFrame, ref: str | None, default_index: int) -> str:
    """A run id, a unique prefix of one, or (None) the run at default_index (-1 = latest)."""
    ids = all_runs["run_id"].to_list()
    if ref is None:
        if len(ids) < 2:
            raise ValueError("diff needs two recorded runs; this warehouse has " + str(len(ids)))
        return ids[default_index]
    found = [i for i in ids if i.startswith(ref)]
    if len(found) != 1:
        raise ValueError(f"run {ref!r} matches {len(found)} recorded runs")
    return found[0]


def load_decisions(warehouse: Path, run_id: str) -> pl.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select * from audit.decisions where run_id = ?", [run_id]).pl()
    finally:
        con.close()


def compare(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """Pure: one row per (program, charge) whose determination, relief or eligible_on changed,
    including decisions that appear or disappear (determination 'absent')."""
    cols = ["determination", "relief", "eligible_on", "decisive_rule", "rules_version"]
    keys = ["program", "charge_key"]
    b = before.select(*keys, "subject_id", *cols).rename({c: f"{c}_before" for c in cols})
    a = after.select(*keys, "subject_id", *cols).rename({c: f"{c}_after" for c in cols})
    joined = (
        b.join(a, on=keys, how="full", coalesce=True, suffix="_a")
        .with_columns(
            subject_id=pl.coalesce("subject_id", "subject_id_a"),
            determination_before=pl.col("determination_before").fill_null("absent"),
            determination_after=pl.col("determination_after").fill_null("absent"),
        )
        .drop("subject_id_a")
    )
    changed = (
        (pl.col("determination_before") != pl.col("determination_after"))
        | pl.col("relief_before").ne_missing(pl.col("relief_after"))
        | pl.col("eligible_on_before").ne_missing(pl.col("eligible_on_after"))
    )
    return joined.filter(changed).sort(keys)


def summarize(changes: pl.DataFrame) -> pl.DataFrame:
    """Counts by program, from -> to and the deciding rule now (the reason)."""
    return (
        changes.group_by(
            "program", "determination_before", "determination_after", "decisive_rule_after"
        )
        .agg(charges=pl.len(), people=pl.col("subject_id").n_unique())
        .sort("program", "charges", descending=[False, True])
    )
