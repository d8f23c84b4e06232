"""Shared test set-up: the dbt manifest must exist before the Dagster definitions import."""

from orchestration.transform.project import dbt_project

if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)


import pytest

TEST_PSEUDONYM_KEY = "test-only-not-a-secret"


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory):
    """Tests never touch the project's data/ or .dagster_home; the CLI's env edits are undone."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("dagster_home")
    mp.setenv("DAGSTER_HOME", str(home))
    mp.setenv("CLEANSLATE_WAREHOUSE", str(home / "default.duckdb"))
    mp.setenv("CLEANSLATE_EXPORTS", str(home / "exports"))
    mp.setenv("CLEANSLATE_LANDING", str(home / "landing"))
    # no default outside the demo (orchestration/settings.py): the tests set theirs, which the
    # CLI and dbt subprocesses they start inherit
    mp.setenv("CLEANSLATE_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    yield
    mp.undo()


def pytest_runtest_logreport(report):
    """Reliability tests' figures (see orchestration/reliability/report.py) to a JSON-lines log."""
    import json
    import os

    log = os.environ.get("CLEANSLATE_RELIABILITY_LOG")
    if not log or report.when != "call":
        return
    props = dict(report.user_properties)
    if "reliability" not in props:
        return
    with open(log, "a") as f:
        f.write(json.dumps({"test": report.nodeid, "outcome": report.outcome, **props}) + "\n")
