"""Where each decision landed in the export set: audit.export_lines, file by file, line by line.

Each file kind knows where it put each decision (exports/file_kinds: court document: page and
item; review workbook: sheet and row; the earlier tool's CSVs: which record; the CSV and JSONL
files that carry a decision id are read back for their physical line numbers): its `places`.
`collect` gathers the kinds' places into rows (pure). The export step then records them:

    exports/staged_files  record_staged(): this run's rows, published_at NULL
    exports/published     mark_published(): stamps them once the set is swapped in, and drops
                          rows of runs that never published (a crash left them)

fct_decision_lineage (a view) shows the latest published run's rows; `cleanslate trace` reads
the files back at those lines (each kind's `check_place`). The table's columns are also created
by dbt's on-run-start hook (dbt_project/macros/audit_lineage.sql): keep the two in step.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from orchestration.exports.file_kinds.base import (  # noqa: F401  (re-exported: the readers)
    PLACE_COLUMNS,
    PLACE_SCHEMA,
    csv_lines,
    jsonl_lines,
    record_start_lines,
)
from orchestration.lib import spools

if TYPE_CHECKING:  # the export workers import this module: no Dagster to import there
    from orchestration.resources import Warehouse

TABLE = "audit.export_lines"
SCHEMA: dict[str, Any] = {
    "run_id": pl.String,
    "out_dir": pl.String,
    **PLACE_SCHEMA,
    "staged_at": pl.Datetime("us"),
    "published_at": pl.Datetime("us"),
}
_SQL_TYPES = {pl.String: "varchar", pl.Int32: "integer"}
DDL = (
    f"create table if not exists {TABLE} ("
    + ", ".join(
        f"{name} {_SQL_TYPES.get(dtype, 'timestamp')}"  # type: ignore[call-overload]
        for name, dtype in SCHEMA.items()
    )
    + ")"
)


def collect(placed: list[pl.DataFrame], kinds: Any = None) -> pl.DataFrame:
    """Every place of a set: the file kinds' `places` (exports/file_kinds), as one frame in
    file order. A place whose `kind` no registered file kind (or none of `kinds`) holds is an
    error: `trace` could not check it."""
    from orchestration.exports import file_kinds

    frames = [p.select(PLACE_COLUMNS) for p in placed]
    out = pl.concat(frames) if frames else pl.DataFrame(schema=PLACE_SCHEMA)
    known = {p for k in file_kinds.registered(kinds) for p in k.place_kinds}
    unknown = sorted(set(out["kind"].unique().to_list()) - known, key=str)
    if unknown:
        raise ValueError(f"places of kinds no registered file kind holds: {unknown}")
    return out.sort("file", "page", "sheet", "line", nulls_last=True)


class PlaceSpool:
    """A run's places, kept on disk as the files are written: one Parquet part per unit and
    kind, in a private temporary folder (0700), written by the process that wrote the files (a
    worker writes its own). A statewide run places every decision in two or three files, so
    millions of places are never held in memory, nor sent back from a worker. `record_staged`
    inserts the parts with DuckDB; `frame()` reads them whole (tests, small sets). Picklable (a
    path). `remove()` once recorded."""

    def __init__(self, folder: Path | None = None) -> None:
        """folder: made here (0700), and must not exist: the run's own, beside its staging
        folder (publish.places_dir), where the next run clears it if this one dies before
        `remove()`. None: a private temporary folder (callers that are not a run)."""
        if folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="cleanslate-places-"))
        else:
            self.folder = Path(folder)
            self.folder.mkdir(mode=0o700)

    def add(self, places: pl.DataFrame, name: str) -> int:
        """Spool one unit's places (PLACE_COLUMNS); returns how many."""
        if places.height:
            part = self.folder / f"{name}-{uuid.uuid4().hex}{spools.PART_SUFFIX}"
            places.select(PLACE_COLUMNS).write_parquet(part)
        return places.height

    def parts(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{spools.PART_SUFFIX}"))

    def frame(self, kinds: Any = None) -> pl.DataFrame:
        """Every place, in file order (collect: a place of a kind not registered is an error)."""
        return collect([pl.read_parquet(p) for p in self.parts()], kinds)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __getstate__(self) -> dict[str, Any]:
        return {"folder": str(self.folder)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.folder = Path(state["folder"])


# --------------------------------------------------------------------------------------------
# Recording (the export step)


def ensure_table(con) -> None:
    con.execute("create schema if not exists audit")
    con.execute(DDL)


def record_staged(
    warehouse: Warehouse, run_id: str, out_dir: Path, places: pl.DataFrame | PlaceSpool
) -> int:
    """This run's places, not yet published (a re-executed run replaces its own rows).
    `places`: a frame, or a spool (its parts inserted by DuckDB, never read into Python; a place
    of a kind no registered file kind holds is refused, as by `collect`)."""
    from orchestration.exports import file_kinds

    staged_at = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        con.execute("begin transaction")
        ensure_table(con)
        con.execute(f"delete from {TABLE} where run_id = ?", [run_id])
        if isinstance(places, PlaceSpool):
            parts = [str(p) for p in places.parts()]
            if not parts:
                con.execute("commit")
                return 0
            con.execute("create temp table _export_lines as select * from read_parquet(?)", [parts])
            known = {p for k in file_kinds.registered() for p in k.place_kinds}
            found = {
                k for (k,) in con.execute("select distinct kind from _export_lines").fetchall()
            }
            unknown = sorted(found - known, key=str)
            if unknown:
                con.execute("rollback")
                raise ValueError(f"places of kinds no registered file kind holds: {unknown}")
        else:
            con.register("_export_lines", places.select(PLACE_COLUMNS))
        con.execute(
            f"insert into {TABLE} by name select *, ? as run_id, ? as out_dir,"
            " ? as staged_at, null::timestamp as published_at from _export_lines",
            [run_id, str(out_dir), staged_at],
        )
        n = con.execute(f"select count(*) from {TABLE} where run_id = ?", [run_id]).fetchone()
        con.execute("commit")
    return int(n[0]) if n else 0


def mark_published(warehouse: Warehouse, run_id: str, out_dir: Path) -> None:
    """The run's set is the one published in out_dir: stamp its rows, and forget the set it
    replaced there and any set never published (their files are gone)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        con.execute("begin transaction")
        ensure_table(con)
        con.execute(f"update {TABLE} set published_at = ? where run_id = ?", [now, run_id])
        con.execute(
            f"delete from {TABLE} where run_id <> ? and (published_at is null or out_dir = ?)",
            [run_id, str(out_dir)],
        )
        con.execute("commit")
