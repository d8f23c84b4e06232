"""The warehouse resource: short-lived DuckDB connections (DuckDB allows one writer process).

The run's DuckDB file is where ingest, rules, gates, exports and audit read and write. dbt
builds the models in the engine of its target (DBT_TARGET): in that same file by default, or in
PostgreSQL / Spark, in which case publish_sources() and fetch_models() carry the tables across
(orchestration/engines.py).
"""

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from dagster import ConfigurableResource, InitResourceContext

from orchestration.engines import (
    CHUNK_ROWS,
    PostgresEngine,
    SparkEngine,
    TableReplacer,
    dbt_target,
    engine_for,
    engine_of,
)
from orchestration.lib import spools
from orchestration.lib.settings import settings, warehouse_path
from orchestration.lib.storage import WRITE_SETTINGS, step_connection_config

# Run tags: which warehouse file and dbt target a run used (the UI shows them on the run).
WAREHOUSE_TAG = "cleanslate/warehouse"
TARGET_TAG = "cleanslate/dbt_target"

# Schemas of the tables the Dagster steps write for dbt (its sources); dbt owns the rest.
LANDED_SCHEMAS = ("raw", "rules")


def models_over_unlanded_sources(manifest: Mapping[str, Any]) -> set[str]:
    """Models that read, directly or through other models, a table the Dagster steps write
    outside dbt's landed sources (audit.export_lines after dbt, audit.review_outcomes by
    `cleanslate review import`): such a table is only current in the DuckDB file, so a copy of
    the model from another engine would be stale, and it is not fetched."""
    found = {uid for uid, s in manifest["sources"].items() if s["schema"] not in LANDED_SCHEMAS}
    models = {
        uid: set(n["depends_on"]["nodes"])
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model"
    }
    while True:
        more = {uid for uid, deps in models.items() if uid not in found and deps & found}
        if not more:
            return found - set(manifest["sources"])
        found |= more


