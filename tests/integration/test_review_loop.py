"""Issue 18: the monthly cycle, run -> review -> import -> re-run, on real runs and real files.

A generated CA DOJ extract and a Utah canonical extract are run as of 2025-01-01. A county's
review workbook is filled in with openpyxl as a reviewer would (agree, disagree, needs more
information, a note, one row edited by hand) and imported with `cleanslate review import`;
workbooks that cannot be imported (an unknown mark, a duplicated row, a renamed column, one
this warehouse did not publish) are refused with nothing recorded. A Utah decision that only
waits for its date is agreed with too. The re-run as of 2025-07-01 must then leave the
disagreements out of the court documents and the repository updates, list them with the
reviewer's note in reviewed_out.csv, mark the agreed items "Reviewed", fill the earlier marks
into the new workbooks (and flag the Utah decision, which has changed since, for another
review), and show the review in explain, trace and rpt_review_throughput.
"""

import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from devtools.generate.canonical import generate_canonical
from devtools.generate.extract import generate_extract
from orchestration.cli import app
from orchestration.exports.bundle import build_run_files
from orchestration.exports.load import load_export_frames
from orchestration.exports.review_workbook import HEADINGS
from orchestration.resources import Warehouse
from orchestration.review import store

pytestmark = pytest.mark.integration

FIRST, SECOND = "2025-01-01", "2025-07-01"
REVIEWER = "Ada Reviewer"
COL = {h: i + 1 for i, h in enumerate(HEADINGS)}


