{#- Condition type subject_deceased: its evaluation (parameters and description: subject_deceased.py). -#}
{% macro condition__subject_deceased() %}
cond_subject_deceased as (
    select
        cc.*,
        coalesce(cc.is_deceased, false) as raw_value,
        cast(null as date) as ready_on,
        case when cc.is_deceased then 'deceased: ' || cc.deceased_source else 'not recorded as deceased' end as fact,
        cast(null as {{ dbt.type_string() }}) as missing
    from cc
    where cc.condition_type = 'subject_deceased'
)
{% endmacro %}
