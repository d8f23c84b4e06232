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
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from orchestration.exports.publish import decision_set_digest, decision_set_reference
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
SHARED_STRINGS_MAX_ROWS = 300_000
EXCEL_MAX_CHARS = 32_767

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


def data_sheets(
    order: list[str], buckets: dict[str, list[dict[str, Any]]]
) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(bucket, sheet name, rows) per data sheet: a determination with more rows than an Excel
    sheet holds continues on further sheets ("Not eligible (1234567) #2")."""
    per_sheet = EXCEL_MAX_ROWS - 1  # the header takes a row
    out = []
    for b in order:
        items = buckets[b]
        name = sheet_name(b, len(items))
        parts = max(1, -(-len(items) // per_sheet))
        for k in range(parts):
            chunk = items[k * per_sheet : (k + 1) * per_sheet]
            # Excel forbids '/' in sheet names and allows 31 characters
            out.append((b, name if parts == 1 else f"{name} #{k + 1}"[:31], chunk))
    return out


def _sort_keys(rows: pl.DataFrame) -> list[str]:
    wanted = ("program", "subject_id", "cnt_order", "charge_ref", "charge_key")
    return [c for c in wanted if c in rows.columns]


def write_review_workbook(
    path: Path,
    county: str | None,
    rows: pl.DataFrame,
    as_of: date,
    titles: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the review workbook for `rows` (one county's decisions, any programs) to `path`.

    titles: {program id: the law's title} (exp_programs.title): the Summary's counts and the
    data sheets' "Law" column name each law by its title (its id where it has none). The
    "Program" column keeps the id: `cleanslate review import` and the reconciliation read it.

    Sheets: "Summary", then one sheet per determination present, in the order needs_review,
    not_eligible, not_yet_eligible, eligible (named like "Needs review (12)"; one with more rows
    than an Excel sheet holds continues on further sheets). Every row of `rows` is written
    exactly once. The file is written to `path` directly (not atomically).

    Returns {"sheet_names", "sheets": {data sheet name: rows}, "by_determination", "rows",
    "bytes", "charge_keys", "reference", "digest", "prefilled", "to_review_again"}
    (charge_keys in the order written; reference: the decision-set digest on the Summary sheet,
    digest its full SHA-256; prefilled: rows with an earlier review filled in) so the caller
    can reconcile and record the workbook for `cleanslate review import`.
    """
    titles = titles or {}
    digest = decision_set_digest(rows)
    reference = decision_set_reference(rows)
    keys = _sort_keys(rows)
    ordered = rows.sort(keys, nulls_last=True, maintain_order=True) if keys else rows
    # Python rows of only the columns a sheet shows: a large county is ~200,000 of them
    records = ordered.select([c for c in ROW_FIELDS if c in ordered.columns]).to_dicts()
    buckets: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        buckets.setdefault(_bucket(r.get("determination")), []).append(r)
    order = [b for b in (*DETERMINATION_ORDER, OTHER) if b in buckets]
    sheets = data_sheets(order, buckets)

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            # Shared strings (each distinct text stored once) write ~30% faster, but hold every
            # cell in memory until close; a very large county streams its rows to disk instead.
            "constant_memory": len(records) > SHARED_STRINGS_MAX_ROWS,
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
    prefilled = sum(1 for r in records if _prefilled(r)[0] is not None)
    to_review_again = sum(
        1 for r in records if r.get("review_mark") and not r.get("review_applies")
    )

    sheet_counts = {name: len(items) for _, name, items in sheets}

    # -- Summary ------------------------------------------------------------------------------
    summary = workbook.add_worksheet("Summary")
    summary.set_column(0, 0, 28)
    summary.set_column(1, 8, 16)
    summary.write(0, 0, "Clearance review workbook", title_fmt)
    rules_versions = sorted(
        {str(v) for v in rows["rules_version"].to_list() if v is not None}
        if "rules_version" in rows.columns
        else set()
    )
    meta: list[tuple[str, Any]] = [
        ("County", county or "(county not recorded)"),
        ("Decisions as of", as_of),
        ("Decision set", reference),
        ("Rules versions", ", ".join(rules_versions) or "unknown"),
        ("Charges", len(records)),
        ("Subjects", len({r.get("subject_id") for r in records})),
        ("Reviewed earlier, filled in", prefilled),
        ("Reviewed earlier, changed since", to_review_again),
        ("Decision set SHA-256", digest),
        ("Layout", LAYOUT),
    ]
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
    det_cols = [b for b in (*DETERMINATION_ORDER, OTHER) if b in buckets] or list(
        DETERMINATION_ORDER
    )
    summary.write(row, 0, "Law", header_fmt)
    for j, b in enumerate(det_cols, start=1):
        summary.write(row, j, DETERMINATION_LABEL.get(b, OTHER_LABEL), header_fmt)
    summary.write(row, len(det_cols) + 1, "Total", header_fmt)
    row += 1
    pivot = Counter((r.get("program"), _bucket(r.get("determination"))) for r in records)
    programs = sorted({p for p, _ in pivot}, key=lambda p: (p is None, str(p)))
    for prog in programs:
        law = _law(titles, prog)
        summary.write_string(row, 0, str(law) if law is not None else "(none)")
        total = 0
        for j, b in enumerate(det_cols, start=1):
            n = pivot.get((prog, b), 0)
            total += n
            summary.write_number(row, j, n, int_fmt)
        summary.write_number(row, len(det_cols) + 1, total, int_fmt)
        row += 1
    summary.write(row, 0, "Total", bold)
    for j, b in enumerate(det_cols, start=1):
        summary.write_number(row, j, len(buckets.get(b, [])), int_bold_fmt)
    summary.write_number(row, len(det_cols) + 1, len(records), int_bold_fmt)
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

    # -- data sheets ----------------------------------------------------------------------------
    charge_keys: list[str] = []
    placements: dict[str, list[Any]] = {"decision_id": [], "sheet": [], "row": []}
    last_col = len(COLUMNS) - 1
    review_col = next(i for i, c in enumerate(COLUMNS) if c[0] == "Reviewer decision")
    for _, name, items in sheets:
        ws = workbook.add_worksheet(name)
        for j, (heading, width, kind) in enumerate(COLUMNS):
            # the column's format styles its empty cells: no cell is written for a blank value
            # (a statewide county has millions of them) and they look as a written blank would
            options = {"hidden": True} if kind == "hidden" else {}
            ws.set_column(j, j, width, cell_fmt[kind], options)
            ws.write_string(0, j, heading, review_header_fmt if kind == "blank" else header_fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(items), 1), last_col)
        if items:
            ws.data_validation(
                1,
                review_col,
                len(items),
                review_col,
                {
                    "validate": "list",
                    "source": REVIEW_CHOICES,
                    "ignore_blank": True,
                    "error_type": "information",  # other wording is allowed, just flagged
                },
            )
        formats = [cell_fmt[kind] for _, _, kind in COLUMNS]
        for i, r in enumerate(items, start=1):
            values = _values(r, titles)
            for j, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, date):
                    ws.write_datetime(i, j, value, date_fmt)
                else:
                    text = _text(value)
                    if text is not None:
                        ws.write_string(i, j, text, formats[j])
            charge_keys.append(str(r.get("charge_key")))
        # for audit.export_lines: the row number Excel shows (the header is row 1); columns,
        # not a dict per row
        placements["decision_id"] += [r.get("decision_id") for r in items]
        placements["sheet"] += [ws.name] * len(items)
        placements["row"] += range(2, len(items) + 2)
    workbook.close()

    return {
        "sheet_names": ["Summary", *sheet_counts],
        "sheets": sheet_counts,
        "by_determination": {b: len(buckets[b]) for b in order},
        "rows": len(records),
        "bytes": path.stat().st_size,
        "charge_keys": charge_keys,
        "placements": placements,
        "reference": reference,
        "digest": digest,
        "prefilled": prefilled,
        "to_review_again": to_review_again,
    }
