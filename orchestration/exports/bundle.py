"""A run's clearance files, all of them, written into one (staging) folder.

    <COUNTY>/prop64_convictions.csv, summary.json       the decision rows and counts (Prop 64)
    <COUNTY>/<program>_court_order.pdf                  motion and order: eligible charges
                                                         (none in a forecast: run["forecast"])
                                                         but those the review keeps out
    <COUNTY>/reviewed_out.csv                            those (disagreed, more information
                                                         asked), with the reviewer's note
    <COUNTY>/review.xlsx                                 every decision, one sheet per
                                                         determination, earlier reviews that
                                                         still apply filled in
    <COUNTY>/gogen/Prop64_Results.csv, All_Results_Condensed.csv, gogen.json
                                                         the earlier Prop 64 tool's files (CA DOJ)
    repository/<program>_updates.csv, .jsonl            one record per granted relief
                                                         (none in a forecast)
    report/report.html, report.pdf, charts/*.png        the run's summary report
    manifest.json                                        every file: rows, bytes, SHA-256, versions;
                                                         the run id and generated_at (only here)

Idempotent: every file but manifest.json is a function of the decisions, rules, options and
as-of date alone (no run id, no wall clock inside a document), so re-running the same inputs
gives byte-identical files. Pure with respect to Dagster: frames in, files out. `reconcile`
reads the files back with real readers (PDFium, calamine, csv/json) and compares them with the
decision table.
"""

import json
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.audit import export_lines
from orchestration.exports.court_pdf import REF_LENGTH, write_court_document
from orchestration.exports.gogen_bundle import prepare_gogen, write_gogen_county
from orchestration.exports.load import ExportFrames
from orchestration.exports.presentation import Presentation, presentations_for
from orchestration.exports.publish import decision_set_digest, owner_only, write_manifest
from orchestration.exports.report import build_report_data, write_report
from orchestration.exports.repository import (
    read_repository_csv,
    read_repository_jsonl,
    write_repository_files,
)
from orchestration.exports.review_workbook import write_review_workbook
from orchestration.exports.reviewed_out import FILE_NAME as REVIEWED_OUT
from orchestration.exports.reviewed_out import read_reviewed_out, write_reviewed_out
from orchestration.exports.writers import (
    county_folder,
    normalize_county,
    normalize_county_column,
    write_county_exports,
)
from orchestration.lib.settings import presentation_dir
from orchestration.review.store import REVIEW_COLUMNS, WORKBOOK_SCHEMA, left_out

PROP64 = "us_ca_prop64"


def scope(decisions: pl.DataFrame, county: str | None) -> pl.DataFrame:
    """The run's export scope: every decision (any columns, with `county`), or one county's
    (case/space-insensitive), with the normalized county as `_county`."""
    d = decisions.with_columns(normalize_county_column(decisions["county"]).alias("_county"))
    if county is not None:
        d = d.filter(pl.col("_county") == normalize_county(county))
    return d


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


def court_documents_to_write(
    decisions: pl.DataFrame, programs: dict[str, dict], forecast: bool
) -> list[tuple[str, str | None, str, list[str]]]:
    """(jurisdiction, county, program, reliefs) of every court document the run writes: each
    program with an eligible charge filed (not kept out by the review) in a county; none in a
    forecast. `decisions` has the normalized county as `_county`."""
    if forecast:
        return []
    filed = decisions.filter((pl.col("determination") == "eligible") & ~left_out(decisions))
    out = []
    for (county, program), rows in sorted(
        filed.group_by("_county", "program"), key=lambda g: (g[0][0] or "", g[0][1])
    ):
        reliefs = sorted({r for r in rows["relief"].to_list() if r})
        out.append((str(programs[program]["jurisdiction"]), county, program, reliefs))
    return out


