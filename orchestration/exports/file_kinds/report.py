"""report/report.html, report.pdf, charts/*.png: the run's summary report (counts only: by law,
county, section; people left with no conviction or felony; upcoming eligibility; disparity),
exports/report.py. One per run; no decision is placed in it.

Every figure is read from the rpt_* models (load.REPORT_SQL, through the warehouse's
ExportSource): the report reads no decision row. Its decision-set reference is the digest of the
run's decisions, streamed from exp_decisions (publish.decision_set_digest_from)."""

from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import FileKind, RunContext, Written
from orchestration.exports.load import REPORT_SQL, UnitRows
from orchestration.exports.publish import REFERENCE_LENGTH, decision_set_digest_from
from orchestration.exports.report import (
    CHARTS_DIR,
    HTML_FILE,
    PDF_FILE,
    build_report_data,
    scope_rows,
    write_report,
)

FOLDER = "report"


def report_rows(source: Any, county: str | None) -> dict[str, pl.DataFrame]:
    """The rpt_ models' rows of the run's scope: `county`'s (normalized), or every county's."""
    return scope_rows({name: source.query(sql) for name, sql in REPORT_SQL.items()}, county)


class Report(FileKind):
    name = "report"
    title = "report"
    patterns = (f"{FOLDER}/{HTML_FILE}", f"{FOLDER}/{PDF_FILE}", f"{FOLDER}/{CHARTS_DIR}/*.png")
    scope = "run"

    def prepare(self, frames: Any, decisions: UnitRows, ctx: RunContext) -> tuple:
        # aggregated rows only: neither `decisions` nor frames.decisions / .convictions
        source = frames.source
        if source is None:
            raise ValueError("the report reads the rpt_* models: frames.source is required")
        reference = decision_set_digest_from(source, ctx.county)[:REFERENCE_LENGTH]
        return report_rows(source, ctx.county), reference

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        # `batches` (the run's decision rows) are not read: the figures are prepared's rows
        rows, reference = prepared
        run = ctx.run
        report_run = {
            "quality": (run.get("report") or {}).get("quality") or [],
            "as_of": ctx.as_of,
            "forecast": ctx.forecast,
            "decision_set": reference,
            "git_revision": run["git_revision"],
            "git_dirty": run["git_dirty"],
            "rules_versions": run["rules_versions"],
            # the rulebook's titles (exp_programs.title): what a person reads for each law
            "program_titles": {p: r.get("title") for p, r in sorted(ctx.programs.items())},
        }
        data = build_report_data(rows, report_run)
        written = write_report(root / FOLDER, data)
        return Written(files={f"{FOLDER}/{rel}": None for rel in sorted(written["sha256"])})

    def read_back(self, path: Path) -> bytes:
        return path.read_bytes()

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """The report is there, HTML and PDF (its figures are counts: exports/report.py)."""
        folder = root / FOLDER
        missing = [
            n
            for n in (HTML_FILE, PDF_FILE)
            if not (folder / n).is_file() or not self.read_back(folder / n)
        ]
        return [f"report: {', '.join(missing)} missing or empty"] if missing else []
