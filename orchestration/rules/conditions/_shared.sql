{#-
  SQL some condition types share (not a condition type: no condition__ macro here).
-#}

{#-
  The date comparisons (date_after.sql, date_on_or_after.sql, date_before.sql): the charge's
  date `field` (disposition_date when not given) as a range d_earliest..d_latest, compared with
  the literal date_value. `true_when` / `false_when`: SQL over d_earliest, d_latest and
  date_value; neither (a partial date that straddles date_value) is unknown.
-#}
{% macro date_comparison(condition_type, true_when, false_when) %}
dated_{{ condition_type }} as (
    select
        cc.*,
        case coalesce(cc.field, 'disposition_date')
            when 'arrest_date' then cc.arrest_date_earliest
            when 'offense_date' then cc.offense_date_earliest
            else cc.disposition_date_earliest end as d_earliest,
        case coalesce(cc.field, 'disposition_date')
            when 'arrest_date' then cc.arrest_date_latest
            when 'offense_date' then cc.offense_date_latest
            else cc.disposition_date_latest end as d_latest
    from cc
    where cc.condition_type = '{{ condition_type }}'
),

cond_{{ condition_type }} as (
    -- `evaluated` picks its columns by name, so the helper columns d_earliest / d_latest ride along.
    select
        *,
        case
            when {{ true_when }} then true
            when {{ false_when }} then false
        end as raw_value,
        cast(null as date) as ready_on,
        coalesce(field, 'disposition_date') || '='
            || case when d_earliest = d_latest then cast(d_earliest as {{ dbt.type_string() }})
                    when d_earliest is null then 'unknown'
                    else cast(d_earliest as {{ dbt.type_string() }}) || '..' || cast(d_latest as {{ dbt.type_string() }}) end as fact,
        'exact ' || replace(coalesce(field, 'disposition_date'), '_', ' ')
            || case when coalesce(field, 'disposition_date') = 'disposition_date'
                    then ' (recorded as ' || coalesce(disposition_date_raw, 'blank') || ')'
                    -- an offense date that fell back to the conviction date says so
                    when field = 'offense_date' and offense_date_column in ('STP_EVENT_DATE', 'disposition_date')
                    then ' (no arrest date; the conviction date stands in, recorded as ' || coalesce(disposition_date_raw, 'blank') || ')'
                    when field = 'offense_date'
                    then ' (taken from ' || coalesce(offense_date_column, 'no column') || ')'
                    else '' end as missing
    from dated_{{ condition_type }}
)
{% endmacro %}

{#-
  Per arrest: whether some charge of it ended in a conviction, and whether some charge of it was
  filed in court (arrest_has_conviction.sql, arrest_has_court_action.sql,
  arrest_charge_not_filed.sql). A subquery: join it `as a on a.arrest_key = cc.arrest_key`.
-#}
{% macro arrest_facts() %}
    select
        arrest_key,
        bool_or(is_convicted) as has_conviction,
        bool_or(case_key is not null) as has_court_action
    from {{ ref('int_charges_assembled') }}
    where arrest_key is not null
    group by arrest_key
{% endmacro %}

{#-
  Supervision periods as an auditor finds them (has_active_supervision.sql, and the end of
  supervision in evaluate_conditions.sql). A supervision date as text: the day, the range of a
  partial date, or `unknown`.
-#}
{% macro supervision_date_text(earliest, latest) -%}
    case when {{ earliest }} is null or {{ latest }} is null then 'unknown'
         when {{ earliest }} = {{ latest }} then cast({{ earliest }} as {{ dbt.type_string() }})
         else cast({{ earliest }} as {{ dbt.type_string() }}) || '..' || cast({{ latest }} as {{ dbt.type_string() }}) end
{%- endmacro %}

{#- A supervision period `s` (a row of int_supervision_unioned) as text: type/agency (start,
    end) at file:line. -#}
{% macro supervision_period_text(s) -%}
    {{ s }}.supervision_type || '/' || coalesce({{ s }}.agency, '?')
        || ' (start ' || {{ supervision_date_text(s ~ '.start_date_earliest', s ~ '.start_date_latest') }}
        || ', end ' || case when {{ s }}.end_date_earliest is not null
                            then {{ supervision_date_text(s ~ '.end_date_earliest', s ~ '.end_date_latest') }}
                            when coalesce({{ s }}.end_date_precision, 'missing') = 'missing' then 'none'
                            else 'unreadable' end
        || ')' || coalesce(' at ' || {{ s }}.source_ref, '')
{%- endmacro %}
