{#- Condition type disposition_in: its evaluation (parameters and description: disposition_in.py). -#}
{% macro condition__disposition_in() %}
cond_disposition_in as (
    select
        cc.*,
        {{ in_list('cc.disposition', 'cc.dispositions') }} as raw_value,
        cast(null as date) as ready_on,
        'disposition=' || cc.disposition as fact,
        'final disposition' as missing
    from cc
    where cc.condition_type = 'disposition_in'
)
{% endmacro %}
