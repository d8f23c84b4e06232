{#- Condition type grade_in: its evaluation (parameters and description: grade_in.py). -#}
{% macro condition__grade_in() %}
cond_grade_in as (
    select
        cc.*,
        {{ in_list('cc.grade', 'cc.grades') }} as raw_value,
        cast(null as date) as ready_on,
        'grade=' || coalesce(cc.grade, 'ungraded/unknown') as fact,
        'offense grade (ungraded or not recorded)' as missing
    from cc
    where cc.condition_type = 'grade_in'
)
{% endmacro %}
