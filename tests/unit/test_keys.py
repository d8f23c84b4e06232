"""lib/keys.py: each key recomputed in Python equals the one its SQL computes."""

import re

import duckdb

from orchestration.lib.keys import decision_id, row_hash
from orchestration.lib.settings import DBT_PROJECT_DIR


def test_decision_id_is_the_recipe_of_fct_decisions():
    sql = (DBT_PROJECT_DIR / "models" / "marts" / "core" / "fct_decisions.sql").read_text()
    recipe = re.search(r"(md5\(\w+\.program \|\| '\|' \|\| \w+\.charge_key\)) as decision_id", sql)
    assert recipe, "fct_decisions.sql computes decision_id another way: change lib/keys.py too"
    expr = re.sub(r"\w+\.(program|charge_key)", r"\1", recipe.group(1))
    rows = [("us_ca_prop64", "d41d8cd98f00b204"), ("us_ut_clean_slate", "ä|x"), (None, "k")]
    con = duckdb.connect()
    for program, charge_key in rows:
        got = con.execute(
            f"select {expr} from (select ?::varchar as program, ?::varchar as charge_key)",
            [program, charge_key],
        ).fetchone()[0]
        assert decision_id(program, charge_key) == got


def test_row_hash_is_the_recipe_of_the_staged_row_hash_macro():
    con = duckdb.connect()
    fields = ["S1", "A, B", None, "x"]
    # the macro's SQL for these columns: md5 of the fields cast to text, NULL as '', joined '|'
    got = con.execute(
        "select md5(coalesce(cast(? as varchar), '') || '|' || coalesce(cast(? as varchar), '')"
        " || '|' || coalesce(cast(? as varchar), '') || '|' || coalesce(cast(? as varchar), ''))",
        fields,
    ).fetchone()[0]
    assert row_hash(fields) == got
