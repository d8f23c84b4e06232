-- The criteria behind every decision: one row per decision (program x charge) and condition of
-- every rule tried, up to and including the deciding rule: met / not met / unknown, the values
-- used (fact), the fact that was missing, and the rule's citation. `cleanslate explain` prints it.
-- A condition that gave no evaluation row is listed as unknown (fail closed).
-- A view, computed on demand from int_rule_conditions_evaluated (itself a view): `explain` and
-- `trace` name the charges they print (macros/on_demand.sql) and only those are evaluated; read
-- whole, it evaluates every rule for every charge. The deciding rule's facts are also in the
-- decision table (facts, missing_facts). Spark reads models back from their files, so there it
-- stays a table.
{{ config(materialized=('table' if target.type == 'spark' else 'view'), meta={'on_demand': true}) }}
with decisions as (
    select program, charge_key, decisive_rule from {{ ref('fct_decisions') }}
    where {{ only_requested_charges('charge_key') }}  -- explain / trace: their charges only
),

rules as (
    select * from {{ ref('stg_rules__rules') }}
),

decisive_order as (
    select d.program, d.charge_key, r.rule_order as decisive_order
    from decisions as d
    left join rules as r on r.program = d.program and r.rule_id = d.decisive_rule
),

incomplete as (
    select program, charge_key, rule_id
    from {{ ref('int_rule_results') }}
    where conditions_unevaluated <> 0
      and {{ only_requested_charges('charge_key') }}
),

evaluated as (
    -- read once: the missing evaluations below are looked up here, not in the view again
    select
        program, charge_key, rule_id, condition_seq, condition_type, description,
        value, ready_on, fact, missing_fact
    from {{ ref('int_rule_conditions_evaluated') }}
),

evaluations as (
    select * from evaluated
    union all
    -- Fail closed: a condition the SQL evaluator gave no result for is listed as unknown
    -- (int_rule_results counts it so), not left out.
    select
        program, charge_key, rule_id, condition_seq, condition_type, description,
        cast(null as boolean) as value,
        cast(null as date) as ready_on,
        'not evaluated (the SQL evaluator gave no result)' as fact,
        missing_fact
    from ({{ unevaluated_conditions('incomplete', 'evaluated') }}) as u
)

select
    e.program,
    e.charge_key,
    e.rule_id,
    r.rule_order,
    e.condition_seq,
    e.condition_type,
    e.description,
    case when e.value then 'met' when not e.value then 'not_met' else 'unknown' end as result,
    e.ready_on,
    e.fact,
    e.missing_fact,
    r.outcome as rule_outcome,
    r.citations,
    r.rule_id = d.decisive_rule or (r.rule_id = 'scope' and d.decisive_rule = 'scope') as is_decisive_rule
from evaluations as e
inner join rules as r on r.program = e.program and r.rule_id = e.rule_id
inner join decisive_order as o on o.program = e.program and o.charge_key = e.charge_key
inner join decisions as d on d.program = e.program and d.charge_key = e.charge_key
where o.decisive_order is null or r.rule_order <= o.decisive_order
