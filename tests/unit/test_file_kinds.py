"""The file interface (orchestration/exports/file_kinds): the registry is the one list of file
kinds, and docs/adding-a-file-kind.md is true: its example class, registered, is written by the
bundle, read back by the reconciliation, placed in audit.export_lines and checked by trace.
(tests/integration/test_clearance_files.py runs every registered kind on a real run.)"""

import inspect
import re
import types
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.audit import export_lines, trace
from orchestration.exports import file_kinds
from orchestration.exports.bundle import build_run_files, reconcile
from orchestration.exports.file_kinds import FileKind
from orchestration.exports.load import ExportFrames, ExportSource, UnitRows

DOC = Path(__file__).resolve().parents[2] / "docs" / "adding-a-file-kind.md"

# One path of each kind of file a run writes (the demo's manifest.json, plus a reviewed-out
# list and a county without a name): every one claimed by exactly one registered kind.
SAMPLE_FILES = (
    "ALAMEDA/prop64_convictions.csv",
    "ALAMEDA/summary.json",
    "ALAMEDA/us_ca_prop64_court_order.pdf",
    "SALT LAKE/us_ut_clean_slate_court_order.pdf",
    "ALAMEDA/reviewed_out.csv",
    "ALAMEDA/review.xlsx",
    "_UNKNOWN_COUNTY/review.xlsx",
    "ALAMEDA/gogen/Prop64_Results.csv",
    "ALAMEDA/gogen/All_Results_Condensed.csv",
    "ALAMEDA/gogen/gogen.json",
    "repository/us_ca_prop64_updates.csv",
    "repository/us_ca_prop64_updates.jsonl",
    "report/report.html",
    "report/report.pdf",
    "report/charts/determinations_by_program.png",
)


def test_every_file_of_a_run_is_of_exactly_one_registered_kind():
    for rel in SAMPLE_FILES:
        assert [k.name for k in file_kinds.claiming(rel)] != [], f"{rel}: no kind claims it"
        assert len(file_kinds.claiming(rel)) == 1, (rel, file_kinds.claiming(rel))
    # nor is anything else: a stray file, a file one folder too deep, the manifest
    for rel in ("ALAMEDA/notes.txt", "ALAMEDA/gogen/review.xlsx", "manifest.json", "x/report.pdf"):
        assert file_kinds.claiming(rel) == [], rel


def test_every_registered_kind_writes_a_file_of_the_samples():
    """A kind added to the registry adds its file to SAMPLE_FILES (and a kind taken out of the
    registry leaves its samples unclaimed: the test above fails)."""
    claimed = {file_kinds.claiming(rel)[0].name for rel in SAMPLE_FILES}
    assert claimed == {k.name for k in file_kinds.KINDS}


def test_each_kind_implements_the_interface_once():
    kinds = file_kinds.registered()
    assert len(kinds) == len({type(k) for k in kinds})
    for k in kinds:
        assert isinstance(k, FileKind) and not inspect.isabstract(type(k)), k
        assert re.fullmatch(r"[a-z][a-z0-9_]*", k.name), k.name
        assert k.title and k.patterns, k.name
        assert k.scope in ("county", "program", "run"), k.name
        assert not k.in_worker or k.scope == "county", k.name  # workers write per county
        # a kind that places decisions says where, and can check a place against its file
        if k.place_kinds:
            assert type(k).places is not FileKind.places, k.name
            assert type(k).check_place is not FileKind.check_place, k.name
        for place_kind in k.place_kinds:
            assert file_kinds.for_place(place_kind) is k


def test_a_kind_registered_twice_is_refused():
    twice = (*file_kinds.KINDS, file_kinds.KINDS[0])
    with pytest.raises(ValueError, match="registered twice"):
        file_kinds.registered(twice)


# --------------------------------------------------------------------------------------------
# The documented example, registered


def example_kind() -> FileKind:
    """An instance of the class in docs/adding-a-file-kind.md, run from the document's text."""
    text = DOC.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code, "docs/adding-a-file-kind.md has no example class"
    module = types.ModuleType("needs_review_example")
    exec(compile(code.group(1), str(DOC), "exec"), module.__dict__)
    return module.NeedsReviewList()


