{#- Condition type arrest_charge_not_filed: its evaluation (parameters and description: arrest_charge_not_filed.py). -#}
{% macro condition__arrest_charge_not_filed() %}
cond_arrest_charge_not_filed as (
    select
        cc.*,
        cc.case_key is null and coalesce(a.has_court_action, false) as raw_value,
        cast(null as date) as ready_on,
        'this charge filed=' || cast(cc.case_key is not null as {{ dbt.type_string() }})
            || ', court filing from this arrest=' || cast(coalesce(a.has_court_action, false) as {{ dbt.type_string() }}) as fact,
        'charges of the arrest' as missing
    from cc
    left join ({{ arrest_facts() }}) as a on a.arrest_key = cc.arrest_key
    where cc.condition_type = 'arrest_charge_not_filed'
)
{% endmacro %}