def county_documents(
    root: Path,
    county: str | None,
    here: pl.DataFrame,
    programs: dict[str, dict],
    as_of: date,
    forecast: bool = False,
    presentations: dict[tuple[str, str | None], Presentation] | None = None,
) -> tuple[dict[str, int], list[pl.DataFrame], dict[str, Any]]:
    """One county's court documents (one per program with eligible charges; none in a forecast:
    a court cannot act on a future date), the list of eligible charges the prosecutor's review
    keeps out of them (reviewed_out.csv, when any) and its review workbook (every decision).
    `presentations`: each (jurisdiction, county)'s profile (presentations_for), checked before
    any file is written; read from the presentation folder when not given. Returns rows per
    file, the places of its decisions and the workbook's record (for audit.review_workbooks)."""
    folder = root / county_folder(county)
    rows_by_file: dict[str, int] = {}
    placed: list[pl.DataFrame] = []
    filed = here.filter(~left_out(here))
    for program in [] if forecast else sorted(set(here["program"].to_list())):
        eligible = filed.filter(
            (pl.col("program") == program) & (pl.col("determination") == "eligible")
        )
        if eligible.height == 0:
            continue
        name = f"{county_folder(county)}/{program}_court_order.pdf"
        jurisdiction = str(programs[program]["jurisdiction"])
        info = write_court_document(
            root / name,
            county,
            programs[program],
            eligible,
            as_of,
            # checked before any file was written (presentations_for); None: read it here
            None if presentations is None else presentations[(jurisdiction, county)],
        )
        rows_by_file[name] = info["rows"]
        placed.append(export_lines.from_court_document(name, info))
    if not forecast:
        name = f"{county_folder(county)}/{REVIEWED_OUT}"
        info = write_reviewed_out(root / name, here)
        if info["rows"]:
            rows_by_file[name] = info["rows"]
    name = f"{county_folder(county)}/review.xlsx"
    info = write_review_workbook(folder / "review.xlsx", county, here, as_of)
    rows_by_file[name] = info["rows"]
    placed.append(export_lines.from_review_workbook(name, info))
    workbook = {
        "file": name,
        "county": county,
        "as_of": as_of,
        "decision_set_sha256": info["digest"],
        "decisions": info["rows"],
        "prefilled": info["prefilled"],
    }
    return rows_by_file, placed, workbook


# audit.review_workbooks' columns that the files give (the run adds run_id, out_dir and times)
WORKBOOK_FILE_COLUMNS = ("file", "county", "as_of", "decision_set_sha256", "decisions", "prefilled")


