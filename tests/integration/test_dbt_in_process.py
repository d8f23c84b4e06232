"""Issue 17: `dbt build` in the run's own process, on the parse `make manifest` made, only while
that parse is the project on disk (orchestration/transform/in_process.py).

The project is copied (the dbt project and the condition types' macro folder, in their
relative places) and parsed once; then the copy is edited the ways a developer does, and each
edit must make the parse "not current", so the run falls back to a `dbt` subprocess that
parses for itself instead of building stale models.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.transform import in_process

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A parsed copy of the dbt project (dbt parse run in it, as `make manifest` does)."""
    root = tmp_path_factory.mktemp("copy")
    copy = root / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    conditions = PROJECT_ROOT / "orchestration" / "rules" / "conditions"
    shutil.copytree(conditions, root / "orchestration" / "rules" / "conditions")
    env = {k: v for k, v in os.environ.items() if k != "CLEANSLATE_WAREHOUSE"}
    dbt = str(Path(sys.executable).parent / "dbt")
    subprocess.run(
        [dbt, "parse", "--quiet", "--profiles-dir", ".", "--project-dir", "."],
        cwd=copy,
        env=env,
        check=True,
        timeout=300,
    )
    return copy


@pytest.fixture
def fresh(project, tmp_path) -> Path:
    """A copy of the parsed copy, to edit."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(project, copy)
    shutil.copytree(project.parent / "orchestration", tmp_path / "orchestration")
    return copy


def _parsed(project: Path):
    """The copy's parse, as dbt saved it."""
    from dbt.contracts.graph.manifest import Manifest

    return Manifest.from_msgpack((project / "target" / in_process.PARSED).read_bytes())


def _reason(project: Path) -> str | None:
    return in_process.stale_reason(project, _parsed(project))


@pytest.mark.parametrize(
    "name", ["wh.duckdb", "county.2025.duckdb", ".hidden.duckdb", "run-1.partial.duckdb", "plain"]
)
def test_the_catalog_is_the_one_duckdb_names_the_file_after(tmp_path, name):
    """make bench's 'x.partial.duckdb' once failed the build: Path.stem is 'x.partial'."""
    import duckdb

    con = duckdb.connect(str(tmp_path / name))
    try:
        (named,) = con.execute("select current_database()").fetchone()
    finally:
        con.close()
    assert in_process.duckdb_catalog(tmp_path / name) == named


def test_an_unchanged_project_is_current_and_moved_to_the_warehouses_catalog(project):
    assert _reason(project) is None
    manifest = in_process.parsed_manifest(project, "county_wh")
    assert manifest is not None
    decisions = manifest.nodes["model.clean_slate.fct_decisions"]
    assert decisions.database == "county_wh"
    assert decisions.relation_name.startswith('"county_wh".')
    seed = manifest.nodes["seed.clean_slate.statute_formats"]
    assert Path(seed.root_path).is_absolute()  # read from wherever the run starts
    assert {s.database for s in manifest.sources.values()} == {"county_wh"}


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        # a model's SQL edited since the parse
        (
            lambda p: (p / "models/marts/core/fct_decisions.sql").write_text(
                (p / "models/marts/core/fct_decisions.sql").read_text() + "\n-- edited\n"
            ),
            "fct_decisions.sql changed",
        ),
        # a condition type's evaluator (a macro outside the project folder)
        (
            lambda p: next((p.parent / "orchestration/rules/conditions").glob("*.sql")).write_text(
                "{% macro condition__x() %}1{% endmacro %}"
            ),
            "changed",
        ),
        # a new model
        (lambda p: (p / "models/marts/core/new_model.sql").write_text("select 1"), "added"),
        # a removed schema file
        (lambda p: next((p / "models/exports").glob("_*.yml")).unlink(), "changed"),
        # the project file
        (
            lambda p: (p / "dbt_project.yml").write_text(
                (p / "dbt_project.yml").read_text() + "\n# edited\n"
            ),
            "dbt_project.yml changed",
        ),
    ],
    ids=["model", "condition-macro", "new-model", "removed-yml", "project-file"],
)
def test_an_edit_since_the_parse_sends_the_build_to_a_subprocess(fresh, edit, reason):
    assert _reason(fresh) is None
    edit(fresh)
    assert reason in (_reason(fresh) or "")
    assert in_process.parsed_manifest(fresh, "warehouse") is None


def test_profiles_edited_after_the_parse_make_it_stale(fresh):
    manifest = _parsed(fresh)
    parsed_at = (fresh / "target" / in_process.PARSED).stat().st_mtime
    assert in_process.stale_reason(fresh, manifest, parsed_at) is None
    profiles = fresh / "profiles.yml"
    os.utime(profiles, (parsed_at + 10, parsed_at + 10))
    assert in_process.stale_reason(fresh, manifest, parsed_at) == "profiles.yml changed"


def test_an_environment_variable_the_parse_read_must_be_unchanged(project, monkeypatch):
    parsed = _parsed(project)
    parsed.env_vars["SOME_VARIABLE_A_MODEL_READS"] = "a"
    monkeypatch.setenv("SOME_VARIABLE_A_MODEL_READS", "b")
    assert in_process.stale_reason(project, parsed) == "SOME_VARIABLE_A_MODEL_READS changed"
    # the pseudonym key is compiled into the SQL at run time: its parse-time value is no reason
    parsed.env_vars = {"CLEANSLATE_PSEUDONYM_KEY": "DBT_DEFAULT_PLACEHOLDER"}
    monkeypatch.setenv("CLEANSLATE_PSEUDONYM_KEY", "the run's key")
    assert in_process.stale_reason(project, parsed) is None
