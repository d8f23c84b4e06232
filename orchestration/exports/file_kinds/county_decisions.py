"""<COUNTY>/prop64_convictions.csv: the county's Prop 64 rows of the decision table.

Without the person's identifiers (name, CII, date of birth, gender, race, OTN) and without the
review (reviewed_out.csv lists what the review keeps out). Written for every county with a
Prop 64 decision, and for the run's --county even when it has none (a header-only file says
"none").
"""

from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    csv_lines,
    empty_places,
    lines_read_back,
    physical_lines,
)
from orchestration.exports.load import UnitRows
from orchestration.exports.writers import (
    CONVICTIONS_FILE,
    atomic_file,
    county_folder,
    county_order_sql,
)
from orchestration.review.store import REVIEW_COLUMNS

PROP64 = "us_ca_prop64"
# the person's identifiers: in the court documents and the review workbook, not in this file
IDENTIFIERS = ("person_name", "cii_number", "dob_raw", "dob", "gender", "race", "otn")
# what reconciliation compares, field by field
FIELDS = ["charge_key", "determination", "relief", "decisive_rule", "reasons"]


def rows_digest(frames: Iterable[pl.DataFrame]) -> tuple[int, int, int]:
    """An order-free digest of the rows of `frames` (columns in FIELDS' order, as text): the
    count and the sums of each row's 64-bit hash halves (no overflow up to 4e9 rows a batch).
    Two sets of rows with the same digest are the same multiset but for a hash collision."""
    n = hi = lo = 0
    h = pl.struct(FIELDS).hash(seed=0)
    for frame in frames:
        rows, high, low = frame.select(
            n=pl.len(), hi=h.floordiv(1 << 32).sum(), lo=h.mod(1 << 32).sum()
        ).row(0)
        n, hi, lo = n + rows, hi + int(high or 0), lo + int(low or 0)
    return n, hi, lo


def county_prop64_rows(batches: UnitRows) -> UnitRows:
    """The unit's Prop 64 rows, in the order the county's files list them (COUNTY_ORDER)."""
    return batches.narrowed("d.program = ?", PROP64).ordered(county_order_sql("d"))


def file_columns(columns: list[str]) -> list[str]:
    """The file's columns: not the person's identifiers, not the review."""
    return [c for c in columns if c not in IDENTIFIERS and c not in REVIEW_COLUMNS]


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
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        # a batch at a time, in the file's order (sorted by the warehouse); the run's --county
        # gets a header-only file when it has no Prop 64 decision, other counties none
        ordered = county_prop64_rows(batches)
        stream = iter(ordered)
        first = next(stream, None)
        if first is None and ctx.county is None:
            return Written()
        rel = f"{county_folder(unit)}/{CONVICTIONS_FILE}"
        rows = 0
        with atomic_file(root / rel) as f:
            if first is None:
                empty = ordered.frame()
                empty.select(file_columns(empty.columns)).write_csv(f)
            for batch in chain([first], stream) if first is not None else ():
                batch.select(file_columns(batch.columns)).write_csv(f, include_header=rows == 0)
                rows += batch.height
        return Written(files={rel: rows})

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        if not written.files:
            return empty_places()
        (rel,) = written.files
        return lines_read_back(rel, self.place_kinds[0], csv_lines(root / rel, "decision_id"))

    def read_back(self, path: Path) -> pl.DataFrame:
        # only the compared columns are parsed (a county's file is ~200 MB at 10M rows)
        return pl.scan_csv(path, infer_schema=False).select(FIELDS).collect(engine="streaming")

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """The county Prop 64 files hold each decision exactly as the warehouse does."""
        # compared as multisets of rows, the warehouse's a batch at a time and the files one at
        # a time: at 10M rows they hold 1.14M rows, and both sides whole and sorted took GiBs
        want = rows_digest(
            b.cast(pl.String)
            for b in decisions.narrowed("d.program = ?", PROP64).select_batches(
                *(f"d.{c}" for c in FIELDS)
            )
        )
        got = rows_digest(self.read_back(f) for f in self.files(root))
        if want != got:
            return ["county Prop 64 files differ from the decision table"]
        return []

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        text = physical_lines(path, {place["line"]}).get(place["line"], "")
        return "verified" if decision["decision_id"] in text else "NOT at this line"