def _cli(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def _run(tmp: Path, as_of: str):
    result = _cli(
        "run", "--as-of", as_of, "--out", tmp / "out", "--warehouse", tmp / "wh.duckdb",
        "--extract", tmp / "doj.csv", "--extract", tmp / "ut",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _query(tmp: Path, sql: str, params=None) -> pl.DataFrame:
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).pl()
    finally:
        con.close()


def _rows(path: Path) -> dict[str, tuple[str, int, dict]]:
    """decision id -> (sheet, row, cells by heading) of a review workbook."""
    wb = load_workbook(path, read_only=True)
    out = {}
    try:
        for ws in wb.worksheets[1:]:
            for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if n > 1:
                    cells = dict(zip(HEADINGS, values, strict=False))
                    out[cells["Decision id"]] = (ws.title, n, cells)
    finally:
        wb.close()
    return out


def _mark(src: Path, dst: Path, marks: dict[str, tuple], edit=None) -> None:
    """Copy the workbook with marks {decision id: (mark, note)}, as a reviewer saves it."""
    where = _rows(src)
    wb = load_workbook(src)
    for decision_id, (mark, note) in marks.items():
        sheet, row, _ = where[decision_id]
        wb[sheet].cell(row, COL["Reviewer decision"]).value = mark
        wb[sheet].cell(row, COL["Notes"]).value = note
    if edit:
        edit(wb, where)
    wb.save(dst)


def _counts(tmp: Path) -> tuple[int, int]:
    found = _query(
        tmp,
        "select table_name from information_schema.tables where table_schema = 'audit'"
        " and table_name in ('review_imports', 'review_outcomes')",
    )
    if found.height < 2:
        return (0, 0)
    return tuple(
        _query(tmp, f"select count(*) as n from {t}")["n"][0]
        for t in (store.IMPORTS, store.OUTCOMES)
    )


def _pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(path).pages)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory, pinned_code_revision):
    tmp = tmp_path_factory.mktemp("review_loop")
    generate_extract(tmp / "doj.csv", rows=1500, seed=5)
    generate_canonical(tmp / "ut", rows=600, seed=5, state="UT")
    _run(tmp, FIRST)
    out = tmp / "out"
    first = _query(tmp, "select * from fct_decisions")

    # The CA county with the most eligible decisions: its reviewer's marks.
    doj = first.filter((pl.col("source_system") == "doj") & (pl.col("determination") == "eligible"))
    county = doj.group_by("county").len().sort(["len", "county"], descending=True)["county"][0]
    eligible = doj.filter(pl.col("county") == county).sort("program", "subject_id", "charge_ref")
    ids = eligible["decision_id"].to_list()
    assert len(ids) >= 8
    refused = first.filter(
        (pl.col("county") == county) & (pl.col("determination") == "not_eligible")
    ).sort(pl.col("program") != "us_ca_prop64", "decision_id")["decision_id"][0]
    marks = {
        ids[0]: ("Agree", None),
        ids[1]: ("agree", "checked the docket"),  # any case and spacing
        ids[2]: ("Disagree", "victim objected: see memo 12"),
        ids[3]: ("Disagree", "open case in another county"),
        ids[4]: ("Needs more information", "need the sentencing minute order"),
        ids[5]: ("Agree", None),  # this row's Determination is then edited by hand
        refused: ("Disagree", "should be eligible"),  # not filed either way: rules decide
    }
    roles = {
        "agreed": ids[:2],
        "disagreed": ids[2:4],
        "more_information": [ids[4]],
        "edited": ids[5],
        "unreviewed": ids[6:],
        "refused": refused,
    }

    def edit_determination(wb, where):
        sheet, row, _ = where[ids[5]]
        wb[sheet].cell(row, COL["Determination"]).value = "not_eligible"

    workbook = out / county / "review.xlsx"
    reviewed = tmp / "reviewed.xlsx"
    _mark(workbook, reviewed, marks, edit_determination)

    # Workbooks that cannot be imported: each refused, nothing recorded.
    def unknown_mark(wb, where):
        sheet, row, _ = where[ids[7]]
        wb[sheet].cell(row, COL["Reviewer decision"]).value = "Approved"

    def duplicate_row(wb, where):
        sheet, row, _ = where[ids[0]]
        ws = wb[sheet]
        last = ws.max_row + 1
        for j in COL.values():
            ws.cell(last, j).value = ws.cell(row, j).value

    def renamed_column(wb, where):
        wb.worksheets[1].cell(1, COL["Notes"]).value = "Comments"

    def another_run(wb, where):
        for row in wb["Summary"].iter_rows():
            if row[0].value == "Decision set SHA-256":
                other = hashlib.sha256(b"another run").hexdigest()
                row[1].value = other
            if row[0].value == "Decision set":
                row[1].value = hashlib.sha256(b"another run").hexdigest()[:12]

    bad = {}
    for name, change in {
        "unknown_mark": unknown_mark,
        "duplicate_row": duplicate_row,
        "renamed_column": renamed_column,
        "another_run": another_run,
    }.items():
        path = tmp / f"{name}.xlsx"
        _mark(workbook, path, marks, change)
        result = _cli(
            "review", "import", path, "--reviewer", REVIEWER, "--warehouse", tmp / "wh.duckdb"
        )
        bad[name] = (result.exit_code, result.output, _counts(tmp))

    imported = _cli(
        "review", "import", reviewed, "--reviewer", REVIEWER, "--warehouse", tmp / "wh.duckdb"
    )
    assert imported.exit_code == 0, imported.output
    again = _cli("review", "import", reviewed, "--warehouse", tmp / "wh.duckdb")
    counts_after_import = _counts(tmp)

    # Utah: a decision that only waits for its date, agreed with; it changes by the re-run.
    waiting = first.filter(
        (pl.col("source_system") == "canonical")
        & (pl.col("determination") == "not_yet_eligible")
        & (pl.col("eligible_on") <= date.fromisoformat(SECOND))
    ).sort("decision_id")
    assert waiting.height, "the Utah extract has no decision that turns eligible by the re-run"
    changing = waiting.row(0, named=True)
    ut_workbook = out / changing["county"] / "review.xlsx"
    ut_reviewed = tmp / "ut_reviewed.xlsx"
    _mark(ut_workbook, ut_reviewed, {changing["decision_id"]: ("Agree", "waits for its date")})
    ut_import = _cli("review", "import", ut_reviewed, "--warehouse", tmp / "wh.duckdb")
    assert ut_import.exit_code == 0, ut_import.output

    _run(tmp, SECOND)
    second = _query(tmp, "select * from fct_decisions")

    # The first run's Utah workbook, imported after the re-run with one mark more: the decision
    # that changed since is reported, not recorded.
    late = tmp / "ut_late.xlsx"
    _mark(ut_reviewed, late, {changing["decision_id"]: ("Disagree", "on second thought")})
    late_import = _cli("review", "import", late, "--warehouse", tmp / "wh.duckdb")
    return {
        "tmp": tmp,
        "out": out,
        "county": county,
        "roles": roles,
        "marks": marks,
        "first": first,
        "second": second,
        "bad": bad,
        "imported": imported,
        "again": again,
        "counts_after_import": counts_after_import,
        "reviewed": reviewed,
        "changing": changing,
        "late_import": late_import,
    }


