"""Each process spills DuckDB's work on the warehouse to a folder of its own, owner only.

DuckDB's default temp_directory, `<warehouse>.tmp`, is one folder for every process: at 10M
rows two export workers sorting their counties side by side wrote the same spill files, and one
died with SIGSEGV; and the files (decision rows) were readable by anyone."""

import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.exports.load import ExportSource
from orchestration.lib import spools
from orchestration.resources import Warehouse


def _warehouse(tmp_path) -> Warehouse:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as i from range(10)")
    con.close()
    return Warehouse(path=str(path))


def _temp_directory(con) -> str:
    return con.execute("select current_setting('temp_directory')").fetchone()[0]


def _spill_of_child(path: str, queue) -> None:
    source = ExportSource(Path(path), "64MB")
    with source.held(), source.connect() as con:
        spill = _temp_directory(con)
    queue.put((spill, Path(spill).exists()))  # before the process ends


def test_every_connection_spills_to_its_process_s_private_folder(tmp_path):
    wh = _warehouse(tmp_path)
    mine = tmp_path / f".w.duckdb.spill-{os.getpid()}"
    with wh.connect(read_only=True) as con:
        assert _temp_directory(con) == str(mine)
    with ExportSource(wh.file, "64MB").connect() as con:
        assert _temp_directory(con) == str(mine)
    assert stat.S_IMODE(mine.stat().st_mode) == 0o700
    # an export worker: another process, another folder
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_spill_of_child, args=(str(wh.file), queue))
    child.start()
    theirs, left_after_held = queue.get(timeout=120)
    child.join(60)
    assert theirs == str(tmp_path / f".w.duckdb.spill-{child.pid}") != str(mine)
    # the worker's folder goes with its held warehouse, not only when the process exits
    assert not left_after_held
    assert not (tmp_path / f".w.duckdb.spill-{child.pid}").exists()


def test_a_dead_process_s_spill_is_cleared_and_nothing_else(tmp_path):
    wh = _warehouse(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".w.duckdb.spill-{int(dead.stdout)}"
    stale.mkdir()
    (stale / "duckdb_temp_storage_DEFAULT-0.tmp").write_bytes(b"x")
    kept = tmp_path / ".w.duckdb.spill-999999999"  # not a live pid either, but not only ours
    kept.mkdir()
    (kept / "duckdb_temp_block-1.block").write_bytes(b"x")
    (kept / "notes.txt").write_text("not DuckDB's")
    spools._SPILLS.clear()  # as a new process
    with wh.connect(read_only=True):
        pass
    assert not stale.exists()
    assert sorted(p.name for p in kept.iterdir()) == ["notes.txt"]


def test_dbt_s_spill_folder_is_the_owner_s_during_the_build_and_gone_after(tmp_path):
    """dbt's connection spills to DuckDB's default `<warehouse>.tmp`, which DuckDB makes
    readable by anyone: the build step makes it owner-only first, and removes it when empty."""
    database = tmp_path / "w.duckdb"
    folder = tmp_path / "w.duckdb.tmp"
    with spools.private_dbt_spill(database):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not folder.exists()
    folder.mkdir(mode=0o755)  # one a user's own dbt run left, readable by anyone
    folder.chmod(0o755)
    with spools.private_dbt_spill(database):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        (folder / "kept").write_text("not empty")  # what is in it is never removed
    assert (folder / "kept").exists()