class Warehouse(ConfigurableResource):
    """An embedded DuckDB file. Every method opens and closes its own connection.

    path: the DuckDB file; empty means CLEANSLATE_WAREHOUSE at run time (so one loaded code
    location can serve runs against different warehouses, as the CLI and tests do).
    """

    path: str = ""
    # the dbt target whose engine builds the models; empty means DBT_TARGET at run time
    target: str = ""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # The warehouse is resolved at run time (CLEANSLATE_WAREHOUSE): record it on the run, so
        # the UI says which file (and engine) a run read and wrote. A path, no data.
        run, instance = context.dagster_run, context.instance
        if run is None or instance is None:
            return
        tags = {WAREHOUSE_TAG: str(self.file.resolve()), TARGET_TAG: self.dbt_target}
        if any(run.tags.get(k) != v for k, v in tags.items()):
            instance.add_run_tags(run.run_id, tags)

    @property
    def dbt_target(self) -> str:
        return self.target or dbt_target()

    @property
    def engine(self) -> str:
        """duckdb, postgres or spark."""
        return engine_of(self.dbt_target)

    @property
    def file(self) -> Path:
        return Path(self.path) if self.path else warehouse_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        # Past the limit DuckDB spills to disk. Not dbt's (profiles.yml): these steps stream.
        limit = settings().duckdb_step_memory
        con = duckdb.connect(
            str(self.file), read_only=read_only, config=step_connection_config(self.file, limit)
        )
        if not read_only:
            self.file.chmod(0o600)  # records are sensitive: the owner only
            # set, not in `config`: DuckDB refuses a second connection to an open file with
            # another configuration (the exports hold one while a step may open this)
            for name, value in WRITE_SETTINGS.items():
                con.execute(f"set {name} = '{value}'")
        try:
            # A missing table must be an error, not a lookup of a Python variable of that name.
            con.execute("set python_enable_replacements = false")
            yield con
        finally:
            con.close()

    @contextmanager
    def replacing(self) -> Iterator["TableReplacer"]:
        """One transaction in which tables are replaced chunk by chunk; all or nothing."""
        # the loader's spool: frames wait there as Parquet files (TableReplacer), ours alone
        # (mkdtemp: owner only), removed when the transaction ends either way
        prefix = f".{self.file.name}.spool-"
        with self.connect() as con:
            # a spool left by a load that was killed: this connection is the file's only writer
            # (DuckDB), so no load of it is running
            for stale in self.file.parent.glob(f"{prefix}*"):
                if stale.is_dir() and not stale.is_symlink():
                    spools.clear(stale)
            with tempfile.TemporaryDirectory(prefix=prefix, dir=self.file.parent) as spool:
                con.execute("begin transaction")
                try:
                    tables = TableReplacer(con, Path(spool))
                    yield tables
                    tables.flush()
                    con.execute("commit")
                except BaseException:
                    con.execute("rollback")
                    raise

    def query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).pl()

    def table_exists(self, schema: str, name: str) -> bool:
        if not self.file.exists():
            return False
        found = self.query(
            "select count(*) as n from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        )
        return bool(found["n"][0])

    def publish_sources(self, manifest: Mapping[str, Any]) -> dict[str, int]:
        """Copy dbt's sources (raw.*, rules.*) from this file into the target's engine, all or
        nothing. Nothing to do on DuckDB. Returns rows per table."""
        engine = engine_for(self.dbt_target)
        if engine is None:
            return {}
        if isinstance(engine, SparkEngine):
            engine.settings.export_env()  # dbt's profile and hooks find the same folders
        sources = sorted(
            {
                (s["schema"], s["identifier"])
                for s in manifest["sources"].values()
                if s["schema"] in LANDED_SCHEMAS
            }
        )
        with self.connect(read_only=True) as con, engine.replacing() as load:
            present = {
                (s, n)
                for s, n in con.execute(
                    "select table_schema, table_name from information_schema.tables"
                ).fetchall()
            }
            for schema, name in sources:
                if (schema, name) not in present:
                    continue
                relation = con.sql(f'select * from "{schema}"."{name}"')
                load.write(schema, name, relation.limit(0).pl())  # the table, even if empty
                for batch in relation.to_arrow_reader(CHUNK_ROWS):
                    if batch.num_rows:
                        load.write(schema, name, pl.from_arrow(batch))
            return dict(load.counts)

    def fetch_models(self, manifest: Mapping[str, Any]) -> dict[str, int]:
        """Copy the models dbt built in the target's engine into this file, where DuckDB would
        have built them (main, or the model's custom schema), so the gates, exports and audit
        read them as they read a DuckDB build. `manifest` is the build's own (its schemas are
        the target's). Nothing to do on DuckDB. Returns rows per table."""
        engine = engine_for(self.dbt_target)
        if engine is None:
            return {}
        elsewhere = models_over_unlanded_sources(manifest)
        models = sorted(
            (
                n["config"].get("schema") or "main",
                n["alias"],
                n["schema"],
                n["config"]["materialized"],
            )
            for uid, n in manifest["nodes"].items()
            if n["resource_type"] == "model"
            and n["config"]["materialized"] != "ephemeral"
            and uid not in elsewhere
        )
        with self.replacing() as tables:
            for local_schema, name, engine_schema, materialized in models:
                if (
                    isinstance(engine, SparkEngine)
                    and not engine.table_dir(engine_schema, name).is_dir()
                ):
                    continue  # a view: no files of its own to read
                if (
                    isinstance(engine, PostgresEngine)
                    and materialized == "view"
                    and engine.query(
                        "select to_regclass(%s) is null as gone",
                        [f'"{engine_schema}"."{name}"'],
                    )["gone"][0]
                ):
                    # A partial build (--select) that replaced the table under a view dropped
                    # the view with it (PostgreSQL's cascade; e.g. a deprecated old-name view):
                    # the next full build makes it again. Tables are never skipped.
                    continue
                tables.drop_view(local_schema, name)
                for chunk in engine.iter_table(engine_schema, name):
                    tables.write(local_schema, name, chunk)
            return dict(tables.counts)
