"""Exports: the run's clearance files, built in a staging folder, checked, then published.

    exports/staged_files   every file of the run, in <out>/../.<out>.staging-<run id>
    exports_reconciled     blocking check: the files, read back, match the decision table
    exports/published      the staging folder swapped in for <out> in one atomic step

A run that fails anywhere before publishing leaves the previously published set untouched;
whatever it left beside it (a staging folder) is cleared by the next run. Publishing waits for
audit/decision_history, so every published set has its decisions recorded in audit.*.

Idempotent: the run id and the wall-clock time go into manifest.json only, never into a
document, so the same extracts, rules, options and as-of date give byte-identical files.
"""

import contextlib
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    Config,
    DagsterEventType,
    Failure,
    MaterializeResult,
    asset,
    asset_check,
)

from orchestration import console
from orchestration.audit import export_lines
from orchestration.audit.assets import git_revision
from orchestration.catalog import OWNERS, code_version
from orchestration.exports import (
    bundle,
    court_pdf,
    file_kinds,
    gogen_bundle,
    load,
    presentation,
    report,
    repository,
    review_workbook,
    reviewed_out,
    writers,
)
from orchestration.exports import publish as _publish
from orchestration.exports.bundle import build_run_files, reconcile
from orchestration.exports.file_kinds import gogen as gogen_kind
from orchestration.exports.load import (
    ExportSource,
    UnitRows,
    county_scope,
    forecast_run,
    load_export_frames,
)
from orchestration.exports.presentation import PresentationError
from orchestration.exports.publish import (
    OutDirRefused,
    PublishRefused,
    check_out_dir,
    clear_leftovers,
    places_dir,
    publish,
    staging_dir,
)
from orchestration.lib import collector
from orchestration.lib.settings import exports_dir
from orchestration.quality.checks import DECISION_TABLE
from orchestration.quality.gates import CHARGES, SUPERVISION
from orchestration.resources import Warehouse
from orchestration.review import store as review_store
from orchestration.review.assets import REVIEW_OUTCOMES

STAGED = AssetKey(["exports", "staged_files"])
PUBLISHED = AssetKey(["exports", "published"])
HISTORY = AssetKey(["audit", "decision_history"])
# What the export reads (orchestration/exports/load.py): the exports models (exp_*, every
# one a contract-enforced dbt model, dbt_project/models/exports) and the prosecutor's reviews.
# The export runs after all of them, and the UI's lineage shows what each file is made of.
EXPORT_READS = [
    *(AssetKey([model]) for model in load.EXPORT_MODELS),
    REVIEW_OUTCOMES,  # the prosecutor's reviews: who is filed, who is reviewed out
]
# Dagster holds an asset back only for the blocking checks of its direct parents: the models
# the dbt step builds that carry the run gates (orchestration/quality: nothing_to_decide and
# ge_decision_table on the decision table, offense_text_unread on the charges,
# supervision_unmatched on the supervision rows) are parents too, though the export reads them
# only through the exp_* models.
GATED_BY = [DECISION_TABLE, CHARGES, SUPERVISION]
# the code that writes, reads back and publishes the files (each registered file kind's module)
EXPORTS_CODE_VERSION = code_version(
    sys.modules[__name__], bundle, court_pdf, gogen_bundle, load, presentation, _publish, report,
    repository, review_workbook, reviewed_out, writers, export_lines, review_store, file_kinds,
    sys.modules[file_kinds.FileKind.__module__],
    *sorted({sys.modules[type(k).__module__] for k in file_kinds.KINDS}, key=lambda m: m.__name__),
)  # fmt: skip


class ExportConfig(Config):
    """out_dir: the published folder. county: one county only (case/space-insensitive)."""

    out_dir: str = str(exports_dir())
    county: str | None = None


def _quality(context: AssetExecutionContext) -> list[dict]:
    """This run's asset-check results so far (names, pass/fail, description: no row data)."""
    events = context.instance.all_logs(
        context.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    )
    out = []
    for e in events:
        ev = e.dagster_event.event_specific_data
        out.append(
            {
                "check": f"{ev.asset_key.to_user_string()}:{ev.check_name}",
                "passed": ev.passed,
                "description": (ev.description or "")[:300],
            }
        )
    return sorted(out, key=lambda q: q["check"])


def _unread_by_county(warehouse: Warehouse) -> dict[str | None, int]:
    """Conviction records whose offense text reads to no statute, per normalized county."""
    out: dict[str | None, int] = {}
    for county, n in load.load_unread_by_county(warehouse).iter_rows():
        key = None if county is None else writers.normalize_county(county)
        out[key] = out.get(key, 0) + n
    return out


