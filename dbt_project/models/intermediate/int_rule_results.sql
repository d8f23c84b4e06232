-- Each enabled rule's verdict per in-scope charge, as far as the decision needs (holds / waiting
-- / unknown / fails, eligible_on: macros/rule_verdicts.sql). Evaluated in two waves
-- (stg_rules__rules.evaluation_wave): each law's bars and review rules before its first
-- `eligible` rule for every charge (int_rule_results_first_wave), the rest only for the charges
-- those left undecided (int_rule_results_second_wave). A charge decided in wave 1 has no rows
-- for the rules of wave 2: they come after its deciding rule and could not change its decision.
-- Every condition of every rule, for any charge, is in the view int_rule_conditions_evaluated
-- (on demand: fct_decision_criteria, `explain`, `trace`).
-- Fail closed: a condition with no evaluation row (its type has no evaluator in
-- orchestration/rules/conditions/, or its evaluator dropped the charge) is unknown, never true.
-- A view of the two waves' tables: as a table it copied wave 1's rows (~1.9M at 1M records)
-- once more only to be read once by int_decision_rules.
{{ config(materialized=('table' if target.type == 'spark' else 'view')) }}

select * from {{ ref('int_rule_results_first_wave') }}
union all
select * from {{ ref('int_rule_results_second_wave') }}
