"""Lineage per decision: `cleanslate trace` and `cleanslate reproduce` on a real run.

One small fabricated CA DOJ extract (a header and six records) goes through the whole graph
once; then a decision that is in every kind of export file is traced and each link is checked
against the files themselves (read back here, independently of trace's own checks): the
source line and the file's SHA-256, the staged record's hash, the parsed charge, the
conditions, the rule file and its citation, and every export file and line. An unknown
subject or count is a clear error; reproducing the run gives identical decisions, and after an
input file changed reproduction fails naming it.
"""

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.exports.gogen_bundle import CONDENSED_COLUMNS
from orchestration.ingest.doj_format import COLUMNS as DOJ_COLUMNS
from orchestration.lib.settings import PROJECT_ROOT
from tests.fixtures.doj import rec, write_extract

pytestmark = pytest.mark.integration

AS_OF = "2025-07-01"
CA = "COURT ACTION"
CONV = "CONVICTED-PROBATION"
SUBJECT, COUNT = "S01", "101002001000"
NAME, DOB = "TRACER,ANNA Q", "19710203"  # must never appear in trace's output
RECORDS = [
    rec(
        SUBJECT, "101001001000", "ARREST/DETAINED/CITED", "20140501", "11357(B)HS-POSSESS", toc="M"
    ),
    # the traced decision: misdemeanor 11357(b) -> Prop 64 dismissal (in every export kind)
    rec(
        SUBJECT,
        COUNT,
        CA,
        "20140519",
        "11357(b)HS-POSSESS MARIJUANA",
        disp=CONV,
        stat="MISDEMEANOR",
        name=NAME,
        dob=DOB,
    ),
    rec("S02", COUNT, CA, "20120101", "664-11357(C) HS-ATTEMPT POSSESS", disp=CONV, stat="FELONY"),
    rec("S03", COUNT, CA, "20170312", "11358 HS-CULTIVATE", disp=CONV, stat="MISDEMEANOR"),
    rec("S04", COUNT, CA, "20161100", "11359 HS-POSSESS FOR SALE", disp=CONV, stat="FELONY"),
    rec(
        "S05", COUNT, CA, "20100101", "11360 HS-TRANSPORT", disp=CONV, stat="FELONY", county="YOLO"
    ),
]
ALL_KINDS = {
    "court_document",
    "county_csv",
    "review_workbook",
    "repository_csv",
    "repository_jsonl",
    "gogen_results",
    "gogen_condensed",
}


