-- Each enabled rule's verdict per in-scope charge, as far as the decision needs (holds / waiting
-- / unknown / fails, eligible_on: macros/rule_verdicts.sql). Evaluated in two waves
-- (stg_rules__rules.evaluation_wave): each law's bars and review rules before its first
-- `eligible` rule for every charge, the rest only for the charges those left undecided
-- (int_rule_charges_undecided, which int_rule_conditions_second_wave reads too). A charge
-- decided in wave 1 has no rows for the rules of wave 2: they come after its deciding rule and
-- could not change its decision. Every condition of every rule, for any charge, is in the view
-- int_rule_conditions_evaluated (on demand: fct_decision_criteria, `explain`, `trace`).
-- Fail closed: a condition with no evaluation row (its type has no evaluator in
-- orchestration/rules/conditions/, or its evaluator dropped the charge) is unknown, never true.
with undecided as (
    select program, charge_key from {{ ref('int_rule_charges_undecided') }}
),

later_rules as (
    select * from {{ ref('stg_rules__rules') }} as r where {{ rules_of_wave(2) }}
)

select * from {{ ref('int_rule_results_first_wave') }}
union all
select * from (
    {{ rule_verdicts('undecided', 'later_rules', ref('int_rule_conditions_second_wave')) }}
) as wave_2
