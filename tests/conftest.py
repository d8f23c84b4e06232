"""Shared test set-up: the dbt manifest must exist before the Dagster definitions import."""

import os
from pathlib import Path

import __main__

# pytest-xdist's workers run with a main module that has neither __spec__ nor __file__: PySpark
# (imported by Great Expectations) takes that for its own doctest runner and calls sys.exit(0)
# on import. Import GE once with the worker's main module named, then unname it again:
# multiprocessing's spawn (the export workers) would try to import a main module by that name.
if getattr(__main__, "__spec__", None) is None and not hasattr(__main__, "__file__"):
    __main__.__file__ = "<pytest-xdist worker>"
    try:
        import great_expectations  # noqa: F401
    finally:
        del __main__.__file__

from orchestration.lib import collector
from orchestration.transform.project import dbt_project

if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)


import pytest

# a test process is like a run's, only longer: many runs' Dagster and dbt objects (~5% of the
# integration tests' time went to the collector with the default thresholds)
collector.tune()

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
    # no default outside the demo (orchestration/lib/settings.py): the tests set theirs, which the
    # CLI and dbt subprocesses they start inherit
    mp.setenv("CLEANSLATE_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    yield
    mp.undo()


_current_test = {"integration": True}  # until a test's set-up says otherwise


def pytest_runtest_setup(item):
    # read by _dbt_runs_only_in_integration_tests (module fixtures are set up in this phase too)
    _current_test["integration"] = item.get_closest_marker("integration") is not None
    _current_test["name"] = item.nodeid


@pytest.fixture(autouse=True, scope="session")
def _dbt_runs_only_in_integration_tests():
    """A test that starts dbt (in process, or as `dbt` in a subprocess such as dagster-dbt's)
    must be marked integration: `make test-unit` stays fast, and the rule is checked, not hoped
    for. Such a test fails here naming itself."""
    import subprocess

    from dbt.cli.main import dbtRunner

    def refuse(what: str) -> None:
        if not _current_test["integration"]:
            raise AssertionError(
                f"{_current_test.get('name')} runs {what}: mark it pytest.mark.integration"
            )

    real_invoke, real_popen_init = dbtRunner.invoke, subprocess.Popen.__init__

    def invoke(self, args, **kwargs):
        refuse("dbt in process")
        return real_invoke(self, args, **kwargs)

    def popen_init(self, args, *rest, **kwargs):
        argv0 = args[0] if isinstance(args, list | tuple) and args else args
        if isinstance(argv0, str | os.PathLike) and Path(argv0).name == "dbt":
            refuse("dbt in a subprocess")
        real_popen_init(self, args, *rest, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(dbtRunner, "invoke", invoke)
    mp.setattr(subprocess.Popen, "__init__", popen_init)
    yield
    mp.undo()


def pytest_collection_modifyitems(config, items):
    """For pytest-xdist (`make test`: -n 2 --dist loadfile, each file on one worker, so a
    module's fixtures, a built warehouse, are built once): the slowest files are handed out
    first (the engine suite, the browser, then the other end-to-end runs), so no long file
    starts last. Order within a file is kept. (--dist loadgroup would put the engine files on
    one worker, but pytest-xdist 3.8 cannot set its groups under pytest 9.)"""

    def rank(item) -> int:
        if item.get_closest_marker("engines"):
            return 0
        if item.get_closest_marker("browser"):
            return 1
        return 2 if item.get_closest_marker("integration") else 3

    items.sort(key=rank)  # stable: files and tests keep their order within a rank


def pytest_runtest_logreport(report):
    """Reliability tests' figures (see devtools/reliability/report.py) to a JSON-lines log."""
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
