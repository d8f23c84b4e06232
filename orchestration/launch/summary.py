"""What a finished clearance run left, read back for its console summary: the ingest counts of
its materializations, the county summaries of the published set, counts from the warehouse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.exports.writers import SUMMARY_FILE, county_folder, normalize_county

if TYPE_CHECKING:
    from dagster import ExecuteInProcessResult

# ingest asset -> (its source, the metadata entry that is zero when the run had no such input)
INGEST_ASSETS = {
    "raw/doj_extract": ("doj", "files"),
    "raw/canonical_rejects": ("canonical", "extracts"),
    "raw/doj_supervision": ("supervision", "files"),
}


@dataclass(frozen=True)
class Ingested:
    source: str  # "doj", "canonical" or "supervision"
    input_records: int
    staged: int | None
    rejected: int | None


def ingested(result: ExecuteInProcessResult) -> list[Ingested]:
    """The ingest counts of the run's inputs, in the order their assets were materialized."""
    found = []
    for mat in result.get_asset_materialization_events():
        meta = mat.materialization.metadata
        source, present = INGEST_ASSETS.get(mat.asset_key.to_user_string(), (None, None))
        if source and meta[present].value:
            staged, rejected = meta.get("staged"), meta.get("rejected")
            found.append(
                Ingested(
                    source,
                    meta["input_records"].value,
                    staged.value if staged else None,
                    rejected.value if rejected else None,
                )
            )
    return found


@dataclass(frozen=True)
class SupervisionMatches:
    by_subject_id: int
    by_cii: int
    unmatched: int
    people: int
    rejected: int
    complete: bool


def supervision_matches(warehouse_file: Path) -> SupervisionMatches:
    """How the supervision files' rows matched the DOJ subjects (counts only)."""
    import duckdb

    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        by_subject_id, by_cii, unmatched, people = con.execute(
            "select count(*) filter (where matched_key = 'subject_id'),"
            " count(*) filter (where matched_key = 'cii'),"
            " count(*) filter (where matched_key is null), count(distinct person_key)"
            " from main.stg_doj__supervision"
        ).fetchone()
        (rejected,) = con.execute("select count(*) from raw.doj_supervision_rejects").fetchone()
        (complete,) = con.execute(
            "select coalesce(bool_or(complete), false) from raw.doj_supervision_files"
        ).fetchone()
    finally:
        con.close()
    return SupervisionMatches(by_subject_id, by_cii, unmatched, people, rejected, complete)


def county_summaries(out_dir: Path, county: str | None) -> list[tuple[str, dict]]:
    """(folder, summary.json) of each county folder of the published set (of `county` only
    when given), by folder name. Only the set's own summaries (its manifest's): files a user
    keeps in the folder are not ours."""
    counties = [county_folder(normalize_county(county))] if county else None
    ours = {f["file"] for f in json.loads((out_dir / "manifest.json").read_text())["files"]}
    found = []
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        listed = f"{folder.name}/{SUMMARY_FILE}" in ours
        if (counties and folder.name not in counties) or not listed:
            continue
        found.append((folder.name, json.loads((folder / SUMMARY_FILE).read_text())))
    return found


def determination_totals(summaries: list[tuple[str, dict]]) -> dict[str, int]:
    """The summaries' convictions per determination, added up."""
    total: dict[str, int] = {}
    for _, s in summaries:
        for k, v in s["by_determination"].items():
            total[k] = total.get(k, 0) + v
    return total


def decision_counts(warehouse_file: Path) -> tuple[dict[tuple[str, str], dict[str, int]], int]:
    """Decisions per (law, its title) and determination, straight from the decision table, and
    how many conviction records have an offense text that reads to no statute."""
    import duckdb

    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        rows = con.execute(
            "select d.program, p.title, d.determination, count(*) from main.fct_decisions d"
            " left join main.stg_rules__programs p on p.program = d.program"
            " group by all order by 1, 3"
        ).fetchall()
        (unread,) = con.execute(
            "select count(*) from main.int_charges_assembled"
            " where is_convicted and parse_status <> 'parsed'"
        ).fetchone()
    finally:
        con.close()
    by_program: dict[tuple[str, str], dict[str, int]] = {}
    for program, title, determination, n in rows:
        by_program.setdefault((program, title or program), {})[determination] = n
    return by_program, unread