def _frames(folder: Path) -> ExportFrames:
    """A warehouse with the two exports models the bundle reads (exp_decisions, exp_programs),
    holding four decisions: two spellings of one county, and another county."""
    decisions = pl.DataFrame(
        {
            "decision_id": ["d1", "d2", "d3", "d4"],
            "program": ["us_xx_law"] * 4,
            "county": ["Yolo", "yolo ", "Alpine", "Yolo"],
            "subject_id": ["s1", "s2", "s3", "s4"],
            "charge_ref": ["1", "1", "1", "1"],
            "charge_key": ["c1", "c2", "c3", "c4"],
            "determination": ["needs_review", "eligible", "not_eligible", "needs_review"],
            "relief": [None, "dismiss", None, None],
            "decision_digest": ["g1", "g2", "g3", "g4"],
            "eligible_on": [None, date(2025, 1, 2), None, None],
            "rules_version": ["1"] * 4,
        }
    )
    programs = pl.DataFrame(
        {"program": ["us_xx_law"], "jurisdiction": ["us_xx"], "title": ["A law"]},
        schema_overrides={"title": pl.String},
    )
    file = folder / "wh.duckdb"
    if not file.exists():
        with duckdb.connect(str(file)) as con:
            con.register("decisions", decisions)
            con.register("programs", programs)
            con.execute("create table main.exp_decisions as select * from decisions")
            con.execute(
                "create table main.exp_programs as select *, null as law_version,"
                " null as rules_version, null::date as as_of_date, null as rule_file_sha256,"
                " false as is_forecast from programs"
            )
    return ExportFrames(ExportSource(file, "256MB"))


RUN = {
    "run_id": "r",
    "generated_at": "t",
    "as_of": date(2025, 7, 1),
    "git_revision": "g",
    "git_dirty": False,
    "rules_versions": {},
}


def test_the_documented_example_is_written_reconciled_placed_and_traced(tmp_path, monkeypatch):
    kind = example_kind()
    # step 3: registered (here, alone: the other kinds need a warehouse's frames)
    monkeypatch.setattr(file_kinds, "KINDS", (kind,))
    frames = _frames(tmp_path)
    root = tmp_path / "set"
    root.mkdir()

    result = build_run_files(root, frames, RUN)
    assert result["rows_by_file"] == {"YOLO/needs_review.csv": 2, "ALPINE/needs_review.csv": 0}
    assert (root / "YOLO" / "needs_review.csv").read_text() == (
        "decision_id,program,charge_key\nd1,us_xx_law,c1\nd4,us_xx_law,c4\n"
    )
    assert reconcile(root, UnitRows(frames.source)) == []

    places = result["export_lines"].frame()
    result["export_lines"].remove()  # the spool is the caller's to remove
    assert places.columns == list(export_lines.PLACE_COLUMNS)
    assert places.select("decision_id", "kind", "line").rows() == [
        ("d1", "needs_review_list", 2),
        ("d4", "needs_review_list", 3),
    ]
    place = places.row(1, named=True)
    check = trace._check_place(root / place["file"], place, {"decision_id": "d4"}, {})
    assert check == "verified"
    assert trace._check_place(root / place["file"], place, {"decision_id": "d1"}, {}) != (
        "verified"
    )

    # a line taken out of the file: the reconciliation says so
    target = root / "YOLO" / "needs_review.csv"
    target.write_text(target.read_text().replace("d4,us_xx_law,c4\n", ""))
    problems = reconcile(root, UnitRows(frames.source))
    assert "needs-review lists: 1 decisions missing, 0 extra" in problems


def test_files_and_places_of_a_kind_no_longer_registered_are_refused(tmp_path, monkeypatch):
    kind = example_kind()
    monkeypatch.setattr(file_kinds, "KINDS", (kind,))
    root = tmp_path / "set"
    root.mkdir()
    result = build_run_files(root, _frames(tmp_path), RUN)

    monkeypatch.setattr(file_kinds, "KINDS", ())
    problems = reconcile(root, UnitRows(_frames(tmp_path).source))
    assert any("not of exactly one registered file kind" in p for p in problems), problems
    with pytest.raises(ValueError, match="needs_review_list"):
        result["export_lines"].frame()
    place = result["export_lines"].frame(kinds=(kind,)).row(0, named=True)
    result["export_lines"].remove()
    check = trace._check_place(root / place["file"], place, {"decision_id": "d1"}, {})
    assert check.startswith("not checked")


