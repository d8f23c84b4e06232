{#- Condition type age_at_conviction_lt: its evaluation (parameters and description: age_at_conviction_lt.py). -#}
{% macro condition__age_at_conviction_lt() %}
cond_age_at_conviction_lt as (
    -- The earlier tool's subjectUnder21AtConviction: birth date + years after the conviction date.
    select
        cc.*,
        case when cc.disposition_date_latest < {{ dbt.dateadd('year', 'cc.years', 'cc.dob_earliest') }} then true
             when cc.disposition_date_earliest >= {{ dbt.dateadd('year', 'cc.years', 'cc.dob_latest') }} then false end as raw_value,
        cast(null as date) as ready_on,
        'conviction_date=' || coalesce(cc.disposition_date_raw, 'missing') || ', birth date ' || coalesce(cc.dob_precision, 'missing') as fact,
        'exact birth date and conviction date (birth date ' || coalesce(cc.dob_precision, 'missing')
            || ', conviction date recorded as ' || coalesce(cc.disposition_date_raw, 'blank') || ')' as missing
    from cc
    where cc.condition_type = 'age_at_conviction_lt'
)
{% endmacro %}
