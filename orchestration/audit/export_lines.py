"""Where each decision landed in the export set: audit.export_lines, file by file, line by line.

The writers know where they put each decision (court document: page and item; review
workbook: sheet and row; the earlier tool's CSVs: which record); the CSV and JSONL files that
carry a decision id are read back for their physical line numbers. `collect` turns that into
rows (pure: files and writer results in, a frame out). The export step then records them:

    exports/staged_files  record_staged(): this run's rows, published_at NULL
    exports/published     mark_published(): stamps them once the set is swapped in, and drops
                          rows of runs that never published (a crash left them)

fct_decision_lineage (a view) shows the latest published run's rows; `cleanslate trace` reads
the files back at those lines. The table's columns are also created by dbt's on-run-start hook
(dbt_project/macros/audit_lineage.sql): keep the two in step.
"""

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.resources import Warehouse

TABLE = "audit.export_lines"
SCHEMA: dict[str, Any] = {
    "run_id": pl.String,
    "out_dir": pl.String,
    "decision_id": pl.String,
    "file": pl.String,
    "kind": pl.String,
    "line": pl.Int32,
    "page": pl.Int32,
    "sheet": pl.String,
    "location": pl.String,
    "staged_at": pl.Datetime("us"),
    "published_at": pl.Datetime("us"),
}
_SQL_TYPES = {pl.String: "varchar", pl.Int32: "integer"}
DDL = (
    f"create table if not exists {TABLE} ("
    + ", ".join(
        f"{name} {_SQL_TYPES.get(dtype, 'timestamp')}"  # type: ignore[call-overload]
        for name, dtype in SCHEMA.items()
    )
    + ")"
)
# the columns `collect` produces (the rest are the run's)
PLACE_COLUMNS = ("decision_id", "file", "kind", "line", "page", "sheet", "location")

COURT_DOCUMENT = "court_document"
COUNTY_CSV = "county_csv"
REVIEW_WORKBOOK = "review_workbook"
REVIEWED_OUT = "reviewed_out"  # <COUNTY>/reviewed_out.csv: kept out of the court documents
REPOSITORY_CSV = "repository_csv"
REPOSITORY_JSONL = "repository_jsonl"
GOGEN_RESULTS = "gogen_results"
GOGEN_CONDENSED = "gogen_condensed"


# --------------------------------------------------------------------------------------------
# Reading files back (pure)


def record_start_lines(path: Path, records: int | None = None) -> list[int]:
    """The physical 1-based line each data record of a CSV file (with a header) starts on.

    When the file has exactly one line per record (the usual case, checked by counting line
    ends against `records`), no parsing is needed; otherwise the file is parsed (quoted fields
    may hold line breaks).
    """
    if records is not None:
        with path.open("rb") as f:
            ends = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
        if ends == records + 1:
            return list(range(2, records + 2))
    starts: list[int] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        start = reader.line_num + 1
        for _ in reader:
            starts.append(start)
            start = reader.line_num + 1
    return starts


def csv_lines(path: Path, id_column: str) -> list[tuple[str, int]]:
    """(value of id_column, physical line the record starts on) for every record of a CSV."""
    out: list[tuple[str, int]] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header or id_column not in header:
            return out
        i = header.index(id_column)
        start = reader.line_num + 1
        for row in reader:
            if len(row) > i and row[i]:
                out.append((row[i], start))
            start = reader.line_num + 1
    return out


def jsonl_lines(path: Path, id_key: str) -> list[tuple[str, int]]:
    """(value of id_key, line) for every JSON object line that has it (trailers have not)."""
    out: list[tuple[str, int]] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                value = json.loads(line).get(id_key)
                if value:
                    out.append((str(value), n))
    return out


# --------------------------------------------------------------------------------------------
# From the writers' results to rows (pure)


_PLACE_SCHEMA = {c: SCHEMA[c] for c in PLACE_COLUMNS}


def _places(
    frame: pl.DataFrame, file: str, kind: str, location: pl.Expr, page=None, sheet=None
) -> pl.DataFrame:
    """`frame` (decision_id, line) as place rows: columns, not a dict per place, because a
    statewide run places millions of decisions."""
    return frame.select(
        pl.col("decision_id").cast(pl.String),
        pl.lit(file, pl.String).alias("file"),
        pl.lit(kind, pl.String).alias("kind"),
        pl.col("line").cast(pl.Int32),
        (pl.lit(None) if page is None else page).cast(pl.Int32).alias("page"),
        (pl.lit(None) if sheet is None else sheet).cast(pl.String).alias("sheet"),
        location.cast(pl.String).alias("location"),
    ).filter(pl.col("decision_id").is_not_null() & (pl.col("decision_id") != ""))


def _at_line(frame: pl.DataFrame, file: str, kind: str) -> pl.DataFrame:
    return _places(frame, file, kind, pl.format("line {}", pl.col("line")))