def build_run_files(
    root: Path,
    frames: ExportFrames,
    run: dict[str, Any],
    county: str | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    presentation_folder: Path | None = None,
) -> dict[str, Any]:
    """Write every file of the run under `root`; return rows per file and what went where.

    `run`: as_of, git_revision, git_dirty, rules_versions, prop64_parameters and "report" (the
    report's inputs: inputs, quality, ...) go into the documents; run_id and generated_at go
    into manifest.json only. forecast (default false): an explicit forecast (as_of after the
    run's day): no court document and no repository update is written, the report and
    manifest.json say so. presentation_folder: the court documents' profiles (default
    CLEANSLATE_PRESENTATION); a court document without one stops the run before any file is
    written (PresentationError).
    """
    as_of: date = run["as_of"]
    forecast = bool(run.get("forecast", False))
    decisions = scope(frames.decisions, county)
    rows_by_file: dict[str, int | None] = {}
    placed: list[pl.DataFrame] = []  # where each decision is, for audit.export_lines

    programs = {r["program"]: r for r in frames.programs.iter_rows(named=True)}
    # every court document's presentation profile, before any is written: a jurisdiction
    # without one (or a law or relief it does not word) stops the run here (PresentationError)
    presentations = presentations_for(
        presentation_folder or presentation_dir(),
        court_documents_to_write(decisions, programs, forecast),
    )
    profile_files = sorted(
        {f: sha for p in presentations.values() for f, sha in p.files.items()}.items()
    )

    # Issue-2 files: the Prop 64 decision rows and summary per county.
    prop64 = decisions.filter(pl.col("program") == PROP64).drop("_county")
    # the decision table's rows: not the person's identifiers, nor the review (reviewed_out.csv)
    p64_cols = [
        c
        for c in prop64.columns
        if c not in ("person_name", "cii_number", "dob_raw", "dob", "gender", "race", "otn")
        and c not in REVIEW_COLUMNS
    ]
    summaries = write_county_exports(
        prop64.select(p64_cols), root, county, run.get("unread_by_county")
    )
    for folder, s in summaries.items():
        rows_by_file[f"{folder}/prop64_convictions.csv"] = s["convictions"]

    counties = sorted({c for c in decisions["_county"].to_list()}, key=lambda c: c or "")
    if county is not None:
        counties = [normalize_county(county)]
    per_county = {
        c: decisions.filter(
            pl.col("_county").is_null() if c is None else pl.col("_county") == c
        ).drop("_county")
        for c in counties
    }
    for c in counties:
        (root / county_folder(c)).mkdir(parents=True, exist_ok=True)

    # Court documents and review workbooks, per county: in worker processes for a large set
    # (fpdf2 and xlsxwriter are pure Python, one core each) while this process writes the
    # rest. The same function either way, so the files never depend on the number of workers.
    workers = export_workers(decisions.height, len(counties))
    pool = (
        ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        if workers > 1
        else None
    )
    # The earlier tool's files are for CA DOJ Prop 64 counties.
    gogen_counties = [
        c
        for c in counties
        if c is not None
        and not per_county[c]
        .filter((pl.col("program") == PROP64) & (pl.col("source_system") == "doj"))
        .is_empty()
    ]
    try:
        documents = [
            pool.submit(
                county_documents,
                root,
                c,
                per_county.pop(c),
                programs,
                as_of,
                forecast,
                presentations,
            )
            if pool
            else county_documents(
                root, c, per_county.pop(c), programs, as_of, forecast, presentations
            )
            # largest first; popped: a worker's county frame is not kept here as well
            for c in sorted(counties, key=lambda c: -per_county[c].height)
        ]

        # The gogen bundle: what is the same for every county (the whole input quoted once,
        # the placed decisions) is prepared once.
        gogen = (
            prepare_gogen(
                frames.raw_doj,
                frames.decisions.filter(
                    (pl.col("program") == PROP64) & (pl.col("source_system") == "doj")
                ),
                frames.people,
                all_convictions=frames.convictions,
                parameters=run.get("prop64_parameters", {}),
            )
            if gogen_counties
            else None
        )
        p64_ids = frames.decisions.filter(pl.col("program") == PROP64).select(
            "charge_key", "decision_id"
        )
        for c in gogen_counties:
            # processing_seconds 0: gogen.json repeats byte for byte; the time is the manifest's
            counts = write_gogen_county(gogen, root / county_folder(c) / "gogen", c, as_of, 0.0)
            for fname in ("Prop64_Results.csv", "All_Results_Condensed.csv"):
                rows_by_file[f"{county_folder(c)}/gogen/{fname}"] = counts[fname]
            placed.append(export_lines.from_gogen(root, county_folder(c), counts, p64_ids))

        workbooks = []
        for n, done in enumerate(documents, start=1):
            files, places, workbook = done.result() if pool else done
            rows_by_file.update(files)
            placed += places
            workbooks.append(workbook)
            progress(n, len(documents))  # counties whose documents are written
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)

    # Repository update files, per program (in the run's scope), for the charges filed: not
    # those the prosecutor's review keeps out of the court documents.
    # Not in a forecast: a repository cannot record relief granted on a future date either.
    repo = root / "repository"
    filed = decisions.filter(~left_out(decisions)).drop("_county")
    for program in [] if forecast else sorted(programs):
        info = write_repository_files(repo, program, filed)
        for f in info["files"]:
            rows_by_file[f"repository/{f}"] = info["records"]

    # The summary report (counts only).
    report_run = {
        **run["report"],
        "as_of": as_of,
        "forecast": forecast,
        "git_revision": run["git_revision"],
        "git_dirty": run["git_dirty"],
        "rules_versions": run["rules_versions"],
    }
    counts = frames.decision_counts
    if counts is not None and county is not None:  # rpt_decision_counts' county is normalized
        counts = counts.filter(pl.col("county") == normalize_county(county))
    data = build_report_data(decisions.drop("_county"), frames.convictions, report_run, counts)
    write_report(root / "report", data)

    # The only file that names the run and the time: everything else repeats byte for byte.
    write_manifest(
        root,
        rows_by_file,
        {
            "run_id": run.get("run_id"),
            "generated_at": run.get("generated_at"),
            "decision_set_sha256": decision_set_digest(decisions.drop("_county")),
            "as_of": as_of.isoformat(),
            "forecast": forecast,
            "county": county,
            "git_revision": run["git_revision"],
            "git_dirty": run["git_dirty"],
            "rules_versions": run["rules_versions"],
            # the court documents' presentation profiles (their bytes make the documents' bytes)
            "presentation_profiles": [{"file": f, "sha256": sha} for f, sha in profile_files],
        },
    )
    owner_only(root)
    return {
        "rows_by_file": rows_by_file,
        "decisions": decisions.height,
        "export_lines": export_lines.collect(root, placed),
        "review_workbooks": pl.DataFrame(
            sorted(workbooks, key=lambda w: w["file"]),
            schema={k: WORKBOOK_SCHEMA[k] for k in WORKBOOK_FILE_COLUMNS},
        ),
        "reviewed_out": int(left_out(decisions).sum()),
    }


_REF = re.compile(r"\bR([0-9a-f]{" + str(REF_LENGTH) + r"})\b")


def court_document_refs(pdf: Path) -> list[str]:
    """The decision references (R + the decision id's first REF_LENGTH characters, without the
    R) listed in a court document, in document order, read from its text. The table never
    breaks an identifier or a reference across lines, so each is read whole."""
    import pypdfium2 as pdfium

    # PDFium's text layer: the same references as pypdf's, read 10x faster (measured on a
    # 27-page order: 0.09 s against 0.95 s), and a court order can run to thousands of pages.
    doc = pdfium.PdfDocument(pdf)
    try:
        text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return _REF.findall(text)


