"""Python's cyclic garbage collector, tuned for a process that runs one job and ends.

A run keeps ~750,000 container objects alive (Dagster, dbt's manifest, the assets). With the
default thresholds (700, 10, 10) a 100-row run made ~3,300 collections, a dozen of them walks of
every object, ~4 s in all, and one more walk at exit (~2.7 s, after the summary was printed).
Measured in docs/benchmarks.md. Cycles are still collected during the run, less often.
"""

import atexit
import ctypes
import gc
import os
import sys

THRESHOLDS = (10_000, 10, 10)


def tune() -> None:
    """Fewer young collections, and none of everything at exit: atexit runs before the
    interpreter's last collection, and frozen objects are not walked (the process is ending;
    the OS takes its memory back whole). Call once, at a process's entry point."""
    gc.set_threshold(*THRESHOLDS)
    atexit.register(gc.freeze)


# A stage that ends holding this much gives the rest back before the next one (release).
RELEASE_FROM = 1 << 30


def release(min_rss: int = RELEASE_FROM) -> bool:
    """Between the stages of a large run: collect the cycles the last stage left (with the
    thresholds above the oldest generation is walked rarely, and at 1M rows GX's and dbt's
    cycles held ~250 MiB) and hand glibc's and pyarrow's free pages back to the OS (~0.6 GiB more
    after the dbt step, ~0.55 GiB after GX's suite on the decision table). Only when the
    process holds `min_rss` or more: a small run pays nothing. True when it ran."""
    if _rss() < min_rss:
        return False
    gc.collect()
    _trim()
    return True


def _rss() -> int:
    """Resident bytes of this process (Linux; elsewhere 0: nothing is released)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def release_arrow() -> None:
    """Hand the memory pyarrow's allocator (mimalloc) keeps after it was freed back to the OS:
    every query read into polars goes through Arrow, and after GX's suite on the 1M-row
    decision table the pool kept ~0.55 GiB that no object used. Nothing when pyarrow was never
    imported (no import for it)."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()


def _trim() -> None:
    release_arrow()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): its allocator decides
        pass
