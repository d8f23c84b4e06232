{#- Condition type has_active_supervision: its evaluation (parameters and description: has_active_supervision.py). -#}
{#-
  A period is active on the as-of date when it has begun (start on or before it) and has not
  ended (no end date, or an end on or after it), and, when the rule lists agencies, its agency is
  one of them. Each part is three-valued, from the date ranges [earliest, latest] of partial
  dates:
    begun      true when start_date_latest <= as-of, false when start_date_earliest > as-of,
               unknown when a partial start straddles the as-of date or the start is not known;
    not ended  true when the end is blank (an open period: end_date_precision missing) or
               end_date_earliest >= as-of, false when end_date_latest < as-of, unknown when a
               partial end straddles the as-of date or the end date is unreadable (invalid);
    agency     true without a list, unknown when the period's agency is not recorded.
  The condition is true when some period is certainly active, else unknown when some period may
  be (naming its dates or agency), else false. It never counts a possible period as certain:
  both rules that use it (1203.425's active_supervision, Utah's doc_supervision) bar relief when
  it is true, so a guess would refuse where the data cannot tell (fail closed: needs_review).
-#}
{% macro condition__has_active_supervision() %}
supervision_periods as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        s.supervision_type || '/' || coalesce(s.agency, '?') as period_what,
        -- the period as an auditor finds it: type/agency (start, end) at file:line
        {{ supervision_period_text('s') }} as period_text,
        case when s.start_date_latest <= cc.as_of_date then true
             when s.start_date_earliest > cc.as_of_date then false end as has_begun,
        case when s.end_date_earliest is null and coalesce(s.end_date_precision, 'missing') = 'missing' then true
             when s.end_date_earliest >= cc.as_of_date then true
             when s.end_date_latest < cc.as_of_date then false end as not_ended,
        case when cc.agencies is null then true
             when s.agency is null then cast(null as {{ dbt.type_boolean() }})
             else {{ in_list('s.agency', 'cc.agencies') }} end as agency_counts
    from cc
    inner join {{ ref('int_supervision_unioned') }} as s on s.person_key = cc.person_key
    where cc.condition_type = 'has_active_supervision'
),

supervision_now as (
    select
        program, charge_key, rule_id, condition_seq,
        count(case when has_begun and not_ended and agency_counts then 1 end) as periods,
        count(case when (has_begun and not_ended and agency_counts) is null then 1 end) as possible_periods,
        {{ dbt.listagg("case when has_begun and not_ended and agency_counts then period_what end", "', '",
                         "order by period_what") }} as what,
        {{ dbt.listagg("case when (has_begun and not_ended and agency_counts) is null then period_text end", "', '",
                         "order by period_text") }} as possible,
        {{ dbt.listagg(
            "case when (has_begun and not_ended and agency_counts) is null then "
            ~ "case when agency_counts is null and (has_begun and not_ended) is null then 'dates and agency'"
            ~ " when agency_counts is null then 'agency' else 'dates' end"
            ~ " || ' of supervision period ' || period_text end",
            "', '", "order by period_text") }} as possible_missing
    from supervision_periods
    -- a period that is certainly not active (ended before the as-of date, begun after it, or of
    -- another agency) plays no part
    where (has_begun and not_ended and agency_counts) is distinct from false
    group by program, charge_key, rule_id, condition_seq
),

cond_has_active_supervision as (
    select
        cc.*,
        case when not cc.has_supervision_data then null
             when coalesce(n.periods, 0) > 0 then true
             when coalesce(n.possible_periods, 0) > 0 then null
             else false end as raw_value,
        cast(null as date) as ready_on,
        case when not cc.has_supervision_data then 'no supervision records in the source'
             else 'active supervision: ' || coalesce(n.what, 'none')
                  || coalesce('; possibly active on ' || cast(cc.as_of_date as {{ dbt.type_string() }})
                              || ': ' || n.possible, '')
                  || ' (supervision: ' || coalesce(cc.supervision_data, 'unknown') || ')' end as fact,
        case when not cc.has_supervision_data
             then 'supervision status (the source has no supervision records, e.g. the Supervised Release File)'
             else coalesce(n.possible_missing, 'supervision status') end as missing
    from cc
    left join supervision_now as n
        on n.program = cc.program and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_active_supervision'
)
{% endmacro %}
