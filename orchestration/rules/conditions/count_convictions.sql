{#- Condition type count_convictions: its evaluation (parameters and description: count_convictions.py). -#}
{#-
  The person's convictions matching the look-back filter (f_*), this one included, counted (one
  per criminal episode with distinct_by_episode), against at_least. Each conviction counts
  (true), cannot (false) or may (NULL: a level, grade or penalty not recorded, or a statute not
  read while the filter names a code set or an exclude set: conviction_filter / in_code_set).
  The count is a range: the certain units up to the certain and possible ones. True when the
  certain ones reach at_least, false when even the possible ones cannot, else unknown, naming
  each conviction that may count (file:line, offense text) and what is not known about it. A
  conviction that may count in an episode another one certainly counts for changes nothing.
-#}
{% macro condition__count_convictions() %}
counted_convictions as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        case when cc.distinct_by_episode then o.episode_key else o.charge_key end as unit,
        {{ conviction_filter() }} as value,
        -- for one that may count: what is not known of it, and which it is (file:line, text)
        case when ({{ conviction_filter() }}) is null
             then coalesce({{ conviction_filter_undecided() }}, 'level, grade, maximum penalty or statute')
                  || ' of conviction at ' || {{ conviction_text() }} end as undecided,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as source
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.is_convicted
    {{ filter_joins() }}
    where cc.condition_type = 'count_convictions'
),

counted_units as (
    select
        program, charge_key, rule_id, condition_seq, unit,
        coalesce(bool_or(value), false) as is_certain,
        bool_or(value is null) as may_count,
        {{ dbt.listagg("undecided", "'; '", "order by source") }} as undecided,
        min(source) as source
    from counted_convictions
    group by program, charge_key, rule_id, condition_seq, unit
),

conviction_counts as (
    select
        program, charge_key, rule_id, condition_seq,
        count(case when is_certain then 1 end) as certain,
        count(case when is_certain or may_count then 1 end) as possible,
        {{ dbt.listagg("case when not is_certain and may_count then undecided end", "'; '",
                       "order by source") }} as possible_missing
    from counted_units
    group by program, charge_key, rule_id, condition_seq
),

cond_count_convictions as (
    select
        cc.*,
        case when coalesce(n.certain, 0) >= cc.at_least then true
             when coalesce(n.possible, 0) < cc.at_least then false end as raw_value,
        cast(null as date) as ready_on,
        coalesce(n.certain, 0) || case when cc.distinct_by_episode then ' episode(s)' else ' conviction(s)' end
            || ' counted' || case when coalesce(n.possible, 0) > coalesce(n.certain, 0)
                                   then ', up to ' || n.possible || ' with unknown level/grade/penalty/statute' else '' end as fact,
        coalesce(n.possible_missing, 'level, grade, maximum penalty or statute of some convictions on the record') as missing
    from cc
    left join conviction_counts as n
        on n.program = cc.program and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'count_convictions'
)
{% endmacro %}
