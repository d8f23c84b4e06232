{{ config(materialized=("view" if target.type == "spark" else "table")) }}
-- The facts the condition evaluators read (int_rule_candidate_facts), for the charges some rule
-- decides, with that rule (int_decision_rules.rule_id): what int_decision_facts evaluates the
-- deciding rule's conditions on. Joined once here: int_decision_facts evaluates each condition
-- type in a branch of its own, and when every branch joined the deciding rules with the facts
-- itself, the branches' hash tables (all built side by side) ran fct_decisions out of a 3 GB
-- DuckDB limit at 10M rows; reading this table, a branch joins only the rulebook's conditions.
-- Grain: one row per (program, charge_key) of int_decision_rules.
select
    f.*,
    k.rule_id
from {{ ref('int_decision_rules') }} as k
inner join {{ ref('int_rule_candidate_facts') }} as f
    on f.program = k.program and f.charge_key = k.charge_key
