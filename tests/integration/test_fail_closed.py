"""Fail closed: a condition the SQL evaluator does not evaluate never lets a charge through.

Each condition type is evaluated by its own macro, condition__<type> in
orchestration/rules/conditions/<type>.sql, which evaluate_conditions
(dbt_project/macros/evaluate_conditions.sql) finds by name. Here a copy of the dbt project (with
a copy of that folder, where its macro path points) loses `statute_in_set.sql`, as if someone
had deleted it or added the type's Python half without its SQL, and two law cases that are
eligible with the real project (tests/integration/test_law_cases.py) are built against the copy:

* Utah U1: the rule `excluded_offense` (a bar, statute_in_set) produces no evaluation. Without
  the guard the bar silently failed to fire and the case was eligible; now it is needs_review,
  naming the unevaluated condition.
* Prop 64 P1: the scope (disposition_in + statute_in_set) cannot be evaluated. The charge is not
  silently in (or out of) scope: needs_review, decided by `scope`, naming the condition.

dbt's log names the type that has no evaluator.

One ingest of the two extracts (the real Dagster assets) and one `dbt build` of the decision
models and the seeds they read (no tests) on the modified copy: about half a minute.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import materialize

from devtools.law_cases import load_case_files, write_case_extract
from orchestration.ingest.assets import doj_extracts
from orchestration.ingest.canonical_assets import canonical_extracts
from orchestration.ingest.supervision_assets import doj_supervision
from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.resources import Warehouse
from orchestration.rules.assets import rulebook
from orchestration.rules.conditions import FOLDER as CONDITIONS_FOLDER

pytestmark = pytest.mark.integration

REMOVED = "statute_in_set"
CASES = {("us_ut_clean_slate", "U1"), ("us_ca_prop64", "P1")}


def _project_without_evaluator(dest: Path, condition_type: str) -> Path:
    """A copy of the dbt project whose condition catalog has no evaluator for `condition_type`.

    The evaluators are a macro path outside the project (../orchestration/rules/conditions): the
    copy's path points at the same place relative to the copy, so the folder's SQL is copied
    there, less `<condition_type>.sql`."""
    project = dest / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    macro_paths = yaml.safe_load((project / "dbt_project.yml").read_text())["macro-paths"]
    outside = [p for p in macro_paths if (project / p).resolve().parent != project.resolve()]
    assert outside == ["../orchestration/rules/conditions"], "the macro paths changed shape"
    folder = (project / outside[0]).resolve()
    assert folder.is_relative_to(dest.resolve()) and not folder.exists()
    shutil.copytree(CONDITIONS_FOLDER, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    evaluator = folder / f"{condition_type}.sql"
    assert f"macro condition__{condition_type}()" in evaluator.read_text()
    evaluator.unlink()
    return project


def test_missing_evaluator_gives_needs_review_not_eligible(tmp_path, record_property):
    cases = [
        lc for lc in load_case_files(PROJECT_ROOT / "rules") if (lc.program, lc.case.id) in CASES
    ]
    assert len(cases) == len(CASES)
    as_of = cases[0].as_of
    assert all(lc.as_of == as_of and not lc.options for lc in cases)
    for lc in cases:  # the cases this test turns around are eligible with the real evaluator
        assert {e.determination for e in lc.case.expect.values()} == {"eligible"}

    wh = tmp_path / "wh.duckdb"
    extracts = [str(write_case_extract(lc, tmp_path / "extracts")) for lc in cases]
    loaded = materialize(
        [doj_extracts, doj_supervision, canonical_extracts, rulebook],
        resources={"warehouse": Warehouse(path=str(wh))},
        run_config={
            "ops": {
                "doj_extracts": {"config": {"extracts": []}},
                "doj_supervision": {"config": {"files": []}},
                "canonical_extracts": {"config": {"extracts": extracts}},
                "rulebook": {"config": {"as_of": as_of.isoformat()}},
            }
        },
    )
    assert loaded.success

    project = _project_without_evaluator(tmp_path, REMOVED)
    dbt = Path(sys.executable).parent / "dbt"
    argv = [str(dbt), "build", "--select", "+fct_decision_criteria"]
    argv += ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    result = subprocess.run(
        [*argv, "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env={**os.environ, "CLEANSLATE_WAREHOUSE": str(wh), "DBT_TARGET": "dev"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    # the frame says which type in use has no evaluator (for the scope and the decision rules)
    warning = f"condition type {REMOVED} ({{}} rules) has no SQL evaluator"
    for kind in ("scope", "decision"):
        assert warning.format(kind) in result.stdout, result.stdout[-3000:]

    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = {
            (r["program"], r["person_key"].split(":")[1]): r
            for r in con.execute("select * from fct_decisions where source_system = 'canonical'")
            .pl()
            .to_dicts()
        }
        criteria = con.execute(
            "select * from fct_decision_criteria where condition_type = ?", [REMOVED]
        ).pl()
    finally:
        con.close()

    record_property("reliability", "fail_closed")
    record_property("inputs", len(cases))
    record_property("runs", 1)
    # an unevaluated condition that read as eligible is the wrong export this guards against
    record_property(
        "wrong_published",
        sum(rows[(lc.program, lc.extract_name)]["determination"] == "eligible" for lc in cases),
    )
    for lc in cases:
        row = rows[(lc.program, lc.extract_name)]
        where = f"{lc.program} {lc.case.id}: {row['rules_trace']} / {row['reasons']}"
        assert row["determination"] == "needs_review", where
        assert row["relief"] is None and row["eligible_on"] is None, where
        assert row["is_undecided"], where
        assert REMOVED in (row["missing_facts"] or ""), where
        assert REMOVED in row["reasons"], where
    ut = rows[("us_ut_clean_slate", "us_ut_clean_slate__U1")]
    assert ut["decisive_rule"] == "excluded_offense", ut["rules_trace"]
    assert "excluded_offense=unknown" in ut["rules_trace"]
    ca = rows[("us_ca_prop64", "us_ca_prop64__P1")]
    assert ca["decisive_rule"] == "scope", ca["reasons"]
    assert ca["reasons"].startswith("Cannot tell whether us_ca_prop64 applies"), ca["reasons"]
    # explain shows the unevaluated condition of the deciding rule as unknown, not absent
    decisive = criteria.filter(
        criteria["is_decisive_rule"] & (criteria["program"] == "us_ut_clean_slate")
    )
    assert decisive["result"].to_list() == ["unknown"], decisive
    assert decisive["fact"].to_list()[0].startswith("not evaluated"), decisive
