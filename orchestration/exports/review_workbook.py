"""Review workbook: an .xlsx for prosecutors working the undecided and refused charges by hand.

One sheet per determination present (needs review first: that is the work), after a Summary sheet
with counts by program and determination. Each data row carries the decision, its reasons and
facts, where it came from (source file:line), two columns for the reviewer, "Reviewer decision"
(Agree / Disagree / Needs more information) and "Notes", and what `cleanslate review import`
needs to read the marks back: the decision id and (hidden) the decision's digest; the Summary
carries the decision set's full SHA-256 and the layout version. An earlier review that still
applies (the decision is unchanged since) is filled in, so nobody reviews a decision twice; one
made on a decision that has changed since is shown in "Earlier review" and left to be made
again. A pure function of the decision rows (with the review columns of exports/load.py): no
Dagster, no warehouse; the caller filters to one county and publishes the file atomically.

Deterministic where xlsxwriter allows: the document creation date comes from `as_of`, xlsxwriter
stamps the zip members with a fixed 1980 date, and rows are sorted on a total order. No run id
and no wall-clock time are written: the Summary's "Decision set" reference is a digest of the
decisions in the workbook (`publish.decision_set_reference`); the run is in manifest.json.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.utility import _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

from orchestration.exports.publish import REFERENCE_LENGTH, decision_set_digest
from orchestration.review.store import MARKS

DETERMINATION_ORDER = ("needs_review", "not_eligible", "not_yet_eligible", "eligible")
DETERMINATION_LABEL = {
    "needs_review": "Needs review",
    "not_eligible": "Not eligible",
    "not_yet_eligible": "Not yet eligible",
    "eligible": "Eligible",
}
OTHER = "_other"  # rows with a determination outside the four (should not happen): own sheet
OTHER_LABEL = "Other"
REVIEW_CHOICES = list(MARKS.values())  # Agree, Disagree, Needs more information
# The Summary's "Layout" value: `cleanslate review import` reads the columns by name and
# position, so a workbook says which layout it has (READABLE_LAYOUTS below).
LAYOUT = "review workbook 3"
EXCEL_MAX_ROWS = 1_048_576
BATCH_ROWS = 10_000  # rows per batch of a frame written by write_review_workbook
EXCEL_MAX_CHARS = 32_767
PLACEMENT_SCHEMA = {
    "decision_id": pl.String,
    "charge_key": pl.String,
    "sheet": pl.String,
    "row": pl.Int32,
}

# (heading, width, kind); kind: text | wrap | date | blank
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("Law", 40, "text"),  # the law's title (exp_programs.title); Program is its id
    ("Program", 18, "text"),
    ("Subject ID", 14, "text"),
    ("Name", 24, "text"),
    ("Date of birth", 12, "date"),
    ("Charge", 14, "text"),
    ("Case number", 14, "text"),
    ("County", 14, "text"),
    ("Conviction date", 12, "date"),
    ("Offense", 26, "text"),
    ("Statute", 18, "text"),
    ("Level", 14, "text"),
    ("Determination", 16, "text"),
    ("Relief", 16, "text"),
    ("Eligible on", 12, "date"),
    ("Deciding rule", 24, "text"),
    ("Reasons", 60, "wrap"),
    ("Missing facts", 36, "wrap"),
    ("Facts", 40, "wrap"),
    ("Source", 28, "text"),
    ("Reviewer decision", 20, "blank"),
    ("Notes", 36, "blank"),
    ("Earlier review", 36, "wrap"),
    ("Charge key", 22, "text"),
    ("Decision id", 34, "text"),
    ("Decision digest", 34, "hidden"),
)
HEADINGS = tuple(heading for heading, _, _ in COLUMNS)
# Layouts `cleanslate review import` reads, and their columns: workbooks written before the
# Law column (layout 2, until 2026-12) are still being reviewed when a county upgrades.
READABLE_LAYOUTS: dict[str, tuple[str, ...]] = {
    LAYOUT: HEADINGS,
    "review workbook 2": tuple(h for h in HEADINGS if h != "Law"),
}


# the decision columns the workbook reads (_values, _level, _source, the Summary)
ROW_FIELDS = (
    "program", "subject_id", "person_name", "dob", "dob_raw", "charge_ref", "case_number",
    "county", "conviction_date", "conviction_date_raw", "offense_raw", "statute", "section",
    "offense_level", "grade", "determination", "relief", "eligible_on", "decisive_rule",
    "reasons", "missing_facts", "facts", "source_file", "source_line", "charge_key",
    "decision_id", "decision_digest", "review_mark", "review_note", "reviewer", "reviewed_on",
    "review_applies",
)  # fmt: skip


def _text(value: Any) -> str | None:
    """Cell text for any column value: lists joined with '; ', structs as sorted JSON."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        text = "; ".join(str(v) for v in value if v is not None)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = str(value)
    if len(text) > EXCEL_MAX_CHARS:
        text = text[: EXCEL_MAX_CHARS - 3] + "..."
    return text or None


