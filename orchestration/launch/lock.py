"""One run per warehouse at a time: `<warehouse>.lock` held for a whole run (lib/locking.py)."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.launch import Notify, Refused
from orchestration.lib.locking import hold_lock, lock_file

# `cleanslate run --no-wait` while another run holds the warehouse (EX_TEMPFAIL: try later).
EXIT_BUSY = 75


@contextmanager
def warehouse_lock(warehouse_file: Path, notify: Notify, wait: bool = True) -> Iterator[None]:
    """Hold `<warehouse>.lock` for a whole run (`hold_lock`): two runs on one warehouse never
    overlap; the second waits (and says so through `notify`) or, with wait=False, is refused
    at once (`Refused`, exit code EXIT_BUSY)."""
    path = lock_file(warehouse_file)
    started = 0.0

    def busy(holder: str) -> None:
        nonlocal started
        held_by = f" ({holder})" if holder else ""
        if not wait:
            raise Refused(
                f"another run holds the warehouse {warehouse_file}{held_by}; not waiting"
                " (--no-wait). Run again when it has finished, or leave out --no-wait.",
                code=EXIT_BUSY,
            )
        notify(
            f"Waiting for the run holding the warehouse {warehouse_file}{held_by} to "
            f"finish (lock {path.name}) ..."
        )
        started = time.monotonic()

    def taken() -> None:
        notify(
            f"... the other run finished after {time.monotonic() - started:.0f} s;"
            " starting this one."
        )

    with hold_lock(path, f"pid {os.getpid()}", busy, taken):
        yield
