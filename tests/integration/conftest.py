"""Real servers for the engine tests (marker `engines`), started once per test session.

postgres_server: a throwaway PostgreSQL (Debian's packages, scripts/postgres.sh) on 127.0.0.1
with the warehouse database and the four roles; stopped and deleted at the end. When
CLEANSLATE_PG_PORT is set and a server answers there, that one is used (and left running).
spark_env: Java (installed from Debian when missing, scripts/spark.sh) and a throwaway
directory for the local Spark's warehouse and metastore.
Both set the CLEANSLATE_* variables that dbt's profile and orchestration/engines.py read.
pinned_code_revision: the code revision the report prints, held fixed for a module's runs.
law_case_runs: every law-case group through the law-case runner, once per test session.
"""

import os
import pickle
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _pg_answers() -> bool:
    import psycopg2

    from orchestration.engines import PostgresSettings

    try:
        psycopg2.connect(**PostgresSettings.from_env().connect_args("transformer")).close()
    except psycopg2.Error:
        return False
    return True


def _exports(text: str) -> dict[str, str]:
    """`export NAME=value` lines -> {NAME: value}."""
    out = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            out[name] = shlex.split(value)[0] if value else ""
    return out


@pytest.fixture(scope="session")
def postgres_server():
    """CLEANSLATE_PG_* of a running server (the transformer, loader, analyst, auditor roles)."""
    mp = pytest.MonkeyPatch()
    if os.environ.get("CLEANSLATE_PG_PORT") and _pg_answers():
        yield {k: v for k, v in os.environ.items() if k.startswith("CLEANSLATE_PG_")}
        mp.undo()
        return
    # not under pytest's private temporary folder: the server runs as the postgres user
    pg_dir = Path(tempfile.mkdtemp(prefix="cleanslate-pg-"))
    env = {**os.environ, "CLEANSLATE_PG_DIR": str(pg_dir)}
    env.pop("CLEANSLATE_PG_PORT", None)
    script = str(SCRIPTS / "postgres.sh")
    subprocess.run([script, "start"], env=env, check=True, timeout=600)
    try:
        values = _exports(
            subprocess.run(
                [script, "env"], env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        for name, value in values.items():
            mp.setenv(name, value)
        yield values
    finally:
        mp.undo()
        subprocess.run([script, "stop"], env=env, check=False, timeout=120)
        shutil.rmtree(pg_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def spark_env(tmp_path_factory):
    """CLEANSLATE_SPARK_DIR of a throwaway local Spark (Java checked, pyspark importable)."""
    subprocess.run([str(SCRIPTS / "spark.sh"), "check"], check=True, timeout=900)
    root = tmp_path_factory.mktemp("spark")
    mp = pytest.MonkeyPatch()
    mp.setenv("CLEANSLATE_SPARK_DIR", str(root))
    mp.setenv("CLEANSLATE_SPARK_LANDING", str(root / "landing"))
    try:
        yield {"CLEANSLATE_SPARK_DIR": str(root)}
    finally:
        mp.undo()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def pinned_code_revision():
    """The code revision is an input the report prints (like the rules and the as-of date);
    engineers commit while this module runs, so it is held fixed for the module's runs."""
    mp = pytest.MonkeyPatch()
    mp.setattr("orchestration.exports.assets.git_revision", lambda: ("0123456789ab", False))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def law_case_runs(tmp_path_factory, worker_id):
    """(the runner's GroupResult per group, the folder holding each group's warehouse
    groupN/WAREHOUSE_NAME): rules/*/cases through scripts/law_cases.py, with the decision
    criteria built too. Built once per test session: test_law_cases and test_engines (on
    different xdist workers) share it, the first to ask builds it under a file lock."""
    from filelock import FileLock

    from devtools.law_cases import load_case_files
    from orchestration.lib.settings import PROJECT_ROOT
    from scripts import law_cases as runner

    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # xdist: the workers' common parent folder
        root = root.parent
    keep, done = root / "law_cases", root / "law_cases.pickle"
    with FileLock(str(root / "law_cases.lock")):
        if not done.exists():
            results = runner.run_cases(
                load_case_files(PROJECT_ROOT / "rules"),
                PROJECT_ROOT / "rules",
                keep=keep,
                settings=runner.Settings(also_build=("fct_decision_criteria",)),
            )
            done.write_bytes(pickle.dumps(results))
        return pickle.loads(done.read_bytes()), keep
