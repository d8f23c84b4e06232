"""The dbt resource: dagster-dbt's, minus two start-up costs this project never uses.

Before every `dbt build`, DbtCliResource.cli() runs `dbt --version` in a subprocess (to tell dbt
Core from the Fusion engine) and builds a dbt adapter in this process (only for
`fetch_column_metadata()` / `fetch_row_counts()`, which would open the warehouse while dbt
writes it: DuckDB allows one writer, so this project reads row counts and schemas after dbt
has exited, in transform/assets.py). Together about 4-5 s of every run, a third of a 100-row
run. With dbt Core installed beside this interpreter its version is the package's; the adapter
is not built.
"""

import importlib.metadata
import shutil
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version


def dbt_executable() -> str:
    """dbt from this interpreter's environment, so an un-activated .venv works too."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


class DbtCli(DbtCliResource):
    """DbtCliResource without the `dbt --version` subprocess and the unused in-process adapter."""

    @cached_property
    def _cli_version(self) -> version.Version:
        # the dbt beside this interpreter is this environment's dbt-core: its package version
        # is the executable's. Any other dbt (PATH): ask it, as dagster-dbt does.
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        # dagster-dbt treats a missing adapter as "no column metadata from dbt": what we want
        return None


def dbt_resource(project) -> DbtCli:
    return DbtCli(project_dir=project, dbt_executable=dbt_executable())
