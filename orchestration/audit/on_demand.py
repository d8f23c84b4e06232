"""Read the on-demand views for a few charges only.

int_rule_conditions_evaluated and fct_decision_criteria are views that evaluate every condition
of every rule for every charge when read whole (a minute or more at 1,000,000 rows, even for one
person). They read only the charges named in the DuckDB variable below when it is set
(dbt_project/macros/on_demand.sql), so `explain` and `trace` name the charges they print first.
"""

from collections.abc import Iterable

import duckdb

CHARGE_KEYS_VARIABLE = "cleanslate_charge_keys"


def only_charges(con: duckdb.DuckDBPyConnection, charge_keys: Iterable[str]) -> None:
    """From now on, this connection's on-demand views hold these charges only."""
    keys = sorted({str(k) for k in charge_keys})
    con.execute(f"set variable {CHARGE_KEYS_VARIABLE} = ?::varchar[]", [keys])
