"""The whole graph (ingest -> rules -> dbt -> gates -> exports) on hand-written extracts.

Each conviction below states its expected determination, relief and deciding rule; together
they cover every Prop 64 rule and disqualifier in rules/us_ca/prop64.yaml and the edge cases
of ../shared/docs/clearance-law.md 9.1 (P-numbers in the comments). as_of = 2025-07-01.
"""

import csv
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from orchestration.audit.on_demand import CHARGE_KEYS_VARIABLE, only_charges
from orchestration.cli import app
from tests.fixtures.doj import rec, write_extract

pytestmark = pytest.mark.integration

CA = "COURT ACTION"
AR = "ARREST/DETAINED/CITED"
CONV = "CONVICTED-PROBATION"
FEL, MIS = "FELONY", "MISDEMEANOR"

# (subject, cnt_order) -> (determination, relief, deciding rule)
EXPECTED: dict[tuple[str, str], tuple[str, str | None, str]] = {}


def conviction(expect, subject, cnt, date, offense, **kw):
    EXPECTED[(subject, cnt)] = expect
    kw.setdefault("disp", CONV)
    return rec(subject, cnt, CA, date, offense, **kw)


E_DISMISS = ("eligible", "dismiss", "dismiss_section")
E_REDUCE = ("eligible", "reduce", "reduce_section")
E_MISD = ("eligible", "dismiss", "misdemeanor")

