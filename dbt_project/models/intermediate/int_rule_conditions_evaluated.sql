-- Every condition of every enabled rule, evaluated for every in-scope charge.
-- Grain: program x charge x rule x condition.
-- A view, computed on demand: at statewide size this is ~27 rows per record (25.8M at 1M rows),
-- and no step needs all of it at once. int_rule_results reads only value / ready_on (DuckDB
-- prunes the fact texts through the view); fct_decisions evaluates the deciding
-- rule again, for the deciding rule only, to write its facts; fct_decision_criteria, `explain`
-- and `trace` read it for one decision at a time. Spark reads models back from their files,
-- so there it stays a table.
{{ config(materialized=('table' if target.type == 'spark' else 'view'), meta={'on_demand': true}) }}

with candidates as (
    select program, charge_key from {{ ref('int_program_charges_scoped') }}
),

conditions as (
    {{ decision_rule_conditions() }}
),

{{ evaluate_conditions('candidates', 'conditions', rule_kind='decision') }}

select * from evaluated
