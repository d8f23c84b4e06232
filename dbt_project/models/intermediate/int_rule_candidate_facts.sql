-- The facts the condition evaluators read, once per in-scope charge and law: the charge
-- (int_charges_assembled), the person (int_persons_unioned), the end of supervision
-- (macros/evaluate_conditions.sql supervision_end_ctes) and the law's as-of date. The same
-- columns and SQL as the `cc` rows the evaluator joins itself (charge_fact_columns /
-- charge_fact_joins), stored once so that the rule waves and fct_decisions read them with one
-- join per condition type instead of five (at 1,000,000 rows, each of ~25 types joined the
-- 956k charges and the persons again).
-- Grain: program x charge_key, the rows of int_program_charges_scoped.
with candidates as (
    select program, charge_key from {{ ref('int_program_charges_scoped') }}
),

{{ supervision_end_ctes() }}

facts as (
    select
        k.program,
        k.charge_key,
        {{ charge_fact_columns() }}
    from candidates as k
    {{ charge_fact_joins('k') }}
)

select * from facts