def test_workbooks_that_cannot_be_imported_are_refused_with_nothing_recorded(cycle):
    bad = cycle["bad"]
    expected = {
        "unknown_mark": "unknown mark 'Approved'",
        "duplicate_row": "the same decision as sheet",
        "renamed_column": "column V is 'Comments', expected 'Notes'",
        "another_run": "not a workbook this warehouse published",
    }
    for name, text in expected.items():
        code, output, counts = bad[name]
        assert code == 2, (name, output)
        assert text in output and "nothing was recorded" in output, (name, output)
        assert counts == (0, 0), name


def test_import_records_the_marks_and_reports_the_edited_row(cycle):
    tmp, roles, marks = cycle["tmp"], cycle["roles"], cycle["marks"]
    out = cycle["imported"].output
    assert "recorded: 6 marks (2 Agree, 3 Disagree, 1 Needs more information)" in out
    assert "not recorded, the row was edited: 1" in out
    assert f"R{roles['edited'][:10]}: Determination or Relief edited" in out
    # no field of a record in the output: names, notes, subject ids
    first = cycle["first"]
    for subject in first.filter(pl.col("decision_id").is_in(list(marks)))["subject_id"]:
        assert subject not in out
    assert "victim objected" not in out

    rows = _query(
        tmp,
        f"select decision_id, mark, note, reviewer, file_sha256, decision_digest, imported_at"
        f" from {store.OUTCOMES} where file_name = 'reviewed.xlsx' order by row_seq",
    )
    want = {d: m for d, m in marks.items() if d != roles["edited"]}
    assert sorted(rows["decision_id"]) == sorted(want)
    for r in rows.iter_rows(named=True):
        mark, note = want[r["decision_id"]]
        assert r["mark"] == " ".join(mark.split()).lower().replace(" ", "_")
        assert (r["note"], r["reviewer"]) == (note, REVIEWER)
        assert r["file_sha256"] == hashlib.sha256(cycle["reviewed"].read_bytes()).hexdigest()
        assert r["imported_at"] is not None
    digests = dict(zip(first["decision_id"], first["decision_digest"], strict=True))
    assert all(
        r["decision_digest"] == digests[r["decision_id"]] for r in rows.iter_rows(named=True)
    )
    imports = _query(tmp, f"select * from {store.IMPORTS} where file_name = 'reviewed.xlsx'")
    assert imports.height == 1 and imports["recorded"][0] == 6
    assert (imports["edited"][0], imports["reviewer"][0]) == (1, REVIEWER)


def test_the_same_file_twice_is_said_not_counted_twice(cycle):
    assert cycle["again"].exit_code == 0
    assert "nothing recorded again" in cycle["again"].output
    assert cycle["counts_after_import"] == (1, 6)


