{#- Condition type max_penalty_ge: its evaluation (parameters and description: max_penalty_ge.py). -#}
{% macro condition__max_penalty_ge() %}
cond_max_penalty_ge as (
    select
        cc.*,
        cc.max_penalty_years >= cc.penalty_years as raw_value,
        cast(null as date) as ready_on,
        'max penalty=' || coalesce({{ double_to_text('cc.max_penalty_years') }} || ' years', 'unknown') as fact,
        'statutory maximum penalty of the offense' as missing
    from cc
    where cc.condition_type = 'max_penalty_ge'
)
{% endmacro %}
