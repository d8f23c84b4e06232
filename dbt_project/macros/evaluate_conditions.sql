{#-
  The frame of the condition catalog in SQL. Each condition type is evaluated by its own macro,
  condition__<type>, in orchestration/rules/conditions/<type>.sql (beside <type>.py, its
  parameters and description; dbt_project.yml lists that folder as a macro path). No list of
  types is kept here: evaluate_conditions finds every condition__* macro and unites the ones the
  rules use. A type with no evaluator gets no evaluation rows, so its conditions fail closed
  (unevaluated_condition below).
  Input: `candidates` (program, charge_key) and `conditions` (rows of stg_rules__conditions),
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
  has no condition__<type> evaluator, or its evaluator dropped the charge). The callers (int_program_charges_scoped,
  fct_decisions, fct_decision_criteria) count it as unknown, never as true. `d` is
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
  `incomplete` names a CTE of (program, charge_key, rule_id) to look at, e.g. the rows of
  int_rule_results with conditions_unevaluated <> 0 (none, unless the evaluator lacks a type).
  `evaluations` names the evaluation rows to look in (default: int_rule_conditions_evaluated;
  a model that evaluated the rules itself passes its own CTE, so the view is not computed).
-#}
{% macro unevaluated_conditions(incomplete, evaluations=none) -%}
    select
        i.program,
        i.charge_key,
        d.rule_id,
        d.condition_seq,
        d.condition_type,
        d.description,
        {{ unevaluated_condition('d') }} as missing_fact
    from {{ incomplete }} as i
    inner join {{ ref('stg_rules__conditions') }} as d
        on d.program = i.program and d.rule_id = i.rule_id
    left join (
        select e.program, e.charge_key, e.rule_id, e.condition_seq
        from {{ evaluations or ref('int_rule_conditions_evaluated') }} as e
        inner join {{ incomplete }} as j
            on j.program = e.program and j.charge_key = e.charge_key and j.rule_id = e.rule_id
    ) as a
        on a.program = i.program and a.charge_key = i.charge_key
        and a.rule_id = i.rule_id and a.condition_seq = d.condition_seq
    where a.rule_id is null
{%- endmacro %}

