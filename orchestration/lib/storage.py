"""How the warehouse's DuckDB stores what it writes: one setting for both of its connections.

dbt's (dbt_project/profiles.yml, `settings:`) and the Python steps' (orchestration/resources.py
Warehouse.connect) write the same file; tests/unit/test_storage.py keeps the two in step.

FSST (DuckDB's string compression) is off. Choosing and applying it was ~10 CPU-seconds of a
1M-row `dbt build` (~85 -> ~76 s of user time; wall 57-59 -> 50-53 s, interleaved, 2 GB limit):
most of the warehouse's text is identifiers (md5 charge keys, subject ids, file names) that it
barely compresses. The cost is disk: the 1M-row warehouse is ~1.0 GB instead of ~0.6 GB. With
dictionary compression off as well the file was 3.7 GB and the build no faster. Ingest writes
raw.* the same way, so that one rule holds for the whole file; it measured no different (the 1M-row
research file's step 19.2 -> 18.2-18.6 s, its tables 84 -> 95 MB).

A new warehouse is written in DuckDB 1.5's storage format (STORAGE_VERSION), not the default
v1.0 one: its string dictionaries are stored compressed (DICT_FSST, a method of its own, which
the FSST setting above leaves on) and writing a table costs less. Copying four of the 1M-row
build's largest tables took 7.6-8.1 s into a v1.0 file and 6.7-7.5 s into a v1.5 one (447 ->
249 MB); the whole 1M-row `dbt build` 52.1 -> 49.2 s (median of 3, interleaved). The format
is fixed when the file is made: a warehouse made earlier keeps its format and is read and
written as before. Only DuckDB 1.5 or later reads a new one (the project pins 1.5.5).
"""

from pathlib import Path

from orchestration.lib import spools

# DuckDB configuration options (duckdb.connect(config=...), `SET name = value`).
WRITE_SETTINGS: dict[str, str] = {"disabled_compression_methods": "fsst"}

# The storage format of a warehouse file this project makes (duckdb.connect config only: it
# takes effect when the file is created). The run's ingest makes the file, so dbt's profile
# does not set it: with it in dbt's connection config, a process that ran dbt in process and
# then opened the file plainly (the tests do) was refused ("a different configuration").
STORAGE_VERSION = "v1.5.0"


def step_connection_config(database: Path, memory_limit: str) -> dict[str, str]:
    """duckdb.connect's config for the Python steps' connections to `database` (the Warehouse
    resource's, the exports' held one): the same in every such connection of a process, as
    DuckDB refuses a second connection to an open file with another configuration. Past the
    limit DuckDB spills to this process's own folder (spools.spill_folder: DuckDB's shared
    default crashed two processes spilling side by side)."""
    return {
        "memory_limit": memory_limit,
        "temp_directory": str(spools.spill_folder(database)),
        "storage_compatibility_version": STORAGE_VERSION,
    }
