-- Conservation: every charge in a law's scope has exactly one decision under that law, and
-- every decision belongs to a charge in scope. Returns the violations.
{# Dagster: a check on fct_decisions (the test reads several models: name the one it guards) #}
{{ config(meta={'dagster': {'ref': {'name': 'fct_decisions'}}}) }}
with scoped as (
    select program, charge_key from {{ ref('int_program_charges_scoped') }}
),

decided as (
    select program, charge_key, count(*) as decisions
    from {{ ref('fct_decisions') }}
    group by program, charge_key
)

select coalesce(s.program, d.program) as program, coalesce(s.charge_key, d.charge_key) as charge_key,
       coalesce(d.decisions, 0) as decisions,
       case when s.charge_key is null then 'decision without a scoped charge'
            else 'scoped charge without exactly one decision' end as problem
from scoped as s
full outer join decided as d on d.program = s.program and d.charge_key = s.charge_key
where s.charge_key is null or d.charge_key is null or d.decisions <> 1
