{#-
  Does a rule's verdict decide the charge? Rules are tried in order; the first that decides wins:
  one that holds, an `eligible` rule held up by time conditions alone (not_yet_eligible), or one
  that cannot be decided and says on_unknown: review (needs_review). `r` is the alias of a row
  with the verdict and the rule's outcome and on_unknown: rule_verdicts stores it as `decides`,
  which fct_decisions picks the decision with and int_rule_charges_undecided the charges the
  first wave left undecided: one definition keeps the two in step.
-#}
{% macro is_decisive(r) -%}
    coalesce({{ r }}.verdict = 'holds'
     or ({{ r }}.verdict = 'waiting' and {{ r }}.outcome = 'eligible')
     or ({{ r }}.verdict = 'unknown' and {{ r }}.on_unknown = 'review'), false)
{%- endmacro %}

{#-
  Each rule's verdict per candidate charge, from its conditions' evaluation rows:
    holds    every condition true
    waiting  the only conditions standing in the way are time conditions that will become
             true on known dates (eligible_on = the latest of them) and none is unknown
    unknown  a condition cannot be decided (and none fails for good)
    fails    a condition is false for good
  Fail closed: a condition with no evaluation row (no evaluator for its type, or one that
  dropped the charge) is unknown, never true. Only a rule with no conditions at all holds
  without evaluations.
  candidates: (program, charge_key); rules: rows of stg_rules__rules to decide;
  evaluations: evaluation rows (program, charge_key, rule_id, value, ready_on,
  is_time_condition) of those rules. One SELECT, no CTE names of its own, so a model can use it
  more than once. No text, and none of the rule's own columns (outcome, relief, reason,
  citations: the same on every row of a rule) but whether the verdict decides: fct_decisions
  joins them from stg_rules__rules for the deciding rule only (at 1M rows, writing them on
  ~3.9M rows was a third of int_rule_results).
-#}
{% macro rule_verdicts(candidates, rules, evaluations) -%}
select
    program,
    charge_key,
    rule_id,
    rule_order,
    verdict,
    {{ is_decisive('v') }} as decides,
    eligible_on,
    conditions_unevaluated
from (
    select
        program,
        charge_key,
        rule_id,
        rule_order,
        outcome,
        on_unknown,
        case
            -- false AND unknown is false (three-valued logic): a false condition still fails the rule
            when hard_failures > 0 then 'fails'
            when conditions_unevaluated <> 0 or unknowns > 0 then 'unknown'
            when waits > 0 then 'waiting'
            else 'holds'
        end as verdict,
        case when hard_failures = 0 then eligible_on end as eligible_on,
        conditions_unevaluated
    from (
        select
            k.program,
            k.charge_key,
            r.rule_id,
            r.rule_order,
            r.outcome,
            r.on_unknown,
            coalesce(p.hard_failures, 0) as hard_failures,
            coalesce(p.waits, 0) as waits,
            coalesce(p.unknowns, 0) as unknowns,
            p.eligible_on,
            -- conditions of the rule that gave no evaluation row for this charge
            coalesce(n.conditions_defined, 0) - coalesce(p.conditions_evaluated, 0) as conditions_unevaluated
        from {{ candidates }} as k
        inner join {{ rules }} as r on r.program = k.program
        left join (
            -- How many conditions each rule has: every one must give an evaluation row per charge.
            select program, rule_id, count(*) as conditions_defined
            from {{ ref('stg_rules__conditions') }}
            group by program, rule_id
        ) as n on n.program = r.program and n.rule_id = r.rule_id
        left join (
            select
                program,
                charge_key,
                rule_id,
                count(*) as conditions_evaluated,
                count(case when value = false and not (is_time_condition and ready_on is not null) then 1 end) as hard_failures,
                count(case when value = false and is_time_condition and ready_on is not null then 1 end) as waits,
                count(case when value is null then 1 end) as unknowns,
                max(case when value = false and is_time_condition then ready_on end) as eligible_on
            from {{ evaluations }}
            group by program, charge_key, rule_id
        ) as p
            on p.program = k.program and p.charge_key = k.charge_key and p.rule_id = r.rule_id
    ) as counted
) as v
{%- endmacro %}

{#- The enabled decision rules of one evaluation wave (1 or 2); `r` its alias. -#}
{% macro rules_of_wave(wave, r='r') -%}
    {{ r }}.kind = 'decision' and {{ r }}.is_enabled
    and {% if wave == 1 %}{{ r }}.evaluation_wave is distinct from 2{% else %}{{ r }}.evaluation_wave = 2{% endif %}
{%- endmacro %}

{#- The conditions of the enabled decision rules (of one wave, or of every wave). -#}
{% macro decision_rule_conditions(wave=none) -%}
    select d.*
    from {{ ref('stg_rules__conditions') }} as d
    inner join {{ ref('stg_rules__rules') }} as r
        on r.program = d.program and r.rule_id = d.rule_id
    where {% if wave %}{{ rules_of_wave(wave) }}{% else %}r.kind = 'decision' and r.is_enabled{% endif %}
{%- endmacro %}

{#-
  The deciding rule's conditions with their texts, for the decision table's facts: CTEs ending
  with `evaluated`. `chosen` is int_decision_candidates: the facts of each decided charge with
  its deciding rule_id (each condition type's branch reads it and joins only the rulebook's
  conditions). `types_of`: see condition_types_in_use. On DuckDB and
  PostgreSQL the rule's conditions are evaluated again, for that rule only (~4 conditions a
  decision: int_rule_conditions_evaluated is a view there, and computing it all would evaluate
  every condition of every rule). On Spark int_rule_conditions_evaluated is a table, and one query
  holding every evaluator's plan ran the driver out of heap: the rows are read from the table.
  The model that calls it declares `-- depends_on: int_rule_conditions_evaluated`.
-#}
{% macro deciding_rule_evaluations(chosen, types_of=none) -%}
    {{ return(adapter.dispatch('deciding_rule_evaluations')(chosen, types_of)) }}
{%- endmacro %}

{% macro default__deciding_rule_evaluations(chosen, types_of=none) -%}
chosen_conditions as (
    {{ decision_rule_conditions() }}
),

{{ evaluate_conditions(chosen, 'chosen_conditions', rule_kind='decision', per_rule=true,
                       facts=chosen, types_of=types_of) }}
{%- endmacro %}

{% macro spark__deciding_rule_evaluations(chosen, types_of=none) -%}
evaluated as (
    select e.*
    from {{ ref('int_rule_conditions_evaluated') }} as e
    inner join {{ chosen }} as c
        on c.program = e.program and c.charge_key = e.charge_key and c.rule_id = e.rule_id
)
{%- endmacro %}

{#-
  The deciding rule of each charge (int_decision_rules): the first rule in rule_order whose
  verdict decides (is_decisive), with its verdict, eligible_on and conditions_unevaluated, the
  rule's own columns from the rulebook (outcome, relief, reason, citations) and the rules trace:
  every rule tried, in order, up to and including the one that decided ("rule_id=verdict; ...").
  `results` are rows of int_rule_results. One row per (program, charge_key) that some rule
  decides. One SELECT, no CTE names of its own.
-#}
{% macro decision_rules(results) -%}
    {{ return(adapter.dispatch('decision_rules')(results)) }}
{%- endmacro %}

{% macro default__decision_rules(results) -%}
select
    c.program,
    c.charge_key,
    c.rule_id,
    c.rule_order,
    c.verdict,
    c.eligible_on,
    c.conditions_unevaluated,
    r.outcome,
    r.relief,
    r.reason,
    r.citations,
    t.rules_trace
from (
    select
        d.*,
        row_number() over (partition by d.program, d.charge_key order by d.rule_order) as pick
    from {{ results }} as d
    where d.decides
) as c
inner join {{ ref('stg_rules__rules') }} as r on r.program = c.program and r.rule_id = c.rule_id
left join (
    select
        x.program,
        x.charge_key,
        {{ seq_listagg("x.rule_id || '=' || x.verdict", "x.rule_order", "'; '", max_from='rule_order') }} as rules_trace
    from {{ results }} as x
    inner join (
        select program, charge_key, min(rule_order) as rule_order
        from {{ results }}
        where decides
        group by program, charge_key
    ) as u
        on u.program = x.program and u.charge_key = x.charge_key and x.rule_order <= u.rule_order
    group by x.program, x.charge_key
) as t on t.program = c.program and t.charge_key = c.charge_key
where c.pick = 1
{%- endmacro %}

{#- DuckDB: one pass over the results, an aggregate of fixed-size states (which spill under the
    memory limit), no window and no join on rule_order: the deciding rule is the group's lowest
    rule_order that decides (`upto`), its eligible_on and conditions_unevaluated are arg_min_null
    of that order, and each position keeps its verdict only (a short string DuckDB stores
    inline: the rule ids made the aggregate run out of a 2 GB limit at 1M rows); the rule ids
    and the rule's own columns are the law's, joined from the rulebook by position. The join
    with a `<=` condition was ~40% of fct_decisions at 1M rows; the window, a third. -#}
{% macro duckdb__decision_rules(results) -%}
    {%- set n = rulebook_max_position('rule_order') -%}
select
    t.program,
    t.charge_key,
    r.rule_id,
    t.upto as rule_order,
    case t.upto
    {%- for i in range(0, n + 1) %}
        when {{ i }} then t.verdict_{{ i }}
    {%- endfor %}
    end as verdict,
    t.eligible_on,
    t.conditions_unevaluated,
    r.outcome,
    r.relief,
    r.reason,
    r.citations,
    nullif(concat_ws('; '
    {%- for i in range(0, n + 1) %},
        case when {{ i }} <= t.upto then ids.rule_{{ i }} || '=' || t.verdict_{{ i }} end
    {%- endfor %}), '') as rules_trace
from (
    select
        x.program,
        x.charge_key,
        min(case when x.decides then x.rule_order end) as upto,
        arg_min_null(x.eligible_on, x.rule_order) filter (where x.decides) as eligible_on,
        arg_min_null(x.conditions_unevaluated, x.rule_order) filter (where x.decides) as conditions_unevaluated
        {%- for i in range(0, n + 1) %},
        any_value(x.verdict) filter (where x.rule_order = {{ i }}) as verdict_{{ i }}
        {%- endfor %}
    from {{ results }} as x
    group by x.program, x.charge_key
    having min(case when x.decides then x.rule_order end) is not null
) as t
inner join {{ ref('stg_rules__rules') }} as r on r.program = t.program and r.rule_order = t.upto
inner join (
    select
        program
        {%- for i in range(0, n + 1) %},
        any_value(rule_id) filter (where rule_order = {{ i }}) as rule_{{ i }}
        {%- endfor %}
    from {{ ref('stg_rules__rules') }}
    group by program
) as ids on ids.program = t.program
{%- endmacro %}
