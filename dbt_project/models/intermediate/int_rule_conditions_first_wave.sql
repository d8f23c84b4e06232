-- Wave 1 of the staged evaluation (int_rule_results): the conditions of each law's rules before
-- its first `eligible` rule (stg_rules__rules.evaluation_wave), for every in-scope charge.
-- Values only: the texts are built for the deciding rule alone (fct_decisions).
-- A view read once, by int_rule_results_first_wave (Spark: a table, read back from its files).
{{ config(materialized=('table' if target.type == 'spark' else 'view'), meta={'on_demand': true}) }}

with conditions as (
    {{ decision_rule_conditions(wave=1) }}
),

-- every in-scope charge, with its facts (one row per charge and law)
{{ evaluate_conditions(ref('int_rule_candidate_facts'), 'conditions', rule_kind='decision',
                       facts=ref('int_rule_candidate_facts')) }}

select program, charge_key, rule_id, condition_seq, is_time_condition, value, ready_on
from evaluated
