"""Where dbt builds the models: DuckDB (the default), PostgreSQL or Apache Spark.

The dbt target (DBT_TARGET: dev, pg, spark, spark_thrift) picks the engine. Whatever the engine,
the ingest and the rulebook compute in the run's DuckDB file (polars chunks, the duplicate
quarantine in SQL) and the exports, gates and audit read it: that file is the run's working
store. On another engine the dbt step brackets `dbt build` with two copies through one
engine-neutral interface (orchestration/resources.py, Warehouse.publish_sources / fetch_models):

    DuckDB raw.*, rules.* --publish--> engine --dbt build--> engine models --fetch--> DuckDB

    engine.replacing()          a transaction-like loader: .write(schema, name, frame), the
                                first write of a table replaces it, later ones append
    engine.iter_table(s, n)     a table's rows as polars frames (chunks)
    PostgresEngine.query(sql)   rows of a query as one polars frame (PostgreSQL only: no
                                Spark session lives in this process)

PostgreSQL: psycopg2, COPY in CSV (NULL unquoted, '' quoted), one transaction; the loader role
writes raw / rules, the transformer role runs dbt and reads the models back.
Spark: the loader writes Parquet files under CLEANSLATE_SPARK_LANDING/<schema>/<table>/ and
dbt registers them as external tables when it starts (macros/engines.sql,
register_landed_sources); the models are read back from the Parquet files of the managed
tables under the warehouse directory. No Spark session lives in this process: an embedded
(Derby) metastore admits one JVM at a time, and that is dbt's.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import duckdb
import polars as pl

from orchestration.lib import spools
from orchestration.lib.settings import settings

# dbt target -> engine
TARGET_ENGINES = {"dev": "duckdb", "pg": "postgres", "spark": "spark", "spark_thrift": "spark"}
CHUNK_ROWS = 100_000


def dbt_target() -> str:
    return settings().dbt_target


def engine_of(target: str) -> str:
    try:
        return TARGET_ENGINES[target]
    except KeyError:
        raise ValueError(
            f"unknown dbt target {target!r} (DBT_TARGET): one of {', '.join(TARGET_ENGINES)}"
        ) from None


class Loader(Protocol):
    def write(self, schema: str, name: str, frame: pl.DataFrame) -> None: ...


class Engine(Protocol):
    kind: str

    def replacing(self) -> Any: ...  # context manager yielding a Loader

    def iter_table(self, schema: str, name: str) -> Iterator[pl.DataFrame]: ...


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# ------------------------------------------------------------------------------ DuckDB


# A table's frames past this size wait on disk (Parquet, in the loader's spool folder) and go
# into DuckDB in one statement when the loader is flushed. Appending chunk after chunk inside one
# open DuckDB transaction kept ~1.2 GiB at 1M DOJ records that DuckDB's memory limit does not
# bound (docs/benchmarks.md, "Ingest in bounded memory"); one statement over the files streams.
SPOOL_BYTES = 16 * 1024 * 1024


class TableReplacer:
    """Writes frames into tables: the first write of a table replaces it, later ones append.

    The loader of the run's DuckDB file (Warehouse.replacing, in one transaction); here, without
    Dagster, so code that writes tables without a Dagster resource uses the same one.

    With a `spool` folder (Warehouse.replacing gives one), the writes are held back: each
    table's frames are kept, in order, in memory while they are small and in Parquet files in
    `spool` past SPOOL_BYTES, and written by flush() in one statement per table. flush() runs
    before the transaction commits and before `connection()` hands the connection out, so SQL
    run there sees every row written before. Without `spool`, each write goes in at once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spool: Path | None = None):
        self._con = con
        self._spool = spool
        self._started: set[tuple[str, str]] = set()
        # (schema, table) -> its frames not yet in DuckDB, in write order (a frame, or its file)
        self._pending: dict[tuple[str, str], list[pl.DataFrame | Path]] = {}
        self._files = 0
        self.counts: dict[str, int] = {}

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The transaction's connection, every write so far in its tables."""
        self.flush()
        return self._con

    def drop_view(self, schema: str, name: str) -> None:
        """A table is about to take the place of a view (a model built elsewhere)."""
        con = self.connection()
        found = con.execute(
            "select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
            [schema, name],
        ).fetchone()
        if found and found[0]:
            con.execute(f"drop view {_quote(schema)}.{_quote(name)}")

    def write(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        self.counts[f"{schema}.{name}"] = self.counts.get(f"{schema}.{name}", 0) + frame.height
        if self._spool is None:
            self._insert((schema, name), frame)
            return
        target = (schema, name)
        parts = self._pending.setdefault(target, [])
        parts.append(frame)
        held = [p for p in parts if isinstance(p, pl.DataFrame)]
        if sum(p.estimated_size() for p in held) >= SPOOL_BYTES:
            self._pending[target] = [
                self._to_file(p) if isinstance(p, pl.DataFrame) else p for p in parts
            ]

    def flush(self) -> None:
        """Every held-back frame into its table, one statement per table, in write order."""
        pending, self._pending = self._pending, {}
        for target, parts in pending.items():
            if all(isinstance(p, pl.DataFrame) for p in parts):
                for frame in parts:  # small: each as it would have gone in at once
                    self._insert(target, frame)
                continue
            files = [p if isinstance(p, Path) else self._to_file(p) for p in parts]
            paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            # columns matched by name, as `insert ... by name` matches a frame's
            self._insert(target, f"read_parquet([{paths}], union_by_name = true)")
            for f in files:
                f.unlink()

    def _to_file(self, frame: pl.DataFrame) -> Path:
        assert self._spool is not None
        self._files += 1
        path = self._spool / f"part-{self._files:06d}{spools.PART_SUFFIX}"
        # no statistics: the file is read once, whole, in order
        frame.write_parquet(path, compression="lz4", statistics=False)
        return path

    def _insert(self, target: tuple[str, str], rows: pl.DataFrame | str) -> None:
        """`rows`: a frame, or a table function over the spooled files."""
        schema, name = target
        table = f"{_quote(schema)}.{_quote(name)}"
        source = "_frame" if isinstance(rows, pl.DataFrame) else rows
        if isinstance(rows, pl.DataFrame):
            self._con.register("_frame", rows)
        try:
            if target not in self._started:
                self._con.execute(f"create schema if not exists {_quote(schema)}")
                self._con.execute(f"create or replace table {table} as select * from {source}")
                self._started.add(target)
            else:
                self._con.execute(f"insert into {table} by name select * from {source}")
        finally:
            if isinstance(rows, pl.DataFrame):
                self._con.unregister("_frame")


# ------------------------------------------------------------------------------ PostgreSQL

ROLES = ("loader", "transformer", "analyst", "auditor")


@dataclass(frozen=True)
class PostgresSettings:
    """Connection settings from CLEANSLATE_PG_* (scripts/postgres.sh env prints them)."""

    host: str
    port: int
    dbname: str
    sslmode: str

    @classmethod
    def from_env(cls) -> PostgresSettings:
        s = settings()
        return cls(host=s.pg_host, port=s.pg_port, dbname=s.pg_database, sslmode=s.pg_sslmode)

    def connect_args(self, role: str) -> dict[str, Any]:
        """psycopg2.connect() keywords for one of the four roles."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        s = settings()
        password = getattr(s, f"pg_{role}_password").get_secret_value()
        return {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "sslmode": self.sslmode,
            "user": getattr(s, f"pg_{role}_user"),
            "password": password,
            "connect_timeout": 10,
            "application_name": f"cleanslate-{role}",
        }


def _pg_type(dtype: pl.DataType) -> str:
    if dtype == pl.String or dtype == pl.Null or dtype == pl.Categorical:
        return "text"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    if dtype in (pl.Int8, pl.Int16, pl.UInt8):
        return "smallint"
    if dtype in (pl.Int32, pl.UInt16):
        return "integer"
    if dtype in (pl.Int64, pl.UInt32):
        return "bigint"
    if dtype in (pl.Int128, pl.UInt64):
        return "numeric(38, 0)"
    if dtype == pl.Float32:
        return "real"
    if dtype == pl.Float64:
        return "double precision"
    if isinstance(dtype, pl.Decimal):
        return f"numeric({dtype.precision}, {dtype.scale})"
    raise TypeError(f"no PostgreSQL type for polars {dtype}")


# PostgreSQL type OID -> polars type, for reading rows back
_PG_POLARS: dict[int, pl.DataType] = {
    16: pl.Boolean(),
    20: pl.Int64(),
    21: pl.Int16(),
    23: pl.Int32(),
    25: pl.String(),
    1042: pl.String(),
    1043: pl.String(),
    700: pl.Float32(),
    701: pl.Float64(),
    1082: pl.Date(),
    1114: pl.Datetime("us"),
    1184: pl.Datetime("us", "UTC"),
}


def _polars_type(column: Any) -> pl.DataType:
    if column.type_code == 1700:  # numeric
        if column.precision is not None and 0 < column.precision <= 38 and column.scale is not None:
            return pl.Decimal(column.precision, column.scale)
        return pl.Decimal(38, 10)  # unconstrained numeric
    return _PG_POLARS.get(column.type_code, pl.String())


class PostgresEngine:
    kind = "postgres"

    def __init__(self, settings: PostgresSettings | None = None):
        self.settings = settings or PostgresSettings.from_env()

    @contextmanager
    def connect(self, role: str = "transformer") -> Iterator[Any]:
        import psycopg2

        con = psycopg2.connect(**self.settings.connect_args(role))
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def replacing(self, role: str = "loader") -> Iterator[_PostgresLoader]:
        """One transaction: every table written, or none."""
        with self.connect(role) as con:
            try:
                yield _PostgresLoader(con)
                con.commit()
            except BaseException:
                con.rollback()
                raise

    def iter_table(self, schema: str, name: str, role: str = "transformer"):
        with self.connect(role) as con, con.cursor(name=f"cs_{uuid.uuid4().hex}") as cur:
            cur.itersize = CHUNK_ROWS
            cur.execute(f"select * from {_quote(schema)}.{_quote(name)}")
            first = cur.fetchmany(CHUNK_ROWS)
            schema_ = {c.name: _polars_type(c) for c in cur.description}
            rows = first
            while True:
                yield _frame(rows, schema_)
                rows = cur.fetchmany(CHUNK_ROWS)
                if not rows:
                    break

    def query(self, sql: str, params: list | None = None, role: str = "transformer"):
        with self.connect(role) as con, con.cursor() as cur:
            cur.execute(sql, params or None)
            rows = cur.fetchall()
            return _frame(rows, {c.name: _polars_type(c) for c in cur.description})


def _frame(rows: list[tuple], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema=schema)
    columns = list(zip(*rows, strict=True))
    data = {}
    for (name, dtype), values in zip(schema.items(), columns, strict=True):
        if isinstance(dtype, pl.Decimal):
            values = [None if v is None else Decimal(v) for v in values]
        data[name] = pl.Series(name, values, dtype=dtype, strict=False)
    return pl.DataFrame(data)


class _PostgresLoader:
    """First write of a table: truncate it (same columns) or create it anew; then COPY."""

    def __init__(self, con: Any):
        self._con = con
        self._started: set[str] = set()
        self.counts: dict[str, int] = {}

    def write(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        target = f"{_quote(schema)}.{_quote(name)}"
        with self._con.cursor() as cur:
            if target not in self._started:
                self._prepare(cur, schema, name, frame)
                self._started.add(target)
            if frame.height:
                cols = ", ".join(_quote(c) for c in frame.columns)
                for offset in range(0, frame.height, CHUNK_ROWS):
                    data = frame.slice(offset, CHUNK_ROWS).write_csv(include_header=False)
                    cur.copy_expert(
                        f"copy {target} ({cols}) from stdin with (format csv)",
                        io.BytesIO(data.encode("utf-8")),
                    )
        self.counts[f"{schema}.{name}"] = self.counts.get(f"{schema}.{name}", 0) + frame.height

    @staticmethod
    def _prepare(cur: Any, schema: str, name: str, frame: pl.DataFrame) -> None:
        wanted = [(c, _pg_type(t)) for c, t in frame.schema.items()]
        cur.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
            "join pg_class c on c.oid = a.attrelid "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            [schema, name],
        )
        have = cur.fetchall()
        target = f"{_quote(schema)}.{_quote(name)}"
        same = [(c, _normal_type(t)) for c, t in have] == [(c, _normal_type(t)) for c, t in wanted]
        if have and same:
            # keeps the table, its grants and the dbt views on it
            cur.execute(f"truncate table {target}")
            return
        cur.execute("select count(*) from pg_namespace where nspname = %s", [schema])
        if not cur.fetchone()[0]:  # scripts/postgres_roles.sql creates the loader's schemas
            cur.execute(f"create schema {_quote(schema)}")
        # the staging views built on it go too; dbt builds them again right after
        cur.execute(f"drop table if exists {target} cascade")
        cols = ", ".join(f"{_quote(c)} {t}" for c, t in wanted)
        cur.execute(f"create table {target} ({cols})")


def _normal_type(t: str) -> str:
    t = t.lower().replace(" ", "")
    return {"timestampwithouttimezone": "timestamp", "timestampwithtimezone": "timestamptz"}.get(
        t, t
    )


# ------------------------------------------------------------------------------ Spark


@dataclass(frozen=True)
class SparkSettings:
    """Where the local Spark keeps its warehouse and metastore, and where extracts land."""

    root: Path
    landing: str

    @classmethod
    def from_env(cls) -> SparkSettings:
        s = settings()
        root = s.spark_dir.resolve()
        return cls(root=root, landing=s.spark_landing or str(root / "landing"))

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    def export_env(self) -> None:
        """dbt's profile (target spark) and its on-run-start hook read these."""
        os.environ["CLEANSLATE_SPARK_DIR"] = str(self.root)
        os.environ["CLEANSLATE_SPARK_LANDING"] = self.landing


class SparkEngine:
    kind = "spark"

    def __init__(self, settings: SparkSettings | None = None):
        self.settings = settings or SparkSettings.from_env()

    @contextmanager
    def replacing(self) -> Iterator[_ParquetLoader]:
        """Tables are written aside and swapped in together when every write succeeded."""
        landing = Path(self.settings.landing)
        staging = landing / f".staging-{uuid.uuid4().hex}"
        loader = _ParquetLoader(staging)
        try:
            yield loader
            for schema, name in loader.tables:
                final = landing / schema / name
                final.parent.mkdir(parents=True, exist_ok=True)
                old = final.with_name(f".{name}.old-{uuid.uuid4().hex}")
                if final.exists():
                    final.rename(old)
                (staging / schema / name).rename(final)
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def table_dir(self, schema: str, name: str) -> Path:
        return self.settings.warehouse_dir / f"{schema}.db" / name

    def iter_table(self, schema: str, name: str) -> Iterator[pl.DataFrame]:
        folder = self.table_dir(schema, name)
        files = sorted(folder.glob("*.parquet"))
        if not files:
            raise FileNotFoundError(
                f"{schema}.{name}: no Parquet files under {folder} (not a table built by dbt?)"
            )
        for f in files:
            yield pl.read_parquet(f)


class _ParquetLoader:
    def __init__(self, root: Path):
        self.root = root
        self.tables: list[tuple[str, str]] = []
        self.counts: dict[str, int] = {}

    def write(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        folder = self.root / schema / name
        if (schema, name) not in self.tables:
            folder.mkdir(parents=True, exist_ok=True)
            self.tables.append((schema, name))
        part = len(list(folder.glob("*.parquet")))
        if part and not frame.height:
            return
        frame.write_parquet(folder / f"part-{part:05d}.parquet", compression="zstd")
        self.counts[f"{schema}.{name}"] = self.counts.get(f"{schema}.{name}", 0) + frame.height


def engine_for(target: str) -> PostgresEngine | SparkEngine | None:
    """The engine of a dbt target; None for DuckDB (the run's own file is the warehouse)."""
    kind = engine_of(target)
    if kind == "postgres":
        return PostgresEngine()
    if kind == "spark":
        return SparkEngine()
    return None
