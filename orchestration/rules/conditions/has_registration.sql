{#- Condition type has_registration: its evaluation (parameters and description: has_registration.py). -#}
{% macro condition__has_registration() %}
registrations as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        count(case when (not cc.must_precede or r.start_date_latest < cc.disposition_date_earliest)
                    and (not cc.active_only or r.end_date is null or r.end_date > cc.as_of_date) then 1 end) as certain,
        count(case when cc.must_precede
                    and (r.start_date_latest is null or cc.disposition_date_earliest is null
                         or not (r.start_date_latest < cc.disposition_date_earliest)
                            and not (r.start_date_earliest >= cc.disposition_date_latest)) then 1 end) as possible,
        {{ dbt.listagg("r.source_ref", "', '", "order by r.source_ref") }} as sources
    from cc
    inner join {{ ref('int_registrations_unioned') }} as r
        on r.person_key = cc.person_key
        and r.registration_type = case when cc.registration = 'pc_290' then 'sex_offender' else cc.registration end
    where cc.condition_type = 'has_registration'
    group by cc.program, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_has_registration as (
    select
        cc.*,
        case when coalesce(r.certain, 0) >= 1 then true
             when not cc.has_registration_data then null
             when coalesce(r.possible, 0) = 0 then false end as raw_value,
        cast(null as date) as ready_on,
        cc.registration || ' registrations: ' || coalesce(r.certain, 0) || ' counted'
            || coalesce(' (' || r.sources || ')', '') as fact,
        case when not cc.has_registration_data then 'registration records (the source has none)'
             else 'date of registration event(s) at ' || coalesce(r.sources, '') end as missing
    from cc
    left join registrations as r
        on r.program = cc.program and r.charge_key = cc.charge_key
        and r.rule_id = cc.rule_id and r.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_registration'
)
{% endmacro %}
