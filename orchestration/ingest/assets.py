"""Ingest: CA DOJ extracts -> raw.doj_extract (staged) and raw.doj_rejects (with reasons).

Exact duplicate records (all 95 fields identical, within a file or across the run's files, e.g.
one extract delivered twice under two names) are quarantined: the first in (file name, line)
order stays staged, every other copy moves to raw.doj_rejects as `duplicate of <file>:<line>`.
This is done in SQL, inside the ingest transaction, after every chunk is written, so memory
stays flat: DuckDB's window operator spills to disk (measured: 1M records, half of them
duplicates, in 12.5 s under a 300 MB DuckDB memory limit; about a third of the ingest time).
Canonical extracts are not deduplicated: their rows carry their own ids, and a person or charge
id given twice already stops the run at the dbt uniqueness tests (person_key, charge_key).

An extract with no records at all (empty, header only, blank lines only) fails the run.
Metadata holds counts and file hashes only: never a row, a name or a date of birth.
"""

import sys
from pathlib import Path

import duckdb
import polars as pl
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
from orchestration.console import report
from orchestration.ingest import doj_format, reader, staging
from orchestration.ingest.doj_format import COLUMNS, FIELD_COUNT
from orchestration.ingest.reader import REJECT_SCHEMA, STAGED_SCHEMA, FileStats, read_extract
from orchestration.ingest.recount import count_input_records
from orchestration.ingest.staging import DOJ_FILES_SCHEMA, stage_no_doj_extract
from orchestration.lib.settings import landing_dir
from orchestration.resources import Warehouse

# the code that stages the extract: a change marks earlier materializations as older code
INGEST_CODE_VERSION = code_version(sys.modules[__name__], reader, doj_format, staging)
RAW_EXTRACT = AssetKey(["raw", "doj_extract"])
RAW_REJECTS = AssetKey(["raw", "doj_rejects"])
EXTRACT_SUFFIXES = {".csv", ".dat", ".txt"}


class ExtractConfig(Config):
    """Which CA DOJ extract files to read. None (the default, e.g. from the UI) means every
    *.csv / *.dat / *.txt file in the landing folder; an empty list means none this run."""

    extracts: list[str] | None = None


def resolve_extracts(config: ExtractConfig) -> list[Path]:
    if config.extracts is not None:
        paths = [Path(p).resolve() for p in config.extracts]
    else:
        folder = landing_dir()
        paths = sorted(
            p for p in folder.glob("*") if p.is_file() and p.suffix.lower() in EXTRACT_SUFFIXES
        )
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"extract not found: {', '.join(missing)}")
    names = [p.name for p in paths]
    shared = sorted({n for n in names if names.count(n) > 1})
    if shared:
        raise ValueError(
            f"two extracts share a file name ({', '.join(shared)}): lineage keys on the name, "
            "rename one"
        )
    return paths


class EmptyExtractError(ValueError):
    """An extract file holds no record: nothing to decide, most likely a failed delivery."""


# Every copy after the first of an identical 95-field record, with the first's file and line.
# The window partitions on the 95 text columns themselves (no collision can merge two different
# records), but only over "suspects": records whose 64-bit hash of the 95 columns occurs more
# than once. Every true duplicate is a suspect, so the result is exact; the 95-column sort now
# runs over the duplicates (and any hash collisions) instead of every record. Ties cannot
# happen: (source_file, source_line) is unique.
_PARTITION = ", ".join(f'"{c}"' for c in COLUMNS)
DUPLICATES_SQL = f"""
create temp table _doj_duplicates as
with suspects as (
    select hash({_PARTITION}) as h
    from raw.doj_extract
    group by 1
    having count(*) > 1
)
select source_file, source_line, source_sha256, first_file, first_line
from (
    select source_file, source_line, source_sha256,
           row_number() over w as copy_no,
           first_value(source_file) over w as first_file,
           first_value(source_line) over w as first_line
    from raw.doj_extract
    where hash({_PARTITION}) in (select h from suspects)
    window w as (partition by {_PARTITION} order by source_file, source_line)
)
where copy_no > 1
"""
QUARANTINE_SQL = [
    f"""
    insert into raw.doj_rejects by name
    select source_file, source_line, source_sha256,
           'duplicate of ' || first_file || ':' || cast(first_line as varchar) as error,
           cast({FIELD_COUNT} as integer) as field_count,
           cast(null as bigint) as byte_length
    from _doj_duplicates
    """,
    """
    delete from raw.doj_extract as e
    using _doj_duplicates as d
    where e.source_file = d.source_file and e.source_line = d.source_line
    """,
]


def quarantine_duplicates(con: duckdb.DuckDBPyConnection, files: list[FileStats]) -> dict[str, int]:
    """Move exact duplicate records to raw.doj_rejects; adjust each file's stats. Returns
    duplicates per file (only files that have some)."""
    con.execute(DUPLICATES_SQL)
    try:
        per_file = dict(
            con.execute(
                "select source_file, count(*) from _doj_duplicates group by source_file"
            ).fetchall()
        )
        if per_file:
            for statement in QUARANTINE_SQL:
                con.execute(statement)
    finally:
        con.execute("drop table _doj_duplicates")
    for s in files:
        n = per_file.get(s.source_file, 0)
        if n:
            s.staged -= n
            s.rejected += n
            s.errors["duplicate"] = s.errors.get("duplicate", 0) + n
    return per_file


