"""A run's clearance files, all of them, written into one (staging) folder: every kind of file
registered in exports/file_kinds (KINDS), none named here. The files are listed in the README
("Clearance files"); each kind's module says what its files hold and when they are written.
Besides them: manifest.json, every file with its rows, bytes and SHA-256, the versions, and the
run id and generated_at (only here).

Idempotent: every file but manifest.json is a function of the decisions, rules, options and
as-of date alone (no run id, no wall clock inside a document), so re-running the same inputs
gives byte-identical files. Pure with respect to Dagster: frames in, files out. `reconcile`
has each kind read its files back with real readers (PDFium, calamine, csv/json) and compare
them with the decision table.
"""

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.audit import export_lines
from orchestration.exports import file_kinds
from orchestration.exports.file_kinds import FileKind, RunContext, Written
from orchestration.exports.file_kinds.court_document import court_document_refs
from orchestration.exports.file_kinds.review_workbook import AUDIT_TABLE as WORKBOOKS
from orchestration.exports.load import (
    ExportFrames,
    UnitRows,
    county_predicate,
    county_scope,
    county_values,
)
from orchestration.exports.publish import (
    decision_set_digest_from,
    owner_only,
    write_manifest,
)
from orchestration.exports.writers import county_folder, normalize_county
from orchestration.review.store import WORKBOOK_SCHEMA, left_out

__all__ = ["build_run_files", "county_documents", "court_document_refs", "reconcile"]


PARALLEL_MIN_DECISIONS = 50_000  # below this, starting worker processes costs more than it saves


def export_workers(decisions: int, counties: int) -> int:
    """Worker processes for the county documents: CLEANSLATE_EXPORT_WORKERS, else one per core
    for a large set (1 = in this process)."""
    from orchestration.lib.settings import settings

    configured = settings().export_workers
    if configured:
        wanted = configured
    else:
        wanted = (os.cpu_count() or 1) if decisions >= PARALLEL_MIN_DECISIONS else 1
    return max(1, min(wanted, counties))


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """`workers` spawned processes (None for one: the work stays in this process); what is not
    done when the block ends (an error) is cancelled."""
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def write_unit(
    kind: FileKind,
    root: Path,
    unit: str | None,
    batches: UnitRows,
    ctx: RunContext,
    prepared: Any,
    spool: export_lines.PlaceSpool,
) -> Written:
    """One kind's files of one unit, and their places, spooled here, in the process that wrote
    them (neither the writer's details nor the places are sent back from a worker)."""
    written = kind.write(root, unit, batches, ctx, prepared)
    batches.source.shed()  # what the unit's reads left in DuckDB, before the next unit
    if written.files:
        places = kind.places(root, written)
        strays = sorted(set(places["kind"].unique().to_list()) - set(kind.place_kinds), key=str)
        if strays:
            raise ValueError(f"{kind.name} placed decisions as {strays}, not its place_kinds")
        spool.add(places, kind.name)
    written.info = {}
    return written


def county_documents(
    root: Path,
    county: str | None,
    here: UnitRows,
    kinds: tuple[FileKind, ...],
    ctx: RunContext,
    prepared: dict[str, Any],
    spool: export_lines.PlaceSpool,
) -> list[Written]:
    """One county's files of the given kinds (the worker kinds: court documents, reviewed-out
    list, review workbook), from its decision rows `here` (read from the warehouse by each
    kind, in the process that writes it); in a worker process for a large run. The same
    function either way, so the files never depend on the number of workers."""
    with here.source.held():  # one open warehouse for every read of the county's files
        return [write_unit(k, root, county, here, ctx, prepared.get(k.name), spool) for k in kinds]


# audit.review_workbooks' columns that the files give (the run adds run_id, out_dir and times)
WORKBOOK_FILE_COLUMNS = ("file", "county", "as_of", "decision_set_sha256", "decisions", "prefilled")


