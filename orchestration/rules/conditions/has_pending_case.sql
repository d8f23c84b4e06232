{#- Condition type has_pending_case: its evaluation (parameters and description: has_pending_case.py). -#}
{% macro condition__has_pending_case() %}
arrest_closed as (
    select arrest_key,
           bool_or(disposition not in ('pending', 'unknown', 'plea_in_abeyance')) as has_final_disposition
    from {{ ref('int_charges_assembled') }}
    where arrest_key is not null
    group by arrest_key
),

pending_charges as (
    -- Each other pending charge of the person: counts (true), cannot count (false, filtered
    -- out) or may count (NULL: its level, or under the SB 834 inference its dates, unknown).
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as other_source,
        (cc.levels is null or {{ in_list('o.offense_level', 'cc.levels') }})
        -- SB 834-style inference: no activity for the given time = not pending
        and (cc.wait_years is null
             or {{ plus_wait('coalesce(o.disposition_date_latest, o.arrest_date_latest, o.offense_date_latest)') }} > cc.as_of_date) as value
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.charge_key <> cc.charge_key
    left join arrest_closed as a on a.arrest_key = o.arrest_key
    where cc.condition_type = 'has_pending_case'
      and (o.disposition in ('pending', 'plea_in_abeyance')
           or (o.disposition = 'unknown' and not coalesce(a.has_final_disposition, false)))
      and (not coalesce(cc.exclude_traffic, false) or not coalesce(o.is_traffic, false))
),

pending as (
    select
        program, charge_key, rule_id, condition_seq,
        count(case when value then 1 end) as charges,
        count(case when value is null then 1 end) as possible,
        {{ dbt.listagg("case when value then other_source end", "', '", "order by other_source") }} as sources,
        {{ dbt.listagg("case when value is null then other_source end", "', '", "order by other_source") }} as possible_sources
    from pending_charges
    group by program, charge_key, rule_id, condition_seq
),

cond_has_pending_case as (
    select
        cc.*,
        case when coalesce(n.charges, 0) > 0 then true
             when coalesce(n.possible, 0) > 0 then null
             else false end as raw_value,
        cast(null as date) as ready_on,
        'pending charges: ' || coalesce(n.charges, 0) || coalesce(' (' || n.sources || ')', '')
            || case when coalesce(n.possible, 0) > 0 then ', ' || n.possible || ' undetermined' else '' end as fact,
        'level (or date) of pending charge(s) at ' || coalesce(n.possible_sources, '') as missing
    from cc
    left join pending as n
        on n.program = cc.program and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_pending_case'
)
{% endmacro %}
