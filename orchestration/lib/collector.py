"""Python's cyclic garbage collector, tuned for a process that runs one job and ends.

A run keeps ~750,000 container objects alive (Dagster, dbt's manifest, the assets). With the
default thresholds (700, 10, 10) a 100-row run made ~3,300 collections, a dozen of them walks of
every object, ~4 s in all, and one more walk at exit (~2.7 s, after the summary was printed).
Measured in docs/benchmarks.md. Cycles are still collected during the run, less often.
"""

import atexit
import gc

THRESHOLDS = (10_000, 10, 10)


def tune() -> None:
    """Fewer young collections, and none of everything at exit: atexit runs before the
    interpreter's last collection, and frozen objects are not walked (the process is ending;
    the OS takes its memory back whole). Call once, at a process's entry point."""
    gc.set_threshold(*THRESHOLDS)
    atexit.register(gc.freeze)