# -- data rows as XML ------------------------------------------------------------------------
# xlsxwriter's own path for a cell (write_string, then the row's flush and _write_cell: ~20
# Python calls, three regular expressions and a tuple per cell) was ~75% of a workbook's time,
# and a statewide county has millions of cells. A data row is written here in one pass as the
# XML xlsxwriter's constant-memory mode writes (inline strings and dates), into the worksheet's
# row file, through xlsxwriter's own row tag, dimensions and format indices.
# tests/unit/test_exports_documents.py compares the bytes with xlsxwriter's cells.
_LETTERS = [xl_col_to_name(col) for col in range(len(COLUMNS))]
_ESCAPED = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


def _string_cell(ref: str, style: int, text: str) -> str:
    """An inline-string cell, as xlsxwriter writes it in constant-memory mode: cut at Excel's
    32,767 UTF-16 units, control characters as _xHHHH_, spaces at either end kept, &, < and >
    escaped. Unlike xlsxwriter, a text that looks like rich-string XML ("<r>...</r>") is
    escaped too: it is data, never markup."""
    if len(text) > EXCEL_MAX_CHARS // 2 and _utf16_len(text) > EXCEL_MAX_CHARS:
        text = _utf16_truncate(text, EXCEL_MAX_CHARS)
    if _ESCAPED.search(text):
        text = XMLwriter._escape_control_characters(text)
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def write_data_row(ws: Any, row: int, values: list[Any], formats: list[Any], date_fmt: Any) -> None:
    """One data row (`values` in COLUMNS order; None: no cell) into a constant-memory worksheet,
    as write_string / write_datetime cell by cell would write it: dates as Excel serial numbers
    in `date_fmt`, any other value as the text _text() gives it, in formats[column]."""
    if row > ws.previous_row:  # the row before (the header) goes out first, as xlsxwriter's would
        ws._write_single_row(row)
    cells, written = [], []
    number_shown = row + 1
    for col, value in enumerate(values):
        if value is None:
            continue
        ref = f"{_LETTERS[col]}{number_shown}"  # "A2"
        if isinstance(value, date):
            number = ws._convert_date_time(value)
            cells.append(f'<c r="{ref}" s="{date_fmt._get_xf_index()}"><v>{number:.16G}</v></c>')
        elif (text := _text(value)) is not None:
            cells.append(_string_cell(ref, formats[col]._get_xf_index(), text))
        else:
            continue
        written.append(col)
    if not cells:
        return
    ws._check_dimensions(row, written[0])  # the sheet's extent, as cell by cell
    ws._check_dimensions(row, written[-1])
    ws._write_row(row, None)
    ws.fh.write("".join(cells))
    ws._xml_end_tag("row")


def _level(row: dict[str, Any]) -> str | None:
    level, grade = row.get("offense_level"), row.get("grade")
    if level and grade and str(grade) != str(level):
        return f"{level} ({grade})"
    return _text(level or grade)


def _source(row: dict[str, Any]) -> str | None:
    file, line = row.get("source_file"), row.get("source_line")
    if file is None and line is None:
        return None
    return f"{file or '?'}:{line}" if line is not None else str(file)


