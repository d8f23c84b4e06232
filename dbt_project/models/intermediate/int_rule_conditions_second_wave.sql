-- Wave 2 of the staged evaluation (int_rule_results): the conditions of each law's rules from
-- its first `eligible` rule on, only for the charges wave 1 left undecided (a charge a bar
-- already decided is never evaluated against them: the first rule that decides wins).
-- Values only. A view read once, by int_rule_results_second_wave (Spark: a table).
{{ config(materialized=('table' if target.type == 'spark' else 'view'), meta={'on_demand': true}) }}

with candidates as (
    select program, charge_key from {{ ref('int_rule_charges_undecided') }}
),

conditions as (
    {{ decision_rule_conditions(wave=2) }}
),

{{ evaluate_conditions('candidates', 'conditions', rule_kind='decision',
                       facts=ref('int_rule_candidate_facts')) }}

select program, charge_key, rule_id, condition_seq, is_time_condition, value, ready_on
from evaluated