def test_court_documents_leave_out_the_disagreements_and_mark_what_was_agreed(cycle):
    out, county, roles = cycle["out"], cycle["county"], cycle["roles"]
    second = cycle["second"]
    texts = {p.name: _pdf_text(p) for p in (out / county).glob("*_court_order.pdf")}
    everything = "\n".join(texts.values())
    for d in roles["disagreed"] + roles["more_information"]:
        assert f"R{d[:10]}" not in everything
    for d in roles["agreed"]:
        assert re.search(rf"R{d[:10]}\s*Reviewed", everything), d
    for d in [roles["edited"], *roles["unreviewed"]]:
        assert f"R{d[:10]}" in everything and not re.search(rf"R{d[:10]}\s*Reviewed", everything)
    # every other eligible decision of the county is filed, once
    filed = second.filter(
        (pl.col("county") == county)
        & (pl.col("determination") == "eligible")
        & ~pl.col("decision_id").is_in(roles["disagreed"] + roles["more_information"])
    )
    for d in filed["decision_id"]:
        assert everything.count(f"R{d[:10]}") == 1
    intro = " ".join(everything.split())
    assert "The movant reviewed" in intro and '(marked "Reviewed" under the item number)' in intro

    # and out of the repository updates
    repository = "\n".join(p.read_text() for p in (out / "repository").glob("*_updates.csv"))
    for d in roles["disagreed"] + roles["more_information"]:
        assert d not in repository
    assert all(d in repository for d in roles["agreed"])


def test_reviewed_out_list_names_each_left_out_decision_with_the_note(cycle):
    out, county, roles, marks = cycle["out"], cycle["county"], cycle["roles"], cycle["marks"]
    listed = pl.read_csv(out / county / "reviewed_out.csv", infer_schema=False)
    want = roles["disagreed"] + roles["more_information"]
    assert sorted(listed["decision_id"]) == sorted(want)
    for r in listed.iter_rows(named=True):
        mark, note = marks[r["decision_id"]]
        assert (r["review"], r["note"], r["reviewer"]) == (mark, note, REVIEWER)
        assert r["reference"] == f"R{r['decision_id'][:10]}" and r["determination"] == "eligible"
    # only counties with such a decision have a list; the manifest lists it
    assert sorted(p.parent.name for p in out.glob("*/reviewed_out.csv")) == [county]
    manifest = (out / "manifest.json").read_text()
    assert f'"{county}/reviewed_out.csv"' in manifest


def test_the_next_workbook_fills_in_earlier_marks_and_flags_changed_decisions(cycle):
    out, county, roles, marks = cycle["out"], cycle["county"], cycle["roles"], cycle["marks"]
    rows = _rows(out / county / "review.xlsx")
    for d, (mark, note) in marks.items():
        _, _, cells = rows[d]
        if d == roles["edited"]:
            assert cells["Reviewer decision"] is None and cells["Earlier review"] is None
            continue
        label = {"agree": "Agree"}.get(mark.strip(), mark)
        assert (cells["Reviewer decision"], cells["Notes"]) == (label, note)
        assert f"{label} by {REVIEWER} on " in cells["Earlier review"]
    assert all(rows[d][2]["Reviewer decision"] is None for d in roles["unreviewed"])

    changing = cycle["changing"]
    ut = _rows(out / changing["county"] / "review.xlsx")
    _, _, cells = ut[changing["decision_id"]]
    assert cells["Determination"] != "not_yet_eligible"
    assert cells["Reviewer decision"] is None
    assert "the decision has changed since; review it again" in cells["Earlier review"]
    wb = load_workbook(out / changing["county"] / "review.xlsx", read_only=True)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    wb.close()
    assert summary["Reviewed earlier, changed since"] == 1


def test_a_decision_changed_since_the_workbook_is_reported_not_applied(cycle):
    changing, second = cycle["changing"], cycle["second"]
    now = second.filter(pl.col("decision_id") == changing["decision_id"]).row(0, named=True)
    assert now["decision_digest"] != changing["decision_digest"]
    # filed (its determination now eligible) without the stale review's "Reviewed"
    if now["determination"] == "eligible":
        text = "\n".join(
            _pdf_text(p) for p in (cycle["out"] / changing["county"]).glob("*_court_order.pdf")
        )
        assert f"R{changing['decision_id'][:10]}" in text
    late = cycle["late_import"]
    assert late.exit_code == 0, late.output
    assert "recorded: 0 marks" in late.output
    assert "not recorded, the decision changed since the workbook: 1" in late.output
    ref = f"R{changing['decision_id'][:10]}"
    assert f"{ref}: the decision changed since the workbook (not_yet_eligible ->" in late.output


