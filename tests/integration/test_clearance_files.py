"""Issue 4: the run's clearance files, opened with real readers and compared with the warehouse."""

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from devtools.generate.canonical import generate_canonical
from devtools.generate.extract import generate_extract
from orchestration.cli import app
from orchestration.exports.repository import read_repository_csv, read_repository_jsonl
from orchestration.lib.hashing import sha256_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    generate_extract(tmp / "doj.csv", rows=1500, seed=11)
    generate_canonical(tmp / "ut", rows=600, seed=11, state="UT")
    args = [
        "run",
        "--as-of",
        "2025-07-01",
        "--out",
        str(tmp / "out"),
        "--warehouse",
        str(tmp / "wh.duckdb"),
        "--extract",
        str(tmp / "doj.csv"),
        "--extract",
        str(tmp / "ut"),
    ]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        decisions = con.execute(
            "select d.*, p.person_name from fct_decisions d"
            " join int_persons_unioned p using (person_key)"
        ).pl()
    finally:
        con.close()
    return tmp / "out", decisions


def test_manifest_lists_every_file_with_its_checksum(run):
    out, _ = run
    manifest = json.loads((out / "manifest.json").read_text())
    files = {f["file"]: f for f in manifest["files"]}
    on_disk = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert set(files) == on_disk
    for rel, f in files.items():
        assert sha256_of(out / rel) == f["sha256"]
        assert (out / rel).stat().st_mode & 0o077 == 0, rel
    assert manifest["rules_versions"]["us_ca_prop64"].startswith("us_ca_prop64@")
    assert manifest["git_revision"]


def test_court_documents_list_every_eligible_decision_once(run):
    out, decisions = run
    eligible = decisions.filter(pl.col("determination") == "eligible")
    for (county, program), rows in eligible.group_by("county", "program"):
        folder = out / (county or "_UNKNOWN_COUNTY")
        pdf = folder / f"{program}_court_order.pdf"
        reader = PdfReader(pdf)
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
        assert f"Page 1 of {len(reader.pages)}" in text
        for ref in rows["decision_id"].to_list():
            assert text.count("R" + ref[:10]) == 1, (pdf.name, ref)
    not_eligible = decisions.filter(pl.col("determination") != "eligible")["decision_id"]
    all_text = " ".join(
        (p.extract_text() or "")
        for pdf in out.rglob("*_court_order.pdf")
        for p in PdfReader(pdf).pages
    )
    assert not any("R" + ref[:10] in all_text for ref in not_eligible.to_list()[:200])


def test_review_workbooks_hold_every_decision(run):
    out, decisions = run
    seen = []
    for xlsx in out.rglob("review.xlsx"):
        wb = load_workbook(xlsx, read_only=True)
        for ws in wb.worksheets[1:]:
            rows = list(ws.iter_rows(values_only=True))
            header = rows[0]
            seen += [(r[header.index("Program")], r[header.index("Charge key")]) for r in rows[1:]]
        wb.close()
    assert sorted(seen) == sorted(zip(decisions["program"], decisions["charge_key"], strict=True))


def _decisions(warehouse: Path):
    """The run's decisions as the reconciliation reads them (every county)."""
    from orchestration.exports.load import ExportSource, UnitRows

    return UnitRows(ExportSource(Path(warehouse), "1GB"))


def test_repository_files_hold_every_granted_relief(run):
    out, decisions = run
    granted = decisions.filter(
        (pl.col("determination") == "eligible") & pl.col("relief").is_not_null()
    )
    ids = []
    for f in (out / "repository").glob("*_updates.csv"):
        rows, _trailer = read_repository_csv(f)
        jrows, _ = read_repository_jsonl(f.with_suffix(".jsonl"))
        assert [r["record_id"] for r in rows] == [r["record_id"] for r in jrows]
        ids += [r["record_id"] for r in rows]
    assert sorted(ids) == sorted(granted["decision_id"].to_list())


