"""Who may write a warehouse: an exclusive lock file beside it, held for a whole run.

The CLI (`cleanslate run`) and the service's executor (orchestration/service/jobs.py) hold the
same `<warehouse>.lock`, so two runs on one warehouse never overlap (DuckDB has one writer).
"""

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


def lock_file(warehouse_file: Path) -> Path:
    return warehouse_file.with_name(warehouse_file.name + ".lock")


@contextmanager
def hold_lock(
    path: Path,
    holder: str,
    when_busy: Callable[[str], None] = lambda held_by: None,
    when_taken: Callable[[], None] = lambda: None,
) -> Iterator[None]:
    """Hold `path` exclusively (flock) until the block ends, then write who holds it.

    When another process holds it: when_busy(what the file says of its holder) (which may raise
    to give up), then wait for it, then when_taken(). The kernel releases the lock when the
    holder exits, however it ends (crash, kill -9), so a stale lock cannot block the next run.
    The file only says who holds it (holder, start time); it is never deleted (deleting a lock
    file invites two holders).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by dbt's subprocess
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            when_busy(os.pread(fd, 200, 0).decode("utf-8", "replace").strip())
            fcntl.flock(fd, fcntl.LOCK_EX)
            when_taken()
        since = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder}, since {since}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
