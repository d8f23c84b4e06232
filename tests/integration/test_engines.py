"""One dbt project, three engines, the same answers: DuckDB, PostgreSQL and Spark.

The hand-written CA DOJ extract of test_prop64_pipeline.py goes through the whole pipeline
(`cleanslate run`: ingest, rules, dbt build, gates, exports) once per engine (DBT_TARGET dev,
pg, spark). Every law-case group of rules/*/cases is staged and built on DuckDB by the law-case
runner (scripts/law_cases.py); the same staged records and compiled rules are then built on
PostgreSQL (every group) and on Spark (the largest group: SPARK_GROUPS says why)
(tests/integration/engine_batch.py: the dbt step's own publish / fetch). The decision tables
(fct_decisions, fct_decision_criteria) must be equal row for row and value for
value: ids, determinations, reliefs, reasons, dates, facts, rule traces. The county files the
three pipelines publish must be byte-identical.

Servers: a throwaway PostgreSQL and a local Spark (fixtures in conftest.py).
"""

import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from devtools.law_cases import load_case_files
from orchestration.cli import app
from orchestration.engines import SparkSettings
from orchestration.lib.settings import PROJECT_ROOT
from scripts import law_cases as law_case_runner
from tests.integration.test_prop64_pipeline import _write_inputs

pytestmark = [pytest.mark.integration, pytest.mark.engines]

TARGETS = ("dev", "pg", "spark")
TABLES = {
    "fct_decisions": ("decision_id",),
    "fct_decision_criteria": ("program", "charge_key", "rule_id", "condition_seq"),
}
CASES = load_case_files(PROJECT_ROOT / "rules")
CASE_GROUPS: dict[str, list] = defaultdict(list)
for _lc in CASES:
    CASE_GROUPS[_lc.group].append(_lc)
# Spark builds the largest group only (~90 cases, every law and condition type); the others
# differ from it in data alone (an as-of date, county options: rows of rules.*, not SQL), and a
# Spark build costs a minute of planning the condition SQL per group. PostgreSQL builds all.
SPARK_GROUPS = {max(CASE_GROUPS, key=lambda g: len(CASE_GROUPS[g]))}


def _cli_run(
    monkeypatch, target: str, extracts: list[Path], warehouse: Path, out: Path, *extra: str
):
    monkeypatch.setenv("DBT_TARGET", target)
    args = ["run", "--as-of", extra[0] if extra else "2025-07-01"]
    args += ["--warehouse", str(warehouse), "--out", str(out), *extra[1:]]
    for e in extracts:
        args += ["--extract", str(e)]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, f"{target}:\n{result.output}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory, postgres_server, spark_env, pytestconfig, law_case_runs):
    """{case: {target: DuckDB file holding the decision tables that target's engine built}}"""
    tmp = tmp_path_factory.mktemp("engines")
    mp = pytest.MonkeyPatch()
    seconds: dict[str, float] = defaultdict(float)
    built: dict[str, dict[str, Path]] = defaultdict(dict)
    try:
        # 1. The hand-written extract, the whole pipeline on each engine.
        extracts = list(_write_inputs(tmp))
        for target in TARGETS:
            started = time.monotonic()
            db = tmp / f"prop64_{target}.duckdb"
            _cli_run(mp, target, extracts, db, tmp / f"out_{target}")
            seconds[target] += time.monotonic() - started
            built["prop64"][target] = db
        # 2. The law cases: each group's staged records and compiled rules in a scratch
        # warehouse, built on DuckDB by the law-case runner (one in-process dbt build per
        # group, shared with test_law_cases, which proves it decides as the pipeline does,
        # whose every stage ran on each engine above) ...
        started = time.monotonic()
        results, keep = law_case_runs
        for n, ((group, _), result) in enumerate(
            zip(sorted(CASE_GROUPS.items()), results, strict=True)
        ):
            assert result.group.cases == CASE_GROUPS[group], group
            assert not result.problems, f"{group}: " + "\n".join(result.problems)
            db = keep / f"group{n}" / law_case_runner.WAREHOUSE_NAME
            built[f"cases:{group}"]["dev"] = db
            for target in TARGETS[1:]:
                if target == "spark" and group not in SPARK_GROUPS:
                    continue
                copy = tmp / "cases" / f"group{n}" / f"{target}.duckdb"
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(db, copy)
                built[f"cases:{group}"][target] = copy
        seconds["dev"] += time.monotonic() - started
        # ... and the same staged records and rules built on PostgreSQL and on Spark.
        for target in TARGETS[1:]:
            started = time.monotonic()
            cases = [c for c in built if c.startswith("cases:") and target in built[c]]
            files = [str(built[c][target]) for c in cases]
            work = tmp / f"batch_{target}"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.integration.engine_batch",
                    target,
                    *files,
                    "--work",
                    str(work),
                ],
                cwd=PROJECT_ROOT,
                check=True,
                timeout=1800,
            )
            seconds[target] += time.monotonic() - started
    finally:
        mp.undo()
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            "\nengine suite wall time: "
            + ", ".join(f"{t} {seconds[t]:.0f} s" for t in TARGETS)
            + f" ({len(built)} builds per engine)"
        )
    return {"tmp": tmp, **built}