def test_report_and_gogen_bundle(run):
    out, decisions = run
    html = (out / "report" / "report.html").read_text()
    # the laws by their rulebook titles; their program ids only in the run section's Laws table
    con = duckdb.connect(str(out.parent / "wh.duckdb"), read_only=True)
    try:
        titles = dict(con.execute("select program, title from main.exp_programs").fetchall())
    finally:
        con.close()
    start = html.index("<h3>Laws: ")
    laws_table = html[start : html.index("</table>", start)]
    rest = html[:start] + html[html.index("</table>", start) :]
    for program in ("us_ut_clean_slate", "us_ca_prop64"):
        assert str(escape(titles[program])) in rest, program
        assert program in laws_table, program
    for program in set(decisions["program"].to_list()):
        assert program not in rest and program.replace("_", "_<wbr>") not in rest, program
    assert not any(s in html for s in decisions["subject_id"].head(50).to_list() if len(s) > 6)
    assert PdfReader(out / "report" / "report.pdf").pages
    gogen = sorted(p.parent.parent.name for p in out.rglob("gogen/Prop64_Results.csv"))
    assert gogen, "no gogen bundle"
    summary = json.loads((out / gogen[0] / "gogen" / "gogen.json").read_text())
    assert summary["county"] == gogen[0]


def test_reconciliation_catches_an_altered_export(run, tmp_path, record_property):
    """Every decision must be in the exports exactly as in the warehouse: change one value in a
    copy of the published set and the reconciliation reports it."""
    import shutil

    from orchestration.exports.bundle import reconcile

    out, _ = run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    decisions = _decisions(out.parent / "wh.duckdb")
    assert reconcile(copy, decisions) == []
    target = sorted(copy.glob("*/prop64_convictions.csv"))[0]
    text = target.read_text()
    target.write_text(text.replace(",eligible,", ",not_eligible,", 1))
    problems = reconcile(copy, decisions)
    record_property("reliability", "conservation")
    record_property("inputs", 1)
    assert any("differ from the decision table" in p for p in problems), problems


def test_reconciliation_reads_back_in_worker_processes_with_the_same_findings(
    run, tmp_path, monkeypatch
):
    """A large set's court documents and workbooks are read back in worker processes: the
    problems found are the same, in the same order, with one process and with two."""
    import shutil

    from orchestration.exports.bundle import reconcile

    out, _ = run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    sorted(copy.glob("*/*_court_order.pdf"))[0].unlink()  # read back in a worker
    target = sorted(copy.glob("*/prop64_convictions.csv"))[0]  # read back here
    target.write_text(target.read_text().replace(",eligible,", ",not_eligible,", 1))
    decisions = _decisions(out.parent / "wh.duckdb")
    found = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("CLEANSLATE_EXPORT_WORKERS", workers)
        found[workers] = reconcile(copy, decisions)
    assert found["2"] == found["1"]
    assert any(p.startswith("court documents:") for p in found["1"]), found["1"]
    assert any("differ from the decision table" in p for p in found["1"]), found["1"]


