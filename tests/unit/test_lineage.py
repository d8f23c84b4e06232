"""Lineage per decision, the pure parts: export places, row hashes, trace's text, reproduce's
checks and comparison. (tests/integration/test_trace.py runs them on a real pipeline run.)"""

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import polars as pl

from orchestration.audit import export_lines, reproduce, trace
from orchestration.exports import file_kinds
from orchestration.exports.file_kinds import Written
from orchestration.lib.keys import row_hash
from orchestration.lib.settings import DBT_PROJECT_DIR

# --------------------------------------------------------------------------------------------
# audit.export_lines


def test_the_table_has_the_same_columns_in_python_and_in_the_dbt_hook():
    macro = (DBT_PROJECT_DIR / "macros" / "audit_lineage.sql").read_text()
    body = macro[macro.index("create table if not exists") : macro.index("{%- endmacro %}")]
    dbt_columns = re.findall(r"^\s+(\w+) \{\{ dbt\.type_", body, re.M)
    assert dbt_columns == list(export_lines.SCHEMA)
    assert export_lines.DDL.startswith("create table if not exists audit.export_lines (run_id")


def test_record_start_lines_with_and_without_line_breaks_inside_fields(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,x\n2,y\n")
    assert export_lines.record_start_lines(plain, 2) == [2, 3]
    broken = tmp_path / "broken.csv"
    broken.write_text('a,b\n1,"two\nlines"\n2,y\n')
    assert export_lines.record_start_lines(broken, 2) == [2, 4]
    assert export_lines.record_start_lines(broken) == [2, 4]


def test_csv_and_jsonl_lines_name_each_record_by_its_id(tmp_path):
    f = tmp_path / "updates.csv"
    f.write_text('record_id,offense\nd1,"A\nB"\nd2,C\nTRAILER,2,abc\n')
    assert export_lines.csv_lines(f, "record_id") == [("d1", 2), ("d2", 4), ("TRAILER", 5)]
    j = tmp_path / "updates.jsonl"
    j.write_text('{"record_id": "d1"}\n{"record_id": "d2"}\n{"trailer": {"record_count": 2}}\n')
    assert export_lines.jsonl_lines(j, "record_id") == [("d1", 1), ("d2", 2)]


def test_every_kind_places_its_decisions(tmp_path):
    (tmp_path / "YOLO" / "gogen").mkdir(parents=True)
    (tmp_path / "repository").mkdir()
    (tmp_path / "YOLO" / "prop64_convictions.csv").write_text("decision_id,x\nd1,1\n")
    (tmp_path / "repository" / "p_updates.csv").write_text("record_id\nd1\nTRAILER,1,abc\n")
    (tmp_path / "repository" / "p_updates.jsonl").write_text('{"record_id": "d1"}\n')
    (tmp_path / "YOLO" / "gogen" / "Prop64_Results.csv").write_text("h\nr\n")
    (tmp_path / "YOLO" / "gogen" / "All_Results_Condensed.csv").write_text("h\nother\nr\n")
    kinds = {k.name: k for k in file_kinds.KINDS}
    # the gogen writer's count of the lines its decisions' records start on
    gogen_places = {
        "Prop64_Results.csv": pl.DataFrame({"decision_id": ["d1"], "line": [2]}),
        "All_Results_Condensed.csv": pl.DataFrame({"decision_id": ["d1"], "line": [3]}),
    }
    written = {
        "court_document": Written(
            files={"YOLO/p_court_order.pdf": 1},
            info={
                "documents": [
                    (
                        "YOLO/p_court_order.pdf",
                        [{"decision_id": "d1", "item": 4, "page": 2, "ref": "d1"}],
                    )
                ]
            },
        ),
        "review_workbook": Written(
            files={"YOLO/review.xlsx": 1},
            info={
                "file": "YOLO/review.xlsx",
                # as write_streamed gives them: a frame
                "placements": pl.DataFrame(
                    {"decision_id": ["d1"], "charge_key": ["c1"], "sheet": ["Eligible (1)"]}
                ).with_columns(row=pl.lit(2, dtype=pl.Int32)),
            },
        ),
        "gogen": Written(info={"folder": "YOLO/gogen", "places": gogen_places}),
        "county_csv": Written(files={"YOLO/prop64_convictions.csv": 1}),
        "repository_updates": Written(
            files={"repository/p_updates.csv": 1, "repository/p_updates.jsonl": 1}
        ),
    }
    placed = [kinds[name].places(tmp_path, w) for name, w in written.items()]
    got = export_lines.collect(placed)
    assert got.columns == list(export_lines.PLACE_COLUMNS)
    by_kind = {r["kind"]: r for r in got.iter_rows(named=True)}
    assert set(by_kind) == {
        "court_document",
        "review_workbook",
        "gogen_results",
        "gogen_condensed",
        "county_csv",
        "repository_csv",
        "repository_jsonl",
    }
    assert by_kind["court_document"]["location"] == "page 2, item 4 (Rd1)"
    assert by_kind["review_workbook"]["location"] == "sheet 'Eligible (1)', row 2"
    assert by_kind["gogen_results"]["line"] == 2 and by_kind["gogen_condensed"]["line"] == 3
    assert by_kind["repository_csv"]["line"] == 2 and by_kind["county_csv"]["line"] == 2
    assert set(got["decision_id"]) == {"d1"}


# --------------------------------------------------------------------------------------------
# trace


def test_row_hash_follows_the_documented_recipe():
    line = 'S1,"A, B",,x'
    fields = trace.doj_fields(line)
    assert fields == ["S1", "A, B", "", "x"]
    assert row_hash(fields) == hashlib.md5(b"S1|A, B||x").hexdigest()
    assert row_hash(["a", None]) == hashlib.md5(b"a|").hexdigest()


def test_canonical_fields_are_taken_in_the_format_order_blanks_as_none():
    from orchestration.ingest.canonical_format import TABLES

    columns = TABLES["charges"].columns
    header = ",".join(reversed(columns))
    values = ",".join(" " if c == "grade" else f"v_{c}" for c in reversed(columns))
    got = trace.canonical_fields(header, values, "charges")
    assert got == [None if c == "grade" else f"v_{c}" for c in columns]


def _chain() -> trace.Chain:
    return trace.Chain(
        decision={
            "decision_id": "f" * 32,
            "program": "us_ca_prop64",
            "subject_id": "S1",
            "charge_ref": "101002001000",
            "charge_key": "k1",
            "source_system": "doj",
            "jurisdiction": "US-CA",
            "determination": "eligible",
            "relief": "dismiss",
            "eligible_on": None,
            "as_of": date(2025, 7, 1),
            "reasons": "Misdemeanor [H&S 11361.8(e)]",
            "missing_facts": None,
        },
        source={
            "extract": None,
            "file": "doj.csv",
            "line": 3,
            "path": "/in/doj.csv",
            "sha256": "a" * 64,
            "staged_row_hash": "b" * 32,
        },
        staged={
            "records": 1,
            "step_type": "COURT ACTION",
            "disposition": "CONVICTED-PROBATION",
            "disposition_date": "20140519",
            "offense_text": "11357(b)HS-POSSESS",
            "offense_column": "CONV_OFFENSE_DESCR",
            "offense_level": "misdemeanor",
            "offense_level_column": "CONV_STAT_DESCR",
            "county": "YOLO",
        },
        charge={
            "statute": "CA:HS:11357(b)",
            "statute_code": "HS",
            "section": "11357",
            "subdivisions": "(b)",
            "is_attempt": False,
            "is_conspiracy": False,
            "enhancements": "",
            "parse_status": "parsed",
            "parse_method": "code_after_section",
            "parse_note": "lower case",
            "code_token": "11357(b)HS",
            "qualifier_sections": "",
        },
        criteria=[
            {
                "rule_id": "misdemeanor",
                "result": "met",
                "description": "level in misdemeanor,infraction",
                "fact": "level=misdemeanor (CONV_STAT_DESCR)",
                "missing_fact": None,
                "ready_on": None,
                "is_decisive_rule": True,
            }
        ],
        rule={
            "file": "us_ca/prop64.yaml",
            "path": "/rules/us_ca/prop64.yaml",
            "sha256": "c" * 64,
            "rules_version": "us_ca_prop64@2016-11-09+cccccccccccc",
            "law_version": date(2016, 11, 9),
            "decisive_rule": "misdemeanor",
            "reason_codes": "us_ca_prop64.misdemeanor",
            "citations": "H&S 11361.8(e)",
            "program_citations": "H&S 11361.8",
        },
        exports={
            "run_id": "r1",
            "published_at": None,
            "out_dir": "/out",
            "places": [{"file": "YOLO/review.xlsx", "location": "sheet 'E', row 2"}],
        },
    )


def test_render_names_every_link_and_to_json_round_trips():
    text = trace.render([_chain()])
    for piece in (
        "1 source    doj.csv line 3",
        "3 charge    CA:HS:11357(b)  parsed by code_after_section from '11357(b)HS'",
        "rule misdemeanor <- decided here",
        "5 rule      /rules/us_ca/prop64.yaml",
        "YOLO/review.xlsx  sheet 'E', row 2",
    ):
        assert piece in text, piece
    (back,) = json.loads(trace.to_json([_chain()]))
    assert back["source"]["line"] == 3 and back["decision"]["as_of"] == "2025-07-01"


def test_render_prints_no_research_note_of_a_citation():
    """A warehouse built from older rule files may hold a citation with a research note: trace
    prints the citations without it (rule files refuse one now: test_rules.py)."""
    noted = "Reading of the window (clearance-law.md 9.2 C5: open question, flag for counsel)"
    chain = _chain()
    chain.rule["citations"] = f"H&S 11361.8(e); {noted}"
    chain.rule["program_citations"] = f"{noted}; H&S 11361.8"
    chain.decision["reasons"] = f"Misdemeanor [H&S 11361.8; {noted}]"
    text = trace.render([chain])
    assert "law: H&S 11361.8\n" in text + "\n" and ": H&S 11361.8(e)\n" in text
    assert ": Misdemeanor [H&S 11361.8]\n" in text
    for note in ("clearance-law", "open question", "flag for counsel"):
        assert note not in text


# --------------------------------------------------------------------------------------------
# reproduce


def _decisions(rows: list[tuple]) -> pl.DataFrame:
    cols = ["program", "charge_key", "subject_id", "charge_ref", "determination", "relief"]
    cols += ["eligible_on", "decisive_rule", "reason_codes", "reasons", "rules_version"]
    return pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows], orient="row")


