-- Which charges each law applies to: the law is in effect on the as-of date, the charge is in
-- the law's jurisdiction, and every scope condition holds (true) or cannot be decided (NULL,
-- e.g. "11357(A)" with no code abbreviation), which becomes needs_review.
with candidates as (
    select p.program_id, c.charge_key
    from {{ ref('stg_rules__programs') }} as p
    inner join {{ ref('int_charges_assembled') }} as c on c.jurisdiction = p.jurisdiction
    where p.is_in_effect
),

conditions as (
    select d.*
    from {{ ref('stg_rules__conditions') }} as d
    inner join {{ ref('stg_rules__rules') }} as r
        on r.program_id = d.program_id and r.rule_id = d.rule_id
    where r.kind = 'scope'
),

{{ evaluate_conditions('candidates', 'conditions', rule_kind='scope') }}

select
    program_id,
    charge_key,
    case when bool_or(not value) then false
         when count(case when value is null then 1 end) > 0 then null
         else true end as in_scope,
    {{ dbt.listagg("missing_fact", "'; '", "order by condition_seq") }} as scope_missing_facts,
    {{ dbt.listagg("fact", "'; '", "order by condition_seq") }} as scope_facts
from evaluated
group by program_id, charge_key
having not coalesce(bool_or(not value), false)
