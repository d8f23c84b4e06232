-- depends_on: {{ ref('int_rule_conditions_evaluated') }}
-- What the data said for the deciding rule's conditions (the "why" of each decision): the
-- rule's conditions evaluated again, with their texts, for that rule only (~4 conditions a
-- decision), and the missing facts of those that cannot be decided.
-- Grain: one row per (program, charge_key) of int_decision_rules.
-- The deciding rule's conditions with their texts, as CTE `evaluated`
-- (macros/rule_verdicts.sql: evaluated again on DuckDB and PostgreSQL, read on Spark), for the
-- condition types of the rules that decide something in this run only, on the facts joined
-- once with the deciding rule (int_decision_candidates).
with {{ deciding_rule_evaluations(ref('int_decision_candidates'), types_of=ref('int_decision_rules')) }},

chosen_facts as (
    select
        e.program,
        e.charge_key,
        {{ seq_listagg("e.fact", "e.condition_seq", "'; '") }} as facts,
        {{ seq_listagg("e.missing_fact", "e.condition_seq", "'; '") }} as missing_facts
    from evaluated as e
    group by e.program, e.charge_key
),

incomplete as (
    -- Fail closed: a deciding rule some of whose conditions gave no evaluation row is unknown
    -- (int_rule_results); those conditions have no row, so no missing fact, in the
    -- evaluation above: name them here.
    select program, charge_key, rule_id from {{ ref('int_decision_rules') }} where conditions_unevaluated <> 0
),

chosen_unevaluated as (
    select
        program,
        charge_key,
        {{ dbt.listagg("missing_fact", "'; '", "order by condition_seq") }} as missing_facts
    from ({{ unevaluated_conditions('incomplete', 'evaluated') }}) as u
    group by program, charge_key
)

select
    k.program,
    k.charge_key,
    f.facts,
    case
        when u.missing_facts is not null and f.missing_facts is not null
            then f.missing_facts || '; ' || u.missing_facts
        when u.missing_facts is not null then u.missing_facts
        -- more evaluation rows than conditions: not one per condition, so not to be trusted
        when k.conditions_unevaluated <> 0
            then coalesce(f.missing_facts || '; ', '') || 'one evaluation per condition of rule ' || k.rule_id
        else f.missing_facts
    end as missing_facts
from {{ ref('int_decision_rules') }} as k
left join chosen_facts as f on f.program = k.program and f.charge_key = k.charge_key
left join chosen_unevaluated as u on u.program = k.program and u.charge_key = k.charge_key
