{#- Condition type flag_is: its evaluation (parameters and description: flag_is.py). -#}
{% macro condition__flag_is() %}
cond_flag_is as (
    select
        cc.*,
        case cc.flag when 'dv' then cc.is_dv when 'traffic' then cc.is_traffic end as raw_value,
        cast(null as date) as ready_on,
        cc.flag || '=' || coalesce(cast(case cc.flag when 'dv' then cc.is_dv when 'traffic' then cc.is_traffic end as {{ dbt.type_string() }}), 'unknown') as fact,
        cc.flag || ' designation of the charge' as missing
    from cc
    where cc.condition_type = 'flag_is'
)
{% endmacro %}
