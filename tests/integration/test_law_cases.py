"""Every law case in rules/<state>/cases/*.yaml, run through the real pipeline.

Cases are grouped by (as_of, options); each group is one `cleanslate run` over one canonical
extract folder per case, and every expectation is checked against the decision table.
"""

import json
from collections import defaultdict

import duckdb
import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.rules.cases import LoadedCase, load_case_files, write_case_extract
from orchestration.rules.load import load_rules_dir
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

CASES = load_case_files(PROJECT_ROOT / "rules")
GROUPS: dict[str, list[LoadedCase]] = defaultdict(list)
for _lc in CASES:
    GROUPS[_lc.group].append(_lc)


@pytest.fixture(scope="module")
def decisions(tmp_path_factory) -> dict[tuple[str, str, str], dict]:
    """(extract, charge id, program) -> decision row, over every group's run."""
    out: dict[tuple[str, str, str], dict] = {}
    for n, (group, cases) in enumerate(sorted(GROUPS.items())):
        tmp = tmp_path_factory.mktemp(f"cases{n}")
        args = [
            "run",
            "--as-of",
            cases[0].as_of.isoformat(),
            "--out",
            str(tmp / "out"),
            "--warehouse",
            str(tmp / "wh.duckdb"),
            # each case is a hand-made extract of a few charges, some deliberately unreadable
            # or out of every law's scope: the run gates are for real extracts, not these
            "--max-unread-share",
            "1",
            "--expect-empty",
        ]
        for lc in cases:
            args += ["--extract", str(write_case_extract(lc, tmp / "extracts"))]
        if cases[0].options:
            options = tmp / "options.json"
            options.write_text(json.dumps(cases[0].options))
            args += ["--options", str(options)]
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, f"group {group}:\n{result.output}"
        con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
        try:
            rows = (
                con.execute(
                    "select * from fct_conviction_eligibility where source_system = 'canonical'"
                )
                .pl()
                .to_dicts()
            )
        finally:
            con.close()
        for r in rows:
            extract = r["person_key"].split(":")[1]
            out[(extract, r["charge_ref"], r["program"])] = r
    return out


@pytest.mark.parametrize("lc", CASES, ids=[f"{c.program}:{c.case.id}" for c in CASES])
def test_law_case(lc: LoadedCase, decisions):
    for charge, exp in lc.case.expect.items():
        row = decisions.get((lc.extract_name, charge, lc.program))
        where = f"{lc.file.name} {lc.case.id} ({lc.case.title}) charge {charge}"
        assert row is not None, f"{where}: no decision under {lc.program}"
        got = (row["determination"], row["relief"], row["eligible_on"])
        assert row["determination"] == exp.determination, f"{where}: {got}\n{row['reasons']}"
        if exp.relief is not None:
            assert row["relief"] == exp.relief, f"{where}: {got}"
        if exp.eligible_on is not None:
            assert row["eligible_on"] == exp.eligible_on, f"{where}: {got}\n{row['reasons']}"
        if exp.rule is not None:
            assert row["decisive_rule"] == exp.rule, f"{where}: {row['rules_trace']}"
        if exp.missing is not None:
            assert exp.missing in (row["missing_facts"] or ""), f"{where}: {row['missing_facts']}"
        if exp.reason is not None:
            assert exp.reason in row["reasons"], f"{where}: {row['reasons']}"


def test_every_rule_file_has_cases():
    programs = {lr.rules.program for lr in load_rules_dir(PROJECT_ROOT / "rules")}
    assert programs <= {c.program for c in CASES}, "a rule file without a case file"
