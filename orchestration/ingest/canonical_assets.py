"""Ingest canonical extracts (folders, docs/canonical-format.md) -> raw.canonical_<table>."""

import sys
from pathlib import Path

import pyarrow.parquet as pq
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    Config,
    MetadataValue,
    Output,
    asset_check,
    multi_asset,
)

from orchestration.catalog import COLUMN_SCHEMA, OWNERS, ROW_COUNT, code_version, polars_schema
from orchestration.ingest import canonical_format, canonical_reader, staging
from orchestration.ingest.canonical_format import TABLES
from orchestration.ingest.canonical_reader import REJECT_SCHEMA, staged_schema
from orchestration.ingest.recount import count_input_records
from orchestration.ingest.staging import stage_canonical_extracts
from orchestration.lib.settings import landing_dir
from orchestration.resources import Warehouse

CANONICAL_CODE_VERSION = code_version(
    sys.modules[__name__], canonical_reader, canonical_format, staging
)
CANONICAL_KEYS = {t: AssetKey(["raw", f"canonical_{t}"]) for t in TABLES}
CANONICAL_REJECTS = AssetKey(["raw", "canonical_rejects"])


class CanonicalExtractConfig(Config):
    """Canonical extract folders to read. None (the default, e.g. from the UI) means every
    sub-folder of the landing folder that holds a persons file; [] means none this run."""

    extracts: list[str] | None = None


def resolve_folders(config: CanonicalExtractConfig) -> list[Path]:
    if config.extracts is not None:
        folders = [Path(p).resolve() for p in config.extracts]
    else:
        root = landing_dir()
        folders = sorted(
            p
            for p in root.glob("*")
            if p.is_dir() and any((p / f"persons{s}").exists() for s in (".csv", ".parquet"))
        )
    missing = [str(p) for p in folders if not p.is_dir()]
    if missing:
        raise FileNotFoundError(f"canonical extract folder not found: {', '.join(missing)}")
    names = [p.name for p in folders]
    if len(set(names)) != len(names):
        raise ValueError("two canonical extracts share a folder name; rename one")
    return folders


@multi_asset(
    outs={
        **{
            f"canonical_{t}": AssetOut(
                key=key,
                description=f"Staged rows of the canonical `{t}` table (all text + lineage).",
                group_name="ingest",
                kinds={"polars", "duckdb"},
                owners=OWNERS["ingest"],
                code_version=CANONICAL_CODE_VERSION,
                metadata={COLUMN_SCHEMA: polars_schema(staged_schema(TABLES[t]))},
            )
            for t, key in CANONICAL_KEYS.items()
        },
        "canonical_rejects": AssetOut(
            key=CANONICAL_REJECTS,
            description="Canonical rows that could not be staged: file, line, reason.",
            group_name="ingest",
            kinds={"polars", "duckdb"},
            owners=OWNERS["ingest"],
            code_version=CANONICAL_CODE_VERSION,
            metadata={COLUMN_SCHEMA: polars_schema(REJECT_SCHEMA)},
        ),
    },
)
def canonical_extracts(
    context: AssetExecutionContext, config: CanonicalExtractConfig, warehouse: Warehouse
):
    folders = resolve_folders(config)
    with warehouse.replacing() as tables:
        manifest = stage_canonical_extracts(tables, folders)
    for folder in folders:
        rows = [m for m in manifest if m["source_extract"] == folder.name]
        staged = sum(m["staged"] for m in rows)
        rejected = sum(m["rejected"] for m in rows)
        context.log.info(f"{folder.name}: {staged} rows staged, {rejected} rejected")
    by_table = {t: sum(m["staged"] for m in manifest if m["table_name"] == t) for t in TABLES}
    rejected = sum(m["rejected"] for m in manifest)
    for t in TABLES:
        yield Output(
            None,
            output_name=f"canonical_{t}",
            metadata={"staged": by_table[t], ROW_COUNT: by_table[t]},
        )
    yield Output(
        None,
        output_name="canonical_rejects",
        metadata={
            ROW_COUNT: rejected,
            "extracts": len(folders),
            "input_records": sum(m["input_records"] for m in manifest),
            "staged": sum(by_table.values()),
            "rejected": rejected,
            "files": MetadataValue.json(
                {
                    f"{m['source_extract']}/{m['table_name']}": m["source_sha256"]
                    for m in manifest
                    if m["present"]
                }
            ),
        },
    )


@asset_check(asset=CANONICAL_REJECTS, blocking=True, additional_deps=list(CANONICAL_KEYS.values()))
def canonical_staged_plus_rejected_equals_input(warehouse: Warehouse) -> AssetCheckResult:
    """Recount every canonical file's rows from the file itself; compare with the tables."""
    files = warehouse.query("select * from raw.canonical_files where present")
    # staged rows per (table, extract, file) and rejected rows per (extract, file), each in one
    # query (a query per file cost a connection each: 15 s for the ~650 files of 93 extracts)
    staged_sql = " union all ".join(
        f"select '{t}' as table_name, source_extract, source_file, count(*) as n"
        f" from raw.canonical_{t} group by all"
        for t in sorted(set(files["table_name"]))
    )
    staged = {}
    if staged_sql:
        staged = {(r[0], r[1], r[2]): r[3] for r in warehouse.query(staged_sql).iter_rows()}
    rejected = {
        (r[0], r[1]): r[2]
        for r in warehouse.query(
            "select source_extract, source_file, count(*) as n from raw.canonical_rejects"
            " group by all"
        ).iter_rows()
    }
    problems = []
    for f in files.iter_rows(named=True):
        path = Path(f["path"])
        got = staged.get((f["table_name"], f["source_extract"], path.name), 0)
        got += rejected.get((f["source_extract"], path.name), 0)
        if path.suffix == ".parquet":
            expected = pq.ParquetFile(path).metadata.num_rows
        else:
            expected = count_input_records(path, header=True).records
        if got != expected:
            problems.append(
                f"{f['source_extract']}/{path.name}: {expected} rows in the file, "
                f"{got} staged + rejected"
            )
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "staged + rejected = input rows for every file",
        metadata={"files": files.height},
    )
