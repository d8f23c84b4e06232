"""A run's clearance files, all of them, written into one (staging) folder.

    <COUNTY>/prop64_convictions.csv, summary.json       the decision rows and counts (Prop 64)
    <COUNTY>/<program>_court_order.pdf                  motion and order: eligible charges
    <COUNTY>/review.xlsx                                 every decision, one sheet per determination
    <COUNTY>/gogen/Prop64_Results.csv, All_Results_Condensed.csv, gogen.json
                                                         the earlier Prop 64 tool's files (CA DOJ)
    repository/<program>_updates.csv, .jsonl            one record per granted relief
    report/report.html, report.pdf, charts/*.png        the run's summary report
    manifest.json                                        every file: rows, bytes, SHA-256, versions;
                                                         the run id and generated_at (only here)

Idempotent: every file but manifest.json is a function of the decisions, rules, options and
as-of date alone (no run id, no wall clock inside a document), so re-running the same inputs
gives byte-identical files. Pure with respect to Dagster: frames in, files out. `reconcile`
reads the files back with real readers (pypdf, openpyxl, csv/json) and compares them with the
decision table.
"""

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.audit import export_lines
from orchestration.exports.court_pdf import REF_LENGTH, write_court_document
from orchestration.exports.gogen_bundle import write_gogen_bundle
from orchestration.exports.load import ExportFrames
from orchestration.exports.publish import decision_set_digest, owner_only, write_manifest
from orchestration.exports.report import build_report_data, write_report
from orchestration.exports.repository import (
    read_repository_csv,
    read_repository_jsonl,
    write_repository_files,
)
from orchestration.exports.review_workbook import write_review_workbook
from orchestration.exports.writers import county_folder, normalize_county, write_county_exports

PROP64 = "us_ca_prop64"


def scope(frames: ExportFrames, county: str | None) -> pl.DataFrame:
    """The run's export scope: every decision, or one county's (case/space-insensitive)."""
    d = frames.decisions.with_columns(
        _county=pl.col("county").map_elements(normalize_county, return_dtype=pl.String)
    )
    if county is not None:
        d = d.filter(pl.col("_county") == normalize_county(county))
    return d


def build_run_files(
    root: Path, frames: ExportFrames, run: dict[str, Any], county: str | None = None
) -> dict[str, Any]:
    """Write every file of the run under `root`; return rows per file and what went where.

    `run`: as_of, git_revision, git_dirty, rules_versions, prop64_parameters and "report" (the
    report's inputs: inputs, quality, ...) go into the documents; run_id and generated_at go
    into manifest.json only.
    """
    as_of: date = run["as_of"]
    decisions = scope(frames, county)
    rows_by_file: dict[str, int | None] = {}
    placed: list[dict[str, Any]] = []  # where each decision is, for audit.export_lines

    # Issue-2 files: the Prop 64 decision rows and summary per county.
    prop64 = decisions.filter(pl.col("program") == PROP64).drop("_county")
    p64_cols = [
        c
        for c in prop64.columns
        if c not in ("person_name", "cii_number", "dob_raw", "dob", "gender", "race")
    ]
    summaries = write_county_exports(prop64.select(p64_cols), root, county)
    for folder, s in summaries.items():
        rows_by_file[f"{folder}/prop64_convictions.csv"] = s["convictions"]

    counties = sorted({c for c in decisions["_county"].to_list()}, key=lambda c: c or "")
    if county is not None:
        counties = [normalize_county(county)]
    programs = {r["program_id"]: r for r in frames.programs.iter_rows(named=True)}
    for c in counties:
        here = decisions.filter(
            pl.col("_county").is_null() if c is None else pl.col("_county") == c
        ).drop("_county")
        folder = root / county_folder(c)
        folder.mkdir(parents=True, exist_ok=True)
        # Court documents: one per program with eligible charges in the county.
        for program in sorted(set(here["program"].to_list())):
            eligible = here.filter(
                (pl.col("program") == program) & (pl.col("determination") == "eligible")
            )
            if eligible.height == 0:
                continue
            name = f"{program}_court_order.pdf"
            info = write_court_document(folder / name, c, programs[program], eligible, as_of)
            rows_by_file[f"{county_folder(c)}/{name}"] = info["rows"]
            placed += export_lines.from_court_document(f"{county_folder(c)}/{name}", info)
        # The prosecutor's review workbook: every decision.
        info = write_review_workbook(folder / "review.xlsx", c, here, as_of)
        rows_by_file[f"{county_folder(c)}/review.xlsx"] = info["rows"]
        placed += export_lines.from_review_workbook(f"{county_folder(c)}/review.xlsx", info)
        # The earlier tool's files, for CA DOJ Prop 64 counties.
        if (
            c is not None
            and not here.filter(
                (pl.col("program") == PROP64) & (pl.col("source_system") == "doj")
            ).is_empty()
        ):
            counts = write_gogen_bundle(
                folder / "gogen",
                c,
                frames.raw_doj,
                frames.decisions.filter(
                    (pl.col("program") == PROP64) & (pl.col("source_system") == "doj")
                ),
                frames.people,
                as_of,
                processing_seconds=0.0,  # gogen.json repeats byte for byte; time: the manifest
                parameters=run.get("prop64_parameters", {}),
                all_convictions=frames.convictions,
            )
            for fname in ("Prop64_Results.csv", "All_Results_Condensed.csv"):
                rows_by_file[f"{county_folder(c)}/gogen/{fname}"] = counts[fname]
            p64 = frames.decisions.filter(pl.col("program") == PROP64)
            ids = dict(zip(p64["charge_key"], p64["decision_id"], strict=True))
            placed += export_lines.from_gogen(root, county_folder(c), counts, ids)

    # Repository update files, per program (in the run's scope).
    repo = root / "repository"
    for program in sorted(programs):
        info = write_repository_files(repo, program, decisions.drop("_county"))
        for f in info["files"]:
            rows_by_file[f"repository/{f}"] = info["records"]

    # The summary report (counts only).
    report_run = {
        **run["report"],
        "as_of": as_of,
        "git_revision": run["git_revision"],
        "git_dirty": run["git_dirty"],
        "rules_versions": run["rules_versions"],
    }
    data = build_report_data(decisions.drop("_county"), frames.convictions, report_run)
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
            "county": county,
            "git_revision": run["git_revision"],
            "git_dirty": run["git_dirty"],
            "rules_versions": run["rules_versions"],
        },
    )
    owner_only(root)
    return {
        "rows_by_file": rows_by_file,
        "decisions": decisions.height,
        "export_lines": export_lines.collect(root, placed),
    }


