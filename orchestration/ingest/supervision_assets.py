"""Ingest supervision files for CA DOJ subjects -> raw.doj_supervision (docs/canonical-format.md,
"Supervision beside a CA DOJ extract").

The CA DOJ research file carries no supervision records (the Supervised Release File is a
separate feed), so PC 1203.425's supervision bar and its felony route's four years after
supervision answer needs_review. A run can take one or more files in the canonical `supervision`
table's layout (person_id, supervision_type, agency, start_date, end_date; CSV or Parquet)
whose `person_id` is a DOJ subject's SUBJECT_ID or CII_NUMBER. Same guarantees as every other
input: each row is staged or rejected (file, line, reason), staged + rejected = rows in the file
(blocking check, recounted from the file). Matching a row to a subject happens in dbt
(stg_doj__supervision, which says which key matched); a row that matches no subject is listed
there with its reason and counted on the console, never dropped unseen.

`complete` (`cleanslate run --supervision-complete`) is the operator's statement that the files
list every supervision period of every subject of the run's DOJ extracts (e.g. the whole
Supervised Release File). Only then does a subject without a row read as "no supervision
recorded"; otherwise a subject without a row stays unknown (needs_review), and only subjects
with a row are decided on supervision. The statement is recorded with the files
(raw.doj_supervision_files.complete).

Metadata and logs hold counts and file hashes only: never a row, an id or a date.
"""

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
from orchestration.ingest.canonical_reader import REJECT_SCHEMA, staged_schema
from orchestration.ingest.recount import count_input_records
from orchestration.ingest.staging import (
    SUPERVISION_SOURCE_EXTRACT,
    SUPERVISION_TABLE,
    stage_supervision_files,
)
from orchestration.lib.settings import landing_dir
from orchestration.resources import Warehouse

SUPERVISION_CODE_VERSION = code_version(
    sys.modules[__name__], canonical_reader, canonical_format, staging
)
RAW_SUPERVISION = AssetKey(["raw", "doj_supervision"])
RAW_SUPERVISION_REJECTS = AssetKey(["raw", "doj_supervision_rejects"])
TABLE = SUPERVISION_TABLE
SOURCE_EXTRACT = SUPERVISION_SOURCE_EXTRACT  # lineage value of these rows' source_extract
LANDING_SUBFOLDER = "supervision"
SUFFIXES = {".csv", ".parquet"}


class SupervisionConfig(Config):
    """Supervision files for the run's CA DOJ subjects (canonical `supervision` layout,
    person_id = SUBJECT_ID or CII_NUMBER). None (the default, e.g. from the UI) means every
    *.csv / *.parquet in the landing folder's `supervision/` sub-folder; [] means none.
    complete: the files list every supervision period of every DOJ subject of the run, so a
    subject without a row has none recorded (default false: such a subject stays unknown)."""

    files: list[str] | None = None
    complete: bool = False


def resolve_files(config: SupervisionConfig) -> list[Path]:
    if config.files is not None:
        paths = [Path(p).resolve() for p in config.files]
    else:
        folder = landing_dir() / LANDING_SUBFOLDER
        paths = sorted(p for p in folder.glob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"supervision file not found: {', '.join(missing)}")
    names = [p.name for p in paths]
    shared = sorted({n for n in names if names.count(n) > 1})
    if shared:
        raise ValueError(
            f"two supervision files share a file name ({', '.join(shared)}): lineage keys on"
            " the name, rename one"
        )
    return paths


@multi_asset(
    outs={
        "doj_supervision": AssetOut(
            key=RAW_SUPERVISION,
            description="Staged rows of the supervision files handed to a run for its CA DOJ "
            "subjects (canonical `supervision` columns as text + lineage); matched to subjects "
            "by SUBJECT_ID or CII in stg_doj__supervision.",
            group_name="ingest",
            kinds={"polars", "duckdb"},
            owners=OWNERS["ingest"],
            code_version=SUPERVISION_CODE_VERSION,
            metadata={COLUMN_SCHEMA: polars_schema(staged_schema(TABLE))},
        ),
        "doj_supervision_rejects": AssetOut(
            key=RAW_SUPERVISION_REJECTS,
            description="Supervision-file rows that could not be staged: file, line, reason. "
            "Side table raw.doj_supervision_files: each file, its hash, counts and whether the "
            "run declared the files complete.",
            group_name="ingest",
            kinds={"polars", "duckdb"},
            owners=OWNERS["ingest"],
            code_version=SUPERVISION_CODE_VERSION,
            metadata={COLUMN_SCHEMA: polars_schema(REJECT_SCHEMA)},
        ),
    },
)
def doj_supervision(
    context: AssetExecutionContext, config: SupervisionConfig, warehouse: Warehouse
):
    paths = resolve_files(config)
    with warehouse.replacing() as tables:
        manifest = stage_supervision_files(tables, paths, config.complete)
    for m in manifest:
        context.log.info(
            f"{m['source_file']}: {m['staged']} supervision rows staged, {m['rejected']} rejected"
        )
    staged = sum(m["staged"] for m in manifest)
    rejected = sum(m["rejected"] for m in manifest)
    yield Output(
        None,
        output_name="doj_supervision",
        metadata={
            ROW_COUNT: staged,
            "files": len(manifest),
            "input_records": sum(m["input_records"] for m in manifest),
            "staged": staged,
            "rejected": rejected,
            "complete": bool(manifest) and config.complete,
            "sha256": MetadataValue.json({m["source_file"]: m["source_sha256"] for m in manifest}),
        },
    )
    yield Output(
        None,
        output_name="doj_supervision_rejects",
        metadata={ROW_COUNT: rejected, "rejected": rejected},
    )


@asset_check(
    asset=RAW_SUPERVISION,
    blocking=True,
    name="staged_plus_rejected_equals_input",
    additional_deps=[RAW_SUPERVISION_REJECTS],
)
def supervision_staged_plus_rejected_equals_input(warehouse: Warehouse) -> AssetCheckResult:
    """Recount every supervision file's rows from the file itself; compare with the tables."""
    files = warehouse.query("select * from raw.doj_supervision_files order by source_file")
    problems = []
    for f in files.iter_rows(named=True):
        got = warehouse.query(
            "select (select count(*) from raw.doj_supervision where source_file = $1)"
            " + (select count(*) from raw.doj_supervision_rejects where source_file = $1) as n",
            [f["source_file"]],
        )["n"][0]
        path = Path(f["path"])
        if path.suffix.lower() == ".parquet":
            expected = pq.ParquetFile(path).metadata.num_rows
        else:
            expected = count_input_records(path, header=True).records
        if got != expected:
            problems.append(f"{path.name}: {expected} rows in the file, {got} staged + rejected")
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "staged + rejected = input rows for every file",
        metadata={"files": files.height},
    )