ROW = ("p", "c1", "S1", "1", "eligible", "dismiss", None, "r", "p.r", "why [cite]", "v1")


def test_compare_identical_changed_missing_extra():
    same = _decisions([ROW])
    assert reproduce.compare(same, same) == []
    changed = _decisions([(*ROW[:4], "not_eligible", *ROW[5:])])
    assert reproduce.compare(same, changed) == [
        "p subject S1 charge 1: determination 'eligible' -> 'not_eligible'"
    ]
    other = _decisions([("p", "c2", "S2", "2", *ROW[4:])])
    assert reproduce.compare(same, other) == [
        "p subject S1 charge 1: recorded (eligible), not reproduced",
        "p subject S2 charge 2: reproduced (eligible), not in the record",
    ]
    # an older record without reasons / decision_id: those are not compared
    older = _decisions([(*ROW[:9], None, ROW[10])])
    assert reproduce.compare(older, same) == []


def _recorded(tmp: Path, **kw) -> reproduce.RecordedRun:
    rules = tmp / "rules" / "us_xx"
    rules.mkdir(parents=True)
    (rules / "law.yaml").write_text("program: us_xx_law\n")
    extract = tmp / "doj.csv"
    extract.write_text("data\n")
    canon = tmp / "ut"
    canon.mkdir()
    (canon / "persons.csv").write_text("person_id\n")
    base = {
        "run_id": "run-1",
        "as_of": date(2025, 7, 1),
        "git_revision": "abc",
        "git_dirty": False,
        "rule_files": {
            "us_xx_law": {
                "file": "us_xx/law.yaml",
                "sha256": reproduce.sha256_of(rules / "law.yaml"),
                "version": "v",
            }
        },
        "options_sha256": None,
        "inputs": [
            {"kind": "doj", "path": str(extract), "sha256": reproduce.sha256_of(extract)},
            {
                "kind": "canonical",
                "path": str(canon),
                "tables": {
                    "persons": {
                        "file": "persons.csv",
                        "sha256": reproduce.sha256_of(canon / "persons.csv"),
                    },
                    "supervision": None,
                },
            },
        ],
        "options_file": None,
        "rules_dir": str(tmp / "rules"),
        "county": None,
        "decisions": 1,
    }
    return reproduce.RecordedRun(**{**base, **kw})