_REF = re.compile(r"\bR([0-9a-f]{" + str(REF_LENGTH) + r"})\b")


def reconcile(root: Path, decisions: pl.DataFrame) -> list[str]:
    """Problems found by reading the files back; empty when every check holds.

    Every eligible decision appears in exactly one court document and one repository record
    (CSV and JSONL); every decision appears exactly once in the review workbooks; the manifest
    lists every file with its current SHA-256.
    """
    import pypdfium2 as pdfium
    from openpyxl import load_workbook

    from orchestration.exports.publish import sha256_file

    problems: list[str] = []
    eligible = decisions.filter(pl.col("determination") == "eligible")
    want_refs = Counter(d[:REF_LENGTH] for d in eligible["decision_id"].to_list())
    got_refs: Counter[str] = Counter()
    for pdf in sorted(root.rglob("*_court_order.pdf")):
        # PDFium's text layer: the same references as pypdf's, read 10x faster (measured on a
        # 27-page order: 0.09 s against 0.95 s), and a court order can run to thousands of pages.
        doc = pdfium.PdfDocument(pdf)
        try:
            text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        finally:
            doc.close()
        got_refs.update(_REF.findall(text))
    if got_refs != want_refs:
        missing = sum((want_refs - got_refs).values())
        extra = sum((got_refs - want_refs).values())
        problems.append(f"court documents: {missing} eligible decisions missing, {extra} extra")

    want_ids = Counter(eligible.filter(pl.col("relief").is_not_null())["decision_id"].to_list())
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

    want_pairs = Counter(
        zip(decisions["program"].to_list(), decisions["charge_key"].to_list(), strict=True)
    )
    got_pairs: Counter[tuple[str, str]] = Counter()
    for xlsx in sorted(root.rglob("review.xlsx")):
        wb = load_workbook(xlsx, read_only=True)
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if not header or "Charge key" not in header or "Program" not in header:
                continue
            pi, ki = header.index("Program"), header.index("Charge key")
            got_pairs.update((r[pi], r[ki]) for r in rows if r and r[ki])
        wb.close()
    if got_pairs != want_pairs:
        problems.append(
            f"review workbooks: {sum((want_pairs - got_pairs).values())} decisions "
            f"missing, {sum((got_pairs - want_pairs).values())} extra"
        )

    # The county Prop 64 files hold each decision exactly as the warehouse does.
    fields = ["charge_key", "determination", "relief", "decisive_rule", "reasons"]
    want = decisions.filter(pl.col("program") == PROP64).select(fields)
    got_rows = [
        pl.read_csv(f, infer_schema=False).select(fields)
        for f in sorted(root.glob("*/prop64_convictions.csv"))
    ]
    got = pl.concat(got_rows) if got_rows else want.clear()
    if want.cast(pl.String).sort("charge_key").rows() != got.sort("charge_key").rows():
        problems.append("county Prop 64 files differ from the decision table")

    manifest = json.loads((root / "manifest.json").read_text())
    listed = {f["file"]: f["sha256"] for f in manifest["files"]}
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    if set(listed) != on_disk:
        problems.append("manifest does not list exactly the files on disk")
    for rel, sha in listed.items():
        if rel in on_disk and sha256_file(root / rel) != sha:
            problems.append(f"manifest checksum differs for {rel}")
    return problems
