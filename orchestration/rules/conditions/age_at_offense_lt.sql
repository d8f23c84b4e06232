{#- Condition type age_at_offense_lt: its evaluation (parameters and description: age_at_offense_lt.py). -#}
{% macro condition__age_at_offense_lt() %}
cond_age_at_offense_lt as (
    select
        cc.*,
        case when cc.offense_date_latest < {{ dbt.dateadd('year', 'cc.years', 'cc.dob_earliest') }} then true
             when cc.offense_date_earliest >= {{ dbt.dateadd('year', 'cc.years', 'cc.dob_latest') }} then false end as raw_value,
        cast(null as date) as ready_on,
        'offense date from ' || coalesce(cc.offense_date_column, 'nowhere') || ', birth date ' || coalesce(cc.dob_precision, 'missing') as fact,
        'exact birth date and offense date (birth date ' || coalesce(cc.dob_precision, 'missing') || ')' as missing
    from cc
    where cc.condition_type = 'age_at_offense_lt'
)
{% endmacro %}
