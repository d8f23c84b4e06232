"""The CLI's Dagster run history (SQLite, under DAGSTER_HOME) without the per-event cost.

Dagster's SQLite event log creates an engine, opens the database, commits with fsync and closes
it again for every event: about 700 events a run, the largest fixed cost of a small run after
dbt (docs/benchmarks.md). For the runs this process executes:

* no fsync (`pragma synchronous = off`, a per-connection setting; changing the journal mode
  would need a lock other connections may hold). That risks the Dagster run history of a run cut
  short by an OS crash, never the warehouse (DuckDB has its own WAL) nor the audit tables in it;
* one engine per database file with a pool, so an event reuses an open connection (2-3 s of a
  100-row run). The storage still serialises its writes with its own lock; each write is still
  one committed transaction, so the webserver and the daemon read the history as before.

`release()` closes the pooled connections when the run is over. A production instance keeps its
history in PostgreSQL (deploy/dagster.yaml) and is untouched by either.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_engines: dict[str, Any] = {}  # connection string -> pooled engine
_installed = False


def install() -> None:
    """Patch Dagster's SQLite event log storage in this process (once; later calls do nothing)."""
    global _installed
    with _lock:
        if _installed:
            return
        from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
            SQLITE_BUSY_TIMEOUT_SECONDS,
            SqliteEventLogStorage,
        )
        from sqlalchemy import create_engine, event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "connect")
        def _no_fsync(dbapi_connection, _record) -> None:
            if type(dbapi_connection).__module__.startswith("sqlite3"):
                cursor = dbapi_connection.cursor()
                cursor.execute("pragma synchronous = off")
                cursor.close()

        @contextmanager
        def _connect(self, shard: str) -> Iterator[Any]:
            # Dagster's own _connect, with the engine kept instead of created and disposed
            with self._db_lock:
                conn_string = self.conn_string_for_shard(shard)
                with _lock:
                    engine = _engines.get(conn_string)
                    if engine is None:
                        engine = create_engine(
                            conn_string,
                            # a pooled connection may be checked out by another thread next
                            connect_args={
                                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                "check_same_thread": False,
                            },
                        )
                        _engines[conn_string] = engine
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                with engine.connect() as conn, conn.begin():
                    yield conn

        SqliteEventLogStorage._connect = _connect
        _installed = True


def release() -> None:
    """Close every pooled connection (the run is over; its files may be moved or deleted)."""
    with _lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()
