"""What the Dagster UI shows about every asset: owners, code versions, column schemas, row counts.

Definitions (owners, code_version, the column schema of the tables Python writes) are set on
the assets where they are declared; runtime figures (row counts, the warehouse's own column
types for the dbt models) come from the warehouse after the step that wrote it has finished.
Only names, types and counts: never a value of a record.
"""

import hashlib
import inspect
import threading
import time
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

import duckdb
import polars as pl
from dagster import AssetKey, AssetSpec, TableColumn, TableSchema, map_asset_specs

from orchestration.lib.settings import settings
from orchestration.resources import Warehouse

# Who to ask about an asset (Dagster `owners`; dbt models get theirs from the translator).
DATA_ENGINEERING = "team:data-engineering"
POLICY = "team:policy"  # the rule files: what each law says
OWNERS = {
    "ingest": [DATA_ENGINEERING],
    "rules": [POLICY, DATA_ENGINEERING],
    "staging": [DATA_ENGINEERING],
    "intermediate": [DATA_ENGINEERING],
    "marts": [DATA_ENGINEERING, POLICY],
    "exports": [DATA_ENGINEERING],
    "audit": [DATA_ENGINEERING],
    "landing": [DATA_ENGINEERING],
}

ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"


def code_version(*modules: ModuleType) -> str:
    """A short hash of the modules' source: it changes whenever the code that builds an asset
    does (Dagster then marks the asset's materialization as from older code)."""
    h = hashlib.sha256()
    for module in modules:
        h.update(inspect.getsource(module).encode())
    return h.hexdigest()[:16]


def polars_schema(schema: Mapping[str, Any], descriptions: Mapping[str, str] | None = None):
    """A Dagster column schema from a polars schema (the tables the Python assets write)."""
    descriptions = descriptions or {}
    return TableSchema(
        columns=[
            TableColumn(name=name, type=_polars_type(dtype), description=descriptions.get(name))
            for name, dtype in schema.items()
        ]
    )


def _polars_type(dtype: Any) -> str:
    return {
        pl.String: "varchar",
        pl.Int64: "bigint",
        pl.Int32: "integer",
        pl.Boolean: "boolean",
        pl.Float64: "double",
    }.get(dtype, str(dtype).lower())


def table_metadata(
    warehouse: Warehouse,
    relations: Mapping[str, tuple[str, str]],
    descriptions: Mapping[str, Mapping[str, str]] | None = None,
    view_seconds: float | None = None,
    on_demand: frozenset[str] = frozenset(),
) -> dict[str, dict[str, Any]]:
    """Row count and column schema (names, types, documented descriptions) of each relation.

    relations: name -> (schema, table). One read-only connection: call it only once the
    process that wrote the tables (dbt) has exited. A relation that does not exist (dbt
    skipped it) is left out. Counting a table is cheap; counting a view runs its query, so the
    views share a budget of view_seconds (CLEANSLATE_VIEW_COUNT_SECONDS, default 2): a view
    not counted in time gets its column schema only. The views in `on_demand` (dbt meta
    `on_demand: true`: every condition of every rule, statewide) are never counted: counting
    them would evaluate every condition again.
    """
    descriptions = descriptions or {}
    if view_seconds is None:
        view_seconds = settings().view_count_seconds
    out: dict[str, dict[str, Any]] = {}
    if not relations or not warehouse.file.exists():
        return out
    with warehouse.connect(read_only=True) as con:
        kinds = {
            (schema, table): kind
            for schema, table, kind in con.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
            ).fetchall()
        }
        columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, dtype in con.execute(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns order by table_schema, table_name, ordinal_position"
        ).fetchall():
            columns.setdefault((schema, table), []).append((column, dtype))
        views_until = time.monotonic() + view_seconds
        for name, (schema, table) in relations.items():
            kind = kinds.get((schema, table))
            if kind is None:
                continue
            docs = descriptions.get(name, {})
            meta: dict[str, Any] = {
                COLUMN_SCHEMA: TableSchema(
                    columns=[
                        TableColumn(name=c, type=t.lower(), description=docs.get(c) or None)
                        for c, t in columns.get((schema, table), [])
                    ]
                )
            }
            if kind == "VIEW" and name in on_demand:
                out[name] = meta
                continue
            budget = views_until - time.monotonic() if kind == "VIEW" else None
            rows = _count(con, schema, table, budget)
            if rows is not None:
                meta[ROW_COUNT] = rows
            out[name] = meta
    return out


def _count(con: duckdb.DuckDBPyConnection, schema: str, table: str, seconds: float | None):
    """count(*) of a relation; None when it takes longer than `seconds` or fails."""
    if seconds is not None and seconds <= 0:
        return None
    timer = threading.Timer(seconds, con.interrupt) if seconds is not None else None
    if timer:
        timer.start()
    try:
        (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
        return int(rows)
    except duckdb.Error:  # interrupted (over budget), or a view that no longer binds
        return None
    finally:
        if timer:
            timer.cancel()


def rulebook_hash(sha256s: Iterable[str]) -> str:
    """One hash over the rule files' (and options file's) hashes: the rulebook's version."""
    return hashlib.sha256("\n".join(sorted(sha256s)).encode()).hexdigest()[:16]


# Tables a Python asset writes beside its own, that dbt models read as sources: declared so the
# lineage shows them in their stage's group, not as an unnamed external asset.
SIDE_TABLES = [
    AssetSpec(
        AssetKey(["audit", "export_lines"]),
        description="Where each decision landed in the run's files (file, line, page, sheet):"
        " written by exports/staged_files, stamped when published; read by"
        " fct_decision_lineage and `cleanslate trace`.",
        group_name="audit",
        owners=OWNERS["audit"],
        kinds={"duckdb"},
    ),
]


def with_owners(assets: Iterable):
    """Every asset with owners: the owners of its group where it names none itself."""

    def fill(spec: AssetSpec) -> AssetSpec:
        if spec.owners or spec.group_name not in OWNERS:
            return spec
        return spec.replace_attributes(owners=OWNERS[spec.group_name])

    return map_asset_specs(fill, assets)