def test_throughput_explain_and_trace_show_the_review(cycle):
    tmp, roles, second = cycle["tmp"], cycle["roles"], cycle["second"]
    totals = _query(
        tmp,
        "select sum(decisions) as decisions, sum(reviewed) as reviewed, sum(agreed) as agreed,"
        " sum(disagreed) as disagreed, sum(needs_more_information) as more,"
        " sum(changed_since_review) as changed, sum(pending) as pending,"
        " sum(reviewed_out) as reviewed_out from rpt_review_throughput",
    ).row(0, named=True)
    assert totals["decisions"] == second.height
    assert (totals["agreed"], totals["disagreed"], totals["more"]) == (2, 3, 1)
    assert totals["reviewed"] == 6 and totals["reviewed_out"] == 3
    assert totals["changed"] == 1 and totals["pending"] == second.height - 6
    # the dbt view and the exports' rule agree on the latest review of every decision
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        dbt_latest = con.execute(
            "select decision_id, mark, reviewed_digest from int_review_latest order by 1"
        ).fetchall()
        python_latest = con.execute(
            f"select decision_id, review_mark, reviewed_digest from ({store.latest_sql(con)})"
            " order by 1"
        ).fetchall()
    finally:
        con.close()
    assert dbt_latest == python_latest and len(dbt_latest) == 7

    d = second.filter(pl.col("decision_id") == roles["disagreed"][0]).row(0, named=True)
    explained = _cli(
        "explain", "--subject", d["subject_id"], "--program", d["program"],
        "--warehouse", tmp / "wh.duckdb",
    )  # fmt: skip
    assert explained.exit_code == 0, explained.output
    assert f"review: DISAGREE by {REVIEWER} on " in explained.output
    assert "[applies]: victim objected: see memo 12" in explained.output
    traced = _cli(
        "trace", "--subject", d["subject_id"], "--count", d["charge_ref"], "--program",
        d["program"], "--warehouse", tmp / "wh.duckdb",
    )  # fmt: skip
    assert traced.exit_code == 0, traced.output
    assert f"review: DISAGREE by {REVIEWER}" in traced.output
    assert re.search(r"reviewed_out\.csv  line \d+  \[verified\]", traced.output)
    assert "_court_order.pdf" not in traced.output

    changing = cycle["changing"]
    stale = _cli(
        "explain", "--subject", changing["subject_id"], "--program", changing["program"],
        "--warehouse", tmp / "wh.duckdb",
    )  # fmt: skip
    assert "does not apply: the decision changed since" in stale.output


def test_same_decisions_and_reviews_give_the_same_bytes(cycle, tmp_path):
    """The county's files are a function of the decisions and the reviews: written again from
    the warehouse they repeat byte for byte."""
    out, county = cycle["out"], cycle["county"]
    frames = load_export_frames(Warehouse(path=str(cycle["tmp"] / "wh.duckdb")))
    run_info = {
        "run_id": "r",
        "generated_at": "t",
        "as_of": date.fromisoformat(SECOND),
        "git_revision": "g",
        "git_dirty": False,
        "rules_versions": {},
        "prop64_parameters": {},
        "report": {"quality": []},
    }
    again = tmp_path / "again"
    again.mkdir()
    build_run_files(again, frames, run_info, county)["export_lines"].remove()
    names = sorted(p.name for p in (out / county).iterdir() if p.is_file())
    assert "reviewed_out.csv" in names and "review.xlsx" in names
    for name in names:
        if name.endswith((".pdf", ".xlsx", "reviewed_out.csv")):
            assert (again / county / name).read_bytes() == (out / county / name).read_bytes(), name
    shutil.rmtree(again)
