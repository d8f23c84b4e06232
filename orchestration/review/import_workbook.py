"""`cleanslate review import`: the prosecutor's marks, from a review workbook into the warehouse.

    read_workbook(path)        the workbook's marks, notes and what each row was written for;
                               refuses another layout, unknown marks and duplicate rows (pure)
    plan(con, workbook, ...)   each marked row against the warehouse: to record, already
                               recorded, or reported (the decision changed since the workbook;
                               the row was edited); refuses a workbook this warehouse did not
                               publish and decisions it never made
    record(con, plan)          one transaction: audit.review_imports + audit.review_outcomes

Nothing is half-imported: every refusal comes before the transaction, and the transaction
commits both tables or neither. A file already imported (same SHA-256) is not imported again.
Only counts, sheet names and row numbers are printed: never a field of a record.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from orchestration.exports.review_workbook import LAYOUT, READABLE_LAYOUTS
from orchestration.lib.hashing import sha256_of
from orchestration.lib.keys import decision_id
from orchestration.review import store

SUMMARY = "Summary"
OUR_AUTHOR = "clean-slate-warehouse"
MAX_LISTED = 20  # problems listed one by one; the rest are counted
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


class ReviewImportError(Exception):
    """The workbook cannot be imported; nothing was recorded."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        listed = self.problems[:MAX_LISTED]
        more = len(self.problems) - len(listed)
        text = message + "".join(f"\n  {p}" for p in listed)
        if more:
            text += f"\n  ... and {more} more"
        super().__init__(text)


@dataclass(frozen=True)
class Row:
    """One data row of the workbook, as the reviewer left it."""

    sheet: str
    row: int  # the row number Excel shows
    seq: int  # order in the workbook
    decision_id: str | None
    digest: str | None
    program: str | None
    charge_key: str | None
    determination: str | None
    relief: str | None
    mark: str | None  # agree / disagree / needs_more_information
    note: str | None

    @property
    def where(self) -> str:
        return f"sheet '{self.sheet}', row {self.row}"


@dataclass
class Workbook:
    path: Path
    sha256: str
    county: str | None
    as_of: date | None
    reference: str | None
    digest: str | None
    last_modified_by: str | None
    rows: list[Row]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """What an import records and what it reports."""

    workbook: Workbook
    reviewer: str
    workbook_run_id: str | None = None
    record: list[Row] = field(default_factory=list)
    unchanged: list[Row] = field(default_factory=list)
    stale: list[tuple[Row, str]] = field(default_factory=list)  # the decision changed since
    edited: list[tuple[Row, str]] = field(default_factory=list)  # the row was edited
    unmarked: int = 0
    notes_without_mark: list[Row] = field(default_factory=list)  # not recorded: no mark
    already: dict[str, Any] | None = None  # the earlier import of the same file


# --------------------------------------------------------------------------------------------
# Reading the workbook (pure)


def parse_mark(value: Any) -> str | None:
    """The mark code of a "Reviewer decision" cell; None when blank; ValueError when unknown."""
    if value is None:
        return None
    text = " ".join(str(value).split()).casefold()
    if not text:
        return None
    for code, label in store.MARKS.items():
        if text in (label.casefold(), code, code.replace("_", " ")):
            return code
    raise ValueError(str(value))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _summary(ws) -> tuple[dict[str, Any], dict[str, int]]:
    """The Summary's labelled values and its list of data sheets (name -> rows written)."""
    labels: dict[str, Any] = {}
    sheets: dict[str, int] = {}
    in_sheets = False
    for values in ws.iter_rows(values_only=True):
        first = values[0] if values else None
        second = values[1] if len(values) > 1 else None
        if first == "Sheets":
            in_sheets = True
            continue
        if in_sheets:
            if first is None:
                in_sheets = False
                continue
            if isinstance(second, int | float):
                sheets[str(first)] = int(second)
            continue
        if isinstance(first, str) and first not in labels:
            labels[first] = second
    return labels, sheets


