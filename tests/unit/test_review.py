"""The prosecutor's review, the parts without a pipeline run: reading a workbook's marks back,
checking them against a small warehouse, and what the marks do to the files.
(tests/integration/test_review_loop.py runs the whole cycle on real runs.)"""

import hashlib
import re
from datetime import date

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from orchestration.exports.court_pdf import write_court_document
from orchestration.exports.review_workbook import HEADINGS, write_review_workbook
from orchestration.exports.reviewed_out import read_reviewed_out, write_reviewed_out
from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.resources import models_over_unlanded_sources
from orchestration.review import store
from orchestration.review.import_workbook import (
    ReviewImportError,
    import_review,
    parse_mark,
    read_workbook,
)
from tests.unit.test_exports_documents import AS_OF, PROP64, make_decisions

COL = {h: i + 1 for i, h in enumerate(HEADINGS)}


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


def _decisions(n: int = 60, seed: int = 3) -> pl.DataFrame:
    """Fabricated decisions with the ids and digests fct_decisions gives them."""
    rows = make_decisions(n, seed=seed, eligible_share=0.5)
    return rows.with_columns(
        decision_id=pl.concat_str("program", pl.lit("|"), "charge_key").map_elements(
            _md5, return_dtype=pl.String
        ),
        decision_digest=pl.concat_str("charge_key", "determination").map_elements(
            _md5, return_dtype=pl.String
        ),
    )


def _duplicate_first_row(wb) -> None:
    ws = wb.worksheets[1]
    last = ws.max_row + 1
    for j in COL.values():
        ws.cell(last, j).value = ws.cell(2, j).value


def _fill(path, marks: dict[int, tuple[str | None, str | None]], sheet: str | None = None):
    """Write marks {excel row: (mark, note)} into the first data sheet (or `sheet`)."""
    wb = load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[1]
    for row, (mark, note) in marks.items():
        ws.cell(row, COL["Reviewer decision"]).value = mark
        ws.cell(row, COL["Notes"]).value = note
    wb.save(path)
    return ws.title


# --------------------------------------------------------------------------------------------
# Marks and the table


def test_marks_are_read_in_any_case_and_spacing_and_unknown_ones_refused():
    assert parse_mark(" agree ") == "agree"
    assert parse_mark("DISAGREE") == "disagree"
    assert parse_mark("Needs  more information") == "needs_more_information"
    assert parse_mark("needs_more_information") == "needs_more_information"
    assert parse_mark(None) is None and parse_mark("   ") is None
    with pytest.raises(ValueError):
        parse_mark("Agreed")


def test_the_outcomes_table_has_the_same_columns_in_python_and_in_the_dbt_hook():
    macro = (DBT_PROJECT_DIR / "macros" / "audit_reviews.sql").read_text()
    body = macro[macro.index("create table if not exists") : macro.index("{%- endmacro %}")]
    assert re.findall(r"^\s+(\w+) \{\{ dbt\.type_", body, re.M) == list(store.OUTCOME_SCHEMA)
    hook = (DBT_PROJECT_DIR / "dbt_project.yml").read_text()
    assert "{{ create_review_outcomes_table() }}" in hook


def test_models_over_tables_written_outside_dbt_are_not_fetched_even_through_other_models():
    manifest = {
        "sources": {
            "source.audit.review_outcomes": {"schema": "audit"},
            "source.raw.doj_extract": {"schema": "raw"},
        },
        "nodes": {
            "model.a": {
                "resource_type": "model",
                "depends_on": {"nodes": ["source.raw.doj_extract"]},
            },
            "model.latest": {
                "resource_type": "model",
                "depends_on": {"nodes": ["source.audit.review_outcomes"]},
            },
            "model.report": {
                "resource_type": "model",
                "depends_on": {"nodes": ["model.latest", "model.a"]},
            },
            "test.x": {"resource_type": "test", "depends_on": {"nodes": ["model.latest"]}},
        },
    }
    assert models_over_unlanded_sources(manifest) == {"model.latest", "model.report"}


# --------------------------------------------------------------------------------------------
# Reading a workbook back


def test_a_filled_workbook_reads_back_every_row_with_its_marks_and_ids(tmp_path):
    rows = _decisions()
    path = tmp_path / "review.xlsx"
    write_review_workbook(path, "SAN JOAQUIN", rows, AS_OF)
    sheet = _fill(path, {2: ("Agree", "fine"), 3: ("disagree", None), 4: (None, "a note")})
    wb = read_workbook(path)
    assert (wb.county, wb.as_of, len(wb.rows)) == ("SAN JOAQUIN", AS_OF, rows.height)
    assert wb.digest and wb.digest.startswith(wb.reference)
    by_id = {r["decision_id"]: r for r in rows.iter_rows(named=True)}
    first = [r for r in wb.rows if r.sheet == sheet][:3]
    assert [(r.row, r.mark, r.note) for r in first] == [
        (2, "agree", "fine"),
        (3, "disagree", None),
        (4, None, "a note"),
    ]
    for r in wb.rows:
        d = by_id[r.decision_id]
        assert (r.digest, r.charge_key, r.determination) == (
            d["decision_digest"],
            d["charge_key"],
            d["determination"],
        )


