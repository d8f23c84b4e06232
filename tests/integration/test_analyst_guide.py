"""docs/analyst-guide.md stays true: every query runs, and the dbt docs cover the real columns.

One small run (CA DOJ + Utah canonical) builds a warehouse; `dbt docs generate` (in process,
its own target and log paths) writes catalog.json from it. Then:
  * every `<!-- query: id -->` + ```sql block of the guide runs read-only and returns rows
    (one test per query id, so a query that rots names itself);
  * every column the catalog finds in a marts table has a description in the manifest, and
    every marts model's description states its grain.
"""

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner
from typer.testing import CliRunner

from devtools.generate.canonical import generate_canonical
from devtools.generate.extract import generate_extract
from orchestration.cli import app
from orchestration.lib.settings import DBT_PROJECT_DIR
from tests.unit.test_dbt_docs import MARTS as DOCUMENTED_MARTS

pytestmark = pytest.mark.integration

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md"
QUERY = re.compile(r"<!-- query: (\S+) -->\s*```sql\n(.*?)```", re.S)
QUERIES = dict(QUERY.findall(GUIDE.read_text()))
MARTS = DOCUMENTED_MARTS  # the one list of the marts (tests/unit/test_dbt_docs.py)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(warehouse copy for the queries, catalog, manifest) of one small run."""
    tmp = tmp_path_factory.mktemp("analyst_guide")
    generate_extract(tmp / "doj.csv", rows=2000, seed=5)
    generate_canonical(tmp / "ut", rows=800, seed=5, state="UT")
    warehouse = tmp / "wh.duckdb"
    args = ["run", "--as-of", "2025-07-01", "--out", str(tmp / "out")]
    args += ["--warehouse", str(warehouse), "--extract", str(tmp / "doj.csv")]
    args += ["--extract", str(tmp / "ut")]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # The guide's queries read a copy: in this process dbt-duckdb keeps its own (read-write)
    # handle on the warehouse, and DuckDB refuses a read-only one beside it. The copy keeps the
    # file name: dbt-duckdb's views (fct_decision_criteria, the staging models) name their
    # tables by catalog, which is the file's name.
    (tmp / "guide").mkdir()
    queries_db = tmp / "guide" / warehouse.name
    shutil.copyfile(warehouse, queries_db)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLEANSLATE_WAREHOUSE", str(warehouse))
        res = dbtRunner().invoke(
            [
                "docs",
                "generate",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
            ]
        )
    assert res.success, res.exception
    catalog = json.loads((tmp / "target" / "catalog.json").read_text())
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    return queries_db, catalog, manifest


def test_the_guide_has_eleven_named_queries():
    ids = QUERY.findall(GUIDE.read_text())
    assert len(ids) == 11 and len(QUERIES) == 11, [i for i, _ in ids]


@pytest.mark.parametrize("query_id", sorted(QUERIES))
def test_guide_query_runs_and_answers(built, query_id):
    warehouse, _, _ = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(QUERIES[query_id]).fetchall()
    finally:
        con.close()
    assert rows, f"{query_id}: no rows"


def test_every_catalog_column_of_the_marts_is_documented(built):
    _, catalog, manifest = built
    models = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    }
    assert set(models) == MARTS
    problems = []
    for node in models.values():
        uid = node["unique_id"]
        assert uid in catalog["nodes"], f"{uid} not in the catalog (not built?)"
        real = {c.lower() for c in catalog["nodes"][uid]["columns"]}
        documented = {
            name.lower()
            for name, c in node["columns"].items()
            if (c.get("description") or "").strip()
        }
        if missing := sorted(real - documented):
            problems.append(f"{node['name']}: undocumented {missing}")
        if stale := sorted(set(node["columns"]) - real):
            problems.append(f"{node['name']}: documented but not in the table {stale}")
        if "grain" not in node["description"].lower():
            problems.append(f"{node['name']}: the description does not state the grain")
    assert not problems, "\n".join(problems)
