"""Shared test set-up: the dbt manifest must exist before the Dagster definitions import."""

import __main__

# pytest-xdist's workers run with a main module that has neither __spec__ nor __file__: PySpark
# (imported by Great Expectations) takes that for its own doctest runner and calls sys.exit(0)
# on import. Name the worker's main module so GE imports as it does under `cleanslate`.
if getattr(__main__, "__spec__", None) is None and not hasattr(__main__, "__file__"):
    __main__.__file__ = "<pytest-xdist worker>"

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


def pytest_collection_modifyitems(config, items):
    """For pytest-xdist (`make test`: -n 2 --dist loadgroup): each test file runs on one worker,
    so a module's fixtures (a built warehouse) are built once; every engine test shares one
    worker, so one PostgreSQL server and one Spark start; the slowest groups are handed out
    first (the engine suite, the browser, then the other runs), so no long file starts last.
    Order within a file is kept."""

    def rank(item) -> int:
        if item.get_closest_marker("engines"):
            return 0
        if item.get_closest_marker("browser"):
            return 1
        return 2 if item.get_closest_marker("integration") else 3

    for item in items:
        group = "engines" if item.get_closest_marker("engines") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=rank)  # stable: files and tests keep their order within a rank


def pytest_runtest_logreport(report):
    """Reliability tests' figures (see orchestration/reliability/report.py) to a JSON-lines log."""
    import json
    import os

    log = os.environ.get("CLEANSLATE_RELIABILITY_LOG")
    # under pytest-xdist the controller logs every worker's reports: a worker does not too
    if not log or report.when != "call" or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    props = dict(report.user_properties)
    if "reliability" not in props:
        return
    with open(log, "a") as f:
        f.write(json.dumps({"test": report.nodeid, "outcome": report.outcome, **props}) + "\n")
