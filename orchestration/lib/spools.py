"""Spool folders: Parquet parts a step writes beside its output while it runs (the loader's,
orchestration/engines.py TableReplacer; the export's places, audit/export_lines.py PlaceSpool)
and removes when it ends. A process that was killed leaves its folder behind; the next one
clears it, and only what a spool holds: nothing the project did not write is deleted.
Spill folders (`spill_folder`) are DuckDB's temp_directory, one per process."""

import atexit
import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# a spool's parts end so: clear() removes only such files
PART_SUFFIX = ".parquet"
# DuckDB's files in its temp_directory (duckdb_temp_storage_*.tmp, duckdb_temp_block-*.block)
SPILL_PREFIX = "duckdb_temp_"
_SPILLS: set[Path] = set()


def clear(folder: Path, prefix: str = "", suffix: str = PART_SUFFIX) -> bool:
    """Remove a dead process's spool: its parts (regular files named *.parquet, or as given),
    then the folder if that empties it. True when the folder is gone; a file of another name is
    not ours: it stays, and so does the folder."""
    for part in folder.iterdir():
        ours = part.name.startswith(prefix) and part.name.endswith(suffix)
        if ours and part.is_file() and not part.is_symlink():
            part.unlink()
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def spill_folder(database: Path) -> Path:
    """This process's folder for DuckDB to spill its work on `database` to (temp_directory):
    `.<database>.spill-<pid>`, owner only. DuckDB's default, `<database>.tmp`, is one folder
    for every process: at 10M rows two export workers spilled side by side into the same file
    names and one died (SIGSEGV, reproduced with two county workbooks); and its files were
    readable by anyone. DuckDB removes its files when the database closes; the folder goes
    when the process exits, or (a killed process's) when the next process makes its own."""
    folder = _spill_path(database)
    if folder in _SPILLS:
        return folder
    for stale in database.parent.glob(f".{database.name}.spill-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            if stale.is_dir() and not stale.is_symlink():
                clear(stale, prefix=SPILL_PREFIX, suffix="")
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.getuid():
        raise PermissionError(f"{folder} is not this user's own folder")
    folder.chmod(0o700)
    _SPILLS.add(folder)
    atexit.register(_remove_spill, folder)
    return folder


def release_spill(database: Path) -> None:
    """Remove this process's spill folder when DuckDB left it empty (its database closed), as
    soon as the process is done with the warehouse: an export worker's pool may be torn down
    before its exit handlers run."""
    folder = _spill_path(database)
    if folder in _SPILLS:
        _remove_spill(folder)


def _spill_path(database: Path) -> Path:
    return database.parent / f".{database.name}.spill-{os.getpid()}"


def _remove_spill(folder: Path) -> None:
    try:
        folder.rmdir()  # only when empty: an open database's files stay
    except OSError:
        return
    _SPILLS.discard(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextmanager
def private_dbt_spill(database: Path) -> Iterator[None]:
    """dbt's build spills to DuckDB's default folder, `<database>.tmp` (dbt's connection is
    configured by the profile, and a user may run dbt by hand): made owner-only before the
    build, as DuckDB would make it readable by anyone, with the decision rows it spills; and
    removed after it when empty (DuckDB keeps a folder it did not make)."""
    folder = database.parent / f"{database.name}.tmp"
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
    if folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid():
        folder.chmod(0o700)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty: nothing DuckDB or anyone else left is removed
