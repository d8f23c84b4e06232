"""audit/on_demand.py: the charges `explain` and `trace` name reach the views' DuckDB variable."""

import duckdb

from orchestration.audit.on_demand import CHARGE_KEYS_VARIABLE, only_charges


def test_only_charges_sets_the_variable_the_views_read():
    con = duckdb.connect()
    try:
        assert con.execute(f"select getvariable('{CHARGE_KEYS_VARIABLE}')").fetchone()[0] is None
        only_charges(con, ["b", "a", "b"])
        assert con.execute(f"select getvariable('{CHARGE_KEYS_VARIABLE}')").fetchone()[0] == [
            "a",
            "b",
        ]
    finally:
        con.close()


def test_the_macro_reads_the_same_variable():
    from orchestration.lib.settings import PROJECT_ROOT

    sql = (PROJECT_ROOT / "dbt_project" / "macros" / "on_demand.sql").read_text()
    assert sql.count(f"getvariable('{CHARGE_KEYS_VARIABLE}')") == 2
