{#- Condition type count_convictions: its evaluation (parameters and description: count_convictions.py). -#}
{% macro condition__count_convictions() %}
counted_convictions as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        case when cc.distinct_by_episode then o.episode_key else o.charge_key end as unit,
        {{ conviction_filter() }} as value
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.is_convicted
    {{ filter_joins() }}
    where cc.condition_type = 'count_convictions'
),

conviction_counts as (
    select
        program, charge_key, rule_id, condition_seq,
        count(distinct case when value then unit end) as certain,
        count(distinct case when value or value is null then unit end) as possible
    from counted_convictions
    group by program, charge_key, rule_id, condition_seq
),

cond_count_convictions as (
    select
        cc.*,
        case when coalesce(n.certain, 0) >= cc.at_least then true
             when coalesce(n.possible, 0) < cc.at_least then false end as raw_value,
        cast(null as date) as ready_on,
        coalesce(n.certain, 0) || case when cc.distinct_by_episode then ' episode(s)' else ' conviction(s)' end
            || ' counted' || case when coalesce(n.possible, 0) > coalesce(n.certain, 0)
                                   then ', up to ' || n.possible || ' with unknown level/grade/penalty' else '' end as fact,
        'level, grade or maximum penalty of some convictions on the record' as missing
    from cc
    left join conviction_counts as n
        on n.program = cc.program and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'count_convictions'
)
{% endmacro %}