def build_run_files(
    root: Path,
    frames: ExportFrames,
    run: dict[str, Any],
    county: str | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    presentation_folder: Path | None = None,
    kinds: Iterable[FileKind] | None = None,
    places: Path | None = None,
) -> dict[str, Any]:
    """Write every file of the run under `root`: every registered file kind (file_kinds.KINDS,
    or `kinds`); return rows per file and what went where.

    `run`: as_of, git_revision, git_dirty, rules_versions, prop64_parameters and "report" (the
    data tests' results: quality; the figures are the rpt_ models') go into the documents;
    run_id and generated_at go into manifest.json only. forecast (default false): an explicit
    forecast (as_of after the run's day): no court document and no repository update is
    written, the report and manifest.json say so. presentation_folder: the court documents'
    profiles (default CLEANSLATE_PRESENTATION); a court document without one stops the run
    before any file is written (PresentationError, from the kind's `prepare`). places: the
    folder to make for the place spool (publish.places_dir; default a private temporary one).

    Units: a "county" kind is written once per county in scope (the run's --county even
    without a decision), a "program" kind once per program of the rulebook, a "run" kind once.
    """
    # one open warehouse for every read here; closed before the run writes the warehouse
    with frames.source.held():
        kinds = file_kinds.registered(None if kinds is None else tuple(kinds))
        source = frames.source
        ctx = RunContext(
            as_of=run["as_of"],
            forecast=bool(run.get("forecast", False)),
            programs={r["program"]: r for r in frames.programs.iter_rows(named=True)},
            county=None if county is None else normalize_county(county),
            run=run,
            presentation_folder=presentation_folder,
        )
        # The run's decisions are never held here: each kind reads its unit's rows (UnitRows)
        # from the warehouse, a batch at a time, in the process that writes the unit's files.
        decisions = county_scope(UnitRows(source), source, county)
        # every kind's run-wide work and checks, before any file is written (a kind may refuse)
        prepared = {k.name: k.prepare(frames, decisions, ctx) for k in kinds}
        rows_by_file: dict[str, int | None] = {}
        audit_rows: dict[str, list[dict[str, Any]]] = {}

        def take(written: Written) -> None:
            rows_by_file.update(written.files)
            for table, records in written.audit.items():
                audit_rows.setdefault(table, []).extend(records)

        # where each decision is put, for audit.export_lines: on disk as the files are written
        spool = export_lines.PlaceSpool(places)
        try:
            spellings = county_values(source)
            sizes = _county_sizes(decisions, spellings)
            counties = sorted(spellings, key=lambda c: c or "")
            if ctx.county is not None:
                counties = [ctx.county]
            for c in counties:
                (root / county_folder(c)).mkdir(parents=True, exist_ok=True)

            def county_rows(c: str | None) -> UnitRows:
                return UnitRows(source).narrowed(*_flat(county_predicate(c, spellings.get(c, []))))

            # The worker kinds (court documents, review workbooks: fpdf2 and xlsxwriter are pure
            # Python, one core each) in worker processes for a large set, while this process
            # writes the counties' other kinds: one task per county and kind, the largest county
            # first, so that a large county's documents and workbook are written side by side
            # (one county of 620,000 decisions took 97 s in one process while a core was idle).
            in_worker = tuple(k for k in kinds if k.scope == "county" and k.in_worker)
            here_kinds = tuple(k for k in kinds if k.scope == "county" and not k.in_worker)
            total = sum(sizes.values())
            by_size = sorted(counties, key=lambda c: -sizes.get(c, 0))
            with worker_pool(export_workers(total, len(by_size) * len(in_worker))) as pool:

                def task(c: str | None, k: FileKind) -> Any:
                    args = (root, c, county_rows(c), (k,), ctx, {k.name: prepared[k.name]}, spool)
                    return pool.submit(county_documents, *args) if pool else county_documents(*args)

                # submitted county by county, largest first; each county's in kind order
                documents = {c: [task(c, k) for k in in_worker] for c in by_size}
                for c in counties:
                    for k in here_kinds:
                        take(write_unit(k, root, c, county_rows(c), ctx, prepared[k.name], spool))
                # the program-wide and run-wide files too, while the workers write theirs (this
                # process was idle for ~20 s of a 1M-row set, then wrote these alone)
                for k in (k for k in kinds if k.scope == "program"):
                    for program in sorted(ctx.programs):
                        rows = decisions.narrowed("d.program = ?", program)
                        take(write_unit(k, root, program, rows, ctx, prepared[k.name], spool))
                for k in (k for k in kinds if k.scope == "run"):
                    take(write_unit(k, root, None, decisions, ctx, prepared[k.name], spool))
                for n, county_tasks in enumerate(documents.values(), start=1):
                    for done in county_tasks:
                        for written in done.result() if pool else done:
                            take(written)
                    progress(n, len(documents))  # counties whose documents are written

            # The only file that names the run and the time: everything else repeats byte for byte.
            meta: dict[str, Any] = {
                "run_id": run.get("run_id"),
                "generated_at": run.get("generated_at"),
                "decision_set_sha256": decision_set_digest_from(source, county),
                "as_of": ctx.as_of.isoformat(),
                "forecast": ctx.forecast,
                "county": county,
                "git_revision": run["git_revision"],
                "git_dirty": run["git_dirty"],
                "rules_versions": run["rules_versions"],
            }
            for k in kinds:
                meta.update(k.manifest_fields(prepared[k.name]))
            write_manifest(root, rows_by_file, meta)
            owner_only(root)
        except BaseException:
            spool.remove()
            raise
        return {
            "rows_by_file": rows_by_file,
            "decisions": total,
            # where each decision is (audit.export_lines), on disk: record_staged, then remove()
            "export_lines": spool,
            "review_workbooks": pl.DataFrame(
                sorted(audit_rows.get(WORKBOOKS, []), key=lambda w: w["file"]),
                schema={k: WORKBOOK_SCHEMA[k] for k in WORKBOOK_FILE_COLUMNS},
            ),
            "reviewed_out": _reviewed_out(decisions),
        }


