{#-
  The on-demand views (int_rule_conditions_evaluated, fct_decision_criteria) evaluate every
  condition of every rule for every charge when read whole: at 1,000,000 rows, a minute or more
  even for one person, because a filter joined in from outside (explain's charges) does not reach
  the evaluation below the views' shared CTEs. `explain` and `trace` name the charges they print
  in the DuckDB variable `cleanslate_charge_keys` (orchestration/audit/on_demand.py) and these
  views read only those: DuckDB folds getvariable() to a constant at bind time, so the filter
  sits on the first scan. Without the variable (a dbt test, an analyst's query) the views are
  whole, as before. Other engines: whole (their views are not read by `explain`).
  `column` is a charge_key column.
-#}
{% macro only_requested_charges(column) -%}
    {{ return(adapter.dispatch('only_requested_charges')(column)) }}
{%- endmacro %}

{% macro default__only_requested_charges(column) -%}
    true
{%- endmacro %}

{% macro duckdb__only_requested_charges(column) -%}
    (getvariable('cleanslate_charge_keys') is null
     or list_contains(getvariable('cleanslate_charge_keys'), {{ column }}))
{%- endmacro %}
