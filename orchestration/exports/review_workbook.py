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


def _row_xml(ws: Any, row: int, values: list[Any], formats: list[Any], date_fmt: Any) -> Any:
    """(XML, first column, last column) of one data row (`values` in COLUMNS order; None: no
    cell), as write_string / write_datetime cell by cell would write it: dates as Excel serial
    numbers in `date_fmt`, any other value as the text _text() gives it, in formats[column].
    None when the row has no cell."""
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
        return None
    return f'<row r="{number_shown}">{"".join(cells)}</row>', written[0], written[-1]


def write_data_row(ws: Any, row: int, values: list[Any], formats: list[Any], date_fmt: Any) -> None:
    """One data row (`values` in COLUMNS order; None: no cell) into a constant-memory worksheet,
    as write_string / write_datetime cell by cell would write it (_row_xml)."""
    if row > ws.previous_row:  # the row before (the header) goes out first, as xlsxwriter's would
        ws._write_single_row(row)
    if (xml := _row_xml(ws, row, values, formats, date_fmt)) is None:
        return
    text, first, last = xml
    ws._check_dimensions(row, first)  # the sheet's extent, as cell by cell
    ws._check_dimensions(row, last)
    ws.fh.write(text)


# -- a batch of data rows as XML, by polars -------------------------------------------------
# The same XML as _values + _row_xml row by row (~60 us a row in Python), built a column at a
# time. Rows with a value the vectorised cells do not cover (control characters or a literal
# "_xHHHH_", texts past half a cell's limit, dates before 1900-03-01: Excel's serials there
# have the 1900 leap-year quirk) and batches with columns of other types are written by
# _row_xml. tests/unit/test_exports_documents.py compares the bytes of both paths.
# the type of each ROW_FIELDS column as the warehouse gives it (any other: String)
_FIELD_TYPES: dict[str, Any] = {
    **dict.fromkeys(("dob", "conviction_date", "eligible_on", "reviewed_on"), pl.Date),
    "source_line": pl.Int64,  # any integer type is read as such
    "review_applies": pl.Boolean,
}
_UNSAFE = r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]|_x[0-9a-fA-F]{4}_"
_SAFE_CHARS = EXCEL_MAX_CHARS // 2  # _string_cell measures UTF-16 units above this
_EXCEL_EPOCH_DAYS = 25_569  # 1970-01-01 as an Excel serial (1900 date system)
_FIRST_PLAIN_DATE = date(1900, 3, 1)
XML_ROWS = 4_096  # rows built at a time: their cell texts are held until written


def _type_of(name: str) -> Any:
    return _FIELD_TYPES.get(name, pl.String)


def _vectorisable(frame: pl.DataFrame) -> bool:
    """Every column of `frame` of the type the warehouse gives it (all-null columns too)."""
    for name, dtype in frame.schema.items():
        want = _type_of(name)
        ok = dtype.is_integer() if want == pl.Int64 else dtype == want
        if dtype != pl.Null and not ok:
            return False
    return True


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every ROW_FIELDS column, those it lacks (or all null) as typed nulls."""
    return frame.select(
        pl.col(c).cast(_type_of(c)) if c in frame.columns else pl.lit(None, _type_of(c)).alias(c)
        for c in ROW_FIELDS
    )


def _given(e: pl.Expr) -> pl.Expr:
    """A text as Python's `or` reads it: empty is no value."""
    return pl.when(e != "").then(e)


# an earlier review (a mark), and one that still applies to the decision (_prefilled's tests)
_REVIEWED = _given(pl.col("review_mark")).is_not_null()
_APPLIES = pl.col("review_applies").fill_null(False)


