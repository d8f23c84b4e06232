{#- Condition type probation_revoked: its evaluation (parameters and description: probation_revoked.py). -#}
{% macro condition__probation_revoked() %}
cond_probation_revoked as (
    select
        cc.*,
        cc.probation_revoked as raw_value,
        cast(null as date) as ready_on,
        'probation revoked=' || coalesce(cast(cc.probation_revoked as {{ dbt.type_string() }}), 'unknown') as fact,
        'whether probation was revoked' as missing
    from cc
    where cc.condition_type = 'probation_revoked'
)
{% endmacro %}
