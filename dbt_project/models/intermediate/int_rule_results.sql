-- Each enabled rule's verdict per in-scope charge:
--   holds    every condition true
--   waiting  the only conditions standing in the way are time conditions that will become
--            true on known dates (eligible_on = the latest of them) and none is unknown
--   unknown  a condition cannot be decided (and none fails for good)
--   fails    a condition is false for good
-- Fail closed: a condition with no evaluation row (its type has no evaluator in
-- orchestration/rules/conditions/, or its evaluator dropped the charge) is unknown, never true.
-- Only a rule with no conditions at all holds without evaluations.
with candidates as (
    select program_id, charge_key from {{ ref('int_program_charges_scoped') }}
),

rules as (
    select * from {{ ref('stg_rules__rules') }} where kind = 'decision' and is_enabled
),

defined as (
    -- How many conditions each rule has: every one must give an evaluation row per charge.
    select program_id, rule_id, count(*) as conditions_defined
    from {{ ref('stg_rules__conditions') }}
    group by program_id, rule_id
),

per_rule as (
    select
        program_id,
        charge_key,
        rule_id,
        -- one row per condition and charge (each block selects from the candidate x condition
        -- rows once, and joins only to aggregates keyed by them)
        count(*) as conditions_evaluated,
        count(case when value = false and not (is_time_condition and ready_on is not null) then 1 end) as hard_failures,
        count(case when value = false and is_time_condition and ready_on is not null then 1 end) as waits,
        count(case when value is null then 1 end) as unknowns,
        max(case when value = false and is_time_condition then ready_on end) as eligible_on
    -- No text here: the facts are joined into text only for the rule that decides
    -- (fct_conviction_eligibility). Building them for every rule of every charge was the
    -- single largest cost of a run (293 s of 800 at 1,000,000 rows).
    from {{ ref('int_rule_conditions_evaluated') }}
    group by program_id, charge_key, rule_id
),

counted as (
    select
        k.program_id,
        k.charge_key,
        r.rule_id,
        r.rule_order,
        r.outcome,
        r.relief,
        r.reason,
        r.citation_ids,
        r.citations,
        r.on_unknown,
        coalesce(p.hard_failures, 0) as hard_failures,
        coalesce(p.waits, 0) as waits,
        coalesce(p.unknowns, 0) as unknowns,
        p.eligible_on,
        -- conditions of the rule that gave no evaluation row for this charge
        coalesce(n.conditions_defined, 0) - coalesce(p.conditions_evaluated, 0) as conditions_unevaluated
    from candidates as k
    inner join rules as r on r.program_id = k.program_id
    left join defined as n on n.program_id = r.program_id and n.rule_id = r.rule_id
    left join per_rule as p
        on p.program_id = k.program_id and p.charge_key = k.charge_key and p.rule_id = r.rule_id
)

select
    program_id,
    charge_key,
    rule_id,
    rule_order,
    outcome,
    relief,
    reason,
    citation_ids,
    citations,
    on_unknown,
    case
        -- false AND unknown is false (three-valued logic): a false condition still fails the rule
        when hard_failures > 0 then 'fails'
        when conditions_unevaluated <> 0 or unknowns > 0 then 'unknown'
        when waits > 0 then 'waiting'
        else 'holds'
    end as verdict,
    case when hard_failures = 0 then eligible_on end as eligible_on,
    conditions_unevaluated
from counted
