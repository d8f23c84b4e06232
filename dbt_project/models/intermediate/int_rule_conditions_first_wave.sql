-- Wave 1 of the staged evaluation (int_rule_results): the conditions of each law's rules before
-- its first `eligible` rule (stg_rules__rules.evaluation_wave), for every in-scope charge.
-- Values only: the texts are built for the deciding rule alone (fct_decisions).
-- A view read once, by int_rule_results_first_wave (Spark: a table, read back from its files).
{{ config(materialized=('table' if target.type == 'spark' else 'view'), meta={'on_demand': true}) }}

with candidates as (
    select program, charge_key from {{ ref('int_program_charges_scoped') }}
),

conditions as (
    {{ decision_rule_conditions(wave=1) }}
),

{{ evaluate_conditions('candidates', 'conditions', rule_kind='decision') }}

select program, charge_key, rule_id, condition_seq, is_time_condition, value, ready_on
from evaluated