def _rename_column(wb) -> None:
    wb.worksheets[2].cell(1, COL["Notes"]).value = "Comments"


def _delete_column(wb) -> None:
    wb.worksheets[2].delete_cols(COL["Facts"])


def _rename_sheet(wb) -> None:
    wb.worksheets[2].title = "Mine"


def _unknown_mark(wb) -> None:
    wb.worksheets[1].cell(2, COL["Reviewer decision"]).value = "Agreed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_rename_column, "column V is 'Comments', expected 'Notes'"),
        (_delete_column, "expected 'Facts'"),
        (_rename_sheet, "is missing (renamed or deleted?)"),
        (_unknown_mark, "row 2: unknown mark 'Agreed'"),
        (_duplicate_first_row, "the same decision as sheet"),
    ],
    ids=["renamed_column", "deleted_column", "renamed_sheet", "unknown_mark", "duplicate_row"],
)
def test_a_changed_layout_an_unknown_mark_or_a_duplicate_row_is_refused_by_name(
    tmp_path, change, message
):
    path = tmp_path / "review.xlsx"
    write_review_workbook(path, None, _decisions(), AS_OF)
    wb = load_workbook(path)
    change(wb)
    wb.save(path)
    with pytest.raises(ReviewImportError, match="nothing was recorded") as e:
        read_workbook(path)
    assert message in str(e.value)


def _set_layout(wb, layout: str) -> None:
    for row in wb["Summary"].iter_rows():
        if row[0].value == "Layout":
            row[1].value = layout


def test_the_law_column_names_each_law_by_its_title(tmp_path):
    rows = _decisions()
    programs = set(rows["program"])
    titled, untitled = sorted(programs)[0], set(sorted(programs)[1:])
    path = tmp_path / "review.xlsx"
    write_review_workbook(path, None, rows, AS_OF, {titled: "A law's title"})
    laws = set()
    for ws in load_workbook(path).worksheets[1:]:
        assert (ws.cell(1, 1).value, ws.cell(1, 2).value) == ("Law", "Program")
        laws |= {(ws.cell(n, 1).value, ws.cell(n, 2).value) for n in range(2, ws.max_row + 1)}
    # a law without a title shows its id
    assert laws == {("A law's title", titled)} | {(p, p) for p in untitled}


def test_a_workbook_of_the_layout_before_the_law_column_still_reads_back(tmp_path):
    """Workbooks out for review when a county upgrades: layout 2 had no Law column."""
    rows = _decisions()
    path = tmp_path / "review.xlsx"
    write_review_workbook(path, "SAN JOAQUIN", rows, AS_OF)
    wb = load_workbook(path)
    _set_layout(wb, "review workbook 2")
    for ws in wb.worksheets[1:]:
        ws.delete_cols(COL["Law"])
    first = wb.worksheets[1]
    first.cell(2, COL["Reviewer decision"] - 1).value = "Agree"
    first.cell(2, COL["Notes"] - 1).value = "checked"
    wb.save(path)
    read = read_workbook(path)
    assert len(read.rows) == rows.height
    assert {r.decision_id for r in read.rows} == set(rows["decision_id"])
    marked = [(r.mark, r.note, r.program, r.charge_key) for r in read.rows if r.mark]
    assert marked == [
        (
            "agree",
            "checked",
            first.cell(2, COL["Program"] - 1).value,
            first.cell(2, COL["Charge key"] - 1).value,
        )
    ]


def test_a_workbook_of_the_earlier_layout_or_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "review.xlsx"
    write_review_workbook(path, None, _decisions(), AS_OF)
    wb = load_workbook(path)
    _set_layout(wb, "review workbook 1")
    wb.save(path)
    with pytest.raises(ReviewImportError, match="another layout"):
        read_workbook(path)
    (tmp_path / "notes.xlsx").write_text("not a workbook")
    with pytest.raises(ReviewImportError, match=r"not an \.xlsx workbook"):
        read_workbook(tmp_path / "notes.xlsx")


# --------------------------------------------------------------------------------------------
# Against a warehouse


