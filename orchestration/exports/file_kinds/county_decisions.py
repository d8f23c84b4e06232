"""<COUNTY>/prop64_convictions.csv: the county's Prop 64 rows of the decision table.

Without the person's identifiers (name, CII, date of birth, gender, race, OTN) and without the
review (reviewed_out.csv lists what the review keeps out). Written for every county with a
Prop 64 decision, and for the run's --county even when it has none (a header-only file says
"none").
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    concat_batches,
    csv_lines,
    empty_places,
    lines_read_back,
    physical_lines,
)
from orchestration.exports.writers import CONVICTIONS_FILE, county_folder, write_county_csv
from orchestration.review.store import REVIEW_COLUMNS

PROP64 = "us_ca_prop64"
# the person's identifiers: in the court documents and the review workbook, not in this file
IDENTIFIERS = ("person_name", "cii_number", "dob_raw", "dob", "gender", "race", "otn")
# what reconciliation compares, field by field
FIELDS = ["charge_key", "determination", "relief", "decisive_rule", "reasons"]


def county_prop64_rows(batches: Iterable[pl.DataFrame]) -> pl.DataFrame | None:
    """The unit's Prop 64 rows, the file's columns (None: no rows at all)."""
    rows = concat_batches(batches)
    if rows is None:
        return None
    rows = rows.filter(pl.col("program") == PROP64)
    return rows.select(
        [c for c in rows.columns if c not in IDENTIFIERS and c not in REVIEW_COLUMNS]
    )


class CountyDecisions(FileKind):
    name = "county_csv"
    title = "county Prop 64 files"
    patterns = (f"*/{CONVICTIONS_FILE}",)
    scope = "county"
    place_kinds = ("county_csv",)

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: Iterable[pl.DataFrame],
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        rows = county_prop64_rows(batches)
        if rows is None or (rows.height == 0 and ctx.county is None):
            return Written()
        rel = f"{county_folder(unit)}/{CONVICTIONS_FILE}"
        return Written(files={rel: write_county_csv(root / rel, rows)})

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        if not written.files:
            return empty_places()
        (rel,) = written.files
        return lines_read_back(rel, self.place_kinds[0], csv_lines(root / rel, "decision_id"))

    def read_back(self, path: Path) -> pl.DataFrame:
        return pl.read_csv(path, infer_schema=False).select(FIELDS)

    def reconcile(self, root: Path, decisions: pl.DataFrame, forecast: bool) -> list[str]:
        """The county Prop 64 files hold each decision exactly as the warehouse does."""
        want = decisions.filter(pl.col("program") == PROP64).select(FIELDS)
        got_rows = [self.read_back(f) for f in self.files(root)]
        got = pl.concat(got_rows) if got_rows else want.clear()
        if not want.cast(pl.String).sort("charge_key").equals(got.sort("charge_key")):
            return ["county Prop 64 files differ from the decision table"]
        return []

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        text = physical_lines(path, {place["line"]}).get(place["line"], "")
        return "verified" if decision["decision_id"] in text else "NOT at this line"
