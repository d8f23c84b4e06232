{#- Condition type level_in: its evaluation (parameters and description: level_in.py). -#}
{% macro condition__level_in() %}
cond_level_in as (
    select
        cc.*,
        {{ in_list('cc.offense_level', 'cc.levels') }} as raw_value,
        cast(null as date) as ready_on,
        'level=' || coalesce(cc.offense_level || ' (' || cc.offense_level_column || ')', 'unknown') as fact,
        'felony/misdemeanor status (not recorded for this charge)' as missing
    from cc
    where cc.condition_type = 'level_in'
)
{% endmacro %}