def _cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trace")
    extract = write_extract(tmp / "doj.csv", RECORDS)
    wh, out = tmp / "wh.duckdb", tmp / "out"
    result = _cli(
        "run", "--as-of", AS_OF, "--extract", str(extract), "--out", str(out),
        "--warehouse", str(wh),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    run_id = re.search(r"Run ([0-9a-f-]{36}) succeeded", result.output).group(1)
    return {"tmp": tmp, "extract": extract, "wh": wh, "out": out, "run_id": run_id}


def _fixture_line(extract: Path, subject: str, count: str) -> int:
    """The physical line of the conviction record in the file (found by reading it)."""
    with extract.open(newline="") as f:
        for n, fields in enumerate(csv.reader(f), start=1):
            named = dict(zip(DOJ_COLUMNS, fields, strict=False))
            if (named["SUBJECT_ID"], named["CNT_ORDER"]) == (subject, count):
                if named["STP_TYPE_DESCR"] == CA:
                    return n
    raise AssertionError("record not in the fixture")


def _trace_json(run, *extra: str) -> list[dict]:
    result = _cli(
        "trace", "--subject", SUBJECT, "--count", COUNT, "--warehouse", str(run["wh"]), "--json",
        *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_trace_follows_every_link_of_a_published_decision(run):
    (chain,) = _trace_json(run, "--program", "us_ca_prop64")
    d = chain["decision"]
    assert (d["program"], d["subject_id"], d["charge_ref"]) == ("us_ca_prop64", SUBJECT, COUNT)
    assert (d["determination"], d["relief"]) == ("eligible", "dismiss")

    # 1 source: file, the fixture's line, the file's sha256, the staged record's hash
    src = chain["source"]
    line = _fixture_line(run["extract"], SUBJECT, COUNT)
    assert line == 3
    assert (src["file"], src["line"]) == ("doj.csv", line)
    assert Path(src["path"]) == run["extract"]
    assert src["sha256"] == hashlib.sha256(run["extract"].read_bytes()).hexdigest()
    fields = next(csv.reader([run["extract"].read_text().splitlines()[line - 1]]))
    assert src["staged_row_hash"] == hashlib.md5("|".join(fields).encode()).hexdigest()
    assert chain["checks"]["source_file"].startswith("unchanged")
    assert chain["checks"]["source_row"] == f"matches line {line} of the file"

    # 2 staged record's key fields; 3 the charge and how it was parsed
    st = chain["staged"]
    assert (st["step_type"], st["disposition"], st["disposition_date"]) == (
        CA,
        CONV,
        "20140519",
    )
    assert st["offense_text"] == "11357(b)HS-POSSESS MARIJUANA"
    ch = chain["charge"]
    assert (ch["statute"], ch["section"], ch["subdivisions"]) == ("CA:HS:11357(b)", "11357", "(b)")
    assert (ch["parse_status"], ch["parse_method"]) == ("parsed", "code_after_section")
    assert ch["code_token"] == "11357(B)HS" and ch["parse_note"] == "lower case"

    # 4 every condition evaluated, as in fct_decision_criteria, the deciding rule's all met
    con = duckdb.connect(str(run["wh"]), read_only=True)
    try:
        expected = con.execute(
            "select rule_id, condition_seq, result from fct_decision_criteria"
            " where program = 'us_ca_prop64' and charge_key = ? order by rule_order, condition_seq",
            [d["charge_key"]],
        ).fetchall()
        lineage_rows, decisions = con.execute(
            "select (select count(*) from fct_decision_lineage),"
            " (select count(*) from fct_decisions)"
        ).fetchone()
    finally:
        con.close()
    got = [(c["rule_id"], c["condition_seq"], c["result"]) for c in chain["criteria"]]
    assert got == expected and len(got) >= 3
    decisive = [c for c in chain["criteria"] if c["is_decisive_rule"]]
    assert {c["rule_id"] for c in decisive} == {"misdemeanor"}
    assert all(c["result"] == "met" for c in decisive)
    assert lineage_rows == decisions  # the lineage model: one row per decision

    # 5 the rule file, its hash, version and citations
    rule = chain["rule"]
    rule_file = PROJECT_ROOT / "rules" / "us_ca" / "prop64.yaml"
    assert rule["file"] == "us_ca/prop64.yaml" and Path(rule["path"]) == rule_file
    assert rule["sha256"] == hashlib.sha256(rule_file.read_bytes()).hexdigest()
    assert rule["rules_version"].endswith("+" + rule["sha256"][:12])
    assert rule["decisive_rule"] == "misdemeanor" and "11361.8" in rule["citations"]
    assert chain["checks"]["rule_file"].startswith("unchanged")

    # 6 the exports: every kind, each place read back here holds this decision
    exports = chain["exports"]
    assert exports["run_id"] == run["run_id"] and Path(exports["out_dir"]) == run["out"]
    places = exports["places"]
    assert {p["kind"] for p in places} == ALL_KINDS
    # ... every kind of place a registered file kind writes (but the reviewed-out list, which
    # holds what the court documents leave out): removing a kind from the registry fails here
    from orchestration.exports import file_kinds

    registered = {p for k in file_kinds.KINDS for p in k.place_kinds}
    assert registered - {"reviewed_out"} == ALL_KINDS
    assert all(p["check"] == "verified" for p in places), places
    did = d["decision_id"]
    for p in places:
        path = run["out"] / p["file"]
        if p["kind"] == "court_document":
            text = PdfReader(path).pages[p["page"] - 1].extract_text()
            assert f"R{did[:10]}" in text, p
        elif p["kind"] == "review_workbook":
            wb = load_workbook(path, read_only=True)
            rows = list(wb[p["sheet"]].iter_rows(values_only=True))
            wb.close()
            header, row = rows[0], rows[p["line"] - 1]
            assert row[header.index("Charge key")] == d["charge_key"], p
            assert row[header.index("Program")] == "us_ca_prop64", p
        else:
            text = path.read_text().split("\n")[p["line"] - 1]
            values = next(csv.reader([text]))
            if p["kind"] == "repository_jsonl":
                assert json.loads(text)["record_id"] == did, p
            elif p["kind"] == "gogen_results":  # the 95 source fields, then the tool's
                assert values[: len(fields)] == fields, p
            elif p["kind"] == "gogen_condensed":  # the condensed source fields, then the tool's
                want = [fields[DOJ_COLUMNS.index(c)] for c in CONDENSED_COLUMNS]
                assert values[: len(want)] == want, p
            else:
                assert text.startswith(did + ","), p
    assert {p["file"] for p in places} >= {
        "SAN JOAQUIN/prop64_convictions.csv",
        "SAN JOAQUIN/us_ca_prop64_court_order.pdf",
        "SAN JOAQUIN/review.xlsx",
        "SAN JOAQUIN/gogen/Prop64_Results.csv",
        "SAN JOAQUIN/gogen/All_Results_Condensed.csv",
        "repository/us_ca_prop64_updates.csv",
        "repository/us_ca_prop64_updates.jsonl",
    }


def test_trace_shows_every_law_as_text_without_personal_data(run):
    result = _cli("trace", "--subject", SUBJECT, "--count", COUNT, "--warehouse", str(run["wh"]))
    assert result.exit_code == 0, result.output
    text = result.output
    programs = re.findall(r"^Decision [0-9a-f]{32}  (\S+)", text, re.M)
    assert "us_ca_prop64" in programs and len(programs) >= 2  # several laws decide it
    for link in ("1 source", "2 staged", "3 charge", "4 criteria", "5 rule", "6 exports"):
        assert text.count(link) == len(programs), link
    assert "doj.csv line 3" in text and "[verified]" in text and "<- decided here" in text
    for personal in (NAME, "TRACER", DOB, f"CII{SUBJECT}", f"CASE-{SUBJECT}"):
        assert personal not in text


def test_trace_of_an_unknown_subject_or_count_is_a_clear_error(run):
    wh = str(run["wh"])
    result = _cli("trace", "--subject", "NOBODY", "--count", COUNT, "--warehouse", wh)
    assert result.exit_code == 2
    assert "no decisions for subject 'NOBODY'" in result.output
    result = _cli("trace", "--subject", SUBJECT, "--count", "999999999999", "--warehouse", wh)
    assert result.exit_code == 2
    assert "no decision for count '999999999999'" in result.output and COUNT in result.output


def test_reproduce_gives_identical_decisions(run):
    into = run["tmp"] / "again.duckdb"
    result = _cli(
        "reproduce", "--run", run["run_id"][:8], "--warehouse", str(run["wh"]),
        "--into", str(into), "--out", str(run["tmp"] / "again_out"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(run["wh"]), read_only=True)
    try:
        (n,) = con.execute(
            "select count(*) from audit.decisions where run_id = ?", [run["run_id"]]
        ).fetchone()
    finally:
        con.close()
    assert f"reproduced: {n} decisions identical" in result.output
    # the re-run's exports are the same documents (manifest.json names the run)
    for name in ("SAN JOAQUIN/us_ca_prop64_court_order.pdf", "repository/us_ca_prop64_updates.csv"):
        assert (run["tmp"] / "again_out" / name).read_bytes() == (run["out"] / name).read_bytes()
    # an existing warehouse is never overwritten
    again = _cli(
        "reproduce", "--run", run["run_id"], "--warehouse", str(run["wh"]), "--into", str(into)
    )
    assert again.exit_code == 2 and "exists" in again.output


def test_reproduce_after_an_input_changed_fails_naming_the_file(run):
    extract: Path = run["extract"]
    saved = run["tmp"] / "doj.csv.orig"
    shutil.copyfile(extract, saved)
    try:
        with extract.open("a") as f:
            f.write(",".join(rec("S09", COUNT, CA, "20100101", "11357 HS", disp=CONV)) + "\n")
        result = _cli(
            "reproduce", "--run", run["run_id"], "--warehouse", str(run["wh"]),
            "--into", str(run["tmp"] / "changed.duckdb"),
        )  # fmt: skip
    finally:
        shutil.copyfile(saved, extract)
    assert result.exit_code == 2, result.output
    assert f"input file {extract}: sha256 differs" in result.output
    assert not (run["tmp"] / "changed.duckdb").exists()


def test_lineage_view_has_one_row_per_decision(run):
    """fct_decision_lineage has no dbt tests (too costly per build): its grain is checked here."""
    with duckdb.connect(str(run["wh"]), read_only=True) as con:
        decisions = con.execute("select count(*) from fct_decisions").fetchone()[0]
        rows, ids = con.execute(
            "select count(*), count(distinct decision_id) from fct_decision_lineage"
        ).fetchone()
        missing = con.execute(
            "select count(*) from fct_decisions e "
            "anti join fct_decision_lineage l on l.decision_id = e.decision_id"
        ).fetchone()[0]
    assert decisions > 0
    assert rows == ids == decisions
    assert missing == 0