def _frame(rows: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """A writer's placements (a list of dicts, or a dict of columns) as a frame."""
    return pl.DataFrame(rows or [], schema=schema, strict=False)


def from_court_document(file: str, info: dict[str, Any]) -> pl.DataFrame:
    """The court document's items: page, item number and the R... reference printed there."""
    p = _frame(
        info.get("placements"),
        {"decision_id": pl.String, "page": pl.Int32, "item": pl.Int32, "ref": pl.String},
    ).rename({"item": "line"})
    location = pl.format("page {}, item {} (R{})", pl.col("page"), pl.col("line"), pl.col("ref"))
    return _places(p, file, COURT_DOCUMENT, location, page=pl.col("page"))


def from_review_workbook(file: str, info: dict[str, Any]) -> pl.DataFrame:
    """The workbook's rows: sheet name and the row number Excel shows (header = row 1)."""
    p = _frame(
        info.get("placements"), {"decision_id": pl.String, "sheet": pl.String, "row": pl.Int32}
    ).rename({"row": "line"})
    location = pl.format("sheet '{}', row {}", pl.col("sheet"), pl.col("line"))
    return _places(p, file, REVIEW_WORKBOOK, location, sheet=pl.col("sheet"))


def from_gogen(
    root: Path, folder: str, counts: dict[str, Any], decision_ids: pl.DataFrame
) -> pl.DataFrame:
    """The earlier tool's two CSVs: a conviction's record in Prop64_Results.csv (in input-row
    order) and its input row in All_Results_Condensed.csv. decision_ids: charge_key,
    decision_id."""
    rows: dict[str, int] = counts.get("rows_by_charge_key", {})
    if not rows:
        return pl.DataFrame(schema=_PLACE_SCHEMA)
    results, condensed = (
        f"{folder}/gogen/Prop64_Results.csv",
        f"{folder}/gogen/All_Results_Condensed.csv",
    )
    result_starts = record_start_lines(root / results, counts.get("Prop64_Results.csv"))
    condensed_starts = record_start_lines(root / condensed, counts.get("All_Results_Condensed.csv"))
    placed = (
        pl.DataFrame(
            {"charge_key": list(rows), "_row": list(rows.values())},
            schema={"charge_key": pl.String, "_row": pl.Int64},
        )
        # Prop64_Results.csv holds the placed rows in input order: a row's rank is its record
        .with_columns(pl.col("_row").rank("dense").cast(pl.Int64).sub(1).alias("_rank"))
        .join(decision_ids.select("charge_key", "decision_id"), on="charge_key", how="inner")
    )

    def lines(index: str, starts: list[int]) -> pl.DataFrame:
        table = pl.DataFrame({index: range(len(starts)), "line": starts}, schema={
            index: pl.Int64, "line": pl.Int64})  # fmt: skip
        return placed.join(table, on=index, how="inner")

    return pl.concat(
        [
            _at_line(lines("_rank", result_starts), results, GOGEN_RESULTS),
            _at_line(lines("_row", condensed_starts), condensed, GOGEN_CONDENSED),
        ]
    )


def _read_back(path: Path, rel: str, kind: str, pairs: list[tuple[str, int]]) -> pl.DataFrame:
    frame = pl.DataFrame(pairs, schema={"decision_id": pl.String, "line": pl.Int64}, orient="row")
    return _at_line(frame, rel, kind)


def collect(root: Path, placed: list[pl.DataFrame]) -> pl.DataFrame:
    """Every place of the set under `root`: the writers' (`placed`) plus the CSV and JSONL files
    read back (county Prop 64 CSVs and reviewed-out lists by decision_id, repository files by
    record_id)."""
    frames = [p.select(PLACE_COLUMNS) for p in placed]
    for path in sorted(root.glob("*/prop64_convictions.csv")):
        rel = path.relative_to(root).as_posix()
        frames.append(_read_back(path, rel, COUNTY_CSV, csv_lines(path, "decision_id")))
    for path in sorted(root.glob("*/reviewed_out.csv")):
        rel = path.relative_to(root).as_posix()
        frames.append(_read_back(path, rel, REVIEWED_OUT, csv_lines(path, "decision_id")))
    for path in sorted((root / "repository").glob("*_updates.csv")):
        rel = path.relative_to(root).as_posix()
        pairs = [(d, n) for d, n in csv_lines(path, "record_id") if d != "TRAILER"]
        frames.append(_read_back(path, rel, REPOSITORY_CSV, pairs))
    for path in sorted((root / "repository").glob("*_updates.jsonl")):
        rel = path.relative_to(root).as_posix()
        frames.append(_read_back(path, rel, REPOSITORY_JSONL, jsonl_lines(path, "record_id")))
    out = pl.concat(frames) if frames else pl.DataFrame(schema=_PLACE_SCHEMA)
    return out.sort("file", "page", "sheet", "line", nulls_last=True)


# --------------------------------------------------------------------------------------------
# Recording (the export step)


def ensure_table(con) -> None:
    con.execute("create schema if not exists audit")
    con.execute(DDL)


def record_staged(warehouse: Warehouse, run_id: str, out_dir: Path, places: pl.DataFrame) -> int:
    """This run's places, not yet published (a re-executed run replaces its own rows)."""
    frame = places.with_columns(
        run_id=pl.lit(run_id, pl.String),
        out_dir=pl.lit(str(out_dir), pl.String),
        staged_at=pl.lit(datetime.now(UTC).replace(tzinfo=None), SCHEMA["staged_at"]),
        published_at=pl.lit(None, SCHEMA["published_at"]),
    ).select(list(SCHEMA))
    with warehouse.connect() as con:
        con.execute("begin transaction")
        ensure_table(con)
        con.register("_export_lines", frame)
        con.execute(f"delete from {TABLE} where run_id = ?", [run_id])
        con.execute(f"insert into {TABLE} by name select * from _export_lines")
        con.execute("commit")
    return frame.height


def mark_published(warehouse: Warehouse, run_id: str, out_dir: Path) -> None:
    """The run's set is the one published in out_dir: stamp its rows, and forget the set it
    replaced there and any set never published (their files are gone)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        con.execute("begin transaction")
        ensure_table(con)
        con.execute(f"update {TABLE} set published_at = ? where run_id = ?", [now, run_id])
        con.execute(
            f"delete from {TABLE} where run_id <> ? and (published_at is null or out_dir = ?)",
            [run_id, str(out_dir)],
        )
        con.execute("commit")
