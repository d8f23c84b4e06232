-- Which charges each law applies to: the law is in effect on the as-of date, the charge is in
-- the law's jurisdiction, and every scope condition holds (true) or cannot be decided (NULL,
-- e.g. "11357(A)" with no code abbreviation), which becomes needs_review.
-- Fail closed: a scope condition with no evaluation row (its type has no evaluator in
-- orchestration/rules/conditions/, or its evaluator dropped the charge) cannot be decided either:
-- in_scope NULL, naming the condition, never silently in (or out of) scope. A false condition
-- still puts the charge out of scope (false AND unknown is false).
with candidates as (
    select p.program, c.charge_key
    from {{ ref('stg_rules__programs') }} as p
    inner join {{ ref('int_charges_assembled') }} as c on c.jurisdiction = p.jurisdiction
    where p.is_in_effect
),

conditions as (
    select d.*
    from {{ ref('stg_rules__conditions') }} as d
    inner join {{ ref('stg_rules__rules') }} as r
        on r.program = d.program and r.rule_id = d.rule_id
    where r.kind = 'scope'
),

{{ evaluate_conditions('candidates', 'conditions', rule_kind='scope') }},

defined as (
    select program, count(*) as conditions_defined from conditions group by program
),

per_charge as (
    -- Values only: whether the charge is out of scope (a condition false), or undecidable.
    select
        program,
        charge_key,
        coalesce(bool_or(not value), false) as any_false,
        count(case when value is null then 1 end) as unknowns,
        count(*) as conditions_evaluated
    from evaluated
    group by program, charge_key
),

texts as (
    -- The texts, of the charges a false condition does not put out of scope only (most
    -- candidates are out: ~4 in 5 at 1,000,000 rows, and their texts would be thrown away).
    select
        e.program,
        e.charge_key,
        -- which conditions answered (unordered; read only when some did not)
        {{ seq_listagg("cast(e.condition_seq as " ~ dbt.type_string() ~ ")", "e.condition_seq", "','") }} as evaluated_seqs,
        {{ seq_listagg("e.missing_fact", "e.condition_seq", "'; '") }} as scope_missing_facts,
        {{ seq_listagg("e.fact", "e.condition_seq", "'; '") }} as scope_facts
    from evaluated as e
    inner join per_charge as v
        on v.program = e.program and v.charge_key = e.charge_key and not v.any_false
    group by e.program, e.charge_key
),

checked as (
    -- every candidate, also one no condition answered for
    select
        k.program,
        k.charge_key,
        coalesce(n.conditions_defined, 0) as conditions_defined,
        coalesce(e.conditions_evaluated, 0) as conditions_evaluated,
        coalesce(n.conditions_defined, 0) - coalesce(e.conditions_evaluated, 0) as conditions_unevaluated,
        coalesce(e.unknowns, 0) as unknowns,
        t.evaluated_seqs,
        t.scope_missing_facts,
        t.scope_facts
    from candidates as k
    left join defined as n on n.program = k.program
    left join per_charge as e on e.program = k.program and e.charge_key = k.charge_key
    left join texts as t on t.program = k.program and t.charge_key = k.charge_key
    where not coalesce(e.any_false, false)
),

unevaluated as (
    -- The scope conditions that gave no evaluation row, by name (no rows unless one is missing).
    select
        c.program,
        c.charge_key,
        {{ dbt.listagg(unevaluated_condition('d'), "'; '", "order by d.condition_seq") }} as missing
    from checked as c
    inner join conditions as d on d.program = c.program
    where c.conditions_unevaluated <> 0
      and position(',' || cast(d.condition_seq as {{ dbt.type_string() }}) || ','
                   in ',' || coalesce(c.evaluated_seqs, '') || ',') = 0
    group by c.program, c.charge_key
)

select
    c.program,
    c.charge_key,
    case when c.conditions_unevaluated <> 0 or c.unknowns > 0 then null else true end as in_scope,
    case
        when u.missing is not null and c.scope_missing_facts is not null
            then c.scope_missing_facts || '; ' || u.missing
        when u.missing is not null then u.missing
        -- more evaluation rows than conditions: not one per condition, so not to be trusted
        when c.conditions_unevaluated <> 0
            then coalesce(c.scope_missing_facts || '; ', '') || 'one evaluation per scope condition (the SQL evaluator gave '
                 || cast(c.conditions_evaluated as {{ dbt.type_string() }}) || ' for '
                 || cast(c.conditions_defined as {{ dbt.type_string() }}) || ')'
        else c.scope_missing_facts
    end as scope_missing_facts,
    c.scope_facts
from checked as c
left join unevaluated as u on u.program = c.program and u.charge_key = c.charge_key