@multi_asset(
    outs={
        "doj_extract": AssetOut(
            key=RAW_EXTRACT,
            description="Staged records of the CA DOJ research-file extracts: 95 text columns "
            "plus source_file, source_line and source_sha256.",
            group_name="ingest",
            kinds={"polars", "duckdb"},
            owners=OWNERS["ingest"],
            code_version=INGEST_CODE_VERSION,
            metadata={COLUMN_SCHEMA: polars_schema(STAGED_SCHEMA)},
        ),
        "doj_rejects": AssetOut(
            key=RAW_REJECTS,
            description="Records that could not be staged, with file, line and error.",
            group_name="ingest",
            kinds={"polars", "duckdb"},
            owners=OWNERS["ingest"],
            code_version=INGEST_CODE_VERSION,
            metadata={COLUMN_SCHEMA: polars_schema(REJECT_SCHEMA)},
        ),
    },
)
def doj_extracts(context: AssetExecutionContext, config: ExtractConfig, warehouse: Warehouse):
    paths = resolve_extracts(config)
    files = []
    with warehouse.replacing() as tables:
        for path in paths:
            stats = None
            for staged, rejects, running in read_extract(path):
                tables.write("raw", "doj_extract", staged)
                tables.write("raw", "doj_rejects", rejects)
                stats = running  # running totals; the last chunk's are the file's
                read = sum(s.input_records for s in files) + running.input_records
                report(context, "records", f"{read:,} DOJ records read")
            assert stats is not None  # the reader yields at least once, even for an empty file
            if stats.input_records == 0:
                raise EmptyExtractError(
                    f"{stats.source_file}: no records (empty file or header only)"
                )
            files.append(stats)
            total = sum(s.input_records for s in files)
            report(context, "records", f"{total:,} DOJ records read", force=True)
        if not paths:  # no DOJ extract this run: empty tables keep the models building
            stage_no_doj_extract(tables)
            duplicates: dict[str, int] = {}
        else:
            # the same transaction, every chunk written
            duplicates = quarantine_duplicates(tables.connection(), files)
            # The file manifest lets the reconciliation check recount each file independently.
            manifest = pl.DataFrame(
                [
                    {
                        "source_file": s.source_file,
                        "path": str(p),
                        "source_sha256": s.sha256,
                        "has_header": s.has_header,
                        "input_records": s.input_records,
                        "staged": s.staged,
                        "rejected": s.rejected,
                        "blank_lines": s.blank_lines,
                        "bytes": s.bytes,
                    }
                    for s, p in zip(files, paths, strict=True)
                ],
                schema=DOJ_FILES_SCHEMA,
            )
            tables.write("raw", "doj_files", manifest)
    for stats in files:
        context.log.info(
            f"{stats.source_file}: {stats.input_records} records, {stats.staged} staged, "
            f"{stats.rejected} rejected ({duplicates.get(stats.source_file, 0)} duplicates)"
        )
    staged = sum(s.staged for s in files)
    rejected = sum(s.rejected for s in files)
    errors: dict[str, int] = {}
    for s in files:
        for k, v in s.errors.items():
            errors[k] = errors.get(k, 0) + v
    yield Output(
        None,
        output_name="doj_extract",
        metadata={
            ROW_COUNT: staged,
            "files": len(files),
            "input_records": sum(s.input_records for s in files),
            "staged": staged,
            "rejected": rejected,
            "blank_lines": sum(s.blank_lines for s in files),
            "duplicates": sum(duplicates.values()),
            "sha256": MetadataValue.json({s.source_file: s.sha256 for s in files}),
        },
    )
    yield Output(
        None,
        output_name="doj_rejects",
        metadata={
            ROW_COUNT: rejected,
            "rejected": rejected,
            "by_error": errors,
            "duplicates": sum(duplicates.values()),
            "duplicates_by_file": MetadataValue.json(duplicates),
        },
    )


@asset_check(asset=RAW_EXTRACT, blocking=True, additional_deps=[RAW_REJECTS])
def staged_plus_rejected_equals_input(warehouse: Warehouse) -> AssetCheckResult:
    """Recount each file's records from its bytes and compare with staged + rejected rows."""
    files = warehouse.query("select * from raw.doj_files order by source_file")
    counts = warehouse.query(
        """
        select f.source_file,
               (select count(*) from raw.doj_extract e
                 where e.source_file = f.source_file) as staged,
               (select count(*) from raw.doj_rejects r
                 where r.source_file = f.source_file) as rejected
        from raw.doj_files f
        """
    )
    by_file = {r["source_file"]: r for r in counts.iter_rows(named=True)}
    problems = []
    for f in files.iter_rows(named=True):
        recount = count_input_records(Path(f["path"]))
        got = by_file[f["source_file"]]
        if recount.sha256 != f["source_sha256"]:
            problems.append(f"{f['source_file']}: file changed since it was ingested")
        elif got["staged"] + got["rejected"] != recount.records:
            problems.append(
                f"{f['source_file']}: {recount.records} input records but "
                f"{got['staged']} staged + {got['rejected']} rejected"
            )
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "staged + rejected = input records for every file",
        metadata={"files": files.height},
    )
