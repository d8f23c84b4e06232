"""<COUNTY>/review.xlsx: every decision of the county, one sheet per determination, for the
prosecutor's review by hand (exports/review_workbook.py); earlier marks that still apply filled
in. Each workbook is recorded in audit.review_workbooks (`cleanslate review import` accepts
only those)."""

from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    empty_places,
    place_rows,
)
from orchestration.exports.load import UnitRows
from orchestration.exports.review_workbook import (
    FIGURE_FIELDS,
    ROW_FIELDS,
    SHEET_ORDER_SQL,
    figures,
    write_streamed,
)
from orchestration.exports.writers import county_folder

FILE_NAME = "review.xlsx"
AUDIT_TABLE = "review_workbooks"  # Written.audit key: audit.review_workbooks' rows


class ReviewWorkbook(FileKind):
    name = "review_workbook"
    title = "review workbooks"
    patterns = (f"*/{FILE_NAME}",)
    scope = "county"
    place_kinds = ("review_workbook",)
    in_worker = True

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        # three reads of the county, each a batch at a time: its digest (sorted by DuckDB) and
        # the Summary's figures (they name the sheets; only the columns they count), then the
        # rows in the sheets' order, written as they come (memory does not grow with the county)
        counted = batches.select_batches(*(f"d.{c}" for c in FIGURE_FIELDS))
        figs = figures(counted, batches.digest())
        if figs.rows == 0:
            return Written()
        rel = f"{county_folder(unit)}/{FILE_NAME}"
        titles = {p: r.get("title") for p, r in ctx.programs.items()}
        # only the printed columns: DuckDB sorts the county's rows before the first batch comes
        rows = batches.ordered(SHEET_ORDER_SQL).only(*ROW_FIELDS)
        info = write_streamed(root / rel, unit, figs, rows, ctx.as_of, titles)
        record = {
            "file": rel,
            "county": unit,
            "as_of": ctx.as_of,
            "decision_set_sha256": info["digest"],
            "decisions": info["rows"],
            "prefilled": info["prefilled"],
        }
        return Written(
            files={rel: info["rows"]},
            info={"file": rel, "placements": info.get("placements")},
            audit={AUDIT_TABLE: [record]},
        )

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        """Sheet name and the row number Excel shows (header = row 1)."""
        if not written.info:
            return empty_places()
        p = written.info["placements"].select("decision_id", "sheet", pl.col("row").alias("line"))
        location = pl.format("sheet '{}', row {}", pl.col("sheet"), pl.col("line"))
        return place_rows(
            p, written.info["file"], self.place_kinds[0], location, sheet=pl.col("sheet")
        )

    def read_back(self, path: Path) -> pl.DataFrame:
        """(program, charge_key) of every data row; calamine (fastexcel) reads only the two
        columns: openpyxl took ~6 s per 100k rows."""
        import fastexcel

        book = fastexcel.read_excel(path)
        frames = []
        for name in book.sheet_names:
            try:
                sheet = book.load_sheet(
                    name, use_columns=["Program", "Charge key"], dtypes="string"
                )
            except fastexcel.ColumnNotFoundError:
                continue  # the Summary sheet
            frames.append(
                sheet.to_polars().rename({"Program": "program", "Charge key": "charge_key"})
            )
        return (
            pl.concat(frames)
            if frames
            else pl.DataFrame(schema={"program": pl.String, "charge_key": pl.String})
        )

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """Every decision is in exactly one review workbook row."""
        want = decisions.select(
            "d.program", "d.charge_key", "count(*)::uint32 as len", group_by="all"
        )
        got_frames = [self.read_back(f) for f in self.files(root)]
        got = (
            (
                pl.concat(got_frames).filter(pl.col("charge_key").is_not_null())
                if got_frames
                else pl.DataFrame(schema={"program": pl.String, "charge_key": pl.String})
            )
            .group_by("program", "charge_key")
            .len()
        )
        diff = want.join(
            got, on=["program", "charge_key"], how="full", coalesce=True, suffix="_got"
        ).select(
            (
                pl.col("len").cast(pl.Int64).fill_null(0)
                - pl.col("len_got").cast(pl.Int64).fill_null(0)
            ).alias("d")
        )
        missing = int(diff["d"].clip(lower_bound=0).sum())
        extra = int((-diff["d"]).clip(0).sum())
        if missing or extra:
            return [f"review workbooks: {missing} decisions missing, {extra} extra"]
        return []

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        from openpyxl import load_workbook

        line = place["line"]
        wb = load_workbook(path, read_only=True)
        try:
            ws = wb[place["sheet"]]
            header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
            row = next(ws.iter_rows(min_row=line, max_row=line, values_only=True))
        finally:
            wb.close()
        ok = (
            row[header.index("Charge key")] == decision["charge_key"]
            and row[header.index("Program")] == decision["program"]
        )
        return "verified" if ok else "NOT in this row"