def earlier_review(row: dict[str, Any]) -> str | None:
    """The latest review of the decision in words: who, when, and whether it still applies."""
    mark = row.get("review_mark")
    if not mark:
        return None
    text = (
        f"{MARKS.get(mark, mark)} by {row.get('reviewer') or 'reviewer not recorded'}"
        f" on {row.get('reviewed_on') or '?'}"
    )
    if row.get("review_applies"):
        return text + " (filled in: the decision is unchanged since)"
    return text + ": the decision has changed since; review it again"


def _prefilled(row: dict[str, Any]) -> tuple[str | None, str | None]:
    """(Reviewer decision, Notes) of an earlier review that still applies, else blanks."""
    if row.get("review_mark") and row.get("review_applies"):
        return MARKS.get(row["review_mark"], row["review_mark"]), row.get("review_note")
    return None, None


def _law(titles: Mapping[str, Any], program: Any) -> Any:
    """The law as a person reads it: its title ({program id: title}), else its id."""
    return titles.get(program) or program


def _values(row: dict[str, Any], titles: Mapping[str, Any]) -> list[Any]:
    """One spreadsheet row, in COLUMNS order. Dates stay dates; unparsed dates keep the raw text."""
    mark, note = _prefilled(row)
    return [
        _law(titles, row.get("program")),
        row.get("program"),
        row.get("subject_id"),
        row.get("person_name"),
        row.get("dob") or row.get("dob_raw"),
        row.get("charge_ref"),
        row.get("case_number"),
        row.get("county"),
        row.get("conviction_date") or row.get("conviction_date_raw"),
        row.get("offense_raw"),
        row.get("statute") or row.get("section"),
        _level(row),
        row.get("determination"),
        row.get("relief"),
        row.get("eligible_on"),
        row.get("decisive_rule"),
        row.get("reasons"),
        row.get("missing_facts"),
        row.get("facts"),
        _source(row),
        mark,
        note,
        earlier_review(row),
        row.get("charge_key"),
        row.get("decision_id"),
        row.get("decision_digest"),
    ]


def _bucket(determination: Any) -> str:
    return determination if determination in DETERMINATION_LABEL else OTHER


def sheet_name(bucket: str, count: int) -> str:
    label = DETERMINATION_LABEL.get(bucket, OTHER_LABEL)
    return f"{label} ({count})"[:31]


