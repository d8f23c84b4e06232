{#- Condition type all_convictions_in_set: its evaluation (parameters and description: all_convictions_in_set.py). -#}
{% macro condition__all_convictions_in_set() %}
all_in_set as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        count(*) as convictions,
        count(m.charge_key) as in_set_or_maybe,
        count(case when m.is_match then 1 end) as in_set
    from cc
    inner join {{ ref('int_charges_assembled') }} as o on o.person_key = cc.person_key and o.is_convicted
    left join {{ ref('int_charge_code_set_matches') }} as m
        on m.program = cc.program and m.code_set = cc.code_set and m.charge_key = o.charge_key
    where cc.condition_type = 'all_convictions_in_set'
    group by cc.program, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_all_convictions_in_set as (
    select
        cc.*,
        case when a.in_set_or_maybe < a.convictions then false
             when a.in_set = a.convictions then true end as raw_value,
        cast(null as date) as ready_on,
        coalesce(a.in_set, 0) || ' of ' || coalesce(a.convictions, 0) || ' convictions in ' || cc.code_set as fact,
        'code abbreviation of some convictions on the record' as missing
    from cc
    left join all_in_set as a
        on a.program = cc.program and a.charge_key = cc.charge_key
        and a.rule_id = cc.rule_id and a.condition_seq = cc.condition_seq
    where cc.condition_type = 'all_convictions_in_set'
)
{% endmacro %}
