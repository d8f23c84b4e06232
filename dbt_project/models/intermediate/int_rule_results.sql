-- Each enabled rule's verdict per in-scope charge:
--   holds    every condition true
--   waiting  the only conditions standing in the way are time conditions that will become
--            true on known dates (eligible_on = the latest of them) and none is unknown
--   unknown  a condition cannot be decided (and none fails for good)
--   fails    a condition is false for good
-- A rule with no conditions always holds.
with candidates as (
    select program_id, charge_key from {{ ref('int_program_charges_scoped') }}
),

rules as (
    select * from {{ ref('stg_rules__rules') }} where kind = 'decision' and is_enabled
),

per_rule as (
    select
        program_id,
        charge_key,
        rule_id,
        count(case when value = false and not (is_time_condition and ready_on is not null) then 1 end) as hard_failures,
        count(case when value = false and is_time_condition and ready_on is not null then 1 end) as waits,
        count(case when value is null then 1 end) as unknowns,
        max(case when value = false and is_time_condition then ready_on end) as eligible_on
    -- No text here: the facts are joined into text only for the rule that decides
    -- (fct_conviction_eligibility). Building them for every rule of every charge was the
    -- single largest cost of a run (293 s of 800 at 1,000,000 rows).
    from {{ ref('int_rule_conditions_evaluated') }}
    group by program_id, charge_key, rule_id
)

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
    case
        when p.rule_id is null then 'holds'
        when p.hard_failures > 0 then 'fails'
        when p.unknowns > 0 then 'unknown'
        when p.waits > 0 then 'waiting'
        else 'holds'
    end as verdict,
    case when p.hard_failures = 0 then p.eligible_on end as eligible_on
from candidates as k
inner join rules as r on r.program_id = k.program_id
left join per_rule as p
    on p.program_id = k.program_id and p.charge_key = k.charge_key and p.rule_id = r.rule_id