def read_workbook(path: Path) -> Workbook:
    """Every data row of a review workbook this project wrote, with its mark and note.

    Raises ReviewImportError for a file that is not such a workbook, one whose layout changed
    (a sheet of its Summary missing, a column moved or renamed), unknown marks and rows that
    repeat a decision: all of them at once, by sheet and row.
    """
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as e:
        raise ReviewImportError(f"{path.name}: not an .xlsx workbook ({type(e).__name__})") from e
    try:
        if SUMMARY not in wb.sheetnames:
            raise ReviewImportError(
                f"{path.name}: not a review workbook of this project (no '{SUMMARY}' sheet)"
            )
        labels, listed = _summary(wb[SUMMARY])
        layout = labels.get("Layout")
        headings = READABLE_LAYOUTS.get(layout) if isinstance(layout, str) else None
        if headings is None:
            found = f"layout {layout!r}" if layout else "no layout on its Summary"
            raise ReviewImportError(
                f"{path.name}: a review workbook of another layout ({found}; this version"
                f" reads {' and '.join(map(repr, READABLE_LAYOUTS))}). Re-run `cleanslate run`"
                f" and review the new workbook ({LAYOUT!r}); its earlier marks cannot be read"
                " back."
            )
        column = {heading: i for i, heading in enumerate(headings)}
        problems: list[str] = []
        warnings: list[str] = []
        if not listed:
            problems.append(f"sheet '{SUMMARY}': the list of sheets is missing")
        for name in wb.sheetnames:
            if name != SUMMARY and name not in listed:
                warnings.append(f"sheet '{name}' is not one the run wrote: not read")
        rows: list[Row] = []
        seq = 0
        width = len(headings)
        for name, written in listed.items():
            if name not in wb.sheetnames:
                problems.append(f"sheet '{name}' is missing (renamed or deleted?)")
                continue
            ws = wb[name]
            found_rows = 0
            for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(values[:width]) + [None] * (width - len(values[:width]))
                if n == 1:
                    header = [_text(c) for c in cells]
                    wrong = [
                        f"sheet '{name}': column {_letter(j)} is {got!r}, expected {want!r}"
                        for j, (got, want) in enumerate(zip(header, headings, strict=True))
                        if got != want
                    ]
                    if wrong:
                        problems.append(
                            wrong[0] + " (columns moved, renamed or deleted: the import reads"
                            " them by name and position)"
                        )
                        break
                    continue
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                found_rows += 1
                seq += 1
                where = f"sheet '{name}', row {n}"
                try:
                    mark = parse_mark(cells[column["Reviewer decision"]])
                except ValueError as e:
                    labels_text = " / ".join(store.MARKS.values())
                    problems.append(f"{where}: unknown mark {str(e)[:40]!r} (one of {labels_text})")
                    mark = None
                rows.append(
                    Row(
                        sheet=name,
                        row=n,
                        seq=seq,
                        decision_id=_text(cells[column["Decision id"]]),
                        digest=_text(cells[column["Decision digest"]]),
                        program=_text(cells[column["Program"]]),
                        charge_key=_text(cells[column["Charge key"]]),
                        determination=_text(cells[column["Determination"]]),
                        relief=_text(cells[column["Relief"]]),
                        mark=mark,
                        note=_text(cells[column["Notes"]]),
                    )
                )
            else:
                if found_rows != written:
                    warnings.append(
                        f"sheet '{name}': {found_rows} decision rows, the run wrote {written}"
                    )
        problems += _duplicates(rows)
        for r in rows:
            if r.mark and not r.decision_id:
                problems.append(f"{r.where}: a mark, but no Decision id")
        if problems:
            raise ReviewImportError(
                f"{path.name} cannot be imported; nothing was recorded:", problems
            )
        return Workbook(
            path=path,
            sha256=sha256_of(path),
            county=_text(labels.get("County")),
            as_of=_as_date(labels.get("Decisions as of")),
            reference=_text(labels.get("Decision set")),
            digest=_text(labels.get("Decision set SHA-256")),
            last_modified_by=_text(wb.properties.lastModifiedBy),
            rows=rows,
            warnings=warnings,
        )
    finally:
        wb.close()


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _duplicates(rows: list[Row]) -> list[str]:
    seen: dict[str, Row] = {}
    out = []
    for r in rows:
        if not r.decision_id:
            continue
        if r.decision_id in seen:
            out.append(
                f"{r.where}: the same decision as {seen[r.decision_id].where}"
                " (a duplicated row: keep one)"
            )
        else:
            seen[r.decision_id] = r
    return out


