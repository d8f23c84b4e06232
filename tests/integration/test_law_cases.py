"""Every law case in rules/<state>/cases/*.yaml, checked against the decision table.

The per-case checks use the law-case runner (scripts/law_cases.py, `make law-cases`): one
scratch warehouse and one `dbt build` of the decision models per group of cases (same as_of and
options), with the expectations checked in dbt (dbt_project/tests/law_cases). One end-to-end
run stays: the largest group through `cleanslate run` (Dagster, ingest, GE, dbt, gates,
exports), whose decisions must meet the same expectations and equal the runner's.
"""

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from devtools.law_cases import LoadedCase, load_case_files, write_case_extract
from orchestration.cli import app
from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.rules.load import load_rules_dir
from scripts import law_cases as runner

pytestmark = pytest.mark.integration

CASES = load_case_files(PROJECT_ROOT / "rules")
GROUPS: dict[str, list[LoadedCase]] = defaultdict(list)
for _lc in CASES:
    GROUPS[_lc.group].append(_lc)
LARGEST = max(GROUPS.values(), key=len)
# what the end-to-end run and the runner must decide alike
DECISION_COLUMNS = (
    "program",
    "person_key",
    "charge_ref",
    "determination",
    "relief",
    "eligible_on",
    "decisive_rule",
    "reasons",
    "missing_facts",
)


@pytest.fixture(scope="module")
def runner_results(law_case_runs) -> tuple[list[runner.GroupResult], Path]:
    """Every group through the runner; the groups' folders (warehouses) are kept (conftest.py:
    one build per test session, shared with test_engines)."""
    results, keep = law_case_runs
    assert sorted(len(r.group.cases) for r in results) == sorted(
        Counter(c.group for c in CASES).values()
    )
    return results, keep


@pytest.mark.parametrize("lc", CASES, ids=[f"{c.program}:{c.case.id}" for c in CASES])
def test_law_case(lc: LoadedCase, runner_results):
    results, _ = runner_results
    result = next(r for r in results if lc in r.group.cases)
    assert not result.problems, "\n".join(result.problems)
    mine = [f for f in result.failures if (f["program"], f["case_id"]) == (lc.program, lc.case.id)]
    assert not mine, runner.describe(
        runner.GroupResult(result.group, result.seconds, failures=mine)
    )


def _decisions(warehouse: Path) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return (
            con.execute(
                f"select {', '.join(DECISION_COLUMNS)} from fct_decisions"
                " where source_system = 'canonical' order by program, person_key, charge_ref"
            )
            .pl()
            .to_dicts()
        )
    finally:
        con.close()


def test_largest_group_end_to_end(tmp_path, runner_results):
    """The largest group through the whole CLI: the expectations hold there too, and every
    decision equals the runner's (the runner stages and compiles as the pipeline does)."""
    args = [
        "run",
        "--as-of",
        LARGEST[0].as_of.isoformat(),
        "--out",
        str(tmp_path / "out"),
        "--warehouse",
        str(tmp_path / "wh.duckdb"),
        # each case is a hand-made extract of a few charges, some deliberately unreadable
        # or out of every law's scope: the run gates are for real extracts, not these
        "--max-unread-share",
        "1",
        "--expect-empty",
    ]
    for lc in LARGEST:
        args += ["--extract", str(write_case_extract(lc, tmp_path / "extracts"))]
    if LARGEST[0].options:
        options = tmp_path / "options.json"
        options.write_text(json.dumps(LARGEST[0].options))
        args += ["--options", str(options)]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output

    decisions = _decisions(tmp_path / "wh.duckdb")
    by_key = {(r["person_key"].split(":")[1], r["charge_ref"], r["program"]): r for r in decisions}
    wrong = []
    for lc in LARGEST:
        for charge, exp in lc.case.expect.items():
            row = by_key.get((lc.extract_name, charge, lc.program))
            where = f"{lc.file.name} {lc.case.id} ({lc.case.title}) charge {charge}"
            if row is None:
                wrong.append(f"{where}: no decision under {lc.program}")
                continue
            differs = [
                k
                for k, want, got in (
                    ("determination", exp.determination, row["determination"]),
                    ("relief", exp.relief, row["relief"]),
                    ("eligible_on", exp.eligible_on, row["eligible_on"]),
                    ("rule", exp.rule, row["decisive_rule"]),
                )
                if want is not None and want != got
            ]
            if exp.missing is not None and exp.missing not in (row["missing_facts"] or ""):
                differs.append("missing")
            if exp.reason is not None and exp.reason not in row["reasons"]:
                differs.append("reason")
            if differs:
                wrong.append(f"{where}: {', '.join(differs)} differ: {row}")
    assert not wrong, "\n".join(wrong)

    results, keep = runner_results
    n = next(i for i, r in enumerate(results) if r.group.cases == LARGEST)
    assert decisions == _decisions(keep / f"group{n}" / runner.WAREHOUSE_NAME)


def test_runner_fails_on_a_wrong_expectation(tmp_path, capsys):
    """A copy of the rules whose only case expects the wrong determination: the runner names
    the case, what differed and what the decision said, and exits 1."""
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", rules)
    lc = next(c for c in CASES if (c.program, c.case.id) == ("us_ut_clean_slate", "U1"))
    for path in rules.rglob("cases/*.yaml"):
        if path.name != lc.file.name or path.parent.parent.name != lc.file.parent.parent.name:
            path.unlink()
    case_file = rules / lc.file.relative_to(PROJECT_ROOT / "rules")
    data = yaml.safe_load(case_file.read_text())
    data["cases"] = [c for c in data["cases"] if c["id"] == lc.case.id]
    (charge,) = data["cases"][0]["expect"]
    assert data["cases"][0]["expect"][charge]["determination"] == "eligible"
    data["cases"][0]["expect"][charge]["determination"] = "not_eligible"
    case_file.write_text(yaml.safe_dump(data, sort_keys=False))

    assert runner.main(["--rules", str(rules)]) == 1
    out = capsys.readouterr().out
    assert f"FAILED us_ut_clean_slate {lc.case.id} ({lc.case.title}) charge {charge}" in out
    assert "determination differs" in out
    assert "expected: determination=not_eligible" in out
    assert "got:      determination=eligible" in out
    assert "1 group(s) FAILED" in out


def test_law_case_test_is_off_in_normal_runs():
    """The pipeline's manifest (`make manifest`) has the law-case test and its source disabled:
    a normal build never looks for the law_cases schema."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    enabled = set(manifest["nodes"]) | set(manifest["sources"])
    assert not [uid for uid in enabled if "law_cases" in uid]
    disabled = {uid for uid in manifest["disabled"] if "law_cases" in uid}
    assert disabled == {
        "test.clean_slate.assert_law_cases_hold",
        "source.clean_slate.law_cases.expected",
    }


def test_every_rule_file_has_cases():
    programs = {lr.rules.program for lr in load_rules_dir(PROJECT_ROOT / "rules")}
    assert programs <= {c.program for c in CASES}, "a rule file without a case file"