FILE_1 = [
    # P1 misdemeanor 11357(b) -> dismiss
    rec("S01", "101001001000", AR, "20140501", "11357(B)HS-POSSESS MARIJUANA", toc="M"),
    conviction(E_MISD, "S01", "101002001000", "20140519", "11357(b)HS-POSSESS MARIJUANA", stat=MIS),
    # P2 felony 11358 -> county dismisses 11358
    conviction(
        E_DISMISS,
        "S02",
        "101002001000",
        "20140211",
        "11358 HS-CULTIVATE CANNABIS",
        stat=FEL,
        sent=("PROBATION", "6", "M"),
    ),
    # P3 felony 11359, no priors -> reduce
    conviction(E_REDUCE, "S03", "101002001000", "19910411", "11359 HS-POSSESS FOR SALE", stat=FEL),
    # P4 superstrike (187) before the 11359 -> review
    rec("S04", "101002001000", CA, "19890110", "187 PC-MURDER", disp="CONVICTED-PRISON", stat=FEL),
    conviction(
        ("needs_review", None, "prior_superstrike"),
        "S04",
        "102002001000",
        "19910411",
        "11359 HS-POSSESS FOR SALE",
        stat=FEL,
    ),
    # P5 superstrike AFTER the 11359: with priors_must_precede (default) -> reduce
    conviction(E_REDUCE, "S05", "101002001000", "19910411", "11359 HS-POSSESS FOR SALE", stat=FEL),
    rec(
        "S05",
        "102002001000",
        CA,
        "19950301",
        "664/187 PC-ATTEMPT MURDER",
        disp="CONVICTED-PRISON",
        stat=FEL,
    ),
    # P6 three 11360 felonies: the third has two priors -> review (its file is FILE_2)
    conviction(E_REDUCE, "S06", "101002001000", "20050301", "11360 HS-TRANSPORT", stat=FEL),
    conviction(E_REDUCE, "S06", "102002001000", "20080301", "11360 HS-TRANSPORT", stat=FEL),
    # P7 sale to a minor / import-export subdivisions -> not eligible
    conviction(
        ("not_eligible", None, "excluded_subdivision"),
        "S07",
        "101002001000",
        "20100505",
        "11359(C)(3) HS-SELL TO MINOR",
        stat=FEL,
    ),
    conviction(
        ("not_eligible", None, "excluded_subdivision"),
        "S07",
        "101002002000",
        "20100505",
        "11360(A)(3)(D) HS-IMPORT",
        stat=FEL,
    ),
    # P8 after 11/9/2016 -> not eligible
    conviction(
        ("not_eligible", None, "post_prop64"),
        "S08",
        "101002001000",
        "20170312",
        "11358 HS-CULTIVATE CANNABIS",
        stat=MIS,
    ),
    # P9 attempts, hyphen and slash forms: 11357 -> dismiss
    conviction(
        E_DISMISS, "S09", "101002001000", "20120101", "664-11357(C) HS-ATTEMPT POSSESS", stat=FEL
    ),
    conviction(
        E_DISMISS, "S09", "101002002000", "20120101", "664/11357(C) HS-ATTEMPT POSSESS", stat=FEL
    ),
    # P10 the charge is in the comment
    conviction(
        E_DISMISS,
        "S10",
        "101002001000",
        "20130101",
        "SEE COMMENT FOR CHARGE",
        comment="11358 HS-CULTIVATE CANNABIS",
        stat=FEL,
    ),
    conviction(E_MISD, "S11", "101002001000", "20130101", "", comment="11357 HS-POSSESS", stat=MIS),
    # P13 PC 290 registration before the conviction -> review
    rec("S12", "101001001000", "REGISTRATION", "20000101", "290 PC-REGISTRATION OF SEX OFFENDER"),
    conviction(
        ("needs_review", None, "prior_290_registration"),
        "S12",
        "102002001000",
        "20050101",
        "11360 HS-TRANSPORT",
        stat=FEL,
    ),
    # PC 290(c) registrable conviction (647.6, not a superstrike) before -> review
    rec(
        "S13",
        "101002001000",
        CA,
        "19990101",
        "647.6 PC-ANNOY CHILD",
        disp="CONVICTED-JAIL",
        stat=MIS,
    ),
    conviction(
        ("needs_review", None, "prior_290_conviction"),
        "S13",
        "102002001000",
        "20030101",
        "11359 HS-POSSESS FOR SALE",
        stat=FEL,
    ),
    # P19 11357.5 is not Prop 64 (no row); 11357 is
    rec("S14", "101002001000", CA, "20100101", "11357.5 HS-SYNTH CANNABINOID", disp=CONV, stat=FEL),
    conviction(E_DISMISS, "S14", "102002001000", "20100101", "11357 HS-POSSESS", stat=FEL),
    # Partial dates: year 1990 is certainly before 11/9/2016 -> decided
    conviction(E_DISMISS, "S15", "101002001000", "19900000", "11358 HS-CULTIVATE", stat=FEL),
    # ... year 2016 or November 2016 cannot be placed -> review, naming the date
    conviction(
        ("needs_review", None, "post_prop64"),
        "S16",
        "101002001000",
        "20160000",
        "11359 HS-POSSESS FOR SALE",
        stat=FEL,
    ),
    conviction(
        ("needs_review", None, "post_prop64"),
        "S17",
        "101002001000",
        "20161100",
        "11359 HS-POSSESS FOR SALE",
        stat=FEL,
    ),
    # Blank CONV_STAT_DESCR: OFFENSE_TOC decides; both blank -> review
    conviction(E_MISD, "S18", "101002001000", "20100101", "11360 HS-GIVE AWAY", toc="M"),
    conviction(
        ("needs_review", None, "misdemeanor"),
        "S19",
        "101002001000",
        "20100101",
        "11360 HS-GIVE AWAY",
    ),
    # A section with no code abbreviation: cannot tell it is H&S -> review
    conviction(
        ("needs_review", None, "scope"),
        "S20",
        "101002001000",
        "20100101",
        "11357(A)-POSSESS",
        stat=FEL,
    ),
    # Out of county: the warehouse keeps it; the export files it under YOLO
    conviction(
        E_DISMISS, "S21", "101002001000", "20100101", "11358 HS-CULTIVATE", stat=FEL, county="YOLO"
    ),
    # P18 deceased: off by default -> reduce (the options run turns it on)
    rec("S22", "109001001000", "DECEASED", "20200101"),
    conviction(E_REDUCE, "S22", "101002001000", "20100101", "11360 HS-TRANSPORT", stat=FEL),
    # P16 two sentence rows of one count, not adjacent: one conviction, both parts summed
    conviction(
        E_DISMISS,
        "S23",
        "101002001000",
        "20140211",
        "11358 HS-CULTIVATE",
        stat=FEL,
        disp="CONVICTED-JAIL",
        sent=("JAIL", "90", "D"),
    ),
    rec(
        "S23",
        "101002002000",
        CA,
        "20140211",
        "4060 BP-POSSESS CTRL SUBSTNCE",
        disp="DISMISSED/CHARGE DROPPED",
    ),
    rec(
        "S23",
        "101002001000",
        CA,
        "20140211",
        "11358 HS-CULTIVATE",
        disp=CONV,
        stat=FEL,
        sent=("PROBATION", "6", "M"),
    ),
    # Conspiracy 182/11360 -> 11360 -> reduce
    conviction(E_REDUCE, "S24", "101002001000", "20090101", "182/11360 HS-CONSPIRACY", stat=FEL),
    # A superstrike in 2010 (year only) vs an 11360 on 2010-06-01: order unknown -> review
    rec("S25", "101002001000", CA, "20100000", "187 PC-MURDER", disp="CONVICTED-PRISON", stat=FEL),
    conviction(
        ("needs_review", None, "prior_superstrike"),
        "S25",
        "102002001000",
        "20100601",
        "11360 HS-TRANSPORT",
        stat=FEL,
    ),
    # Not convicted: no row
    rec("S26", "101002001000", CA, "20100101", "11357 HS-POSSESS", disp="DISMISSED/CHARGE DROPPED"),
    # Code before the section, lower case
    conviction(E_DISMISS, "S27", "101002001000", "20100101", "hs 11358-CULTIVATE", stat=FEL),
    # A felony of a section the county neither dismisses nor reduces: the options run only
    conviction(
        E_DISMISS,
        "S28",
        "101002001000",
        "20100101",
        "11357 H&S-POSSESS",
        stat=FEL,
        county="san  joaquin",
    ),
]