def reconcile(root: Path, decisions: pl.DataFrame, forecast: bool = False) -> list[str]:
    """Problems found by reading the files back; empty when every check holds.

    Every eligible decision appears in exactly one court document (in a forecast: there is no
    court document at all, and manifest.json says forecast) and one repository record (CSV and
    JSONL), except those the prosecutor's review keeps out (`decisions`' review columns, see
    exports/load.py), which appear in exactly one reviewed-out list and in neither; every
    decision appears exactly once in the review workbooks; the manifest lists every file with
    its current SHA-256.
    """
    import fastexcel

    from orchestration.lib.hashing import sha256_of

    problems: list[str] = []
    out = left_out(decisions)
    eligible = decisions.filter((pl.col("determination") == "eligible") & ~out)
    want_refs = Counter(d[:REF_LENGTH] for d in eligible["decision_id"].to_list())
    want_out = Counter([] if forecast else decisions.filter(out)["decision_id"].to_list())
    got_out = Counter(
        i for f in sorted(root.glob(f"*/{REVIEWED_OUT}")) for i in read_reviewed_out(f)
    )
    if got_out != want_out:
        problems.append(
            f"reviewed-out lists: {sum((want_out - got_out).values())} decisions missing, "
            f"{sum((got_out - want_out).values())} extra"
        )
    got_refs: Counter[str] = Counter()
    court_documents = sorted(root.rglob("*_court_order.pdf"))
    if forecast:
        want_refs = Counter()  # a forecast: no court can act on its decisions
        if court_documents:
            problems.append(
                f"forecast: {len(court_documents)} court document(s) written, none expected"
            )
    for pdf in court_documents:
        got_refs.update(court_document_refs(pdf))
    if got_refs != want_refs:
        missing = sum((want_refs - got_refs).values())
        extra = sum((got_refs - want_refs).values())
        problems.append(f"court documents: {missing} eligible decisions missing, {extra} extra")

    want_ids = Counter(eligible.filter(pl.col("relief").is_not_null())["decision_id"].to_list())
    if forecast:
        want_ids = Counter()  # no repository update for relief on a future date
    for kind, reader in (("csv", read_repository_csv), ("jsonl", read_repository_jsonl)):
        got: Counter[str] = Counter()
        for f in sorted((root / "repository").glob(f"*_updates.{kind}")):
            try:
                rows, _ = reader(f)
            except ValueError as e:
                problems.append(str(e))
                continue
            got.update(r["record_id"] for r in rows)
        if got != want_ids:
            problems.append(
                f"repository {kind}: {sum((want_ids - got).values())} missing, "
                f"{sum((got - want_ids).values())} extra"
            )

    want_pairs = decisions.group_by("program", "charge_key").len()
    got_frames = []
    for xlsx in sorted(root.rglob("review.xlsx")):
        # calamine (fastexcel) reads only the two columns: openpyxl took ~6 s per 100k rows
        book = fastexcel.read_excel(xlsx)
        for name in book.sheet_names:
            try:
                sheet = book.load_sheet(
                    name, use_columns=["Program", "Charge key"], dtypes="string"
                )
            except fastexcel.ColumnNotFoundError:
                continue  # the Summary sheet
            got_frames.append(
                sheet.to_polars().rename({"Program": "program", "Charge key": "charge_key"})
            )
    got_pairs = (
        (
            pl.concat(got_frames).filter(pl.col("charge_key").is_not_null())
            if got_frames
            else pl.DataFrame(schema={"program": pl.String, "charge_key": pl.String})
        )
        .group_by("program", "charge_key")
        .len()
    )
    diff = want_pairs.join(
        got_pairs, on=["program", "charge_key"], how="full", coalesce=True, suffix="_got"
    ).select(
        (
            pl.col("len").cast(pl.Int64).fill_null(0)
            - pl.col("len_got").cast(pl.Int64).fill_null(0)
        ).alias("d")
    )
    missing, extra = int(diff["d"].clip(lower_bound=0).sum()), int((-diff["d"]).clip(0).sum())
    if missing or extra:
        problems.append(f"review workbooks: {missing} decisions missing, {extra} extra")

    # The county Prop 64 files hold each decision exactly as the warehouse does.
    fields = ["charge_key", "determination", "relief", "decisive_rule", "reasons"]
    want = decisions.filter(pl.col("program") == PROP64).select(fields)
    got_rows = [
        pl.read_csv(f, infer_schema=False).select(fields)
        for f in sorted(root.glob("*/prop64_convictions.csv"))
    ]
    got = pl.concat(got_rows) if got_rows else want.clear()
    if not want.cast(pl.String).sort("charge_key").equals(got.sort("charge_key")):
        problems.append("county Prop 64 files differ from the decision table")

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
    if set(listed) != on_disk:
        problems.append("manifest does not list exactly the files on disk")
    for rel, sha in listed.items():
        if rel in on_disk and sha256_of(root / rel) != sha:
            problems.append(f"manifest checksum differs for {rel}")
    return problems
