{#- Condition type no_conviction_in_window: its evaluation (parameters and description: no_conviction_in_window.py). -#}
{% macro condition__no_conviction_in_window() %}
{#- In the window for certain (true), out of it for certain (false), or a partial date that
    straddles a bound of it (NULL: may be either, so the condition is unknown). -#}
{%- set in_window -%}
        case
            when o.disposition_date_earliest > {{ anchor_date('cc.anchors', 'latest') }}
                 and o.disposition_date_latest <= {{ plus_wait(anchor_date('cc.anchors', 'earliest')) }} then true
            when o.disposition_date_latest <= {{ anchor_date('cc.anchors', 'earliest') }}
                 or o.disposition_date_earliest > {{ plus_wait(anchor_date('cc.anchors', 'latest')) }} then false
        end
{%- endset %}
window_convictions as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as other_source,
        -- counts: matches the look-back filter (three-valued: a statute not read may be in its
        -- code set, conviction_filter) and is in the window
        ({{ conviction_filter() }}) and {{ in_window }} as value,
        -- for one that may count: what is not known of it, and which it is (file:line, text)
        case when (({{ conviction_filter() }}) and {{ in_window }}) is null
             then coalesce({{ conviction_filter_undecided(date_also=in_window) }}, 'date, level or statute')
                  || ' of later conviction at ' || {{ conviction_text() }} end as undecided
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.charge_key <> cc.charge_key and o.is_convicted
    {{ filter_joins() }}
    where cc.condition_type = 'no_conviction_in_window'
),

window_counts as (
    select
        program, charge_key, rule_id, condition_seq,
        count(case when value then 1 end) as certain,
        count(case when value is null then 1 end) as possible,
        {{ dbt.listagg("case when value then other_source end", "', '", "order by other_source") }} as sources,
        {{ dbt.listagg("undecided", "'; '", "order by other_source") }} as possible_missing
    from window_convictions
    group by program, charge_key, rule_id, condition_seq
),

cond_no_conviction_in_window as (
    select
        cc.*,
        case when coalesce(w.certain, 0) > 0 then false
             when {{ anchor_date('cc.anchors', 'latest') }} is null or coalesce(w.possible, 0) > 0 then null
             else {{ plus_wait(anchor_date('cc.anchors', 'latest')) }} <= cc.as_of_date end as raw_value,
        case when coalesce(w.certain, 0) = 0 then {{ plus_wait(anchor_date('cc.anchors', 'latest')) }} end as ready_on,
        'convictions in the window after ' || cc.anchors || ': ' || coalesce(w.certain, 0)
            || coalesce(' (' || w.sources || ')', '') || ', window ends '
            || coalesce(cast({{ plus_wait(anchor_date('cc.anchors', 'latest')) }} as {{ dbt.type_string() }}), 'unknown') as fact,
        -- with an anchor, the later convictions that may be in the window and what is not known
        -- of them
        case when position('supervision_end_date' in cc.anchors) > 0 and not cc.has_supervision_data
             then 'end of supervision (the source has no supervision records)'
             when {{ anchor_date('cc.anchors', 'latest') }} is null
             then 'exact ' || replace(cc.anchors, '_', ' ') || ' or dates of later convictions'
             else 'exact ' || replace(cc.anchors, '_', ' ') || ' or dates of later convictions'
                  || coalesce(' (' || w.possible_missing || ')', '') end as missing
    from cc
    left join window_counts as w
        on w.program = cc.program and w.charge_key = cc.charge_key
        and w.rule_id = cc.rule_id and w.condition_seq = cc.condition_seq
    where cc.condition_type = 'no_conviction_in_window'
)
{% endmacro %}