@asset(
    key=STAGED,
    deps=[*EXPORT_READS, *GATED_BY],
    group_name="exports",
    owners=OWNERS["exports"],
    code_version=EXPORTS_CODE_VERSION,
    kinds={"pdf", "xlsx", "csv", "html"},
    description="Every clearance file of the run, in a staging folder beside the published one.",
)
def staged_files(
    context: AssetExecutionContext, config: ExportConfig, warehouse: Warehouse
) -> MaterializeResult:
    started = time.monotonic()
    collector.release()  # what the earlier stages left, before the writers and their workers
    out_dir = Path(config.out_dir).resolve()
    # before anything is written: only an empty folder or a set of ours is replaced (the CLI
    # checks this too; runs from the UI or a sensor only pass here)
    refused = check_out_dir(out_dir, warehouse.file)
    if refused:
        raise Failure(description=f"out_dir {refused}. Nothing was written.")
    staging = staging_dir(out_dir, context.run_id)
    # leftovers of earlier runs (this one's too, if re-executed) that crashed before (or while)
    # publishing: files carried over go back, the runs' own files go (publish.clear_leftovers)
    for old in clear_leftovers(out_dir):
        context.log.info(f"cleared {old.name}, left by an earlier run")
    if staging.exists():
        raise Failure(description=f"{staging} could not be cleared: a file in it is in the way")
    staging.mkdir(parents=True, mode=0o700)

    frames = load_export_frames(warehouse)
    programs = frames.programs
    as_of: date = programs["as_of_date"][0] if programs.height else date.today()
    revision, dirty = git_revision()
    rules_versions = dict(zip(programs["program"], programs["rules_version"], strict=True))
    params = load.load_parameters(warehouse, gogen_kind.PROP64)  # the earlier tool's options
    run = {
        # run_id and generated_at: manifest.json only (documents repeat byte for byte)
        "run_id": context.run_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of": as_of,
        "forecast": forecast_run(warehouse),
        "git_revision": revision,
        "git_dirty": dirty,
        "rules_versions": rules_versions,
        "prop64_parameters": {
            r["name"]: json.loads(r["value_json"]) for r in params.iter_rows(named=True)
        },
        "report": {"quality": _quality(context)},  # the figures: the rpt_ models
        "unread_by_county": _unread_by_county(warehouse),
    }
    try:
        result = build_run_files(
            staging,
            frames,
            run,
            config.county,
            progress=lambda done, total: console.report(
                context, "counties", f"{done} of {total} counties written", force=done == total
            ),
            places=places_dir(out_dir, context.run_id),
        )
    except PresentationError as e:
        # checked before any file is written: the staging folder is still empty (else the next
        # run clears it)
        with contextlib.suppress(OSError):
            staging.rmdir()
        raise Failure(
            description=f"court documents cannot be written: {e}\nNothing was written."
        ) from None
    files = len(result["rows_by_file"])
    context.log.info(f"staged {files} files for {result['decisions']} decisions in {staging}")
    # where each decision is in the files (audit.export_lines), stamped when published
    spool = result["export_lines"]
    try:
        placed = export_lines.record_staged(warehouse, context.run_id, out_dir, spool)
    finally:
        spool.remove()
    # which review workbooks this warehouse wrote: `cleanslate review import` accepts only those
    review_store.record_workbooks(warehouse, context.run_id, out_dir, result["review_workbooks"])
    return MaterializeResult(
        metadata={
            "staging_dir": str(staging),
            "out_dir": str(out_dir),
            "county": config.county or "all",
            "decisions": result["decisions"],
            "files": files,
            "export_lines": placed,
            # eligible decisions the prosecutor's review keeps out of the court documents
            "reviewed_out": result["reviewed_out"],
            "seconds": round(time.monotonic() - started, 1),
        }
    )


def _staged(context) -> tuple[Path, Path, str | None]:
    """(staging dir, out dir, county) of this run, from the staged_files materialization."""
    run_id = context.op_execution_context.run_id  # works for asset and check contexts
    event = context.instance.get_latest_materialization_event(STAGED)
    if event is None or event.run_id != run_id:
        raise RuntimeError("exports/staged_files was not materialized in this run")
    meta = event.asset_materialization.metadata
    county = meta["county"].value
    return (
        Path(meta["staging_dir"].value),
        Path(meta["out_dir"].value),
        (None if county == "all" else county),
    )


@asset_check(asset=STAGED, blocking=True, name="exports_reconciled")
def exports_reconciled(context, warehouse: Warehouse) -> AssetCheckResult:
    """Read every staged file back and compare it with the decision table."""
    collector.release()
    staging, _, county = _staged(context)
    source = ExportSource.of(warehouse)
    decisions = county_scope(UnitRows(source), source, county)
    problems = reconcile(staging, decisions, forecast=forecast_run(warehouse))
    counts = decisions.select(
        "count(*) as decisions", "count(*) filter (d.determination = 'eligible') as eligible"
    ).row(0, named=True)
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems)
        or f"{counts['decisions']} decisions reconciled with the "
        + ", ".join(k.title for k in file_kinds.KINDS),
        metadata={"decisions": counts["decisions"], "eligible": counts["eligible"]},
    )


@asset(
    key=PUBLISHED,
    # after the audit record: a set is never published for a run that audit.* does not know
    deps=[STAGED, HISTORY],
    group_name="exports",
    owners=OWNERS["exports"],
    code_version=EXPORTS_CODE_VERSION,
    description="The run's files published as one set (atomic folder exchange).",
)
def published(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    staging, out_dir, _ = _staged(context)
    try:
        done = publish(staging, out_dir)
    except (OutDirRefused, PublishRefused) as e:
        raise Failure(description=str(e)) from e
    for rel in done.carried_over:
        context.log.info(f"kept {rel} (not written by this project) in the new set")
    for rel in done.changed:
        context.log.warning(f"{rel} was edited after it was published: kept in {done.kept}")
    if done.kept:
        context.log.info(f"the replaced set is kept in {done.kept}")
    export_lines.mark_published(warehouse, context.run_id, out_dir)
    review_store.mark_workbooks_published(warehouse, context.run_id)
    manifest = json.loads((out_dir / "manifest.json").read_text())
    return MaterializeResult(
        metadata={
            "out_dir": str(out_dir),
            "files": len(manifest["files"]),
            "manifest_run_id": manifest["run_id"],
            "carried_over": len(done.carried_over),
            "previous_set": str(done.kept or ""),
        }
    )