def test_check_names_what_changed_since_the_run(tmp_path):
    run = _recorded(tmp_path)
    assert reproduce.check(run) == []
    (tmp_path / "doj.csv").write_text("changed\n")
    (tmp_path / "ut" / "supervision.csv").write_text("person_id\n")
    (tmp_path / "rules" / "us_xx" / "law.yaml").write_text("program: us_xx_law # edited\n")
    (tmp_path / "rules" / "us_xx" / "new.yaml").write_text("program: us_xx_new\n")
    problems = reproduce.check(run)
    assert problems[0].startswith(f"input file {tmp_path / 'doj.csv'}: sha256 differs")
    assert f"input {tmp_path / 'ut' / 'supervision.csv'}: added since the run" in problems[1]
    assert problems[2].startswith(f"rule file (us_xx_law) {tmp_path / 'rules/us_xx/law.yaml'}")
    assert problems[3] == f"rule file {tmp_path / 'rules/us_xx/new.yaml'}: added since the run"
    assert len(problems) == 4
    (tmp_path / "doj.csv").unlink()
    assert f"input file {tmp_path / 'doj.csv'}: not found" in reproduce.check(run)


def test_check_refuses_a_run_recorded_without_inputs(tmp_path):
    (problem,) = reproduce.check(_recorded(tmp_path, inputs=None))
    assert "recorded without its inputs" in problem


def test_code_warnings():
    run = reproduce.RecordedRun(
        "r", date(2025, 7, 1), "abc123", False, {}, None, [], None, "/r", None, 0
    )
    assert reproduce.code_warnings(run, "abc123", False) == []
    (warning,) = reproduce.code_warnings(run, "def456", False)
    assert "revision def456" in warning and "abc123" in warning
