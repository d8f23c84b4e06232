"""<COUNTY>/reviewed_out.csv: the eligible charges the prosecutor's review keeps out of the
court documents (Disagree, Needs more information), with the reviewer's note
(exports/reviewed_out.py). Only when the county has one; never in a forecast."""

from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    concat_batches,
    count_difference,
    csv_lines,
    empty_places,
    lines_read_back,
    physical_lines,
)
from orchestration.exports.load import UnitRows
from orchestration.exports.reviewed_out import FILE_NAME, read_reviewed_out, write_reviewed_out
from orchestration.exports.writers import county_folder
from orchestration.review.store import left_out


class ReviewedOut(FileKind):
    name = "reviewed_out"
    title = "reviewed-out lists"
    patterns = (f"*/{FILE_NAME}",)
    scope = "county"
    place_kinds = ("reviewed_out",)
    in_worker = True

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        if ctx.forecast:
            return Written()
        # only an eligible decision can be kept out by the review: only those are read, a batch
        # at a time, and only the ones it keeps out are held (not the county's eligible rows,
        # 56 columns, whole: to list none of them)
        eligible = batches.narrowed("d.determination = 'eligible'")
        here = concat_batches(kept for b in eligible if (kept := b.filter(left_out(b))).height)
        if here is None:
            return Written()
        rel = f"{county_folder(unit)}/{FILE_NAME}"
        info = write_reviewed_out(root / rel, here)
        return Written(files={rel: info["rows"]}) if info["rows"] else Written()

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        if not written.files:
            return empty_places()
        (rel,) = written.files
        return lines_read_back(rel, self.place_kinds[0], csv_lines(root / rel, "decision_id"))

    def read_back(self, path: Path) -> list[str]:
        return read_reviewed_out(path)

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """Every decision the review keeps out is in exactly one reviewed-out list."""
        eligible = decisions.narrowed("d.determination = 'eligible'").select(
            "d.decision_id", "d.determination", "d.relief", "d.review_applies", "d.review_mark"
        )
        out = [] if forecast else eligible.filter(left_out(eligible))["decision_id"].to_list()
        want = Counter(out)
        got = Counter(i for f in self.files(root) for i in self.read_back(f))
        if got != want:
            missing, extra = count_difference(want, got)
            return [f"reviewed-out lists: {missing} decisions missing, {extra} extra"]
        return []

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        text = physical_lines(path, {place["line"]}).get(place["line"], "")
        return "verified" if decision["decision_id"] in text else "NOT at this line"
