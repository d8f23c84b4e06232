-- Every condition of every enabled rule, evaluated for every in-scope charge.
-- Grain: program x charge x rule x condition.
-- A view, computed on demand: at statewide size this is ~27 rows per record (25.8M at 1M rows),
-- and no step needs all of it at once. The decisions are made without it (the two waves,
-- int_rule_results); fct_decisions evaluates the deciding rule again, for that rule only, to
-- write its facts; fct_decision_criteria, `explain` and `trace` read it for the charges they
-- name (macros/on_demand.sql). Spark reads models back from their files, so there it stays a
-- table.
{{ config(materialized=('table' if target.type == 'spark' else 'view'), meta={'on_demand': true}) }}

with candidates as (
    select program, charge_key from {{ ref('int_program_charges_scoped') }}
    where {{ only_requested_charges('charge_key') }}  -- explain / trace: their charges only
),

conditions as (
    {{ decision_rule_conditions() }}
),

{{ evaluate_conditions('candidates', 'conditions', rule_kind='decision') }}

select * from evaluated
