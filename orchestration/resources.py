"""The warehouse resource: short-lived DuckDB connections (DuckDB allows one writer process)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
from dagster import ConfigurableResource

from orchestration.settings import warehouse_path


class Warehouse(ConfigurableResource):
    """An embedded DuckDB file. Every method opens and closes its own connection.

    path: the DuckDB file; empty means CLEANSLATE_WAREHOUSE at run time (so one loaded code
    location can serve runs against different warehouses, as the CLI and tests do).
    """

    path: str = ""

    @property
    def file(self) -> Path:
        return Path(self.path) if self.path else warehouse_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.file), read_only=read_only)
        if not read_only:
            self.file.chmod(0o600)  # records are sensitive: the owner only
        try:
            # A missing table must be an error, not a lookup of a Python variable of that name.
            con.execute("set python_enable_replacements = false")
            yield con
        finally:
            con.close()

    @contextmanager
    def replacing(self) -> Iterator["TableReplacer"]:
        """One transaction in which tables are replaced chunk by chunk; all or nothing."""
        with self.connect() as con:
            con.execute("begin transaction")
            try:
                yield TableReplacer(con)
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


class TableReplacer:
    """Writes frames into tables: the first write of a table replaces it, later ones append."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self._started: set[str] = set()
        self.counts: dict[str, int] = {}

    def write(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        target = f'"{schema}"."{name}"'
        self._con.register("_frame", frame)
        try:
            if target not in self._started:
                self._con.execute(f'create schema if not exists "{schema}"')
                self._con.execute(f"create or replace table {target} as select * from _frame")
                self._started.add(target)
            else:
                self._con.execute(f"insert into {target} by name select * from _frame")
        finally:
            self._con.unregister("_frame")
        self.counts[f"{schema}.{name}"] = self.counts.get(f"{schema}.{name}", 0) + frame.height
