{#- Condition type arrest_has_conviction: its evaluation (parameters and description: arrest_has_conviction.py). -#}
{% macro condition__arrest_has_conviction() %}
cond_arrest_has_conviction as (
    select
        cc.*,
        coalesce(a.has_conviction, cc.disposition = 'convicted') as raw_value,
        cast(null as date) as ready_on,
        'conviction from this arrest=' || cast(coalesce(a.has_conviction, cc.disposition = 'convicted') as {{ dbt.type_string() }}) as fact,
        'charges of the arrest' as missing
    from cc
    left join ({{ arrest_facts() }}) as a on a.arrest_key = cc.arrest_key
    where cc.condition_type = 'arrest_has_conviction'
)
{% endmacro %}
