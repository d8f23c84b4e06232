-- The verdicts of wave 1 (each law's rules before its first `eligible` rule) for every in-scope
-- charge; macros/rule_verdicts.sql says what each verdict means. int_rule_results adds wave 2
-- for the charges these leave undecided.
with candidates as (
    select program, charge_key from {{ ref('int_program_charges_scoped') }}
),

rules as (
    select * from {{ ref('stg_rules__rules') }} as r where {{ rules_of_wave(1) }}
)

{{ rule_verdicts('candidates', 'rules', ref('int_rule_conditions_first_wave')) }}
