{#-
  The condition catalog, in SQL: one block per condition type of orchestration/rules/schema.py.
  Input: `candidates` (program_id, charge_key) and `conditions` (rows of stg_rules__conditions),
  both names of CTEs in the calling model. Output CTE `evaluated`: one row per candidate x
  condition with
    value        true / false / NULL (unknown: the data cannot decide), after any `not`,
    ready_on     for a time condition that is false today: the date it becomes true, given
                 what is known (NULL when waiting cannot make it true),
    fact         what the data said (the audit trail),
    missing_fact when value is NULL, the fact that would decide it.
  Logic is three-valued (Kleene; SQL's own AND / OR / NOT on NULL booleans): a partial date, a
  blank felony status, an ungraded offense or a source without supervision data gives NULL,
  never a guess.
-#}

{#-
  Fail closed: the missing fact of a condition that has no evaluation row for a charge (its type
  has no block below, or a block dropped the charge). The callers (int_program_charges_scoped,
  fct_conviction_eligibility, fct_decision_criteria) count it as unknown, never as true. `d` is
  the alias of a stg_rules__conditions row.
-#}
{% macro unevaluated_condition(d) -%}
    'an evaluation of condition ' || cast({{ d }}.condition_seq as {{ dbt.type_string() }})
        || case when {{ d }}.rule_id = 'scope' then ' of the scope' else ' of rule ' || {{ d }}.rule_id end
        || ' (' || {{ d }}.condition_type || ': ' || coalesce({{ d }}.description, '?')
        || '), which the SQL evaluator did not give'
{%- endmacro %}

{#-
  The decision-rule conditions that gave no evaluation row, one row each with its missing fact:
  `incomplete` names a CTE of (program_id, charge_key, rule_id) to look at, e.g. the rows of
  int_rule_results with conditions_unevaluated <> 0 (none, unless the evaluator lacks a type).
  `evaluations` names the evaluation rows to look in (default: int_rule_conditions_evaluated;
  a model that evaluated the rules itself passes its own CTE, so the view is not computed).
-#}
{% macro unevaluated_conditions(incomplete, evaluations=none) -%}
    select
        i.program_id,
        i.charge_key,
        d.rule_id,
        d.condition_seq,
        d.condition_type,
        d.description,
        {{ unevaluated_condition('d') }} as missing_fact
    from {{ incomplete }} as i
    inner join {{ ref('stg_rules__conditions') }} as d
        on d.program_id = i.program_id and d.rule_id = i.rule_id
    left join (
        select e.program_id, e.charge_key, e.rule_id, e.condition_seq
        from {{ evaluations or ref('int_rule_conditions_evaluated') }} as e
        inner join {{ incomplete }} as j
            on j.program_id = e.program_id and j.charge_key = e.charge_key and j.rule_id = e.rule_id
    ) as a
        on a.program_id = i.program_id and a.charge_key = i.charge_key
        and a.rule_id = i.rule_id and a.condition_seq = d.condition_seq
    where a.rule_id is null
{%- endmacro %}

{#- A later-of anchor date, as a range. `which` is earliest or latest. -#}
{% macro anchor_date(anchors_col, which) -%}
    case
        when {{ anchors_col }} is null then null
        when position('disposition_date' in {{ anchors_col }}) > 0 and cc.disposition_date_{{ which }} is null then null
        when position('arrest_date' in {{ anchors_col }}) > 0 and cc.arrest_date_{{ which }} is null then null
        when position('offense_date' in {{ anchors_col }}) > 0 and cc.offense_date_{{ which }} is null then null
        when position('sentence_end_date' in {{ anchors_col }}) > 0 and cc.sentence_end_date is null then null
        when position('supervision_end_date' in {{ anchors_col }}) > 0 and cc.supervision_end_date is null then null
        when position('prison_release_date' in {{ anchors_col }}) > 0 and cc.prison_release_date is null then null
        else greatest(
            case when position('disposition_date' in {{ anchors_col }}) > 0 then cc.disposition_date_{{ which }} end,
            case when position('arrest_date' in {{ anchors_col }}) > 0 then cc.arrest_date_{{ which }} end,
            case when position('offense_date' in {{ anchors_col }}) > 0 then cc.offense_date_{{ which }} end,
            case when position('sentence_end_date' in {{ anchors_col }}) > 0 then cc.sentence_end_date end,
            case when position('supervision_end_date' in {{ anchors_col }}) > 0 then cc.supervision_end_date end,
            case when position('prison_release_date' in {{ anchors_col }}) > 0 then cc.prison_release_date end
        )
    end
{%- endmacro %}

{#- anchor + wait (years, months, days of the condition row). -#}
{% macro plus_wait(date_sql) -%}
    cast({{ dbt.dateadd('day', 'coalesce(cc.wait_days, 0)',
            dbt.dateadd('month', 'coalesce(cc.wait_months, 0)',
                dbt.dateadd('year', 'coalesce(cc.wait_years, 0)', date_sql))) }} as date)
{%- endmacro %}

{#- Is `list_col` (comma-separated) holding `value`? NULL list = no restriction. -#}
{% macro in_list(value, list_col) -%}
    position(',' || {{ value }} || ',' in ',' || {{ list_col }} || ',') > 0
{%- endmacro %}

{#- The look-back filter (f_* columns of the condition) applied to another conviction `o`,
    with `fm` / `fx` its code-set and exclude-code-set match rows. Three-valued. -#}
{% macro conviction_filter() -%}
    (cc.f_code_set is null or (case when fm.charge_key is null then false else fm.is_match end))
    and (cc.f_exclude_code_set is null or not (case when fx.charge_key is null then false else fx.is_match end))
    and (cc.f_levels is null or {{ in_list('o.offense_level', 'cc.f_levels') }})
    and (cc.f_exclude_levels is null or not {{ in_list('o.offense_level', 'cc.f_exclude_levels') }})
    and (cc.f_grades is null or {{ in_list('o.grade', 'cc.f_grades') }})
    and (cc.f_min_penalty_years is null or o.max_penalty_years >= cc.f_min_penalty_years)
    and (not coalesce(cc.f_exclude_traffic, false) or not coalesce(o.is_traffic, false))
{%- endmacro %}

{% macro filter_joins() -%}
    left join {{ ref('int_charge_code_set_matches') }} as fm
        on fm.program_id = cc.program_id and fm.code_set = cc.f_code_set and fm.charge_key = o.charge_key
    left join {{ ref('int_charge_code_set_matches') }} as fx
        on fx.program_id = cc.program_id and fx.code_set = cc.f_exclude_code_set and fx.charge_key = o.charge_key
{%- endmacro %}

{#-
  The condition types the rules of one kind ('scope' or 'decision') use, read from the compiled
  rulebook while the model runs (none before: every block is kept). evaluate_conditions drops the
  blocks no rule needs: their rows would be empty anyway, and each block is several joins (on
  Spark, several stages: the scope model went from 25 blocks to 2).
-#}
{% macro condition_types_in_use(rule_kind) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {#- not built yet (dbt compile on an empty warehouse): keep every block -#}
    {%- for model in ['stg_rules__conditions', 'stg_rules__rules'] -%}
        {%- if load_relation(ref(model)) is none -%}{{ return(none) }}{%- endif -%}
    {%- endfor -%}
    {%- set rows = run_query(
        "select distinct d.condition_type from " ~ ref('stg_rules__conditions') ~ " d"
        ~ " inner join " ~ ref('stg_rules__rules') ~ " r"
        ~ " on r.program_id = d.program_id and r.rule_id = d.rule_id"
        ~ " where r.kind = '" ~ rule_kind ~ "'") -%}
    {{ return(rows.columns[0].values() | list) }}
{%- endmacro %}

{#-
  per_rule: `candidates` has a rule_id column too, and only that rule's conditions are evaluated
  for the charge (fct_conviction_eligibility: the deciding rule's facts, ~4 conditions a
  decision instead of every condition of every rule).
-#}
{% macro evaluate_conditions(candidates, conditions, rule_kind=none, per_rule=false) %}
supervision_ends as (
    -- Per charge: the end of the person's supervision that began with or after the judgment.
    select
        c.charge_key,
        bool_or(s.end_date_latest is null) as has_open_period,
        max(s.end_date_latest) as last_end
    from {{ ref('int_charges_assembled') }} as c
    inner join {{ ref('int_supervision_unioned') }} as s
        on s.person_key = c.person_key and s.start_date_latest >= c.disposition_date_earliest
    group by c.charge_key
),

cc as {{ not_materialized() }} (
    select
        k.program_id,
        k.charge_key,
        {{ star_except(ref('stg_rules__conditions'), ['program_id'], 'd') }},
        p.as_of_date,
        c.person_key,
        c.arrest_key,
        c.case_key,
        c.statute,
        c.section_key,
        c.parse_status,
        c.code_inferred,
        c.code_inference_keyword,
        c.code_inference_basis,
        c.offense_raw,
        c.offense_level,
        c.offense_level_column,
        c.grade,
        c.max_penalty_years,
        c.is_dv,
        c.is_traffic,
        c.disposition,
        c.disposition_date_raw,
        c.disposition_date_earliest,
        c.disposition_date_latest,
        c.disposition_date_precision,
        c.offense_date_earliest,
        c.offense_date_latest,
        c.offense_date_column,
        c.arrest_date_earliest,
        c.arrest_date_latest,
        c.has_prison,
        c.has_jail,
        c.has_probation,
        c.probation_revoked,
        c.sentence_end_date,
        c.prison_release_date,
        c.restitution_balance,
        -- Supervision ends with the sentence, or later if a supervision period runs on; NULL
        -- when the source has no supervision data, the sentence end is unknown or it is open.
        case when not s.has_supervision_data or c.sentence_end_date is null
                  or coalesce(se.has_open_period, false) then null
             else greatest(c.sentence_end_date, coalesce(se.last_end, c.sentence_end_date)) end
            as supervision_end_date,
        s.dob_earliest,
        s.dob_latest,
        s.dob_precision,
        s.is_deceased,
        s.deceased_source,
        s.has_supervision_data,
        s.supervision_data,
        s.has_registration_data
    from {{ candidates }} as k
    inner join {{ conditions }} as d
        on d.program_id = k.program_id {% if per_rule %}and d.rule_id = k.rule_id{% endif %}
    inner join {{ ref('stg_rules__programs') }} as p on p.program_id = k.program_id
    inner join {{ ref('int_charges_assembled') }} as c on c.charge_key = k.charge_key
    inner join {{ ref('int_persons_unioned') }} as s on s.person_key = c.person_key
    left join supervision_ends as se on se.charge_key = c.charge_key
),

cond_statute_in_set as (
    select
        cc.*,
        -- No offense text at all (every column empty, or SEE COMMENT FOR CHARGE with no comment):
        -- nothing says which statute it is, so no list can be ruled out. Unreadable text that is
        -- there stays "not in the set"; the offense_text_unread gate counts it.
        case when {{ no_offense_text('cc.offense_raw') }} then null
             when m.charge_key is null then false else m.is_match end as raw_value,
        cast(null as date) as ready_on,
        'statute=' || coalesce(cc.statute, 'section ' || cc.section_key || ' with no code', 'unparsed')
            -- a code from the code inference table says so, with the keyword and the table
            || case when cc.code_inferred
                    then ' (code_inferred: code ' || {{ dbt.split_part('cc.statute', "':'", 2) }} || ' from the keyword '''
                         || cc.code_inference_keyword || ''': ' || cc.code_inference_basis || ')'
                    else '' end as fact,
        case when {{ no_offense_text('cc.offense_raw') }}
             then 'offense text (no statute in any offense column: ' || coalesce(cc.offense_raw, 'all empty') || ')'
             else 'code abbreviation (HS, PC, ...) of charge ' || coalesce(cc.offense_raw, '') end as missing
    from cc
    left join {{ ref('int_charge_code_set_matches') }} as m
        on m.program_id = cc.program_id and m.code_set = cc.code_set and m.charge_key = cc.charge_key
    where cc.condition_type = 'statute_in_set'
),

cond_level_in as (
    select
        cc.*,
        {{ in_list('cc.offense_level', 'cc.levels') }} as raw_value,
        cast(null as date) as ready_on,
        'level=' || coalesce(cc.offense_level || ' (' || cc.offense_level_column || ')', 'unknown') as fact,
        'felony/misdemeanor status (not recorded for this charge)' as missing
    from cc
    where cc.condition_type = 'level_in'
),

cond_grade_in as (
    select
        cc.*,
        {{ in_list('cc.grade', 'cc.grades') }} as raw_value,
        cast(null as date) as ready_on,
        'grade=' || coalesce(cc.grade, 'ungraded/unknown') as fact,
        'offense grade (ungraded or not recorded)' as missing
    from cc
    where cc.condition_type = 'grade_in'
),

cond_disposition_in as (
    select
        cc.*,
        {{ in_list('cc.disposition', 'cc.dispositions') }} as raw_value,
        cast(null as date) as ready_on,
        'disposition=' || cc.disposition as fact,
        'final disposition' as missing
    from cc
    where cc.condition_type = 'disposition_in'
),

dated as (
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
    where cc.condition_type in ('date_after', 'date_on_or_after', 'date_before')
),

cond_dates as (
    -- `evaluated` picks its columns by name, so the helper columns d_earliest / d_latest ride along.
    select
        *,
        case
            when condition_type = 'date_after' and d_earliest > date_value then true
            when condition_type = 'date_after' and d_latest <= date_value then false
            when condition_type = 'date_on_or_after' and d_earliest >= date_value then true
            when condition_type = 'date_on_or_after' and d_latest < date_value then false
            when condition_type = 'date_before' and d_latest < date_value then true
            when condition_type = 'date_before' and d_earliest >= date_value then false
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
    from dated
),

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
        case when position('supervision_end_date' in cc.anchors) > 0 and not cc.has_supervision_data
             then 'end of supervision (the source has no supervision records)'
             else 'exact ' || replace(replace(cc.anchors, ',', ' / '), '_', ' ') end as missing
    from cc
    where cc.condition_type = 'waiting_period'
),

cond_sentence_completed as (
    select
        cc.*,
        cc.sentence_end_date <= cc.as_of_date as raw_value,
        cc.sentence_end_date as ready_on,
        'sentence ends ' || coalesce(cast(cc.sentence_end_date as {{ dbt.type_string() }}), 'unknown') as fact,
        'sentence (no sentence, or no end date, recorded)' as missing
    from cc
    where cc.condition_type = 'sentence_completed'
),

cond_has_sentence_type as (
    select
        cc.*,
        ({{ in_list("'prison'", 'cc.sentence_types') }} and cc.has_prison)
            or ({{ in_list("'jail'", 'cc.sentence_types') }} and cc.has_jail)
            or ({{ in_list("'probation'", 'cc.sentence_types') }} and cc.has_probation) as raw_value,
        cast(null as date) as ready_on,
        'sentence:' || case when cc.has_prison then ' prison' else '' end
            || case when cc.has_jail then ' jail' else '' end
            || case when cc.has_probation then ' probation' else '' end as fact,
        'sentence type' as missing
    from cc
    where cc.condition_type = 'has_sentence_type'
),

cond_probation_revoked as (
    select
        cc.*,
        cc.probation_revoked as raw_value,
        cast(null as date) as ready_on,
        'probation revoked=' || coalesce(cast(cc.probation_revoked as {{ dbt.type_string() }}), 'unknown') as fact,
        'whether probation was revoked' as missing
    from cc
    where cc.condition_type = 'probation_revoked'
),

cond_max_penalty_ge as (
    select
        cc.*,
        cc.max_penalty_years >= cc.penalty_years as raw_value,
        cast(null as date) as ready_on,
        'max penalty=' || coalesce({{ double_to_text('cc.max_penalty_years') }} || ' years', 'unknown') as fact,
        'statutory maximum penalty of the offense' as missing
    from cc
    where cc.condition_type = 'max_penalty_ge'
),

cond_flag_is as (
    select
        cc.*,
        case cc.flag when 'dv' then cc.is_dv when 'traffic' then cc.is_traffic end as raw_value,
        cast(null as date) as ready_on,
        cc.flag || '=' || coalesce(cast(case cc.flag when 'dv' then cc.is_dv when 'traffic' then cc.is_traffic end as {{ dbt.type_string() }}), 'unknown') as fact,
        cc.flag || ' designation of the charge' as missing
    from cc
    where cc.condition_type = 'flag_is'
),

cond_restitution_outstanding as (
    select
        cc.*,
        case when cc.case_key is null then false else cc.restitution_balance > 0 end as raw_value,
        cast(null as date) as ready_on,
        'restitution balance=' || coalesce(cast(cc.restitution_balance as {{ dbt.type_string() }}), 'unknown') as fact,
        'restitution balance of the case' as missing
    from cc
    where cc.condition_type = 'restitution_outstanding'
),

arrest_facts as (
    select
        arrest_key,
        bool_or(is_convicted) as has_conviction,
        bool_or(case_key is not null) as has_court_action
    from {{ ref('int_charges_assembled') }}
    where arrest_key is not null
    group by arrest_key
),

cond_arrest as (
    select
        cc.*,
        case cc.condition_type
            when 'arrest_has_conviction' then coalesce(a.has_conviction, cc.disposition = 'convicted')
            when 'arrest_charge_not_filed' then cc.case_key is null and coalesce(a.has_court_action, false)
            else coalesce(a.has_court_action, cc.case_key is not null)
        end as raw_value,
        cast(null as date) as ready_on,
        case cc.condition_type
            when 'arrest_has_conviction' then 'conviction from this arrest=' || cast(coalesce(a.has_conviction, cc.disposition = 'convicted') as {{ dbt.type_string() }})
            when 'arrest_charge_not_filed' then 'this charge filed=' || cast(cc.case_key is not null as {{ dbt.type_string() }})
                || ', court filing from this arrest=' || cast(coalesce(a.has_court_action, false) as {{ dbt.type_string() }})
            else 'court filing from this arrest=' || cast(coalesce(a.has_court_action, cc.case_key is not null) as {{ dbt.type_string() }})
        end as fact,
        'charges of the arrest' as missing
    from cc
    left join arrest_facts as a on a.arrest_key = cc.arrest_key
    where cc.condition_type in ('arrest_has_conviction', 'arrest_has_court_action', 'arrest_charge_not_filed')
),

other_convictions as (
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as other_source,
        ({{ conviction_filter() }})
        and (cc.code_set is null or (case when m.charge_key is null then false else m.is_match end))
        and (not cc.must_precede
             or case when o.disposition_date_latest < cc.disposition_date_earliest then true
                     when o.disposition_date_earliest >= cc.disposition_date_latest then false end)
        and (not cc.same_section or o.section_key is not distinct from cc.section_key) as value
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.charge_key <> cc.charge_key and o.is_convicted
    left join {{ ref('int_charge_code_set_matches') }} as m
        on m.program_id = cc.program_id and m.code_set = cc.code_set and m.charge_key = o.charge_key
    {{ filter_joins() }}
    where cc.condition_type = 'has_other_conviction'
),

other_counts as (
    select
        program_id, charge_key, rule_id, condition_seq,
        count(case when value then 1 end) as certain,
        count(case when value is null then 1 end) as possible,
        {{ dbt.listagg("case when value then other_source end", "', '", "order by other_source") }} as certain_sources,
        {{ dbt.listagg("case when value is null then other_source end", "', '", "order by other_source") }} as possible_sources
    from other_convictions
    group by program_id, charge_key, rule_id, condition_seq
),

cond_has_other_conviction as (
    select
        cc.*,
        case when coalesce(o.certain, 0) >= cc.min_count then true
             when coalesce(o.certain, 0) + coalesce(o.possible, 0) < cc.min_count then false end as raw_value,
        cast(null as date) as ready_on,
        coalesce(cc.code_set, 'other convictions') || ': ' || coalesce(o.certain, 0) || ' found'
            || coalesce(' (' || o.certain_sources || ')', '')
            || case when coalesce(o.possible, 0) > 0 then ', ' || o.possible || ' undetermined' else '' end as fact,
        'date, code or level of other conviction(s) at ' || coalesce(o.possible_sources, '') as missing
    from cc
    left join other_counts as o
        on o.program_id = cc.program_id and o.charge_key = cc.charge_key
        and o.rule_id = cc.rule_id and o.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_other_conviction'
),

counted_convictions as (
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        case when cc.distinct_by_episode then o.episode_key else o.charge_key end as unit,
        {{ conviction_filter() }} as value
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.is_convicted
    {{ filter_joins() }}
    where cc.condition_type = 'count_convictions'
),

conviction_counts as (
    select
        program_id, charge_key, rule_id, condition_seq,
        count(distinct case when value then unit end) as certain,
        count(distinct case when value or value is null then unit end) as possible
    from counted_convictions
    group by program_id, charge_key, rule_id, condition_seq
),

cond_count_convictions as (
    select
        cc.*,
        case when coalesce(n.certain, 0) >= cc.at_least then true
             when coalesce(n.possible, 0) < cc.at_least then false end as raw_value,
        cast(null as date) as ready_on,
        coalesce(n.certain, 0) || case when cc.distinct_by_episode then ' episode(s)' else ' conviction(s)' end
            || ' counted' || case when coalesce(n.possible, 0) > coalesce(n.certain, 0)
                                   then ', up to ' || n.possible || ' with unknown level/grade/penalty' else '' end as fact,
        'level, grade or maximum penalty of some convictions on the record' as missing
    from cc
    left join conviction_counts as n
        on n.program_id = cc.program_id and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'count_convictions'
),

window_convictions as (
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as other_source,
        ({{ conviction_filter() }})
        and o.disposition_date_latest > {{ anchor_date('cc.anchors', 'earliest') }}
        and o.disposition_date_earliest <= {{ plus_wait(anchor_date('cc.anchors', 'latest')) }} as value
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.charge_key <> cc.charge_key and o.is_convicted
    {{ filter_joins() }}
    where cc.condition_type = 'no_conviction_in_window'
),

window_counts as (
    select
        program_id, charge_key, rule_id, condition_seq,
        count(case when value then 1 end) as certain,
        count(case when value is null then 1 end) as possible,
        {{ dbt.listagg("case when value then other_source end", "', '", "order by other_source") }} as sources
    from window_convictions
    group by program_id, charge_key, rule_id, condition_seq
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
        case when position('supervision_end_date' in cc.anchors) > 0 and not cc.has_supervision_data
             then 'end of supervision (the source has no supervision records)'
             else 'exact ' || replace(cc.anchors, '_', ' ') || ' or dates of later convictions' end as missing
    from cc
    left join window_counts as w
        on w.program_id = cc.program_id and w.charge_key = cc.charge_key
        and w.rule_id = cc.rule_id and w.condition_seq = cc.condition_seq
    where cc.condition_type = 'no_conviction_in_window'
),

recent_convictions as (
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        max(case when {{ conviction_filter() }} then o.disposition_date_latest end) as certain_latest,
        max(case when {{ conviction_filter() }} then o.disposition_date_earliest end) as certain_latest_earliest,
        bool_or(({{ conviction_filter() }}) and o.disposition_date_latest is null) as certain_undated,
        max(case when ({{ conviction_filter() }}) is null then o.disposition_date_latest end) as possible_latest
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.is_convicted
    {{ filter_joins() }}
    where cc.condition_type = 'no_conviction_within_years'
    group by cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_no_conviction_within_years as (
    select
        cc.*,
        case
            when {{ dbt.dateadd('year', 'cc.years', 'r.certain_latest_earliest') }} >= cc.as_of_date then false
            when r.certain_undated then null
            when {{ dbt.dateadd('year', 'cc.years', 'r.possible_latest') }} >= cc.as_of_date then null
            when r.certain_latest is null then true
            when {{ dbt.dateadd('year', 'cc.years', 'r.certain_latest') }} < cc.as_of_date then true
        end as raw_value,
        cast({{ dbt.dateadd('day', '1', dbt.dateadd('year', 'cc.years', 'r.certain_latest')) }} as date) as ready_on,
        'most recent counted conviction: ' || coalesce(cast(r.certain_latest as {{ dbt.type_string() }}), 'none') as fact,
        'dates (or level/penalty) of the convictions on the record' as missing
    from cc
    left join recent_convictions as r
        on r.program_id = cc.program_id and r.charge_key = cc.charge_key
        and r.rule_id = cc.rule_id and r.condition_seq = cc.condition_seq
    where cc.condition_type = 'no_conviction_within_years'
),

registrations as (
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        count(case when (not cc.must_precede or r.start_date_latest < cc.disposition_date_earliest)
                    and (not cc.active_only or r.end_date is null or r.end_date > cc.as_of_date) then 1 end) as certain,
        count(case when cc.must_precede
                    and (r.start_date_latest is null or cc.disposition_date_earliest is null
                         or not (r.start_date_latest < cc.disposition_date_earliest)
                            and not (r.start_date_earliest >= cc.disposition_date_latest)) then 1 end) as possible,
        {{ dbt.listagg("r.source_ref", "', '", "order by r.source_ref") }} as sources
    from cc
    inner join {{ ref('int_registrations_unioned') }} as r
        on r.person_key = cc.person_key
        and r.registration_type = case when cc.registration = 'pc_290' then 'sex_offender' else cc.registration end
    where cc.condition_type = 'has_registration'
    group by cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_has_registration as (
    select
        cc.*,
        case when coalesce(r.certain, 0) >= 1 then true
             when not cc.has_registration_data then null
             when coalesce(r.possible, 0) = 0 then false end as raw_value,
        cast(null as date) as ready_on,
        cc.registration || ' registrations: ' || coalesce(r.certain, 0) || ' counted'
            || coalesce(' (' || r.sources || ')', '') as fact,
        case when not cc.has_registration_data then 'registration records (the source has none)'
             else 'date of registration event(s) at ' || coalesce(r.sources, '') end as missing
    from cc
    left join registrations as r
        on r.program_id = cc.program_id and r.charge_key = cc.charge_key
        and r.rule_id = cc.rule_id and r.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_registration'
),

supervision_now as (
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        count(*) as periods,
        {{ dbt.listagg("s.supervision_type || '/' || coalesce(s.agency, '?')", "', '",
                         "order by s.supervision_type || '/' || coalesce(s.agency, '?')") }} as what
    from cc
    inner join {{ ref('int_supervision_unioned') }} as s
        on s.person_key = cc.person_key
        and s.start_date_earliest <= cc.as_of_date
        and (s.end_date_latest is null or s.end_date_latest >= cc.as_of_date)
        and (cc.agencies is null or {{ in_list('s.agency', 'cc.agencies') }})
    where cc.condition_type = 'has_active_supervision'
    group by cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_has_active_supervision as (
    select
        cc.*,
        case when not cc.has_supervision_data then null else coalesce(n.periods, 0) > 0 end as raw_value,
        cast(null as date) as ready_on,
        case when not cc.has_supervision_data then 'no supervision records in the source'
             else 'active supervision: ' || coalesce(n.what, 'none')
                  || ' (supervision: ' || coalesce(cc.supervision_data, 'unknown') || ')' end as fact,
        'supervision status (the source has no supervision records, e.g. the Supervised Release File)' as missing
    from cc
    left join supervision_now as n
        on n.program_id = cc.program_id and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_active_supervision'
),

arrest_closed as (
    select arrest_key,
           bool_or(disposition not in ('pending', 'unknown', 'plea_in_abeyance')) as has_final_disposition
    from {{ ref('int_charges_assembled') }}
    where arrest_key is not null
    group by arrest_key
),

pending_charges as (
    -- Each other pending charge of the person: counts (true), cannot count (false, filtered
    -- out) or may count (NULL: its level, or under the SB 834 inference its dates, unknown).
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as other_source,
        (cc.levels is null or {{ in_list('o.offense_level', 'cc.levels') }})
        -- SB 834-style inference: no activity for the given time = not pending
        and (cc.wait_years is null
             or {{ plus_wait('coalesce(o.disposition_date_latest, o.arrest_date_latest, o.offense_date_latest)') }} > cc.as_of_date) as value
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.charge_key <> cc.charge_key
    left join arrest_closed as a on a.arrest_key = o.arrest_key
    where cc.condition_type = 'has_pending_case'
      and (o.disposition in ('pending', 'plea_in_abeyance')
           or (o.disposition = 'unknown' and not coalesce(a.has_final_disposition, false)))
      and (not coalesce(cc.exclude_traffic, false) or not coalesce(o.is_traffic, false))
),

pending as (
    select
        program_id, charge_key, rule_id, condition_seq,
        count(case when value then 1 end) as charges,
        count(case when value is null then 1 end) as possible,
        {{ dbt.listagg("case when value then other_source end", "', '", "order by other_source") }} as sources,
        {{ dbt.listagg("case when value is null then other_source end", "', '", "order by other_source") }} as possible_sources
    from pending_charges
    group by program_id, charge_key, rule_id, condition_seq
),

cond_has_pending_case as (
    select
        cc.*,
        case when coalesce(n.charges, 0) > 0 then true
             when coalesce(n.possible, 0) > 0 then null
             else false end as raw_value,
        cast(null as date) as ready_on,
        'pending charges: ' || coalesce(n.charges, 0) || coalesce(' (' || n.sources || ')', '')
            || case when coalesce(n.possible, 0) > 0 then ', ' || n.possible || ' undetermined' else '' end as fact,
        'level (or date) of pending charge(s) at ' || coalesce(n.possible_sources, '') as missing
    from cc
    left join pending as n
        on n.program_id = cc.program_id and n.charge_key = cc.charge_key
        and n.rule_id = cc.rule_id and n.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_pending_case'
),

cond_age_at_offense_lt as (
    select
        cc.*,
        case when cc.offense_date_latest < {{ dbt.dateadd('year', 'cc.years', 'cc.dob_earliest') }} then true
             when cc.offense_date_earliest >= {{ dbt.dateadd('year', 'cc.years', 'cc.dob_latest') }} then false end as raw_value,
        cast(null as date) as ready_on,
        'offense date from ' || coalesce(cc.offense_date_column, 'nowhere') || ', birth date ' || coalesce(cc.dob_precision, 'missing') as fact,
        'exact birth date and offense date (birth date ' || coalesce(cc.dob_precision, 'missing') || ')' as missing
    from cc
    where cc.condition_type = 'age_at_offense_lt'
),

cond_age_at_conviction_lt as (
    -- The earlier tool's subjectUnder21AtConviction: birth date + years after the conviction date.
    select
        cc.*,
        case when cc.disposition_date_latest < {{ dbt.dateadd('year', 'cc.years', 'cc.dob_earliest') }} then true
             when cc.disposition_date_earliest >= {{ dbt.dateadd('year', 'cc.years', 'cc.dob_latest') }} then false end as raw_value,
        cast(null as date) as ready_on,
        'conviction_date=' || coalesce(cc.disposition_date_raw, 'missing') || ', birth date ' || coalesce(cc.dob_precision, 'missing') as fact,
        'exact birth date and conviction date (birth date ' || coalesce(cc.dob_precision, 'missing')
            || ', conviction date recorded as ' || coalesce(cc.disposition_date_raw, 'blank') || ')' as missing
    from cc
    where cc.condition_type = 'age_at_conviction_lt'
),

cond_age_at_as_of_ge as (
    select
        cc.*,
        case when {{ dbt.dateadd('year', 'cc.years', 'cc.dob_latest') }} <= cc.as_of_date then true
             when {{ dbt.dateadd('year', 'cc.years', 'cc.dob_earliest') }} > cc.as_of_date then false end as raw_value,
        cast(null as date) as ready_on,
        'birth date ' || coalesce(cc.dob_precision, 'missing') || ', as of ' || cast(cc.as_of_date as {{ dbt.type_string() }}) as fact,
        'exact birth date (' || coalesce(cc.dob_precision, 'missing') || ')' as missing
    from cc
    where cc.condition_type = 'age_at_as_of_ge'
),

cond_years_since_conviction_ge as (
    select
        cc.*,
        case when {{ dbt.dateadd('year', 'cc.years', 'cc.disposition_date_latest') }} <= cc.as_of_date then true
             when {{ dbt.dateadd('year', 'cc.years', 'cc.disposition_date_earliest') }} > cc.as_of_date then false end as raw_value,
        cast(null as date) as ready_on,
        'conviction_date=' || coalesce(cc.disposition_date_raw, 'missing') || ', as of ' || cast(cc.as_of_date as {{ dbt.type_string() }}) as fact,
        'exact conviction date (recorded as ' || coalesce(cc.disposition_date_raw, 'blank') || ')' as missing
    from cc
    where cc.condition_type = 'years_since_conviction_ge'
),

all_in_set as (
    select
        cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq,
        count(*) as convictions,
        count(m.charge_key) as in_set_or_maybe,
        count(case when m.is_match then 1 end) as in_set
    from cc
    inner join {{ ref('int_charges_assembled') }} as o on o.person_key = cc.person_key and o.is_convicted
    left join {{ ref('int_charge_code_set_matches') }} as m
        on m.program_id = cc.program_id and m.code_set = cc.code_set and m.charge_key = o.charge_key
    where cc.condition_type = 'all_convictions_in_set'
    group by cc.program_id, cc.charge_key, cc.rule_id, cc.condition_seq
),

cond_all_convictions_in_set as (
    select
        cc.*,
        case when a.in_set_or_maybe < a.convictions then false
             when a.in_set = a.convictions then true end as raw_value,
        cast(null as date) as ready_on,
        coalesce(a.in_set, 0) || ' of ' || coalesce(a.convictions, 0) || ' convictions in ' || cc.code_set as fact,
        'code abbreviation of some convictions on the record' as missing
    from cc
    left join all_in_set as a
        on a.program_id = cc.program_id and a.charge_key = cc.charge_key
        and a.rule_id = cc.rule_id and a.condition_seq = cc.condition_seq
    where cc.condition_type = 'all_convictions_in_set'
),

cond_subject_deceased as (
    select
        cc.*,
        coalesce(cc.is_deceased, false) as raw_value,
        cast(null as date) as ready_on,
        case when cc.is_deceased then 'deceased: ' || cc.deceased_source else 'not recorded as deceased' end as fact,
        cast(null as {{ dbt.type_string() }}) as missing
    from cc
    where cc.condition_type = 'subject_deceased'
),

evaluated as (
    {% set blocks = ['statute_in_set', 'level_in', 'grade_in', 'disposition_in', 'dates',
                     'waiting_period', 'sentence_completed', 'has_sentence_type', 'probation_revoked',
                     'max_penalty_ge', 'flag_is', 'restitution_outstanding', 'arrest',
                     'has_other_conviction', 'count_convictions', 'no_conviction_in_window',
                     'no_conviction_within_years', 'has_registration', 'has_active_supervision',
                     'has_pending_case', 'age_at_offense_lt', 'age_at_conviction_lt', 'age_at_as_of_ge',
                     'years_since_conviction_ge', 'all_convictions_in_set', 'subject_deceased'] %}
    {#- block -> the condition types it evaluates (when they are not the same name) -#}
    {% set block_types = {'dates': ['date_after', 'date_on_or_after', 'date_before'],
                          'arrest': ['arrest_has_conviction', 'arrest_has_court_action', 'arrest_charge_not_filed']} %}
    {% set in_use = condition_types_in_use(rule_kind) if rule_kind else none %}
    {% set needed = [] %}
    {% for b in blocks %}
        {% if in_use is none or (block_types.get(b, [b]) | select('in', in_use) | list) %}
            {% do needed.append(b) %}
        {% endif %}
    {% endfor %}
    {% for b in (needed or blocks[:1]) %}
    select
        program_id, charge_key, rule_id, condition_seq, condition_type, description,
        is_negated, is_time_condition,
        case when is_negated then not raw_value else raw_value end as value,
        case when not is_negated and raw_value is distinct from true then ready_on end as ready_on,
        fact,
        case when raw_value is null then missing end as missing_fact
    from cond_{{ b }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)
{% endmacro %}