@pytest.fixture
def warehouse(tmp_path):
    """A warehouse holding the decisions and one published workbook of them (a stand-in for a
    run's fct_decisions, audit.decisions and audit.review_workbooks)."""
    rows = _decisions()
    path = tmp_path / "review.xlsx"
    info = write_review_workbook(path, "SAN JOAQUIN", rows, AS_OF)
    wh = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(wh))
    con.register("_d", rows.select("decision_id", "decision_digest", "determination", "relief"))
    con.execute("create table main.fct_decisions as select * from _d")
    con.execute("create schema audit")
    con.execute("create table audit.decisions as select *, 'run-1' as run_id from _d")
    store.ensure_tables(con)
    con.execute(
        f"insert into {store.WORKBOOKS} (run_id, file, decision_set_sha256, published_at)"
        " values ('run-1', 'SAN JOAQUIN/review.xlsx', ?, now())",
        [info["digest"]],
    )
    con.close()
    return {"wh": wh, "path": path, "rows": rows}


def _counts(wh) -> tuple[int, int]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return tuple(
            con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in (store.IMPORTS, store.OUTCOMES)
        )
    finally:
        con.close()


def test_import_records_the_marks_once_and_reports_changed_and_edited_rows(warehouse, tmp_path):
    path, wh = warehouse["path"], warehouse["wh"]
    sheet = _fill(path, {2: ("Agree", "ok"), 3: ("Disagree", "no: see file"), 4: ("Agree", None)})
    sheet = _fill(
        path, {5: ("Needs more information", None), 6: ("Agree", None), 7: (None, "hm")}, sheet
    )
    wb = load_workbook(path)
    ws = wb[sheet]
    ws.cell(6, COL["Determination"]).value = "something else"  # edited by hand
    changed = ws.cell(4, COL["Decision id"]).value
    wb.save(path)
    con = duckdb.connect(str(wh))  # row 4's decision has changed since the workbook
    con.execute(
        "update main.fct_decisions set decision_digest = md5('new') where decision_id = ?",
        [changed],
    )
    con.execute(
        "insert into audit.decisions select decision_id, md5('new'), determination, relief,"
        " 'run-2' from main.fct_decisions where decision_id = ?",
        [changed],
    )
    con.close()

    result = import_review(wh, path, "A. Reviewer")
    assert [(r.row, r.mark) for r in result.record] == [
        (2, "agree"),
        (3, "disagree"),
        (5, "needs_more_information"),
    ]
    assert [(r.row, why.split(": ", 1)[1]) for r, why in result.stale] == [
        (4, "the decision changed since the workbook; review it in the next workbook")
    ]
    assert [(r.row, why.split(": ", 1)[1]) for r, why in result.edited] == [
        (6, "Determination or Relief edited")
    ]
    assert [r.row for r in result.notes_without_mark] == [7]
    assert _counts(wh) == (1, 3)
    con = duckdb.connect(str(wh), read_only=True)
    got = con.execute(
        f"select sheet_row, mark, note, reviewer from {store.OUTCOMES} order by row_seq"
    ).fetchall()
    latest = con.execute(f"select count(*) from ({store.latest_sql(con)})").fetchone()[0]
    con.close()
    assert got == [
        (2, "agree", "ok", "A. Reviewer"),
        (3, "disagree", "no: see file", "A. Reviewer"),
        (5, "needs_more_information", None, "A. Reviewer"),
    ]
    assert latest == 3

    # the same file again: said, not recorded twice
    again = import_review(wh, path, "A. Reviewer")
    assert again.already and again.already["recorded"] == 3 and _counts(wh) == (1, 3)


def test_a_workbook_this_warehouse_did_not_publish_or_unknown_decisions_record_nothing(
    warehouse, tmp_path
):
    wh = warehouse["wh"]
    other = tmp_path / "other.xlsx"
    write_review_workbook(other, "SAN JOAQUIN", _decisions(seed=9), AS_OF)
    _fill(other, {2: ("Agree", None)})
    with pytest.raises(ReviewImportError, match="not a workbook this warehouse published"):
        import_review(wh, other, "x")
    # this warehouse's workbook with a row pasted from another: the row names no decision here
    path = warehouse["path"]
    wb, foreign = load_workbook(path), load_workbook(other)
    ws, src = wb.worksheets[1], foreign.worksheets[1]
    for j in COL.values():
        ws.cell(ws.max_row + 1 if j == 1 else ws.max_row, j).value = src.cell(2, j).value
    wb.save(path)
    with pytest.raises(ReviewImportError, match="decisions this warehouse never made"):
        import_review(wh, path, "x")
    assert _counts(wh) == (0, 0)


