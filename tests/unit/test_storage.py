"""The warehouse's storage settings: the same on dbt's connection and the Python steps'."""

import yaml

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.lib.storage import WRITE_SETTINGS
from orchestration.resources import Warehouse


def test_dbt_profile_stores_as_the_python_steps_do():
    profile = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "profiles.yml").read_text())
    settings = profile["clean_slate"]["outputs"]["dev"]["settings"]
    assert WRITE_SETTINGS  # a setting dropped from both would pass the comparison below
    assert {k: str(settings.get(k)) for k in WRITE_SETTINGS} == WRITE_SETTINGS


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
