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


def place(
    decision_id: str,
    file: str,
    kind: str,
    line: int | None,
    location: str,
    page: int | None = None,
    sheet: str | None = None,
) -> dict[str, Any]:
    return {
        "decision_id": decision_id,
        "file": file,
        "kind": kind,
        "line": line,
        "page": page,
        "sheet": sheet,
        "location": location,
    }


def from_court_document(file: str, info: dict[str, Any]) -> list[dict[str, Any]]:
    """The court document's items: page, item number and the R... reference printed there."""
    return [
        place(
            p["decision_id"],
            file,
            COURT_DOCUMENT,
            p["item"],
            f"page {p['page']}, item {p['item']} (R{p['ref']})",
            page=p["page"],
        )
        for p in info.get("placements", [])
        if p.get("decision_id")
    ]


def from_review_workbook(file: str, info: dict[str, Any]) -> list[dict[str, Any]]:
    """The workbook's rows: sheet name and the row number Excel shows (header = row 1)."""
    return [
        place(
            p["decision_id"],
            file,
            REVIEW_WORKBOOK,
            p["row"],
            f"sheet '{p['sheet']}', row {p['row']}",
            sheet=p["sheet"],
        )
        for p in info.get("placements", [])
        if p.get("decision_id")
    ]


def from_gogen(
    root: Path, folder: str, counts: dict[str, Any], decision_ids: dict[str, str]
) -> list[dict[str, Any]]:
    """The earlier tool's two CSVs: a conviction's record in Prop64_Results.csv (in input-row
    order) and its input row in All_Results_Condensed.csv. decision_ids: charge_key -> id."""
    rows: dict[str, int] = counts.get("rows_by_charge_key", {})
    if not rows:
        return []
    out = []
    results, condensed = (
        f"{folder}/gogen/Prop64_Results.csv",
        f"{folder}/gogen/All_Results_Condensed.csv",
    )
    result_rows = sorted(set(rows.values()))
    rank = {r: i for i, r in enumerate(result_rows)}
    result_starts = record_start_lines(root / results, counts.get("Prop64_Results.csv"))
    condensed_starts = record_start_lines(root / condensed, counts.get("All_Results_Condensed.csv"))
    for charge_key, row in sorted(rows.items(), key=lambda kv: kv[1]):
        did = decision_ids.get(charge_key)
        if did is None:
            continue
        if rank[row] < len(result_starts):
            n = result_starts[rank[row]]
            out.append(place(did, results, GOGEN_RESULTS, n, f"line {n}"))
        if row < len(condensed_starts):
            n = condensed_starts[row]
            out.append(place(did, condensed, GOGEN_CONDENSED, n, f"line {n}"))
    return out


def collect(root: Path, placed: list[dict[str, Any]]) -> pl.DataFrame:
    """Every place of the set under `root`: the writers' (`placed`) plus the CSV and JSONL files
    read back (county Prop 64 CSVs by decision_id, repository files by record_id)."""
    rows = list(placed)
    for path in sorted(root.glob("*/prop64_convictions.csv")):
        rel = path.relative_to(root).as_posix()
        rows += [
            place(d, rel, COUNTY_CSV, n, f"line {n}") for d, n in csv_lines(path, "decision_id")
        ]
    for path in sorted((root / "repository").glob("*_updates.csv")):
        rel = path.relative_to(root).as_posix()
        rows += [
            place(d, rel, REPOSITORY_CSV, n, f"line {n}")
            for d, n in csv_lines(path, "record_id")
            if d != "TRAILER"
        ]
    for path in sorted((root / "repository").glob("*_updates.jsonl")):
        rel = path.relative_to(root).as_posix()
        rows += [
            place(d, rel, REPOSITORY_JSONL, n, f"line {n}")
            for d, n in jsonl_lines(path, "record_id")
        ]
    schema = {c: SCHEMA[c] for c in PLACE_COLUMNS}
    return pl.DataFrame(rows, schema=schema).sort("file", "page", "sheet", "line", nulls_last=True)


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
