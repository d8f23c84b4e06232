-- Law cases: every expectation of rules/<state>/cases/*.yaml holds in the decision table.
-- Returns one row per expectation the decision does not meet: the case, its file, the charge,
-- what differed, and the decision's own account (reasons, missing facts).
{#
  Only the law-case runner (scripts/law_cases.py, `make law-cases`) enables it: it writes
  law_cases.expected into a scratch warehouse and builds with --vars '{law_cases: true}'.
  Elsewhere there is no law_cases schema and the test is disabled. The failing rows are kept
  in law_cases.failures for the runner to print.
#}
{{ config(
    enabled=var('law_cases', false),
    store_failures=true,
    schema='law_cases',
    alias='failures',
) }}
with expected as (
    select * from {{ source('law_cases', 'expected') }}
),

decisions as (
    -- a case is one canonical extract (the runner's folder name) of one person, id P
    select * from {{ ref('fct_decisions') }} where source_system = 'canonical'
),

compared as (
    select
        e.*,
        d.charge_key is not null as decided,
        d.determination as got_determination,
        d.relief as got_relief,
        d.eligible_on as got_eligible_on,
        d.decisive_rule as got_rule,
        d.reasons as got_reasons,
        d.missing_facts as got_missing_facts
    from expected as e
    left join decisions as d
        on d.program = e.program
        and d.person_key = 'canonical:' || e.extract_name || ':P'
        and d.charge_ref = e.charge_ref
),

differences as (
    select
        *,
        case when not decided then 'no decision under ' || program end as no_decision,
        case when decided and got_determination <> determination
            then 'determination' end as d_determination,
        case when decided and relief is not null and got_relief is distinct from relief
            then 'relief' end as d_relief,
        case when decided and eligible_on is not null
                and got_eligible_on is distinct from eligible_on
            then 'eligible_on' end as d_eligible_on,
        case when decided and rule is not null and got_rule is distinct from rule
            then 'rule' end as d_rule,
        case when decided and missing is not null
                and position(missing in coalesce(got_missing_facts, '')) = 0
            then 'missing' end as d_missing,
        case when decided and reason is not null
                and position(reason in coalesce(got_reasons, '')) = 0
            then 'reason' end as d_reason
    from compared
)

select
    case_id,
    title,
    file,
    program,
    extract_name,
    charge_ref,
    concat_ws(', ', no_decision, d_determination, d_relief, d_eligible_on, d_rule, d_missing,
              d_reason) as differs,
    determination,
    relief,
    eligible_on,
    rule,
    missing,
    reason,
    got_determination,
    got_relief,
    got_eligible_on,
    got_rule,
    got_reasons,
    got_missing_facts
from differences
where coalesce(no_decision, d_determination, d_relief, d_eligible_on, d_rule, d_missing,
               d_reason) is not null
