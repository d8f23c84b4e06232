"""Clean Slate Warehouse: the Python package (one Dagster code location)."""

import multiprocessing
import sys

# A process started by multiprocessing "spawn" from `python -m ...` - Dagster's code server
# starting a run worker, for every run launched from the UI, a sensor or a schedule (`make dev`,
# `make serve`) - has a bare __main__: no __spec__, no __file__. pyspark (the dev extra's Spark
# target) takes that for "running doctests" and calls sys.exit(0) on import, and Great
# Expectations imports pyspark: the run's GE checks would end with SystemExit. Name the file.
_main = sys.modules.get("__main__")
if (
    _main is not None
    and multiprocessing.parent_process() is not None
    and getattr(_main, "__spec__", None) is None
    and not hasattr(_main, "__file__")
):
    _main.__file__ = "<multiprocessing spawn>"
