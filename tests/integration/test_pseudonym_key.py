"""dbt itself refuses the analysts' pseudonymous mart without CLEANSLATE_PSEUDONYM_KEY (there
is no default key), while `dbt parse` works without it. The Python side (cleanslate run, the
dbt step, serve) is in tests/unit/test_settings.py."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.integration


def _dbt(tmp_path: Path, *args: str, key: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLEANSLATE_WAREHOUSE": str(tmp_path / "wh.duckdb"), "DBT_TARGET": "dev"}
    env.pop("CLEANSLATE_PSEUDONYM_KEY", None)
    if key is not None:
        env["CLEANSLATE_PSEUDONYM_KEY"] = key
    dbt = Path(sys.executable).parent / "dbt"
    where = ("--profiles-dir", ".", "--project-dir", ".", "--target-path", str(tmp_path / "t"))
    return subprocess.run(
        [str(dbt), *args, *where],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_pseudonymous_mart_does_not_compile_without_the_key(tmp_path):
    assert _dbt(tmp_path, "parse", key=None).returncode == 0
    select = ("compile", "--select", "fct_decisions_pseudonymized")
    refused = _dbt(tmp_path, *select, key="")
    assert refused.returncode != 0
    assert "CLEANSLATE_PSEUDONYM_KEY is not set" in refused.stdout + refused.stderr
    compiled = _dbt(tmp_path, *select, key="test-only-key")
    assert compiled.returncode == 0, compiled.stdout[-2000:]
    assert "'test-only-key' || '|' || d.person_key" in compiled.stdout