def _value_exprs(titles: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(kind, expression) per column, in COLUMNS order: what _values gives, as polars.
    "text": a String (NULL or empty: no cell); "date": (a Date, the text written when it is
    NULL, or None)."""
    c = pl.col
    names = {p: t for p, t in titles.items() if p is not None and t}
    marked, applies = _REVIEWED, _APPLIES
    label = c("review_mark").replace(MARKS)
    level, grade = _given(c("offense_level")), _given(c("grade"))
    line = c("source_line").cast(pl.String)
    return [
        ("text", c("program").replace(names)),
        ("text", c("program")),
        ("text", c("subject_id")),
        ("text", c("person_name")),
        ("date", (c("dob"), c("dob_raw"))),
        ("text", c("charge_ref")),
        ("text", c("case_number")),
        ("text", c("county")),
        ("date", (c("conviction_date"), c("conviction_date_raw"))),
        ("text", c("offense_raw")),
        ("text", pl.coalesce(_given(c("statute")), c("section"))),
        (
            "text",
            pl.when(level.is_not_null() & grade.is_not_null() & (grade != level))
            .then(pl.format("{} ({})", level, grade))
            .otherwise(pl.coalesce(level, grade)),
        ),
        ("text", c("determination")),
        ("text", c("relief")),
        ("date", (c("eligible_on"), None)),
        ("text", c("decisive_rule")),
        ("text", c("reasons")),
        ("text", c("missing_facts")),
        ("text", c("facts")),
        (
            "text",
            pl.when(line.is_not_null())
            .then(
                pl.concat_str(pl.coalesce(_given(c("source_file")), pl.lit("?")), pl.lit(":"), line)
            )
            .otherwise(c("source_file")),
        ),
        ("text", pl.when(marked & applies).then(label)),
        ("text", pl.when(marked & applies).then(c("review_note"))),
        (
            "text",
            pl.when(marked).then(
                pl.concat_str(
                    label,
                    pl.lit(" by "),
                    pl.coalesce(_given(c("reviewer")), pl.lit("reviewer not recorded")),
                    pl.lit(" on "),
                    pl.coalesce(_given(c("reviewed_on").cast(pl.String)), pl.lit("?")),
                    pl.when(applies)
                    .then(pl.lit(" (filled in: the decision is unchanged since)"))
                    .otherwise(pl.lit(": the decision has changed since; review it again")),
                )
            ),
        ),
        ("text", c("charge_key")),
        ("text", c("decision_id")),
        ("text", c("decision_digest")),
    ]


def write_data_rows(
    ws: Any,
    first_row: int,
    rows: pl.DataFrame,
    titles: Mapping[str, Any],
    formats: list[Any],
    date_fmt: Any,
) -> None:
    """Decision rows (ROW_FIELDS columns) as data rows first_row, first_row + 1, ... of a
    constant-memory worksheet: the bytes write_data_row(ws, row, _values(r, titles), ...) gives
    row by row, built by polars a column at a time."""
    if rows.height > XML_ROWS:  # the XML of a few thousand rows at a time (memory)
        for at in range(0, rows.height, XML_ROWS):
            write_data_rows(ws, first_row + at, rows.slice(at, XML_ROWS), titles, formats, date_fmt)
        return
    if rows.height == 0:
        return
    if not _vectorisable(rows.select(c for c in ROW_FIELDS if c in rows.columns)):
        for k, r in enumerate(rows.iter_rows(named=True)):
            write_data_row(ws, first_row + k, _values(r, titles), formats, date_fmt)
        return
    frame = _typed(rows)
    number = pl.int_range(first_row + 1, first_row + 1 + frame.height).cast(pl.String)
    date_style = date_fmt._get_xf_index()
    cells, odd = [], []
    for col, (kind, value) in enumerate(_value_exprs(titles)):
        ref = pl.concat_str(pl.lit(f'<c r="{_LETTERS[col]}'), number)
        day, value = value if kind == "date" else (None, value)
        cell = None
        if value is not None:  # a text (for a date column: the text when there is no date)
            text = _given(value if day is None else pl.when(day.is_null()).then(value))
            odd.append(text.str.contains(_UNSAFE) | (text.str.len_chars() > _SAFE_CHARS))
            escaped = (
                text.str.replace_all("&", "&amp;", literal=True)
                .str.replace_all("<", "&lt;", literal=True)
                .str.replace_all(">", "&gt;", literal=True)
            )
            space = pl.when(text.str.contains(r"^\s|\s$")).then(pl.lit(' xml:space="preserve"'))
            cell = pl.concat_str(
                ref,
                pl.lit(f'" s="{formats[col]._get_xf_index()}" t="inlineStr"><is><t'),
                space.fill_null(""),
                pl.lit(">"),
                escaped,
                pl.lit("</t></is></c>"),
            )
        if day is not None:
            odd.append(day < _FIRST_PLAIN_DATE)
            serial = (day.cast(pl.Int32) + _EXCEL_EPOCH_DAYS).cast(pl.String)
            dated = pl.concat_str(
                ref, pl.lit(f'" s="{date_style}"><v>'), serial, pl.lit("</v></c>")
            )
            cell = dated if cell is None else pl.coalesce(dated, cell)
        cells.append(cell.alias(f"c{col}"))
    built = frame.select(*cells, pl.any_horizontal(odd).fill_null(False).alias("odd"))
    cell_cols = built.columns[:-1]
    xml = (
        built.select(
            pl.when(pl.any_horizontal(pl.col(cell_cols).is_not_null())).then(
                pl.concat_str(
                    pl.lit('<row r="'),
                    number,
                    pl.lit('">'),
                    *(pl.col(c) for c in cell_cols),
                    pl.lit("</row>"),
                    ignore_nulls=True,
                )
            )
        )
        .to_series()
        .to_list()
    )
    present = [j for j, c in enumerate(cell_cols) if built[c].null_count() < built.height]
    for k in built["odd"].arg_true().to_list():  # a few rows, by the Python path
        made = _row_xml(
            ws, first_row + k, _values(rows.row(k, named=True), titles), formats, date_fmt
        )
        xml[k] = made[0] if made else None
        present.extend(made[1:] if made else ())
    written = [first_row + k for k, x in enumerate(xml) if x is not None]
    if first_row > ws.previous_row:  # the row before (the header) goes out first
        ws._write_single_row(first_row)
    if written:
        ws._check_dimensions(written[0], min(present))  # the sheet's extent, as cell by cell
        ws._check_dimensions(written[-1], max(present))
        ws.fh.write("".join(x for x in xml if x is not None))
    ws._write_single_row(first_row + frame.height - 1)  # the last row written, as row by row


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


def _buckets(batch: pl.DataFrame) -> pl.Series:
    """_bucket of each row's determination."""
    if "determination" not in batch.columns:
        return pl.repeat(OTHER, batch.height, dtype=pl.String, eager=True)
    det = batch["determination"].cast(pl.String)
    return pl.select(
        pl.when(det.is_in(list(DETERMINATION_LABEL))).then(det).otherwise(pl.lit(OTHER))
    ).to_series()


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
        frame = batch.select(present)
        if _vectorisable(frame.select(c for c in present if c in ROW_FIELDS)):
            typed = _typed(frame)  # a column the batch lacks reads as NULL, as r.get() does
            keys = pl.DataFrame({"program": typed["program"], "bucket": _buckets(frame)})
            for program, bucket, n in keys.group_by("program", "bucket").len().iter_rows():
                counts[(program, bucket)] += n
            subjects.update(typed["subject_id"].unique().to_list())
            if "rules_version" in frame.columns:
                versions.update(str(v) for v in frame["rules_version"].drop_nulls().unique())
            marked = typed.select(on=_REVIEWED, applies=_APPLIES)
            prefilled += marked.filter("on", "applies").height
            again += marked.filter("on", ~pl.col("applies")).height
            continue
        for r in frame.iter_rows(named=True):
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


def _owned(column: pl.Series) -> pl.Series:
    """The column's strings in buffers of their own. A column selected from a batch shares the
    batch's buffers (polars' string views of DuckDB's Arrow memory): a county's places kept every
    batch alive (a county of 620,486 decisions: ~0.4 GiB more by the last batch)."""
    return pl.Series(column.name, column.cast(pl.String).to_list(), pl.String)


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
    # xlsxwriter numbers a format's style when it is first used: numbered here, in column order,
    # the styles are the same whether polars or the Python path writes the first row
    for fmt in (*formats, date_fmt):
        fmt._get_xf_index()

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
        rows = batch.select(c for c in ROW_FIELDS if c in batch.columns)
        buckets = _buckets(batch)
        where: list[pl.DataFrame] = []  # sheet and row of each row of the batch
        at = 0
        while at < batch.height:  # a part of the batch per sheet it continues or opens
            if left == 0:
                step = next(plan, None)
                if step is None:
                    raise ValueError(f"review workbook {path.name}: more rows than its figures")
                bucket, name, left = step
                ws, i = open_sheet(name, left), 0
            n = min(left, batch.height - at)
            if (buckets.slice(at, n) != bucket).any():
                raise ValueError(f"review workbook {path.name}: rows not in the sheets' order")
            write_data_rows(ws, i + 1, rows.slice(at, n), titles, formats, date_fmt)
            where.append(
                pl.DataFrame(
                    {
                        "sheet": pl.repeat(ws.name, n, dtype=pl.String, eager=True),
                        # the row numbers Excel shows (the header is row 1)
                        "row": pl.int_range(i + 2, i + 2 + n, dtype=pl.Int32, eager=True),
                    }
                )
            )
            i += n
            left -= n
            at += n
        written += batch.height
        if batch.height:
            ids = pl.DataFrame(
                [
                    _owned(batch["decision_id"])
                    if "decision_id" in batch.columns
                    else pl.repeat(None, batch.height, dtype=pl.String, eager=True),
                    _owned(batch["charge_key"]),
                ]
            )
            placed.append(pl.concat([ids, pl.concat(where)], how="horizontal"))
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
