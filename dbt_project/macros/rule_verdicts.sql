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
  with `evaluated`. `chosen` names a CTE of (program, charge_key, rule_id). On DuckDB and
  PostgreSQL the rule's conditions are evaluated again, for that rule only (~4 conditions a
  decision: int_rule_conditions_evaluated is a view there, and computing it all would evaluate
  every condition of every rule). On Spark int_rule_conditions_evaluated is a table, and one query
  holding every evaluator's plan ran the driver out of heap: the rows are read from the table.
  The model that calls it declares `-- depends_on: int_rule_conditions_evaluated`.
-#}
{% macro deciding_rule_evaluations(chosen) -%}
    {{ return(adapter.dispatch('deciding_rule_evaluations')(chosen)) }}
{%- endmacro %}

{% macro default__deciding_rule_evaluations(chosen) -%}
chosen_conditions as (
    {{ decision_rule_conditions() }}
),

{{ evaluate_conditions(chosen, 'chosen_conditions', rule_kind='decision', per_rule=true,
                       facts=ref('int_rule_candidate_facts')) }}
{%- endmacro %}

{% macro spark__deciding_rule_evaluations(chosen) -%}
evaluated as (
    select e.*
    from {{ ref('int_rule_conditions_evaluated') }} as e
    inner join {{ chosen }} as c
        on c.program = e.program and c.charge_key = e.charge_key and c.rule_id = e.rule_id
)
{%- endmacro %}

{#-
  The rules trace of each decision: every rule tried, in order, up to and including the one
  that decided ("rule_id=verdict; ..."), NULL when no rule decided. `results` are rows of
  int_rule_results, `chosen` the deciding rule per (program, charge_key) with its rule_order.
  One SELECT grouped by (program, charge_key).
-#}
{% macro rules_trace(results, chosen) -%}
    {{ return(adapter.dispatch('rules_trace')(results, chosen)) }}
{%- endmacro %}

{% macro default__rules_trace(results, chosen) -%}
select
    r.program,
    r.charge_key,
    {{ seq_listagg("r.rule_id || '=' || r.verdict", "r.rule_order", "'; '", max_from='rule_order') }} as rules_trace
from {{ results }} as r
inner join {{ chosen }} as c
    on c.program = r.program and c.charge_key = r.charge_key and r.rule_order <= c.rule_order
group by r.program, r.charge_key
{%- endmacro %}

{#- DuckDB: one pass over the results, no join on rule_order. Each position keeps the verdict
    only (a short string DuckDB stores inline: the rule ids made the aggregate run out of a 2 GB
    limit at 1M rows), up to the group's first decisive rule (the rule `chosen` picks: the lowest
    rule_order that decides); the rule ids are the law's, joined from the rulebook by position.
    The join with a `<=` condition above was ~40% of fct_decisions at 1M rows. -#}
{% macro duckdb__rules_trace(results, chosen) -%}
    {%- set n = rulebook_max_position('rule_order') -%}
select
    t.program,
    t.charge_key,
    nullif(concat_ws('; '
    {%- for i in range(0, n + 1) %},
        case when {{ i }} <= t.upto then ids.rule_{{ i }} || '=' || t.verdict_{{ i }} end
    {%- endfor %}), '') as rules_trace
from (
    select
        r.program,
        r.charge_key,
        min(case when r.decides then r.rule_order end) as upto
        {%- for i in range(0, n + 1) %},
        any_value(r.verdict) filter (where r.rule_order = {{ i }}) as verdict_{{ i }}
        {%- endfor %}
    from {{ results }} as r
    group by r.program, r.charge_key
    having min(case when r.decides then r.rule_order end) is not null
) as t
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