def test_an_export_worker_imports_no_dagster():
    """The worker processes that write and read back the counties' documents import the
    bundle and its kinds only: Dagster (~0.7 s of a spawned worker's start, twice per run
    for the files and twice for their read-back) is imported for type hints only."""
    import subprocess
    import sys

    probe = "import sys, orchestration.exports.bundle; print('dagster' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_county_csv_digest_is_the_multiset_of_rows():
    """The county Prop 64 files are reconciled by an order-free digest summed batch by batch
    (county_decisions.rows_digest): the same rows in any order and batches give the same
    digest; a changed value, a row in place of another, or a blank for a NULL do not."""
    from orchestration.exports.file_kinds.county_decisions import FIELDS, rows_digest

    rows = pl.DataFrame(
        {c: [f"{c}{i}" for i in range(6)] for c in FIELDS}, schema={c: pl.String for c in FIELDS}
    ).with_columns(relief=pl.Series([None, "dismiss", "reduce", None, "dismiss", "x"]))
    digest = rows_digest([rows])
    assert rows_digest([rows.reverse().slice(0, 2), rows.reverse().slice(2)]) == digest
    assert rows_digest([rows.head(5), rows.head(1)]) != digest  # row 0 twice, row 5 never
    changed = rows.with_columns(
        determination=pl.when(pl.col("charge_key") == "charge_key3")
        .then(pl.lit("not_eligible"))
        .otherwise(pl.col("determination"))
    )
    assert rows_digest([changed]) != digest
    assert rows_digest([rows.with_columns(pl.col("relief").fill_null(""))]) != digest
    assert rows_digest([rows.head(5)]) != digest


class _Batches:
    """A unit's rows as ReviewedOut reads them (UnitRows' narrowed() and batches)."""

    def __init__(self, frames: list[pl.DataFrame]) -> None:
        self.frames, self.where = frames, []

    def narrowed(self, where: str, *params: object) -> "_Batches":
        self.where.append(where)
        return self

    def __iter__(self):
        return iter(self.frames)


def test_the_reviewed_out_list_holds_only_the_decisions_the_review_keeps_out(tmp_path, monkeypatch):
    """ReviewedOut reads a county's eligible rows a batch at a time and keeps only the ones
    the review leaves out, not every eligible row of the county (56 columns) to list a few;
    those are listed, wherever their batch."""
    from orchestration.exports.file_kinds import reviewed_out as kind
    from orchestration.exports.file_kinds.base import RunContext

    marks = [None, "disagree", "agree", None, None, "needs_more_information"]
    applies = [None, True, True, None, False, True]
    rows = pl.DataFrame(
        {
            "decision_id": [f"d{i}" for i in range(6)],
            "program": ["us_xx_law"] * 6,
            "county": ["YOLO"] * 6,
            "subject_id": [f"s{i}" for i in range(6)],
            "charge_ref": ["1"] * 6,
            "charge_key": [f"c{i}" for i in range(6)],
            "determination": ["eligible"] * 6,
            "relief": ["dismiss"] * 6,
            "review_mark": marks,
            "review_applies": applies,
            "review_note": [m and f"note {m}" for m in marks],
            "reviewer": [m and "A. Reviewer" for m in marks],
        }
    )
    batches = _Batches([rows.slice(0, 2), rows.slice(2, 2), rows.slice(4, 2)])
    held: list[list[pl.DataFrame]] = []
    concat = kind.concat_batches

    def holding(frames):
        held.append(list(frames))
        return concat(held[-1])

    monkeypatch.setattr(kind, "concat_batches", holding)
    (tmp_path / "YOLO").mkdir()
    ctx = RunContext(date(2025, 7, 1), False, {}, None, {}, None)
    written = kind.ReviewedOut().write(tmp_path, "YOLO", batches, ctx)

    assert batches.where == ["d.determination = 'eligible'"]
    assert [f["decision_id"].to_list() for f in held[0]] == [["d1"], ["d5"]]
    listed = pl.read_csv(tmp_path / "YOLO" / "reviewed_out.csv", infer_schema=False)
    assert listed["decision_id"].to_list() == ["d1", "d5"]
    assert written.files == {"YOLO/reviewed_out.csv": 2}
