{#- Condition type restitution_outstanding: its evaluation (parameters and description: restitution_outstanding.py). -#}
{% macro condition__restitution_outstanding() %}
cond_restitution_outstanding as (
    select
        cc.*,
        case when cc.case_key is null then false else cc.restitution_balance > 0 end as raw_value,
        cast(null as date) as ready_on,
        'restitution balance=' || coalesce(cast(cc.restitution_balance as {{ dbt.type_string() }}), 'unknown') as fact,
        'restitution balance of the case' as missing
    from cc
    where cc.condition_type = 'restitution_outstanding'
)
{% endmacro %}