def data_sheets(order: list[str], counts: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """(bucket, sheet name, rows) per data sheet: a determination with more rows than an Excel
    sheet holds continues on further sheets ("Not eligible (1234567) #2")."""
    per_sheet = EXCEL_MAX_ROWS - 1  # the header takes a row
    out = []
    for b in order:
        n = counts[b]
        name = sheet_name(b, n)
        parts = max(1, -(-n // per_sheet))
        for k in range(parts):
            rows = min(per_sheet, n - k * per_sheet)
            # Excel forbids '/' in sheet names and allows 31 characters
            out.append((b, name if parts == 1 else f"{name} #{k + 1}"[:31], rows))
    return out


# The data sheets' row order, a total order: determination (DETERMINATION_ORDER, then any
# other), then these columns (nulls last), then the decision id. SHEET_ORDER_SQL is the same
# order for the warehouse (the county's rows are read in it, a batch at a time).
SORT_KEYS = ("program", "subject_id", "cnt_order", "charge_ref", "charge_key", "decision_id")
SHEET_ORDER_SQL = ", ".join(
    [
        "case d.determination "
        + " ".join(f"when '{b}' then {i}" for i, b in enumerate(DETERMINATION_ORDER))
        + f" else {len(DETERMINATION_ORDER)} end",
        *(f"d.{c} nulls last" for c in SORT_KEYS),
    ]
)


def sheet_ordered(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` in the data sheets' order (SHEET_ORDER_SQL's, for a frame)."""
    rank = pl.col("determination").replace_strict(
        {b: i for i, b in enumerate(DETERMINATION_ORDER)},
        default=len(DETERMINATION_ORDER),
        return_dtype=pl.Int32,
    )
    keys = [c for c in SORT_KEYS if c in rows.columns]
    return rows.sort([rank, *keys], nulls_last=True, maintain_order=True)


@dataclass(frozen=True)
class Figures:
    """What the Summary sheet says about a workbook's decisions, known before its rows are
    written (sheet names carry their counts)."""

    counts: dict[tuple[Any, str], int]  # (program, bucket) -> decisions
    subjects: int
    prefilled: int  # an earlier review that still applies, filled in
    to_review_again: int  # an earlier review of a decision that has changed since
    rules_versions: tuple[str, ...]
    digest: str  # publish.decision_set_digest of the decisions

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def by_bucket(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (_, b), n in self.counts.items():
            out[b] = out.get(b, 0) + n
        return out


FIGURE_FIELDS = (
    "program", "determination", "subject_id", "review_mark", "review_applies", "rules_version",
)  # fmt: skip


def figures(batches: Iterable[pl.DataFrame], digest: str) -> Figures:
    """The Summary's figures of the decisions in `batches` (any order, one pass, only the
    FIGURE_FIELDS read); `digest`: their decision_set_digest (a frame's, or the warehouse's
    streamed one, load.UnitRows.digest)."""
    counts: Counter[tuple[Any, str]] = Counter()
    subjects: set[Any] = set()
    versions: set[str] = set()
    prefilled = again = 0
    for batch in batches:
        present = [c for c in FIGURE_FIELDS if c in batch.columns]
        for r in batch.select(present).iter_rows(named=True):
            counts[(r.get("program"), _bucket(r.get("determination")))] += 1
            subjects.add(r.get("subject_id"))
            if r.get("rules_version") is not None:
                versions.add(str(r["rules_version"]))
            prefilled += _prefilled(r)[0] is not None
            again += bool(r.get("review_mark") and not r.get("review_applies"))
    return Figures(dict(counts), len(subjects), prefilled, again, tuple(sorted(versions)), digest)


def write_review_workbook(
    path: Path,
    county: str | None,
    rows: pl.DataFrame,
    as_of: date,
    titles: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the review workbook for `rows` (one county's decisions, any programs, any order)
    to `path`: write_streamed with the frame's figures and its rows in sheet order."""
    ordered = sheet_ordered(rows)
    return write_streamed(
        path,
        county,
        figures([rows], decision_set_digest(rows)),
        ordered.iter_slices(BATCH_ROWS),
        as_of,
        titles,
    )


def write_streamed(
    path: Path,
    county: str | None,
    figs: Figures,
    batches: Iterable[pl.DataFrame],
    as_of: date,
    titles: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the review workbook of one county's decisions to `path`, a batch at a time: the
    rows come in `batches` in the sheets' order (sheet_ordered / SHEET_ORDER_SQL) and are
    written as they come (xlsxwriter's constant-memory mode: no sheet is held), so memory does
    not grow with the county. `figs`: the Summary's figures of the same rows (figures()); rows
    that disagree with them (another count, another order) stop the writing (ValueError).

    titles: {program id: the law's title} (exp_programs.title): the Summary's counts and the
    data sheets' "Law" column name each law by its title (its id where it has none). The
    "Program" column keeps the id: `cleanslate review import` and the reconciliation read it.

    Sheets: "Summary", then one sheet per determination present, in the order needs_review,
    not_eligible, not_yet_eligible, eligible (named like "Needs review (12)"; one with more rows
    than an Excel sheet holds continues on further sheets). Every row is written exactly once.
    The file is written to `path` directly (not atomically).

    Returns {"sheet_names", "sheets": {data sheet name: rows}, "by_determination", "rows",
    "bytes", "placements" (a frame: decision_id, charge_key, sheet, row as Excel shows it),
    "reference", "digest", "prefilled", "to_review_again"} (reference: the decision-set digest
    on the Summary sheet, digest its full SHA-256; prefilled: rows with an earlier review
    filled in) so the caller can reconcile and record the workbook for `cleanslate review
    import`.
    """
    titles = titles or {}
    digest = figs.digest
    reference = digest[:REFERENCE_LENGTH]
    by_bucket = figs.by_bucket()
    order = [b for b in (*DETERMINATION_ORDER, OTHER) if by_bucket.get(b)]
    sheets = data_sheets(order, by_bucket)

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            # rows go to disk as they are written (inline strings, no shared-string table):
            # a statewide county's workbook is never held in memory
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,  # free text starting with '=' stays text
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    created = datetime(as_of.year, as_of.month, as_of.day)
    workbook.set_properties(
        {
            "title": f"Clearance review workbook: {county or 'county not recorded'}",
            "subject": f"Decisions as of {as_of.isoformat()}",
            "author": "clean-slate-warehouse",
            "company": "",
            "comments": f"decision set {reference}",
            "created": created,
        }
    )
    bold = workbook.add_format({"bold": True})
    title_fmt = workbook.add_format({"bold": True, "font_size": 14})
    header_fmt = workbook.add_format(
        {"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "valign": "top"}
    )
    review_header_fmt = workbook.add_format(
        {"bold": True, "bg_color": "#FFF2CC", "border": 1, "text_wrap": True, "valign": "top"}
    )
    text_fmt = workbook.add_format({"valign": "top"})
    hidden_fmt = workbook.add_format({"valign": "top", "font_color": "#808080"})
    wrap_fmt = workbook.add_format({"text_wrap": True, "valign": "top"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top", "align": "left"})
    blank_fmt = workbook.add_format({"bg_color": "#FFFBEA", "valign": "top", "border": 1})
    int_fmt = workbook.add_format({"num_format": "#,##0"})
    int_bold_fmt = workbook.add_format({"num_format": "#,##0", "bold": True, "top": 1})
    cell_fmt = {
        "text": text_fmt,
        "wrap": wrap_fmt,
        "date": date_fmt,
        "blank": blank_fmt,
        "hidden": hidden_fmt,
    }
    sheet_counts = {name: n for _, name, n in sheets}

    # -- Summary ------------------------------------------------------------------------------
    summary = workbook.add_worksheet("Summary")
    summary.set_column(0, 0, 28)
    summary.set_column(1, 8, 16)
    summary.write(0, 0, "Clearance review workbook", title_fmt)
    meta: list[tuple[str, Any]] = [
        ("County", county or "(county not recorded)"),
        ("Decisions as of", as_of),
        ("Decision set", reference),
        ("Rules versions", ", ".join(figs.rules_versions) or "unknown"),
        ("Charges", figs.rows),
        ("Subjects", figs.subjects),
        ("Reviewed earlier, filled in", figs.prefilled),
        ("Reviewed earlier, changed since", figs.to_review_again),
        ("Decision set SHA-256", digest),
        ("Layout", LAYOUT),
    ]
    # constant-memory mode: every sheet is written top to bottom, row by row
    row = 2
    for label, value in meta:
        summary.write(row, 0, label, bold)
        if isinstance(value, date):
            summary.write_datetime(row, 1, value, date_fmt)
        elif isinstance(value, int):
            summary.write_number(row, 1, value, int_fmt)
        else:
            summary.write_string(row, 1, value)
        row += 1

    row += 1
    summary.write(row, 0, "Charges by program and determination", bold)
    row += 1
    det_cols = order or list(DETERMINATION_ORDER)
    summary.write(row, 0, "Law", header_fmt)
    for j, b in enumerate(det_cols, start=1):
        summary.write(row, j, DETERMINATION_LABEL.get(b, OTHER_LABEL), header_fmt)
    summary.write(row, len(det_cols) + 1, "Total", header_fmt)
    row += 1
    programs = sorted({p for p, _ in figs.counts}, key=lambda p: (p is None, str(p)))
    for prog in programs:
        law = _law(titles, prog)
        summary.write_string(row, 0, str(law) if law is not None else "(none)")
        total = 0
        for j, b in enumerate(det_cols, start=1):
            n = figs.counts.get((prog, b), 0)
            total += n
            summary.write_number(row, j, n, int_fmt)
        summary.write_number(row, len(det_cols) + 1, total, int_fmt)
        row += 1
    summary.write(row, 0, "Total", bold)
    for j, b in enumerate(det_cols, start=1):
        summary.write_number(row, j, by_bucket.get(b, 0), int_bold_fmt)
    summary.write_number(row, len(det_cols) + 1, figs.rows, int_bold_fmt)
    row += 2

    summary.write(row, 0, "Sheets", bold)
    row += 1
    for name, n in sheet_counts.items():
        summary.write_string(row, 0, name)
        summary.write_number(row, 1, n, int_fmt)
        row += 1
    row += 1
    for line in (
        "Record your call in the 'Reviewer decision' column (Agree / Disagree / Needs more "
        "information) and explain it in 'Notes'. Reasons cite the statute each rule encodes.",
        "Then import the marks: cleanslate review import review.xlsx --reviewer NAME. An eligible "
        "charge marked Disagree or Needs more information is not filed at the next run (it is "
        "listed in reviewed_out.csv); one marked Agree is filed marked 'Reviewed'.",
        "Earlier marks that still apply are filled in. Keep the columns as they are: the import "
        "reads them by name and position, with the Decision id and the hidden Decision digest.",
    ):
        summary.write_string(row, 0, line)
        row += 1

    # -- data sheets, as the rows come ----------------------------------------------------------
    last_col = len(COLUMNS) - 1
    review_col = next(i for i, c in enumerate(COLUMNS) if c[0] == "Reviewer decision")
    formats = [cell_fmt[kind] for _, _, kind in COLUMNS]

    def open_sheet(name: str, rows: int) -> Any:
        ws = workbook.add_worksheet(name)
        for j, (heading, width, kind) in enumerate(COLUMNS):
            # the column's format styles its empty cells: no cell is written for a blank value
            # (a statewide county has millions of them) and they look as a written blank would
            options = {"hidden": True} if kind == "hidden" else {}
            ws.set_column(j, j, width, cell_fmt[kind], options)
            ws.write_string(0, j, heading, review_header_fmt if kind == "blank" else header_fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(rows, 1), last_col)
        ws.data_validation(
            1,
            review_col,
            rows,
            review_col,
            {
                "validate": "list",
                "source": REVIEW_CHOICES,
                "ignore_blank": True,
                "error_type": "information",  # other wording is allowed, just flagged
            },
        )
        return ws

    plan = iter(sheets)
    bucket, ws, i, left = None, None, 0, 0
    placed: list[pl.DataFrame] = []  # per batch: where each decision went
    written = 0
    for batch in batches:
        fields = [c for c in ROW_FIELDS if c in batch.columns]
        names: list[str] = []
        lines: list[int] = []
        for r in batch.select(fields).iter_rows(named=True):
            if left == 0:
                step = next(plan, None)
                if step is None:
                    raise ValueError(f"review workbook {path.name}: more rows than its figures")
                bucket, name, left = step
                ws, i = open_sheet(name, left), 0
            if _bucket(r.get("determination")) != bucket:
                raise ValueError(f"review workbook {path.name}: rows not in the sheets' order")
            i += 1
            left -= 1
            write_data_row(ws, i, _values(r, titles), formats, date_fmt)
            names.append(ws.name)
            lines.append(i + 1)  # the row number Excel shows (the header is row 1)
        written += len(lines)
        placed.append(
            pl.DataFrame(
                {
                    "decision_id": batch.get_column(
                        "decision_id",
                        default=pl.repeat(None, batch.height, dtype=pl.String, eager=True),
                    ),
                    "charge_key": batch["charge_key"].cast(pl.String),
                    "sheet": names,
                    "row": lines,
                },
                schema=PLACEMENT_SCHEMA,
            )
        )
    if left or next(plan, None) is not None or written != figs.rows:
        raise ValueError(f"review workbook {path.name}: fewer rows than its figures")
    workbook.close()

    return {
        "sheet_names": ["Summary", *sheet_counts],
        "sheets": sheet_counts,
        "by_determination": {b: by_bucket[b] for b in order},
        "rows": written,
        "bytes": path.stat().st_size,
        "placements": pl.concat(placed) if placed else pl.DataFrame(schema=PLACEMENT_SCHEMA),
        "reference": reference,
        "digest": digest,
        "prefilled": figs.prefilled,
        "to_review_again": figs.to_review_again,
    }