FILE_2 = [
    # P6 (continued): same subject in another file; two earlier 11360 felonies -> review
    conviction(
        ("needs_review", None, "two_priors"),
        "S06",
        "103002001000",
        "20120301",
        "11360 HS-TRANSPORT",
        stat=FEL,
    ),
]


def _write_inputs(tmp: Path) -> tuple[Path, Path]:
    f1 = write_extract(tmp / "extract_a.csv", FILE_1)
    f2 = write_extract(tmp / "extract_b.csv", FILE_2, header=False)
    with f2.open("ab") as f:
        f.write(b"only,three,fields\n")  # wrong field count -> rejected, line 2
        f.write(b"\n")  # blank line: not a record
        row = rec("S99", "101002001000", CA, "20100101", "11357 HS", name="X Y")
        line = ",".join(row).encode()
        f.write(line.replace(b"S99", b"S\xff9") + b"\n")  # undecodable bytes -> line 4
    return f1, f2


def _run(tmp: Path, *extra: str, extracts: list[Path], out: str = "out", wh: str = "wh.duckdb"):
    args = ["run", "--as-of", "2025-07-01", "--out", str(tmp / out), "--warehouse", str(tmp / wh)]
    for e in extracts:
        args += ["--extract", str(e)]
    return CliRunner().invoke(app, [*args, *extra], catch_exceptions=False)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory, monkeypatch_module):
    tmp = tmp_path_factory.mktemp("prop64")
    f1, f2 = _write_inputs(tmp)
    result = _run(tmp, extracts=[f1, f2])
    assert result.exit_code == 0, result.output
    return tmp, result


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _decisions(db: Path) -> dict[tuple[str, str], dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = (
            con.execute("select * from fct_decisions where program = 'us_ca_prop64'")
            .pl()
            .to_dicts()
        )
    finally:
        con.close()
    return {(r["subject_id"], r["cnt_order"]): r for r in rows}


def test_a_run_prints_one_line_per_stage_and_keeps_dbt_s_log_aside(default_run):
    """Without -v: a short console (stage lines, the summary with law titles); dbt's per-node
    log in a file beside the warehouse that only its owner reads."""
    tmp, result = default_run
    lines = result.output.splitlines()
    assert len(lines) < 40, result.output
    stage_lines = [line.strip() for line in lines if " done in " in line]
    for stage in ("Ingest", "Rules", "Input checks", "Decide (dbt)", "Exports", "Publish"):
        assert any(line.startswith(f"{stage} ") for line in stage_lines), stage
    # the counters of the long stages, as they ended
    assert any(line.startswith("Ingest ") and "DOJ records read" in line for line in stage_lines)
    assert any(line.startswith("Exports ") and "counties written" in line for line in stage_lines)
    assert "California Prop 64: dismissal or reduction of cannabis convictions" in result.output
    for noise in ("Running with dbt", " START ", "FutureWarning", "partial parsing"):
        assert noise not in result.output, noise
    log = tmp / ".wh.duckdb.run.log"
    assert "Running with dbt" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600


def test_every_conviction_gets_its_expected_determination(default_run):
    tmp, _ = default_run
    got = _decisions(tmp / "wh.duckdb")
    assert len(EXPECTED) >= 25
    assert set(got) == set(EXPECTED), "in-scope convictions differ"
    wrong = {
        k: ((g["determination"], g["relief"], g["decisive_rule"]), EXPECTED[k])
        for k, g in got.items()
        if (g["determination"], g["relief"], g["decisive_rule"]) != EXPECTED[k]
    }
    assert not wrong, wrong


def test_decisions_explain_themselves(default_run):
    tmp, _ = default_run
    got = _decisions(tmp / "wh.duckdb")
    for key, row in got.items():
        assert row["reason_codes"].startswith("us_ca_prop64."), key
        assert row["rules_version"].startswith("us_ca_prop64@"), key
        assert str(row["as_of"]) == "2025-07-01"
        assert row["source_file"] in {"extract_a.csv", "extract_b.csv"} and row["source_line"] >= 1
    # A decided row cites its statute; an undecided one names the missing fact.
    assert "11361.8(e)" in got[("S01", "101002001000")]["reasons"]
    assert "PC 667(e)(2)(C)(iv)" in got[("S04", "102002001000")]["reasons"]
    # Prop 64 asks for the offense date: here the arrest (cycle) date, year only
    s16 = got[("S16", "101002001000")]["missing_facts"]
    assert "exact offense date (taken from CYC_DATE)" in s16
    assert "felony/misdemeanor" in got[("S19", "101002001000")]["missing_facts"]
    assert "code abbreviation" in got[("S20", "101002001000")]["missing_facts"]
    assert "extract_a.csv" in got[("S25", "102002001000")]["missing_facts"]
    # P16: one conviction for two sentence rows, both parts summed (6 months + 90 days).
    s23 = got[("S23", "101002001000")]
    assert str(s23["sentence_end_date"]) == "2014-11-09"
    # Normalization made it through: attempt flag and canonical statute.
    s09 = got[("S09", "101002001000")]
    assert (s09["statute"], s09["is_attempt"]) == ("CA:HS:11357(c)", True)


def test_on_demand_views_restricted_to_named_charges_give_the_same_rows(default_run):
    """`explain` and `trace` name their charges (audit/on_demand.py) so the criteria views
    evaluate only those: the rows for those charges are the views' own, none missing, no other
    charge's, and unsetting the variable makes the views whole again."""
    tmp, _ = default_run
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        views = ("fct_decision_criteria", "int_rule_conditions_evaluated")
        whole = {v: con.execute(f"select * from main.{v}").pl() for v in views}
        keys = sorted(set(whole["fct_decision_criteria"]["charge_key"].to_list()))[:3]
        assert len(keys) == 3
        only_charges(con, keys)
        for v in views:
            some = con.execute(f"select * from main.{v}").pl()
            expected = whole[v].filter(pl.col("charge_key").is_in(keys))
            assert expected.height > 0, v
            assert some.sort(some.columns).equals(expected.sort(expected.columns)), v
        con.execute(f"reset variable {CHARGE_KEYS_VARIABLE}")
        assert con.execute("select count(*) from main.fct_decision_criteria").fetchone()[0] == (
            whole["fct_decision_criteria"].height
        )
    finally:
        con.close()


def test_ingest_keeps_every_record(default_run):
    tmp, _ = default_run
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        staged = con.execute("select count(*) from raw.doj_extract").fetchone()[0]
        rejects = con.execute(
            "select source_file, source_line, error from raw.doj_rejects order by source_line"
        ).fetchall()
    finally:
        con.close()
    assert staged == len(FILE_1) + len(FILE_2)
    assert [(f, ln) for f, ln, _ in rejects] == [("extract_b.csv", 2), ("extract_b.csv", 4)]
    assert rejects[0][2].startswith("wrong number of fields: 3")
    assert "not UTF-8" in rejects[1][2]


def test_exports_per_county(default_run):
    tmp, result = default_run
    out = tmp / "out"
    assert _county_folders(out) == ["SAN JOAQUIN", "YOLO"]
    sj = out / "SAN JOAQUIN"
    assert oct(sj.stat().st_mode & 0o777) == "0o700"
    assert oct((sj / "prop64_convictions.csv").stat().st_mode & 0o777) == "0o600"
    with (sj / "prop64_convictions.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(EXPECTED) - 1  # all but the YOLO conviction
    # "san  joaquin" on S28's row is the same county
    assert {r["subject_id"] for r in rows} >= {"S28", "S01"}
    summary = json.loads((sj / "summary.json").read_text())
    assert summary["convictions"] == len(rows)
    dets = [e[0] for k, e in EXPECTED.items() if k[0] != "S21"]
    assert summary["by_determination"] == {d: dets.count(d) for d in sorted(set(dets))}
    assert summary["subjects_with_relief"] == len(
        {k[0] for k, e in EXPECTED.items() if e[1] and k[0] != "S21"}
    )
    assert "SAN JOAQUIN" in result.output and "Warehouse:" in result.output
    assert not list(out.rglob(".*tmp*")), "temporary files left behind"


def test_county_options_change_the_outcome(tmp_path):
    """The earlier tool's options file plus our parameters; one county exported."""
    f1, f2 = _write_inputs(tmp_path)
    options = tmp_path / "options.json"
    options.write_text(
        json.dumps(
            {
                "baselineEligibility": {"dismiss": ["11357"], "reduce": ["11359", "11360"]},
                "additionalRelief": {"subjectIsDeceased": True, "subjectAgeThreshold": 0},
                "parameters": {"priors_must_precede": False},
            }
        )
    )
    result = _run(tmp_path, "--options", str(options), "--county", " yolo ", extracts=[f1, f2])
    assert result.exit_code == 0, result.output
    got = _decisions(tmp_path / "wh.duckdb")
    # 11358 is no longer dismissed and not reduced either: no criterion -> review
    assert got[("S02", "101002001000")]["decisive_rule"] == "no_criterion"
    assert got[("S22", "101002001000")]["relief"] == "dismiss"  # deceased
    assert got[("S05", "101002001000")]["decisive_rule"] == "prior_superstrike"  # P5, false
    assert _county_folders(tmp_path / "out") == ["YOLO"]


def _county_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_dir() and p.name not in SHARED_FOLDERS)


SHARED_FOLDERS = {"repository", "report"}


def _bad_extract(path: Path) -> Path:
    """An extract the staged-extract gate (GE suite doj_extract) must stop: a quarter of its
    CNT_ORDER values are malformed, far over the suite's 1% tolerance. (A record with no
    SUBJECT_ID no longer does: the reader quarantines it.)"""
    return write_extract(
        path,
        [
            *FILE_1[:3],
            rec("S98", "1010020", CA, "20100101", "11357 HS", disp=CONV, stat=FEL),
        ],
    )


def test_bad_data_blocks_the_export(tmp_path):
    """Too many malformed CNT_ORDERs fail the staged-extract gate: nothing is exported."""
    bad = _bad_extract(tmp_path / "bad.csv")
    result = _run(tmp_path, extracts=[bad])
    assert result.exit_code == 1
    assert "ge_doj_extract" in result.output and "CNT_ORDER" in result.output
    assert "ran out of memory" not in result.output  # only when DuckDB did
    assert f"the run's log (dbt's, per node): {tmp_path / '.wh.duckdb.run.log'}" in result.output
    assert not (tmp_path / "out").exists()


def test_a_build_out_of_memory_fails_closed_and_names_the_setting(tmp_path, monkeypatch):
    """DuckDB's out-of-memory error advises its own `SET memory_limit`; the run says which of
    the project's settings bounds dbt's build, and publishes nothing."""
    f1, f2 = _write_inputs(tmp_path)
    monkeypatch.setenv("CLEANSLATE_DUCKDB_MEMORY", "4MB")
    result = _run(tmp_path, extracts=[f1, f2])
    assert result.exit_code == 1
    assert "FAILED: no export was written" in result.output
    assert "DuckDB ran out of memory in dbt's build under CLEANSLATE_DUCKDB_MEMORY=4MB" in (
        result.output
    )
    assert not (tmp_path / "out").exists()


def test_a_failed_run_leaves_the_published_set_untouched(default_run):
    """After a good run, a run whose data fails a gate changes nothing that was published."""
    tmp, _ = default_run
    out = tmp / "out"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    manifest = json.loads((out / "manifest.json").read_text())
    bad = _bad_extract(tmp / "bad.csv")
    result = _run(tmp, extracts=[bad], wh="wh_bad.duckdb")
    assert result.exit_code == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert json.loads((out / "manifest.json").read_text())["run_id"] == manifest["run_id"]
    assert not list(tmp.glob(".out.staging-*"))  # the gate stopped it before any file


def test_dbt_unit_tests_pass(default_run):
    """The SQL unit tests (charge-code parser cases, charge assembly, ...) run here on a built
    warehouse, not in every production build. The condition evaluator's ~100 cases run once,
    on a fresh warehouse (test_dbt_unit_tests.py); the input types they declare for that are
    checked against this built warehouse below (test_unit_test_fixture_columns_match_...)."""
    import os
    import subprocess
    import sys

    from orchestration.lib.settings import DBT_PROJECT_DIR

    tmp, _ = default_run
    dbt = Path(sys.executable).parent / "dbt"
    argv = [str(dbt), "test", "--select", "test_type:unit", "--profiles-dir", "."]
    argv += ["--exclude", "path:models/intermediate/condition_unit_tests"]
    result = subprocess.run(
        [*argv, "--project-dir", ".", "--target-path", str(tmp / "dbt_target")],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "CLEANSLATE_WAREHOUSE": str(tmp / "wh.duckdb"), "DBT_TARGET": "dev"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS=" in result.stdout and " ERROR=0" in result.stdout, result.stdout[-2000:]


def test_unit_test_fixture_columns_match_the_warehouse(default_run):
    """The column types macros/unit_test_fixtures.sql declares for unit test inputs (used when
    a warehouse does not have the model, tests/integration/test_dbt_unit_tests.py) are the
    models' own, as a built warehouse has them."""
    import yaml

    from orchestration.lib.settings import DBT_PROJECT_DIR

    tmp, _ = default_run
    macro = (Path(DBT_PROJECT_DIR) / "macros" / "unit_test_fixtures.sql").read_text()
    declared_yaml = macro.split("{%- set columns_yaml -%}")[1].split("{%- endset -%}")[0]
    declared = yaml.safe_load(declared_yaml)
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        built = {
            model: dict(
                con.execute(
                    "select column_name, lower(data_type) from information_schema.columns"
                    " where table_name = ? order by ordinal_position",
                    [model],
                ).fetchall()
            )
            for model in declared
        }
    finally:
        con.close()
    assert built == declared
