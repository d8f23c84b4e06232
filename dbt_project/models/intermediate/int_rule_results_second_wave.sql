-- The verdicts of wave 2 (each law's rules from its first `eligible` rule on), only for the
-- charges wave 1 left undecided (int_rule_charges_undecided); macros/rule_verdicts.sql says what
-- each verdict means. int_rule_results is the two waves together.
with undecided as (
    select program, charge_key from {{ ref('int_rule_charges_undecided') }}
),

later_rules as (
    select * from {{ ref('stg_rules__rules') }} as r where {{ rules_of_wave(2) }}
)

{{ rule_verdicts('undecided', 'later_rules', ref('int_rule_conditions_second_wave')) }}
