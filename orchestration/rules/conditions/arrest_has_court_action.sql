{#- Condition type arrest_has_court_action: its evaluation (parameters and description: arrest_has_court_action.py). -#}
{% macro condition__arrest_has_court_action() %}
cond_arrest_has_court_action as (
    select
        cc.*,
        coalesce(a.has_court_action, cc.case_key is not null) as raw_value,
        cast(null as date) as ready_on,
        'court filing from this arrest=' || cast(coalesce(a.has_court_action, cc.case_key is not null) as {{ dbt.type_string() }}) as fact,
        'charges of the arrest' as missing
    from cc
    left join ({{ arrest_facts() }}) as a on a.arrest_key = cc.arrest_key
    where cc.condition_type = 'arrest_has_court_action'
)
{% endmacro %}
