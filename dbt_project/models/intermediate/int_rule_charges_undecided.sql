-- The in-scope charges the first wave of rules leaves undecided (no rule of wave 1 decides
-- them: `decides`, macros/rule_verdicts.sql is_decisive, the definition fct_decisions picks
-- the decision with). Only these are evaluated against the rules of wave 2 (stg_rules__rules.evaluation_wave):
-- int_rule_conditions_second_wave evaluates their conditions and int_rule_results_second_wave gives their
-- verdicts. Computed once, here: both read this table (the anti-join over the first wave's
-- verdicts ran twice, once in int_rule_results and once in the second wave's view it reads).
-- Grain: program x charge_key, a subset of int_program_charges_scoped.
select k.program, k.charge_key
from {{ ref('int_program_charges_scoped') }} as k
where not exists (
    select 1
    from {{ ref('int_rule_results_first_wave') }} as r
    where r.program = k.program and r.charge_key = k.charge_key and r.decides
)
