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
"""

# DuckDB configuration options (duckdb.connect(config=...), `SET name = value`).
WRITE_SETTINGS: dict[str, str] = {"disabled_compression_methods": "fsst"}