# --------------------------------------------------------------------------------------------
# Against the warehouse


def reviewer_for(workbook: Workbook, given: str | None) -> str:
    """--reviewer, else the workbook's last author (when not this project), else the user."""
    if given and given.strip():
        return given.strip()
    author = workbook.last_modified_by
    if author and author not in (OUR_AUTHOR, "openpyxl"):
        return author
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    (n,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(n)


def _earlier_import(con, sha256: str) -> dict[str, Any] | None:
    if not _exists(con, "audit", "review_imports"):
        return None
    found = con.execute(
        f"select imported_at, reviewer, recorded from {store.IMPORTS}"
        " where file_sha256 = ? order by import_seq limit 1",
        [sha256],
    ).fetchone()
    return dict(zip(("imported_at", "reviewer", "recorded"), found, strict=True)) if found else None


def _published_run(con, workbook: Workbook) -> str:
    """The run that published this workbook (by its decision set), else ReviewImportError."""
    digest = workbook.digest or ""
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or (
        workbook.reference and not digest.startswith(workbook.reference)
    ):
        raise ReviewImportError(
            f"{workbook.path.name}: its Summary's decision set was edited (the 'Decision set'"
            " and 'Decision set SHA-256' do not agree); nothing was recorded"
        )
    found = None
    if _exists(con, "audit", "review_workbooks"):
        found = con.execute(
            f"select run_id from {store.WORKBOOKS}"
            " where decision_set_sha256 = ? and published_at is not null"
            " order by published_at desc limit 1",
            [digest],
        ).fetchone()
    if found is None:
        raise ReviewImportError(
            f"{workbook.path.name}: not a workbook this warehouse published (decision set"
            f" {digest[:12]}, county {workbook.county}, as of {workbook.as_of}): a workbook of"
            " another warehouse or of a run that never published. Import it with the"
            " --warehouse of the run that wrote it; nothing was recorded."
        )
    return found[0]


def plan(con: duckdb.DuckDBPyConnection, workbook: Workbook, reviewer: str) -> Plan:
    """Each marked row against the decisions as they are now (read-only)."""
    result = Plan(workbook=workbook, reviewer=reviewer)
    result.already = _earlier_import(con, workbook.sha256)
    if result.already:
        return result
    result.workbook_run_id = _published_run(con, workbook)

    marked = [r for r in workbook.rows if r.mark]
    result.unmarked = len(workbook.rows) - len(marked)
    result.notes_without_mark = [r for r in workbook.rows if not r.mark and r.note]
    if not marked:
        return result
    frame = pl.DataFrame(
        [(r.seq, r.decision_id, r.digest) for r in marked],
        schema={"seq": pl.Int64, "decision_id": pl.String, "digest": pl.String},
        orient="row",
    )
    con.register("_review_rows", frame)
    try:
        history = (
            "exists (select 1 from audit.decisions h where h.decision_id = w.decision_id)"
            if _exists(con, "audit", "decisions")
            else "false"
        )
        digest_seen = (
            "exists (select 1 from audit.decisions h where h.decision_id = w.decision_id"
            " and h.decision_digest = w.digest)"
            if _exists(con, "audit", "decisions")
            else "false"
        )
        found = con.execute(
            f"""
            select w.seq, d.decision_digest as current_digest, d.determination, d.relief,
                   {history} as known_before, {digest_seen} as digest_seen,
                   r.review_mark, r.review_note, r.reviewed_digest
            from _review_rows w
            left join main.fct_decisions d on d.decision_id = w.decision_id
            left join ({store.latest_sql(con)}) r on r.decision_id = w.decision_id
            """
        ).pl()
    finally:
        con.unregister("_review_rows")
    now = {r["seq"]: r for r in found.iter_rows(named=True)}

    unknown: list[str] = []
    for r in marked:
        d = now[r.seq]
        ref = f"R{(r.decision_id or '')[:10]}"
        current = d["current_digest"]
        if r.decision_id is None or not _HEX32.match(r.decision_id):
            result.edited.append((r, "the Decision id is not one this project writes"))
        elif current is None and not d["known_before"]:
            unknown.append(f"{r.where}: {ref} is no decision of this warehouse")
        elif decision_id(r.program, r.charge_key) != r.decision_id:
            result.edited.append((r, f"{ref}: Program or Charge key edited (not {ref}'s)"))
        elif current is None:
            result.stale.append((r, f"{ref}: no longer decided (not in this run's decisions)"))
        elif r.digest != current:
            if d["digest_seen"]:
                why = f"{ref}: the decision changed since the workbook"
                if r.determination != d["determination"]:
                    why += f" ({r.determination} -> {d['determination']})"
                result.stale.append((r, why + "; review it in the next workbook"))
            else:
                result.edited.append((r, f"{ref}: its Decision digest was edited"))
        elif (r.determination, r.relief) != (d["determination"], d["relief"]):
            result.edited.append((r, f"{ref}: Determination or Relief edited"))
        elif (d["review_mark"], d["review_note"], d["reviewed_digest"]) == (
            r.mark,
            r.note,
            r.digest,
        ):
            result.unchanged.append(r)  # the mark the workbook filled in, or imported twice
        else:
            result.record.append(r)
    if unknown:
        raise ReviewImportError(
            f"{workbook.path.name}: rows name decisions this warehouse never made (a workbook"
            " of another warehouse, or rows pasted from one); nothing was recorded:",
            unknown,
        )
    return result


def record(con: duckdb.DuckDBPyConnection, p: Plan) -> str:
    """Record the plan in one transaction; returns the import id."""
    now = datetime.now(UTC).replace(tzinfo=None)
    import_id = str(uuid.uuid4())
    wb = p.workbook
    con.execute("begin transaction")
    try:
        store.ensure_tables(con)
        (seq,) = con.execute(
            f"select coalesce(max(import_seq), 0) + 1 from {store.IMPORTS}"
        ).fetchone()
        imports = pl.DataFrame(
            [
                {
                    "import_id": import_id,
                    "import_seq": seq,
                    "file_name": wb.path.name,
                    "file_sha256": wb.sha256,
                    "reviewer": p.reviewer,
                    "imported_at": now,
                    "county": wb.county,
                    "as_of": wb.as_of,
                    "decision_set_sha256": wb.digest,
                    "workbook_run_id": p.workbook_run_id,
                    "rows_read": len(wb.rows),
                    "recorded": len(p.record),
                    "unchanged": len(p.unchanged),
                    "stale": len(p.stale),
                    "edited": len(p.edited),
                    "unmarked": p.unmarked,
                }
            ],
            schema=store.IMPORT_SCHEMA,
        )
        outcomes = pl.DataFrame(
            [
                {
                    "import_id": import_id,
                    "import_seq": seq,
                    "row_seq": r.seq,
                    "decision_id": r.decision_id,
                    "program": r.program,
                    "charge_key": r.charge_key,
                    "decision_digest": r.digest,
                    "mark": r.mark,
                    "note": r.note,
                    "reviewer": p.reviewer,
                    "file_name": wb.path.name,
                    "file_sha256": wb.sha256,
                    "sheet": r.sheet,
                    "sheet_row": r.row,
                    "imported_at": now,
                }
                for r in p.record
            ],
            schema=store.OUTCOME_SCHEMA,
        )
        con.register("_review_import", imports)
        con.register("_review_outcomes", outcomes)
        con.execute(f"insert into {store.IMPORTS} by name select * from _review_import")
        con.execute(f"insert into {store.OUTCOMES} by name select * from _review_outcomes")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return import_id


def import_review(warehouse: Path, path: Path, reviewer: str | None = None) -> Plan:
    """Read, check and record one workbook; ReviewImportError when it cannot be imported."""
    workbook = read_workbook(path)
    name = reviewer_for(workbook, reviewer)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set python_enable_replacements = false")
        try:
            result = plan(con, workbook, name)
        except duckdb.CatalogException as e:
            raise ReviewImportError(
                f"{warehouse} has no decisions to check the workbook against (run"
                " `cleanslate run` first); nothing was recorded"
            ) from e
        if not result.already:
            record(con, result)
    finally:
        con.close()
    return result
