{#- Condition type age_at_as_of_ge: its evaluation (parameters and description: age_at_as_of_ge.py). -#}
{% macro condition__age_at_as_of_ge() %}
cond_age_at_as_of_ge as (
    select
        cc.*,
        case when {{ dbt.dateadd('year', 'cc.years', 'cc.dob_latest') }} <= cc.as_of_date then true
             when {{ dbt.dateadd('year', 'cc.years', 'cc.dob_earliest') }} > cc.as_of_date then false end as raw_value,
        cast(null as date) as ready_on,
        'birth date ' || coalesce(cc.dob_precision, 'missing') || ', as of ' || cast(cc.as_of_date as {{ dbt.type_string() }}) as fact,
        'exact birth date (' || coalesce(cc.dob_precision, 'missing') || ')' as missing
    from cc
    where cc.condition_type = 'age_at_as_of_ge'
)
{% endmacro %}
