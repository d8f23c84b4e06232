-- Every condition of every enabled rule, evaluated for every in-scope charge.
-- Grain: program x charge x rule x condition.
with candidates as (
    select program_id, charge_key from {{ ref('int_program_charges_scoped') }}
),

conditions as (
    select d.*
    from {{ ref('stg_rules__conditions') }} as d
    inner join {{ ref('stg_rules__rules') }} as r
        on r.program_id = d.program_id and r.rule_id = d.rule_id
    where r.kind = 'decision' and r.is_enabled
),

{{ evaluate_conditions('candidates', 'conditions', rule_kind='decision') }}

select * from evaluated
