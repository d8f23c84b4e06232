{#- Condition type has_other_conviction: its evaluation (parameters and description: has_other_conviction.py). -#}
{% macro condition__has_other_conviction() %}
other_convictions as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as other_source,
        ({{ conviction_filter() }})
        and (cc.code_set is null or (case when m.charge_key is null then false else m.is_match end))
        and (not cc.must_precede
             or case when o.disposition_date_latest < cc.disposition_date_earliest then true
                     when o.disposition_date_earliest >= cc.disposition_date_latest then false end)
        and (not cc.same_section or o.section_key is not distinct from cc.section_key) as value
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.charge_key <> cc.charge_key and o.is_convicted
    left join {{ ref('int_charge_code_set_matches') }} as m
        on m.program = cc.program and m.code_set = cc.code_set and m.charge_key = o.charge_key
    {{ filter_joins() }}
    where cc.condition_type = 'has_other_conviction'
),

other_counts as (
    select
        program, charge_key, rule_id, condition_seq,
        count(case when value then 1 end) as certain,
        count(case when value is null then 1 end) as possible,
        {{ dbt.listagg("case when value then other_source end", "', '", "order by other_source") }} as certain_sources,
        {{ dbt.listagg("case when value is null then other_source end", "', '", "order by other_source") }} as possible_sources
    from other_convictions
    group by program, charge_key, rule_id, condition_seq
),

cond_has_other_conviction as (
    select
        cc.*,
        case when coalesce(o.certain, 0) >= cc.min_count then true
             when coalesce(o.certain, 0) + coalesce(o.possible, 0) < cc.min_count then false end as raw_value,
        cast(null as date) as ready_on,
        coalesce(cc.code_set, 'other convictions') || ': ' || coalesce(o.certain, 0) || ' found'
            || coalesce(' (' || o.certain_sources || ')', '')
            || case when coalesce(o.possible, 0) > 0 then ', ' || o.possible || ' undetermined' else '' end as fact,
        'date, code or level of other conviction(s) at ' || coalesce(o.possible_sources, '') as missing
    from cc
    left join other_counts as o
        on o.program = cc.program and o.charge_key = cc.charge_key
        and o.rule_id = cc.rule_id and o.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_other_conviction'
)
{% endmacro %}
