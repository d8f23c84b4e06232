{#- Condition type waiting_period: its evaluation (parameters and description: waiting_period.py). -#}
{% macro condition__waiting_period() %}
cond_waiting_period as (
    select
        cc.*,
        case when {{ plus_wait(anchor_date('cc.anchors', 'latest')) }} <= cc.as_of_date then true
             when {{ plus_wait(anchor_date('cc.anchors', 'earliest')) }} > cc.as_of_date then false end as raw_value,
        {{ plus_wait(anchor_date('cc.anchors', 'latest')) }} as ready_on,
        replace(cc.anchors, ',', '/') || '=' || coalesce(cast({{ anchor_date('cc.anchors', 'latest') }} as {{ dbt.type_string() }}), 'unknown')
            || ', wait ends ' || coalesce(cast({{ plus_wait(anchor_date('cc.anchors', 'latest')) }} as {{ dbt.type_string() }}), 'unknown')
            -- where the supervision facts came from (a supervision file, the extract's table)
            || case when position('supervision_end_date' in cc.anchors) > 0
                    then ' (supervision: ' || coalesce(cc.supervision_data, 'unknown') || ')' else '' end as fact,
        -- an end of supervision that is not one known day says why (the frame's
        -- supervision_end_missing: no supervision records, an open period, a period that may
        -- have begun with or after the judgment, named with its dates)
        case when position('supervision_end_date' in cc.anchors) > 0 and cc.supervision_end_missing is not null
             then cc.supervision_end_missing
             else 'exact ' || replace(replace(cc.anchors, ',', ' / '), '_', ' ') end as missing
    from cc
    where cc.condition_type = 'waiting_period'
)
{% endmacro %}