def test_a_failure_while_recording_leaves_nothing_half_imported(warehouse, monkeypatch):
    """The import row is written, then the marks fail: neither is kept (one transaction)."""
    _fill(warehouse["path"], {2: ("Agree", None), 3: ("Disagree", None)})
    monkeypatch.setattr(store, "OUTCOMES", "audit.no_such_table")
    with pytest.raises(duckdb.CatalogException):
        import_review(warehouse["wh"], warehouse["path"], "x")
    monkeypatch.undo()
    assert _counts(warehouse["wh"]) == (0, 0)
    assert len(import_review(warehouse["wh"], warehouse["path"], "x").record) == 2


# --------------------------------------------------------------------------------------------
# What the marks do to the files


def _reviewed(rows: pl.DataFrame, marks: dict[int, tuple[str, bool]]) -> pl.DataFrame:
    """rows with review columns: {row index: (mark, applies)}."""
    mark = [marks.get(i, (None, None))[0] for i in range(rows.height)]
    applies = [marks.get(i, (None, None))[1] for i in range(rows.height)]
    return rows.with_columns(
        review_mark=pl.Series(mark, dtype=pl.String),
        review_note=pl.Series([f"note {i}" if m else None for i, m in enumerate(mark)]),
        reviewer=pl.Series(["A. Reviewer" if m else None for m in mark], dtype=pl.String),
        reviewed_on=pl.Series([date(2025, 7, 9) if m else None for m in mark], dtype=pl.Date),
        review_applies=pl.Series(applies, dtype=pl.Boolean),
    )


def test_court_document_leaves_out_what_the_review_keeps_out_and_marks_what_it_agreed(tmp_path):
    rows = _decisions(30, seed=4).filter(pl.col("determination") == "eligible")
    rows = _reviewed(rows, {0: ("agree", True), 1: ("disagree", True), 2: ("disagree", False),
                            3: ("needs_more_information", True)})  # fmt: skip
    ids = rows["decision_id"].to_list()
    info = write_court_document(tmp_path / "order.pdf", "Yolo", PROP64, rows, AS_OF)
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "order.pdf").pages)
    assert info["rows"] == rows.height - 2
    assert f"R{ids[1][:10]}" not in text and f"R{ids[3][:10]}" not in text
    # a disagreement made on a decision that changed since does not apply: filed
    assert f"R{ids[2][:10]}" in text
    assert re.search(rf"R{ids[0][:10]}\s*Reviewed", text)
    assert text.count("Reviewed") == 2  # the item and the introduction
    assert "The movant reviewed 1 listed charge individually" in " ".join(text.split())

    listed = write_reviewed_out(tmp_path / "reviewed_out.csv", rows)
    assert listed["rows"] == 2
    assert sorted(read_reviewed_out(tmp_path / "reviewed_out.csv")) == sorted([ids[1], ids[3]])
    out = pl.read_csv(tmp_path / "reviewed_out.csv", infer_schema=False)
    assert sorted(zip(out["review"], out["note"], out["reference"], strict=True)) == [
        ("Disagree", "note 1", f"R{ids[1][:10]}"),
        ("Needs more information", "note 3", f"R{ids[3][:10]}"),
    ]
    assert "person_name" not in out.columns and "Name" not in out.columns
    assert write_reviewed_out(tmp_path / "none.csv", rows.head(1))["rows"] == 0
    assert not (tmp_path / "none.csv").exists()


def test_workbook_fills_in_earlier_marks_that_apply_and_flags_changed_ones(tmp_path):
    rows = _reviewed(_decisions(20, seed=5), {0: ("agree", True), 1: ("disagree", False)})
    ids = rows["decision_id"].to_list()
    info = write_review_workbook(tmp_path / "review.xlsx", None, rows, AS_OF)
    assert (info["prefilled"], info["to_review_again"]) == (1, 1)
    wb = load_workbook(tmp_path / "review.xlsx")
    cells = {}
    for ws in wb.worksheets[1:]:
        assert ws.column_dimensions["Z"].hidden  # Decision digest
        for r in ws.iter_rows(min_row=2, values_only=True):
            cells[r[COL["Decision id"] - 1]] = r
    first, second = cells[ids[0]], cells[ids[1]]
    assert first[COL["Reviewer decision"] - 1] == "Agree"
    assert first[COL["Notes"] - 1] == "note 0"
    assert "unchanged since" in first[COL["Earlier review"] - 1]
    assert second[COL["Reviewer decision"] - 1] is None and second[COL["Notes"] - 1] is None
    assert "Disagree by A. Reviewer on 2025-07-09" in second[COL["Earlier review"] - 1]
    assert "review it again" in second[COL["Earlier review"] - 1]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Reviewed earlier, filled in"] == 1
    assert summary["Reviewed earlier, changed since"] == 1
    assert len(summary["Decision set SHA-256"]) == 64
