{#- Condition type has_active_supervision: its evaluation (parameters and description: has_active_supervision.py). -#}
{% macro condition__has_active_supervision() %}
supervision_now as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        count(*) as periods,
        {{ dbt.listagg("s.supervision_type || '/' || coalesce(s.agency, '?')", "', '",
                         "order by s.supervision_type || '/' || coalesce(s.agency, '?')") }} as what
    from cc
    inner join {{ ref('int_supervision_unioned') }} as s
        on s.person_key = cc.person_key
        and s.start_date_earliest <= cc.as_of_date
        and (s.end_date_latest is null or s.end_date_latest >= cc.as_of_date)
        and (cc.agencies is null or {{ in_list('s.agency', 'cc.agencies') }})
    where cc.condition_type = 'has_active_supervision'
    group by cc.program, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_has_active_supervision as (
    select
        cc.*,
        case when not cc.has_supervision_data then null else coalesce(n.periods, 0) > 0 end as raw_value,
        cast(null as date) as ready_on,
        case when not cc.has_supervision_data then 'no supervision records in the source'
             else 'active supervision: ' || coalesce(n.what, 'none')
                  || ' (supervision: ' || coalesce(cc.supervision_data, 'unknown') || ')' end as fact,
        'supervision status (the source has no supervision records, e.g. the Supervised Release File)' as missing
    from cc
    left join supervision_now as n
        on n.program = cc.program and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_active_supervision'
)
{% endmacro %}
