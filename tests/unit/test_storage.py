"""The warehouse's storage settings: the same on dbt's connection and the Python steps'."""

import duckdb
import yaml

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.lib.storage import STORAGE_VERSION, WRITE_SETTINGS
from orchestration.resources import Warehouse


def test_dbt_profile_stores_as_the_python_steps_do():
    profile = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "profiles.yml").read_text())
    settings = profile["clean_slate"]["outputs"]["dev"]["settings"]
    assert WRITE_SETTINGS  # a setting dropped from both would pass the comparison below
    assert {k: str(settings.get(k)) for k in WRITE_SETTINGS} == WRITE_SETTINGS
    # dbt's connection config stays DuckDB's default (the storage format is set by the
    # steps' connection, which makes the file): a process that ran dbt in process can still
    # open the file with a plain duckdb.connect
    assert "config_options" not in profile["clean_slate"]["outputs"]["dev"]


def _storage_version(con) -> str:
    tags = con.execute(
        "select tags from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]
    return tags["storage_version"]


def test_a_new_warehouse_is_made_in_the_storage_format_set(tmp_path):
    warehouse = Warehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as con:
        con.execute("create table t as select 1 as x")
    with warehouse.connect(read_only=True) as con:
        assert _storage_version(con) == STORAGE_VERSION + "+"
    # DuckDB's default would be another format: the setting is what made this one
    with duckdb.connect(str(tmp_path / "default.duckdb")) as con:
        assert _storage_version(con) != STORAGE_VERSION + "+"


def test_a_warehouse_made_earlier_keeps_its_format_and_its_rows(tmp_path):
    older = tmp_path / "older.duckdb"
    with duckdb.connect(str(older)) as con:
        con.execute("create table t as select range as x from range(10)")
        made_in = _storage_version(con)
    warehouse = Warehouse(path=str(older))
    with warehouse.connect() as con:
        con.execute("create table u as select * from t")
    with warehouse.connect(read_only=True) as con:
        assert _storage_version(con) == made_in
        assert con.execute("select count(*) from u").fetchone()[0] == 10


def test_a_writing_connection_stores_without_fsst(tmp_path):
    warehouse = Warehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as con:
        con.execute("create table t as select 'doj:' || range::varchar as k from range(200000)")
        con.execute("checkpoint")
        methods = {
            r[0] for r in con.execute("select compression from pragma_storage_info('t')").fetchall()
        }
        setting = con.execute("select current_setting('disabled_compression_methods')").fetchone()
    assert setting[0].lower() == "fsst"
    assert "FSST" not in {m.upper() for m in methods}
    # reading it back is untouched by the setting (a read-only connection sets nothing)
    with warehouse.connect(read_only=True) as con:
        assert con.execute("select count(*) from t").fetchone()[0] == 200_000