def test_reconciliation_counts_every_workbook_row(run, tmp_path):
    """The workbooks are read back (calamine): one decision more in the warehouse than in the
    files is reported as missing from the review workbooks."""
    import shutil

    import duckdb

    from orchestration.exports.bundle import reconcile

    out, _ = run
    assert reconcile(out, _decisions(out.parent / "wh.duckdb")) == []
    # a copy of the warehouse with one not-eligible decision more (its own charge)
    copy = tmp_path / "wh.duckdb"
    shutil.copy(out.parent / "wh.duckdb", copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("create table main.exp_decisions_more as select * from main.exp_decisions")
        con.execute(
            "insert into main.exp_decisions_more select * replace ('not-in-any-file' as"
            " charge_key) from main.exp_decisions where determination = 'not_eligible' limit 1"
        )
        con.execute("drop view main.exp_decisions")
        con.execute("alter table main.exp_decisions_more rename to exp_decisions")
    problems = reconcile(out, _decisions(copy))
    assert problems == ["review workbooks: 1 decisions missing, 0 extra"]


def test_files_do_not_depend_on_the_number_of_worker_processes(run, tmp_path, monkeypatch):
    """Court documents and workbooks are written in worker processes for a large set: the same
    frames give the same bytes with one process and with two."""
    from orchestration.exports.bundle import build_run_files
    from orchestration.exports.load import load_export_frames
    from orchestration.resources import Warehouse

    out, _ = run
    frames = load_export_frames(Warehouse(path=str(out.parent / "wh.duckdb")))
    run_info = {
        "run_id": "r",
        "generated_at": "t",
        "as_of": date(2025, 7, 1),
        "git_revision": "g",
        "git_dirty": False,
        "rules_versions": {},
        "prop64_parameters": {},
        "report": {"quality": []},
    }
    written = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("CLEANSLATE_EXPORT_WORKERS", workers)
        root = tmp_path / f"w{workers}"
        root.mkdir()
        result = build_run_files(root, frames, run_info)
        written[workers] = (
            {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()},
            result["export_lines"].frame(),
        )
        result["export_lines"].remove()  # the spool is the caller's to remove
    files1, lines1 = written["1"]
    files2, lines2 = written["2"]
    assert len(files1) > 10 and files1.keys() == files2.keys()
    assert [f for f in files1 if files1[f] != files2[f]] == []
    assert lines1.equals(lines2) and lines1.height > frames.decisions.height


def test_every_file_is_of_one_registered_kind_and_each_kind_is_reconciled(run):
    """The registry is the one list of file kinds: every file of a real run is claimed by
    exactly one registered kind, every kind but the reviewed-out list (no review in this run)
    wrote a file, and with any one kind taken out of the registry the reconciliation refuses
    the set."""
    from orchestration.exports import file_kinds
    from orchestration.exports.bundle import reconcile

    out, _ = run
    manifest = json.loads((out / "manifest.json").read_text())
    owner = {}
    for f in manifest["files"]:
        kinds = file_kinds.claiming(f["file"])
        assert len(kinds) == 1, (f["file"], kinds)
        owner[f["file"]] = kinds[0].name
    assert set(owner.values()) == {k.name for k in file_kinds.KINDS} - {"reviewed_out"}

    decisions = _decisions(out.parent / "wh.duckdb")
    assert reconcile(out, decisions) == []
    for kind in file_kinds.KINDS:
        if kind.name not in owner.values():
            continue
        others = [k for k in file_kinds.KINDS if k is not kind]
        problems = reconcile(out, decisions, kinds=others)
        assert any("not of exactly one registered file kind" in p for p in problems), kind.name


def test_a_new_kind_registered_beside_the_others_is_written_and_reconciled(
    run, tmp_path, monkeypatch
):
    """docs/adding-a-file-kind.md's example added to the registry: the whole set is written
    with it, reconciles, and its lines are in audit.export_lines' rows."""
    from orchestration.exports import file_kinds
    from orchestration.exports.bundle import build_run_files, reconcile
    from orchestration.exports.load import load_export_frames
    from orchestration.resources import Warehouse
    from tests.unit.test_file_kinds import example_kind

    out, decisions = run
    monkeypatch.setattr(file_kinds, "KINDS", (*file_kinds.KINDS, example_kind()))
    warehouse = Warehouse(path=str(out.parent / "wh.duckdb"))
    run_info = {
        "run_id": "r",
        "generated_at": "t",
        "as_of": date(2025, 7, 1),
        "git_revision": "g",
        "git_dirty": False,
        "rules_versions": {},
        "prop64_parameters": {},
        "report": {"quality": []},
    }
    root = tmp_path / "set"
    root.mkdir()
    result = build_run_files(root, load_export_frames(warehouse), run_info)
    lists = sorted(root.glob("*/needs_review.csv"))
    assert lists and all(f.relative_to(root).as_posix() in result["rows_by_file"] for f in lists)
    assert reconcile(root, _decisions(warehouse.file)) == []
    placed = result["export_lines"].frame().filter(pl.col("kind") == "needs_review_list")
    needs_review = decisions.filter(pl.col("determination") == "needs_review")
    assert sorted(placed["decision_id"]) == sorted(needs_review["decision_id"])
    result["export_lines"].remove()
