{#- Condition type years_since_conviction_ge: its evaluation (parameters and description: years_since_conviction_ge.py). -#}
{% macro condition__years_since_conviction_ge() %}
cond_years_since_conviction_ge as (
    select
        cc.*,
        case when {{ dbt.dateadd('year', 'cc.years', 'cc.disposition_date_latest') }} <= cc.as_of_date then true
             when {{ dbt.dateadd('year', 'cc.years', 'cc.disposition_date_earliest') }} > cc.as_of_date then false end as raw_value,
        cast(null as date) as ready_on,
        'conviction_date=' || coalesce(cc.disposition_date_raw, 'missing') || ', as of ' || cast(cc.as_of_date as {{ dbt.type_string() }}) as fact,
        'exact conviction date (recorded as ' || coalesce(cc.disposition_date_raw, 'blank') || ')' as missing
    from cc
    where cc.condition_type = 'years_since_conviction_ge'
)
{% endmacro %}