{#-
  Helpers of the evaluators (orchestration/rules/conditions/*.sql); `cc` is the frame's CTE:
  one row per candidate charge x condition, with the charge's and the person's facts.
-#}

{#- A later-of anchor date, as a range. `which` is earliest or latest. -#}
{% macro anchor_date(anchors_col, which) -%}
    case
        when {{ anchors_col }} is null then null
        when position('disposition_date' in {{ anchors_col }}) > 0 and cc.disposition_date_{{ which }} is null then null
        when position('arrest_date' in {{ anchors_col }}) > 0 and cc.arrest_date_{{ which }} is null then null
        when position('offense_date' in {{ anchors_col }}) > 0 and cc.offense_date_{{ which }} is null then null
        when position('sentence_end_date' in {{ anchors_col }}) > 0 and cc.sentence_end_date is null then null
        when position('supervision_end_date' in {{ anchors_col }}) > 0 and cc.supervision_end_date_latest is null then null
        when position('prison_release_date' in {{ anchors_col }}) > 0 and cc.prison_release_date is null then null
        else greatest(
            case when position('disposition_date' in {{ anchors_col }}) > 0 then cc.disposition_date_{{ which }} end,
            case when position('arrest_date' in {{ anchors_col }}) > 0 then cc.arrest_date_{{ which }} end,
            case when position('offense_date' in {{ anchors_col }}) > 0 then cc.offense_date_{{ which }} end,
            case when position('sentence_end_date' in {{ anchors_col }}) > 0 then cc.sentence_end_date end,
            case when position('supervision_end_date' in {{ anchors_col }}) > 0 then cc.supervision_end_date_{{ which }} end,
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

{#-
  Is another conviction `o` in a code set, given its match row `m` (a left join of
  int_charge_code_set_matches)? Three-valued:
    true   a match row with is_match true;
    NULL   a match row with is_match NULL (a section with no code abbreviation), or no match row
           while the statute was not read (parse_status `unparsed`: an offense text that reads to
           no statute, `missing`: no offense text at all): nothing says which statute it is;
    false  no match row for a statute that was read (parse_status parsed or no_code).
  int_charge_code_set_matches only matches statutes that were read, so "no row" alone is not
  "not in the set" (an unread superstrike prior would read as harmless: fail open).
-#}
{% macro in_code_set(m, o='o') -%}
    case when {{ m }}.is_match then true
         when {{ m }}.charge_key is not null then cast(null as {{ dbt.type_boolean() }})
         when {{ o }}.parse_status in ('parsed', 'no_code') then false
    end
{%- endmacro %}

{#- The look-back filter (f_* columns of the condition) applied to another conviction `o`,
    with `fm` / `fx` its code-set and exclude-code-set match rows. Three-valued: a conviction
    whose statute was not read may be in either set (in_code_set), so it may or may not count;
    a level, grade or penalty not recorded likewise. -#}
{% macro conviction_filter() -%}
    (cc.f_code_set is null or {{ in_code_set('fm') }})
    and (cc.f_exclude_code_set is null or not {{ in_code_set('fx') }})
    and (cc.f_levels is null or {{ in_list('o.offense_level', 'cc.f_levels') }})
    and (cc.f_exclude_levels is null or not {{ in_list('o.offense_level', 'cc.f_exclude_levels') }})
    and (cc.f_grades is null or {{ in_list('o.grade', 'cc.f_grades') }})
    and (cc.f_min_penalty_years is null or o.max_penalty_years >= cc.f_min_penalty_years)
    and (not coalesce(cc.f_exclude_traffic, false) or not coalesce(o.is_traffic, false))
{%- endmacro %}

{#- What the look-back filter could not decide about conviction `o` (its parts that are NULL),
    as text: `statute (...)`, `date`, `level`, `grade`, `maximum penalty`, comma-separated;
    NULL when none. `statute_also` / `date_also`: a type's own three-valued parts about the
    statute (its code_set, same_section) and the date (must_precede, a window), or true. Meant
    for a conviction whose value is NULL: then no part is false, and each NULL part is what
    would decide it. -#}
{% macro conviction_filter_undecided(statute_also='true', date_also='true') -%}
    nullif(concat_ws(', ',
        case when ((cc.f_code_set is null or {{ in_code_set('fm') }})
                   and (cc.f_exclude_code_set is null or not {{ in_code_set('fx') }})
                   and ({{ statute_also }})) is null
             then 'statute (code abbreviation or readable offense text)' end,
        case when ({{ date_also }}) is null then 'date' end,
        case when ((cc.f_levels is null or {{ in_list('o.offense_level', 'cc.f_levels') }})
                   and (cc.f_exclude_levels is null or not {{ in_list('o.offense_level', 'cc.f_exclude_levels') }})) is null
             then 'level' end,
        case when (cc.f_grades is null or {{ in_list('o.grade', 'cc.f_grades') }}) is null then 'grade' end,
        case when (cc.f_min_penalty_years is null or o.max_penalty_years >= cc.f_min_penalty_years) is null
             then 'maximum penalty' end
    ), '')
{%- endmacro %}

{#- A conviction `o` as an auditor finds it: file:line (offense text). -#}
{% macro conviction_text(o='o') -%}
    coalesce({{ o }}.source_file, '?') || ':' || coalesce(cast({{ o }}.source_line as {{ dbt.type_string() }}), '?')
        || ' (' || coalesce({{ o }}.offense_raw, 'no offense text') || ')'
{%- endmacro %}

{% macro filter_joins() -%}
    left join {{ code_set_matches('f_code_set') }} as fm
        on fm.program = cc.program and fm.code_set = cc.f_code_set and fm.charge_key = o.charge_key
    left join {{ code_set_matches('f_exclude_code_set') }} as fx
        on fx.program = cc.program and fx.code_set = cc.f_exclude_code_set and fx.charge_key = o.charge_key
{%- endmacro %}

{#-
  int_charge_code_set_matches narrowed to the (program, code set) pairs that some condition
  names in `column` (of `condition_type`, when given): what a left join on
  `m.program = cc.program and m.code_set = cc.<column>` can match, and nothing else, so the
  join's rows are the same. Why: each such join built a hash table of every match (~1M rows at
  1M records) even where no condition names a set (the look-back filters' f_* sets of other
  states' laws): 5.9 -> 3.8 s for the second rule wave at 1M rows.
-#}
{% macro code_set_matches(column, condition_type=none) -%}
(
    select cm.*
    from {{ ref('int_charge_code_set_matches') }} as cm
    where exists (
        select 1
        from {{ ref('stg_rules__conditions') }} as cd
        where cd.program = cm.program and cd.{{ column }} = cm.code_set
        {%- if condition_type %} and cd.condition_type = '{{ condition_type }}'{% endif %}
    )
)
{%- endmacro %}

{#-
  The condition types the rules of one kind ('scope' or 'decision') use, read from the compiled
  rulebook while the model runs (none before: every evaluator is kept). evaluate_conditions drops
  the evaluators no rule needs: their rows would be empty anyway, and each is several joins (on
  Spark, several stages: the scope model went from 25 blocks to 2). `rules`: a built relation
  of (program, rule_id) rows, e.g. int_decision_rules: only the types of the rules it names
  (the deciding rules of this run: at 1M rows 11 of the 28 decision types, and each branch of
  the union is a pipeline with hash tables of its own, all running side by side).
-#}
{% macro condition_types_in_use(rule_kind, rules=none) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {#- a condition type's dbt unit tests (condition_unit_tests/) name their one type:
        the evaluator compiles with that type only (never set in a real build) -#}
    {%- if var('unit_condition_types', none) is not none -%}{{ return(var('unit_condition_types')) }}{%- endif -%}
    {#- not built yet (dbt compile on an empty warehouse), or a dbt unit test (ref gives the
        fixture's CTE, which has no schema): keep every evaluator -#}
    {%- for relation in [ref('stg_rules__conditions'), ref('stg_rules__rules')] + ([rules] if rules is not none else []) -%}
        {%- if relation.schema is none or load_relation(relation) is none -%}{{ return(none) }}{%- endif -%}
    {%- endfor -%}
    {%- set rows = run_query(
        "select distinct d.condition_type from " ~ ref('stg_rules__conditions') ~ " d"
        ~ " inner join " ~ ref('stg_rules__rules') ~ " r"
        ~ " on r.program = d.program and r.rule_id = d.rule_id"
        ~ (" inner join (select distinct program, rule_id from " ~ rules ~ ") u"
           ~ " on u.program = d.program and u.rule_id = d.rule_id" if rules is not none else "")
        ~ " where r.kind = '" ~ rule_kind ~ "'") -%}
    {{ return(rows.columns[0].values() | list) }}
{%- endmacro %}

{#-
  per_rule: `candidates` has a rule_id column too, and only that rule's conditions are evaluated
  for the charge (fct_decisions: the deciding rule's facts, ~4 conditions a
  decision instead of every condition of every rule).
  facts: where the candidates' facts come from. none: joined here from the charges, the persons
  and the supervision periods, for each condition type (int_rule_conditions_evaluated, the scope,
  the unit tests). A relation of int_rule_candidate_facts rows: read from it (the rule waves and
  fct_decisions, at statewide size: one join per type instead of five, none when `candidates`
  is that relation itself).
  types_of: a relation of (program, rule_id) rows (condition_types_in_use): evaluators only for
  the types of those rules' conditions.
-#}
{% macro evaluate_conditions(candidates, conditions, rule_kind=none, per_rule=false, facts=none, types_of=none) %}
{% if facts is none %}
{{ supervision_end_ctes() }}
{% endif %}
{#- One evaluator per condition type: the condition__<type> macros of orchestration/rules/conditions -#}
{%- set evaluators = {} -%}
{%- for name in context -%}
    {%- if name.startswith('condition__') -%}{%- do evaluators.update({name[11:]: name}) -%}{%- endif -%}
{%- endfor -%}
{#- only those the rules of this kind use, when that is known (condition_types_in_use) -#}
{%- set in_use = condition_types_in_use(rule_kind, types_of) if rule_kind else none -%}
{%- set needed = [] -%}
{%- for t in evaluators | sort -%}
    {%- if in_use is none or t in in_use -%}{%- do needed.append(t) -%}{%- endif -%}
{%- endfor -%}
{#- a type in use without an evaluator gets no evaluation rows: its conditions count as unknown -#}
{%- for t in (in_use or []) | sort if t not in evaluators -%}
    {%- do log("evaluate_conditions: condition type " ~ t ~ " (" ~ rule_kind ~ " rules) has no SQL"
               ~ " evaluator (no macro condition__" ~ t ~ ", orchestration/rules/conditions/" ~ t
               ~ ".sql): its conditions are not evaluated, so they count as unknown (needs_review)",
               info=True) -%}
{%- endfor -%}
{% for t in needed %}
evaluated_{{ t }} as (
    with cc as (
        {{- charge_condition_facts(candidates, conditions, t, per_rule, facts) }}
    ),
    {{ context.get(evaluators[t])() }}
    select * from cond_{{ t }}
),
{% endfor %}

evaluated as (
    {%- for t in needed %}
    select
        program, charge_key, rule_id, condition_seq, condition_type, description,
        is_negated, is_time_condition,
        case when is_negated then not raw_value else raw_value end as value,
        case when not is_negated and raw_value is distinct from true then ready_on end as ready_on,
        fact,
        case when raw_value is null then missing end as missing_fact
    from evaluated_{{ t }}
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    -- no condition type to evaluate: no rows, with the columns and their types
    select
        program, charge_key, rule_id, condition_seq, condition_type, description,
        is_negated, is_time_condition,
        cast(null as {{ dbt.type_boolean() }}) as value,
        cast(null as date) as ready_on,
        cast(null as {{ dbt.type_string() }}) as fact,
        cast(null as {{ dbt.type_string() }}) as missing_fact
    from ({{ charge_condition_facts(candidates, conditions, '', per_rule, facts) }}) as cc
    where false
    {%- endfor %}
)
{% endmacro %}

{#-
  The facts one condition type's evaluator reads: one row per candidate charge x condition of
  that type (`condition_type`), with the charge's and the person's facts. Each evaluator gets
  its own `cc`, a CTE nested in its branch of `evaluated`, not one `cc` shared by every branch:
  DuckDB materializes a CTE that several branches read, and then every branch scans the whole
  wide join of every condition (2 s a branch at 1,000,000 rows, ~25 branches). A shared `cc`
  marked `not materialized` avoided that only until the view was stored: DuckDB drops the hint
  from a stored view's SQL (1.5.5), so a later session (`explain`, `trace` reading
  int_rule_conditions_evaluated) materialized it all (one person's explanation at 1,000,000
  rows: over 4 minutes; with this and macros/on_demand.sql, ~6 s). The filter on the type is
  written here, so it holds whatever the engine decides.
-#}
{% macro charge_condition_facts(candidates, conditions, condition_type, per_rule=false, facts=none) %}
{%- if facts is none %}
    -- the facts joined here, from the charge, the person and the supervision periods
    select
        k.program,
        k.charge_key,
        {{ star_except(ref('stg_rules__conditions'), ['program'], 'd') }},
        {{ charge_fact_columns() }}
    from {{ candidates }} as k
    inner join {{ conditions }} as d
        on d.program = k.program {% if per_rule %}and d.rule_id = k.rule_id{% endif %}
    {{ charge_fact_joins('k') }}
{%- elif facts == candidates %}
    -- the candidates are rows of the facts table (int_rule_candidate_facts, or with per_rule
    -- int_decision_candidates: the same rows with the deciding rule_id): no join
    select
        {% if per_rule %}{{ star_except(candidates, ['rule_id'], 'f') }}{% else %}f.*{% endif %},
        {{ star_except(ref('stg_rules__conditions'), ['program'], 'd') }}
    from {{ candidates }} as f
    inner join {{ conditions }} as d
        on d.program = f.program {% if per_rule %}and d.rule_id = f.rule_id{% endif %}
{%- else %}
    -- the facts read from the facts table (int_rule_candidate_facts): one join
    select
        f.*,
        {{ star_except(ref('stg_rules__conditions'), ['program'], 'd') }}
    from {{ candidates }} as k
    inner join {{ facts }} as f on f.program = k.program and f.charge_key = k.charge_key
    inner join {{ conditions }} as d
        on d.program = k.program {% if per_rule %}and d.rule_id = k.rule_id{% endif %}
{%- endif %}
    where d.condition_type = '{{ condition_type }}'
{% endmacro %}

{#-
  The facts of a candidate charge (`c` its int_charges_assembled row, `s` its person, `p` the
  program, `se` / `sp` its supervision ends from supervision_end_ctes()), as the evaluators read
  them from `cc`: the select list and the joins that give it, for the candidate `k`. Written once
  for both places that use it: charge_condition_facts (joined per condition type) and
  int_rule_candidate_facts (one row per in-scope charge, which the rule waves and fct_decisions
  read instead of joining again: one join per condition type instead of five).
-#}
{% macro charge_fact_columns() %}
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
        -- Supervision ends with the sentence, or later if a supervision period runs on (a range:
        -- supervision_ends above); NULL when the source has no supervision data, the sentence
        -- end is unknown or a period is open; the latest NULL too when a period that may have
        -- begun with or after the judgment has no end. supervision_end_missing says why the end
        -- is not one known day.
        case when not s.has_supervision_data or c.sentence_end_date is null
                  or coalesce(se.has_open_period, false) then null
             else greatest(c.sentence_end_date, coalesce(se.last_end, c.sentence_end_date)) end
            as supervision_end_date_earliest,
        case when not s.has_supervision_data or c.sentence_end_date is null
                  or coalesce(se.has_open_period, false) or coalesce(sp.has_open_period, false) then null
             else greatest(c.sentence_end_date, coalesce(se.last_end, c.sentence_end_date),
                           coalesce(sp.last_end, c.sentence_end_date)) end
            as supervision_end_date_latest,
        case when not s.has_supervision_data
             then 'end of supervision (the source has no supervision records)'
             when c.sentence_end_date is null then 'exact supervision end date (the end of the sentence is not known)'
             when coalesce(se.has_open_period, false)
             then 'exact supervision end date (a supervision period with no end date: ' || se.open_periods || ')'
             when sp.possible_periods is not null
             then 'dates of supervision period(s) that may have begun with or after the judgment ('
                  || {{ supervision_date_text('c.disposition_date_earliest', 'c.disposition_date_latest') }}
                  || ') and would end the supervision after '
                  || cast(greatest(c.sentence_end_date, coalesce(se.last_end, c.sentence_end_date)) as {{ dbt.type_string() }})
                  || ': ' || sp.possible_periods end
            as supervision_end_missing,
        s.dob_earliest,
        s.dob_latest,
        s.dob_precision,
        s.is_deceased,
        s.deceased_source,
        s.has_supervision_data,
        s.supervision_data,
        s.has_registration_data
{% endmacro %}

{% macro charge_fact_joins(k) %}
    inner join {{ ref('stg_rules__programs') }} as p on p.program = {{ k }}.program
    inner join {{ ref('int_charges_assembled') }} as c on c.charge_key = {{ k }}.charge_key
    inner join {{ ref('int_persons_unioned') }} as s on s.person_key = c.person_key
    left join supervision_ends as se on se.charge_key = c.charge_key
    left join supervision_ends_possible as sp on sp.charge_key = c.charge_key
{% endmacro %}

{#-
  The end of supervision of a charge (cc.supervision_end_date_earliest / _latest: the anchor of
  PC 1203.425 route (III)'s 4 years and window, a range like the other dates): the later of the
  sentence end and the ends of the person's supervision periods that began with or after the
  judgment. Whether a period began with or after it is three-valued, from the date ranges of its
  start and of the disposition date:
    true   start_date_earliest >= disposition_date_latest: it counts, as before;
    false  start_date_latest < disposition_date_earliest: it began before, not this charge's;
    NULL   a start not recorded, or a partial start (or judgment date) around the judgment.
  The certain end (sentence and true periods) is the earliest the supervision can have ended; a
  NULL period that ends later moves the latest to its end, and one with no end (or an unreadable
  one) leaves the latest unknown (NULL). anchor_date() gives NULL when the latest is unknown,
  else the range, so a waiting period or window is decided where every possible end agrees and
  is unknown (needs_review) where they do not, naming the period's dates
  (supervision_end_missing). Leaving such a period out read the supervision as ended too early,
  so a wait could read as over (fail open); one that ends on or before the certain end changes
  nothing.
  Used by evaluate_conditions (facts joined per type) and int_rule_candidate_facts. CTEs, each
  followed by a comma.
-#}
{% macro supervision_end_ctes() %}
supervision_periods_after as (
    select
        c.charge_key,
        c.sentence_end_date,
        case when s.start_date_earliest >= c.disposition_date_latest then true
             when s.start_date_latest < c.disposition_date_earliest then false end as began_after,
        s.end_date_latest,
        {{ supervision_period_text('s') }} as period_text
    from {{ ref('int_charges_assembled') }} as c
    inner join {{ ref('int_supervision_unioned') }} as s
        on s.person_key = c.person_key
        and (s.start_date_latest >= c.disposition_date_earliest
             or s.start_date_latest is null or c.disposition_date_earliest is null)
),

supervision_ends as (
    -- Per charge: the periods that certainly began with or after the judgment.
    select
        charge_key,
        bool_or(began_after and end_date_latest is null) as has_open_period,
        max(case when began_after then end_date_latest end) as last_end,
        {{ dbt.listagg("case when began_after and end_date_latest is null then period_text end", "'; '",
                       "order by period_text") }} as open_periods
    from supervision_periods_after
    group by charge_key
),

supervision_ends_possible as (
    -- Per charge: the periods that may have begun with or after the judgment and would end
    -- the supervision later than the certain end (or have no end).
    select
        p.charge_key,
        bool_or(p.end_date_latest is null) as has_open_period,
        max(p.end_date_latest) as last_end,
        {{ dbt.listagg("p.period_text", "'; '", "order by p.period_text") }} as possible_periods
    from supervision_periods_after as p
    left join supervision_ends as e on e.charge_key = p.charge_key
    where p.began_after is null
        and (p.end_date_latest is null
             or p.end_date_latest > greatest(p.sentence_end_date, coalesce(e.last_end, p.sentence_end_date)))
    group by p.charge_key
),
{% endmacro %}