def _flat(predicate: tuple[str, tuple]) -> tuple:
    return (predicate[0], *predicate[1])


def _county_sizes(
    decisions: UnitRows, spellings: dict[str | None, list[str]]
) -> dict[str | None, int]:
    """Decisions per normalized county in the run's scope."""
    by_spelling = decisions.select("d.county", "count(*) as n", group_by="d.county")
    unit_of = {s: c for c, names in spellings.items() for s in names}
    sizes: dict[str | None, int] = {}
    for spelling, n in by_spelling.iter_rows():
        unit = None if spelling is None else unit_of[spelling]
        sizes[unit] = sizes.get(unit, 0) + n
    return sizes


def _reviewed_out(decisions: UnitRows) -> int:
    """Eligible decisions in scope that the prosecutor's review keeps out of the filings."""
    eligible = decisions.narrowed("d.determination = 'eligible'").select(
        "d.determination", "review_applies", "review_mark"
    )
    return int(left_out(eligible).sum())


def reconcile_kind(kind: FileKind, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
    """One kind's read-back and comparison (reconcile), in this process or a worker's."""
    with decisions.source.held():
        return kind.reconcile(root, decisions, forecast)


def read_back_file(kind: FileKind, path: Path) -> Any:
    """One file's read-back (a read_back_per_file kind), in a worker process."""
    return kind.read_back(path)


def reconcile(
    root: Path,
    decisions: UnitRows,
    forecast: bool = False,
    kinds: Iterable[FileKind] | None = None,
) -> list[str]:
    """Problems found by reading the files back; empty when every check holds.

    Each registered file kind (file_kinds.KINDS, or `kinds`) reads its files back with real
    readers (PDFium, calamine, csv/json) and compares them with `decisions` (the run's scope,
    of which each kind reads only the columns or counts it compares): every eligible
    decision appears in exactly one court document (in a forecast: there is no court document
    at all, and manifest.json says forecast) and one repository record (CSV and JSONL), except
    those the prosecutor's review keeps out (`decisions`' review columns, see
    exports/load.py), which appear in exactly one reviewed-out list and in neither; every
    decision appears exactly once in the review workbooks; ... (each kind's `reconcile`).
    Then: every file is claimed by exactly one kind, and the manifest lists every file with
    its current SHA-256.
    """
    from orchestration.lib.hashing import sha256_of

    kinds = file_kinds.registered(None if kinds is None else tuple(kinds))
    found: dict[str, list[str]] = {}
    # The worker kinds' read-back (PDFium's text of every court document, calamine's cells of
    # every workbook: ~20 of 25 s at 1M rows) in worker processes for a large set, as they were
    # written, while this process reads the other kinds back.
    in_worker = [k for k in kinds if k.in_worker]
    with decisions.source.held():  # one open warehouse for every read-back made here
        workers = export_workers(decisions.count(), len(in_worker)) if in_worker else 1
        with worker_pool(workers) as pool:
            per_file = [k for k in in_worker if k.read_back_per_file] if pool else []
            away = {
                k.name: pool.submit(reconcile_kind, k, root, decisions, forecast)
                for k in (in_worker if pool else ())
                if not k.read_back_per_file
            }
            # Then the per-file kinds' files, largest first, taken by whichever worker is free:
            # the court documents' PDFium read-back (~10 s at 1M rows) was one worker's alone
            # while the other finished the workbooks and waited.
            reads = {
                k.name: {
                    path: pool.submit(read_back_file, k, path)
                    for path in sorted(k.files(root), key=lambda p: (-p.stat().st_size, p))
                }
                for k in per_file
            }
            for k in kinds:
                if k.name not in away and k.name not in reads:
                    found[k.name] = reconcile_kind(k, root, decisions, forecast)
            for k in per_file:
                read = {path: future.result() for path, future in reads[k.name].items()}
                found[k.name] = k.reconcile_read(root, decisions, forecast, read)
            for name, future in away.items():
                found[name] = future.result()
    problems = [p for k in kinds for p in found[k.name]]  # in the kinds' order, however read

    manifest = json.loads((root / "manifest.json").read_text())
    if bool(manifest.get("forecast")) != forecast:
        problems.append(
            f"manifest says forecast {bool(manifest.get('forecast'))}, the run {forecast}"
        )
    listed = {f["file"]: f["sha256"] for f in manifest["files"]}
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    unclaimed = sorted(rel for rel in on_disk if len(file_kinds.claiming(rel, kinds)) != 1)
    if unclaimed:
        problems.append(
            f"{len(unclaimed)} file(s) not of exactly one registered file kind, e.g. "
            + ", ".join(unclaimed[:3])
        )
    if set(listed) != on_disk:
        problems.append("manifest does not list exactly the files on disk")
    for rel, sha in listed.items():
        if rel in on_disk and sha256_of(root / rel) != sha:
            problems.append(f"manifest checksum differs for {rel}")
    return problems
