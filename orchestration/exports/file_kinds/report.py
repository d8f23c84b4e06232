"""report/report.html, report.pdf, charts/*.png: the run's summary report (counts only: by law,
county, section; people left with no conviction or felony; upcoming eligibility; disparity),
exports/report.py. One per run; no decision is placed in it."""

from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import FileKind, RunContext, Written, concat_batches
from orchestration.exports.load import UnitRows
from orchestration.exports.report import (
    CHARTS_DIR,
    HTML_FILE,
    PDF_FILE,
    build_report_data,
    write_report,
)

FOLDER = "report"


class Report(FileKind):
    name = "report"
    title = "report"
    patterns = (f"{FOLDER}/{HTML_FILE}", f"{FOLDER}/{PDF_FILE}", f"{FOLDER}/{CHARTS_DIR}/*.png")
    scope = "run"

    def prepare(self, frames: Any, decisions: pl.DataFrame, ctx: RunContext) -> tuple:
        # every conviction on record (who is left with none), and rpt_decision_counts' rows
        # (section 2's tables are sums of them; its county is normalized like ctx.county)
        counts = frames.decision_counts
        if counts is not None and ctx.county is not None:
            counts = counts.filter(pl.col("county") == ctx.county)
        return frames.convictions, counts

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        rows = concat_batches(batches)
        if rows is None:
            return Written()
        run = ctx.run
        report_run = {
            **run["report"],
            "as_of": ctx.as_of,
            "forecast": ctx.forecast,
            "git_revision": run["git_revision"],
            "git_dirty": run["git_dirty"],
            "rules_versions": run["rules_versions"],
        }
        convictions, counts = prepared
        data = build_report_data(rows, convictions, report_run, counts)
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
