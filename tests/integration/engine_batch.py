"""Build the decision models of several run warehouses on one engine, in one process.

    python -m tests.integration.engine_batch TARGET --work DIR [--select SEL] WAREHOUSE.duckdb...

For each DuckDB file (a finished run's working store: raw.*, rules.*): publish its sources to
the target's engine, `dbt run` the selected models there, and fetch them back into that file
(orchestration/resources.py, the same path the Dagster dbt step takes). One dbt runner serves
every file, so a local Spark starts its JVM once; a separate process, so the test process never
holds the Spark metastore (an embedded Derby database admits one JVM).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def build(target: str, files: list[Path], work: Path, select: list[str]) -> dict[str, float]:
    os.environ["DBT_TARGET"] = target
    from dbt.cli.main import dbtRunner

    from orchestration.lib.settings import DBT_PROJECT_DIR
    from orchestration.resources import Warehouse
    from orchestration.transform.project import dbt_project

    sources = json.loads(dbt_project.manifest_path.read_text())
    runner = dbtRunner()
    project = str(DBT_PROJECT_DIR)
    target_path = work / "target"
    seconds: dict[str, float] = {}
    for f in files:
        started = time.monotonic()
        warehouse = Warehouse(path=str(f), target=target)
        warehouse.publish_sources(sources)
        result = runner.invoke(
            [
                "run",
                "--project-dir",
                project,
                "--profiles-dir",
                project,
                "--target-path",
                str(target_path),
                "--log-path",
                str(work / "logs"),
                "--quiet",
                "--select",
                *select,
            ]
        )
        if not result.success:
            raise SystemExit(f"dbt run on {target} failed for {f}: {result.exception or result}")
        warehouse.fetch_models(json.loads((target_path / "manifest.json").read_text()))
        seconds[f"{f.parent.name}/{f.name}"] = round(time.monotonic() - started, 1)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--select", nargs="+", default=["+fct_decision_criteria"])
    args = parser.parse_args(argv)
    seconds = build(args.target, args.files, args.work, args.select)
    json.dump(seconds, sys.stdout)


if __name__ == "__main__":
    main()