def _value(v):
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return v


def _table(db: Path, table: str) -> tuple[list[str], dict[tuple, tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame = con.execute(f"select * from main.{table}").pl()
    finally:
        con.close()
    columns = sorted(frame.columns)
    key = TABLES[table]
    rows = {}
    for r in frame.iter_rows(named=True):
        k = tuple(r[c] for c in key)
        assert k not in rows, f"{table}: key {k} twice in {db.name}"
        rows[k] = tuple(_value(r[c]) for c in columns)
    return columns, rows


def _assert_same(case: str, built: dict[str, Path]):
    for table in TABLES:
        columns, expected = _table(built["dev"], table)
        assert expected, f"{case}: no rows in {table} on DuckDB"
        for target in TARGETS[1:]:
            if target not in built:  # Spark: the largest law-case group only (SPARK_GROUPS)
                continue
            got_columns, got = _table(built[target], table)
            assert got_columns == columns, f"{case} {table} on {target}: other columns"
            assert got.keys() == expected.keys(), (
                f"{case} {table} on {target}: rows differ: "
                f"missing {sorted(expected.keys() - got.keys())[:5]}, "
                f"extra {sorted(got.keys() - expected.keys())[:5]}"
            )
            diffs = [
                (k, c, e, g)
                for k in expected
                for c, e, g in zip(columns, expected[k], got[k], strict=True)
                if e != g
            ]
            assert not diffs, f"{case} {table} on {target}: {len(diffs)} values differ: {diffs[:5]}"


def test_prop64_extract_gives_the_same_decisions_on_every_engine(runs):
    _assert_same("prop64", runs["prop64"])
    # Every determination the Prop 64 test expects is there (not an empty agreement).
    _, rows = _table(runs["prop64"]["dev"], "fct_decisions")
    assert len(rows) >= 30


@pytest.mark.parametrize("group", sorted(CASE_GROUPS), ids=range(len(CASE_GROUPS)))
def test_law_cases_give_the_same_decisions_on_every_engine(runs, group):
    built = runs[f"cases:{group}"]
    assert set(built) == {"dev", "pg"} | ({"spark"} if group in SPARK_GROUPS else set())
    _assert_same(f"cases:{group}", built)


def test_the_published_files_are_byte_identical(runs):
    """Same decisions, same county files: everything but the run manifest (run id, times)."""
    tmp = runs["tmp"]

    def files(target: str) -> dict[str, bytes]:
        out = tmp / f"out_{target}"
        return {
            str(p.relative_to(out)): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "manifest.json"
        }

    expected = files("dev")
    assert any(name.endswith("prop64_convictions.csv") for name in expected)
    for target in TARGETS[1:]:
        got = files(target)
        assert got.keys() == expected.keys(), target
        differ = [name for name in expected if got[name] != expected[name]]
        assert not differ, f"{target}: {differ}"


def test_the_engines_really_built_the_models(runs, postgres_server):
    """The decisions came from PostgreSQL's and Spark's own tables, not from DuckDB."""
    from orchestration.engines import PostgresEngine

    n = PostgresEngine().query("select count(*) as n from marts.fct_decisions")
    assert n["n"][0] > 0
    spark_tables = SparkSettings.from_env().warehouse_dir / "marts.db" / "fct_decisions"
    assert list(spark_tables.glob("*.parquet"))
