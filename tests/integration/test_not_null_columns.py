"""The project's `not_null_columns` dbt test (tests/generic/not_null_columns.sql): one node per
model in place of one `not_null` per column. It must fail on a NULL in any listed column, say
which columns and how many rows, and pass on a table with none (an empty one included).

Run on the statute_formats seed in a scratch warehouse, with dbt in this process on the parse
`make manifest` made (the same path a run takes).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.settings import DBT_PROJECT_DIR
from scripts.law_cases import release_duckdb

pytestmark = pytest.mark.integration

SELECT = "test_name:not_null_columns,statute_formats"


def _dbt(warehouse: Path, target: Path, *args: str):
    from dbt.cli.main import dbtRunner

    from orchestration.transform.in_process import duckdb_catalog, parsed_manifest

    manifest = parsed_manifest(Path(DBT_PROJECT_DIR), duckdb_catalog(warehouse))
    assert manifest is not None, "run `make manifest`: the parse is not current"
    project = str(DBT_PROJECT_DIR)
    try:
        return dbtRunner(manifest=manifest).invoke(
            [
                *args,
                "--project-dir",
                project,
                "--profiles-dir",
                project,
                "--target-path",
                str(target),
                "--log-path",
                str(target),
                "--quiet",
            ]
        )
    finally:
        release_duckdb()  # dbt-duckdb leaves the file open; the test opens it next


def _results(target: Path) -> dict[str, dict]:
    rows = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r for r in rows if r["unique_id"].startswith("test.")}


def test_not_null_columns_fails_naming_the_columns_and_passes_without_nulls(tmp_path, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    target = tmp_path / "target"
    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("DBT_TARGET", "dev")
    assert _dbt(warehouse, target, "seed", "--select", "statute_formats").success

    passed = _dbt(warehouse, target, "test", "--select", SELECT)
    assert passed.success
    ((uid, result),) = _results(target).items()
    assert result["status"] == "pass"

    con = duckdb.connect(str(warehouse))
    formats = con.execute("select count(*) from main.statute_formats").fetchone()[0]
    assert formats >= 2
    con.execute("update main.statute_formats set code = null")  # every row
    con.execute(
        "update main.statute_formats set section = null"
        " where jurisdiction = (select min(jurisdiction) from main.statute_formats)"
    )
    one_jurisdiction = con.execute(
        "select count(*) from main.statute_formats where section is null"
    ).fetchone()[0]
    con.close()

    failed = _dbt(warehouse, target, "test", "--select", SELECT)
    assert not failed.success
    result = _results(target)[uid]
    assert (result["status"], result["failures"]) == ("fail", 2)  # two columns hold NULLs
    compiled = (target / "compiled").rglob("not_null_columns_*.sql")
    sql = next(compiled).read_text()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = sorted(con.execute(sql).fetchall())
    finally:
        con.close()
    assert rows == [("code", formats), ("section", one_jurisdiction)]

    con = duckdb.connect(str(warehouse))
    con.execute("delete from main.statute_formats")
    con.close()
    assert _dbt(warehouse, target, "test", "--select", SELECT).success  # empty: nothing NULL
