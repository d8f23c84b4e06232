"""The condition evaluator's dbt unit tests on a fresh, empty warehouse.

dbt_project/models/intermediate/condition_unit_tests holds one file of unit tests per condition
type (int_rule_conditions_evaluated; tests/unit/test_condition_unit_test_coverage.py checks that
every type has its met / not met / unknown cases). They must not depend on what a warehouse
holds: their inputs are typed from macros/unit_test_fixtures.sql when the warehouse has no such
relation, and each test names its condition type (`overrides: vars: unit_condition_types`), so
the evaluator compiles with that type's SQL only (condition_types_in_use): ~40 s for the ~100
tests, where compiling every type's SQL for each took ~170 s. test_prop64_pipeline.py runs the
other unit tests on a built warehouse and checks these declared column types against it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestration.lib.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.integration

FOLDER = "models/intermediate/condition_unit_tests"


def test_condition_unit_tests_pass_on_a_fresh_warehouse(tmp_path: Path):
    defined = {
        t["name"]
        for f in sorted((Path(DBT_PROJECT_DIR) / FOLDER).glob("*.yml"))
        for t in yaml.safe_load(f.read_text())["unit_tests"]
    }
    warehouse = tmp_path / "wh.duckdb"
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(dbt),
            "test",
            "--select",
            f"path:{FOLDER}",
            "--profiles-dir",
            ".",
            "--project-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "CLEANSLATE_WAREHOUSE": str(warehouse), "DBT_TARGET": "dev"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    ran = {
        r["unique_id"].rsplit(".", 1)[-1]: r["status"]
        for r in results
        if r["unique_id"].startswith("unit_test.")
    }
    assert set(ran) == defined, sorted(set(ran) ^ defined)
    assert set(ran.values()) == {"pass"}, {k: v for k, v in ran.items() if v != "pass"}
