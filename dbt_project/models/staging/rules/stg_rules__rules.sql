-- Compiled rule data (rules), as written by the rulebook asset, with the wave each decision rule
-- is evaluated in (int_rule_results): the rules before the law's first `eligible` rule (its bars
-- and review rules, which decide most charges) in wave 1, for every in-scope charge; the rest in
-- wave 2, only for the charges wave 1 left undecided. Rules are tried in order and the first
-- that decides wins, so a rule after the deciding one never changes a decision.
with rules as (
    select * from {{ source('rules', 'rules') }}
),

first_eligible as (
    select program, min(rule_order) as first_eligible_order
    from rules
    where kind = 'decision' and is_enabled and outcome = 'eligible'
    group by program
)

select
    r.*,
    case when r.kind = 'decision' and r.rule_order >= f.first_eligible_order then 2 else 1 end
        as evaluation_wave
from rules as r
left join first_eligible as f on f.program = r.program
