-- Each enabled rule's verdict per in-scope conviction: the Kleene AND of its conditions
-- (true, false, or NULL = cannot tell). A rule with no conditions always holds.
with candidates as (
    select program_id, conviction_id from {{ ref('int_program_convictions_scoped') }}
),

rules as (
    select * from {{ ref('stg_rules__rules') }} where kind = 'decision' and is_enabled
),

per_rule as (
    select
        program_id,
        conviction_id,
        rule_id,
        case when bool_or(not value) then false
             when count(case when value is null then 1 end) > 0 then null
             else true end as value,
        string_agg(fact, '; ' order by condition_seq) as facts,
        string_agg(missing_fact, '; ' order by condition_seq) as missing_facts
    from {{ ref('int_rule_conditions_evaluated') }}
    group by program_id, conviction_id, rule_id
)

select
    k.program_id,
    k.conviction_id,
    r.rule_id,
    r.rule_order,
    r.outcome,
    r.relief,
    r.reason,
    r.citation_ids,
    r.citations,
    r.on_unknown,
    case when p.rule_id is null then true else p.value end as value,
    p.facts,
    p.missing_facts
from candidates as k
inner join rules as r on r.program_id = k.program_id
left join per_rule as p
    on p.program_id = k.program_id and p.conviction_id = k.conviction_id and p.rule_id = r.rule_id
