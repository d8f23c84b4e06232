"""What the ingest assets write into raw.*, as plain functions of a loader: no Dagster here.

`tables` is a loader (orchestration/engines.py, Loader: `.write(schema, name, frame)`, the first
write of a table replaces it, later ones append), e.g. the Warehouse's TableReplacer inside its
transaction. The Dagster ingest assets (canonical_assets.py, supervision_assets.py, assets.py)
call these; so does the law-case runner (scripts/law_cases.py), which builds the decision
models on a scratch warehouse without Dagster: both stage their inputs the same way.
"""

from pathlib import Path

import polars as pl

from orchestration.engines import Loader
from orchestration.ingest import reader
from orchestration.ingest.canonical_format import TABLES
from orchestration.ingest.canonical_reader import (
    REJECT_SCHEMA,
    read_extract_folder,
    read_table_file,
    staged_schema,
)

# raw.doj_files: each CA DOJ extract file of the run (the reconciliation check recounts them)
DOJ_FILES_SCHEMA = {
    "source_file": pl.String,
    "path": pl.String,
    "source_sha256": pl.String,
    "has_header": pl.Boolean,
    "input_records": pl.Int64,
    "staged": pl.Int64,
    "rejected": pl.Int64,
    "blank_lines": pl.Int64,
    "bytes": pl.Int64,
}
# raw.canonical_files: which tables each canonical extract provided
CANONICAL_FILES_SCHEMA = {
    "source_extract": pl.String,
    "table_name": pl.String,
    "path": pl.String,
    "present": pl.Boolean,
    "source_sha256": pl.String,
    "input_records": pl.Int64,
    "staged": pl.Int64,
    "rejected": pl.Int64,
}
# raw.doj_supervision_files: each supervision file handed to the run for its DOJ subjects
SUPERVISION_FILES_SCHEMA = {
    "source_file": pl.String,
    "path": pl.String,
    "source_sha256": pl.String,
    "complete": pl.Boolean,
    "input_records": pl.Int64,
    "staged": pl.Int64,
    "rejected": pl.Int64,
}
SUPERVISION_TABLE = TABLES["supervision"]
# lineage value of the supervision rows' source_extract (the canonical reader's column)
SUPERVISION_SOURCE_EXTRACT = "doj_supervision"


def stage_no_doj_extract(tables: Loader) -> None:
    """No CA DOJ extract this run: the tables exist, empty, so the models still build."""
    tables.write("raw", "doj_extract", pl.DataFrame(schema=reader.STAGED_SCHEMA))
    tables.write("raw", "doj_rejects", pl.DataFrame(schema=reader.REJECT_SCHEMA))
    tables.write("raw", "doj_files", pl.DataFrame(schema=DOJ_FILES_SCHEMA))


def stage_canonical_extracts(tables: Loader, folders: list[Path]) -> list[dict]:
    """Stage canonical extract folders into raw.canonical_<table> and raw.canonical_rejects,
    and list each folder's tables in raw.canonical_files. Every table exists, even with no
    folder. Returns the rows of raw.canonical_files (one per folder and table)."""
    manifest: list[dict] = []
    for t, table in TABLES.items():
        tables.write("raw", f"canonical_{t}", pl.DataFrame(schema=staged_schema(table)))
    tables.write("raw", "canonical_rejects", pl.DataFrame(schema=REJECT_SCHEMA))
    for folder in folders:
        last = {}
        for name, staged, rejects, stats in read_extract_folder(folder):
            tables.write("raw", f"canonical_{name}", staged)
            tables.write("raw", "canonical_rejects", rejects)
            last[name] = stats  # running totals; the last chunk's are the table's
        for name, s in last.items():
            manifest.append(
                {
                    "source_extract": folder.name,
                    "table_name": name,
                    "path": s.path,
                    "present": s.present,
                    "source_sha256": s.sha256,
                    "input_records": s.input_records,
                    "staged": s.staged,
                    "rejected": s.rejected,
                }
            )
    tables.write("raw", "canonical_files", pl.DataFrame(manifest, schema=CANONICAL_FILES_SCHEMA))
    return manifest


def stage_supervision_files(tables: Loader, paths: list[Path], complete: bool) -> list[dict]:
    """Stage supervision files for the DOJ subjects into raw.doj_supervision and
    raw.doj_supervision_rejects, listed in raw.doj_supervision_files with `complete`. The
    tables exist even with no file. Returns the rows of raw.doj_supervision_files."""
    manifest: list[dict] = []
    tables.write("raw", "doj_supervision", pl.DataFrame(schema=staged_schema(SUPERVISION_TABLE)))
    tables.write("raw", "doj_supervision_rejects", pl.DataFrame(schema=REJECT_SCHEMA))
    for path in paths:
        stats = None
        for staged, rejects, running in read_table_file(
            path, SUPERVISION_TABLE, SUPERVISION_SOURCE_EXTRACT
        ):
            tables.write("raw", "doj_supervision", staged)
            tables.write("raw", "doj_supervision_rejects", rejects)
            stats = running
        manifest.append(
            {
                "source_file": path.name,
                "path": str(path),
                "source_sha256": stats.sha256 if stats else None,
                "complete": complete,
                "input_records": stats.input_records if stats else 0,
                "staged": stats.staged if stats else 0,
                "rejected": stats.rejected if stats else 0,
            }
        )
    tables.write(
        "raw", "doj_supervision_files", pl.DataFrame(manifest, schema=SUPERVISION_FILES_SCHEMA)
    )
    return manifest
