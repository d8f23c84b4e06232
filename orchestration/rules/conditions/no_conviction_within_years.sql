{#- Condition type no_conviction_within_years: its evaluation (parameters and description: no_conviction_within_years.py). -#}
{#-
  No conviction of the person matching the look-back filter (f_*), this one included, in the
  `years` before the as-of date. A conviction counts (filter true), cannot (false) or may (NULL:
  a level or penalty not recorded, or a statute not read while the filter names a code set:
  conviction_filter / in_code_set). Unknown when a counted conviction has no date or its date
  range straddles the bound, or when one that may count is (or may be) inside the years: dated
  within them, or not dated at all. The missing fact names the ones that may count.
-#}
{% macro condition__no_conviction_within_years() %}
recent_convictions as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        max(case when {{ conviction_filter() }} then o.disposition_date_latest end) as certain_latest,
        max(case when {{ conviction_filter() }} then o.disposition_date_earliest end) as certain_latest_earliest,
        bool_or(({{ conviction_filter() }}) and o.disposition_date_latest is null) as certain_undated,
        max(case when ({{ conviction_filter() }}) is null then o.disposition_date_latest end) as possible_latest,
        bool_or(({{ conviction_filter() }}) is null and o.disposition_date_latest is null) as possible_undated,
        {{ dbt.listagg(
            "case when (" ~ conviction_filter() ~ ") is null and (o.disposition_date_latest is null or "
            ~ dbt.dateadd('year', 'cc.years', 'o.disposition_date_latest') ~ " >= cc.as_of_date) then "
            ~ "coalesce(" ~ conviction_filter_undecided() ~ ", 'level, penalty or statute')"
            ~ " || ' of conviction at ' || " ~ conviction_text() ~ " end",
            "'; '", "order by o.charge_key") }} as possible_recent
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.is_convicted
    {{ filter_joins() }}
    where cc.condition_type = 'no_conviction_within_years'
    group by cc.program, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_no_conviction_within_years as (
    select
        cc.*,
        case
            when {{ dbt.dateadd('year', 'cc.years', 'r.certain_latest_earliest') }} >= cc.as_of_date then false
            when r.certain_undated then null
            when r.possible_undated then null
            when {{ dbt.dateadd('year', 'cc.years', 'r.possible_latest') }} >= cc.as_of_date then null
            when r.certain_latest is null then true
            when {{ dbt.dateadd('year', 'cc.years', 'r.certain_latest') }} < cc.as_of_date then true
        end as raw_value,
        cast({{ dbt.dateadd('day', '1', dbt.dateadd('year', 'cc.years', 'r.certain_latest')) }} as date) as ready_on,
        'most recent counted conviction: ' || coalesce(cast(r.certain_latest as {{ dbt.type_string() }}), 'none') as fact,
        'dates (or level/penalty) of the convictions on the record'
            || coalesce('; ' || r.possible_recent, '') as missing
    from cc
    left join recent_convictions as r
        on r.program = cc.program and r.charge_key = cc.charge_key
        and r.rule_id = cc.rule_id and r.condition_seq = cc.condition_seq
    where cc.condition_type = 'no_conviction_within_years'
)
{% endmacro %}
